/* cmd_qa.c - `electra qa`: extractive question answering. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "task_args.h"

static void usage(void)
{
    printf("usage: electra qa --model DIR --context TEXT [--json] QUESTION\n"
           "       electra qa --model DIR --question Q --context TEXT\n\n"
           "The span of the context that answers the question, from an\n"
           "ElectraForQuestionAnswering model. Long contexts are read in windows.\n\n%s"
           "  --context TEXT     the text to search\n"
           "  --top-k N          answers to give (default 1)\n"
           "  --max-answer-len N longest answer in tokens (default 15)\n"
           "  --doc-stride N     overlap of context windows in tokens (default 128)\n"
           "  --allow-no-answer  may answer \"\" when nothing fits\n",
           model_args_usage);
}

static int run(int argc, char **argv)
{
    /* --question Q is the same as giving Q as the positional text. */
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--question") == 0) {
            memmove(argv + i, argv + i + 1, (size_t)(argc - i - 1) * sizeof *argv);
            argc--;
            break;
        }
    struct task_args a;
    int rc = task_args_parse(&a, "qa", "--context", argc, argv, usage);
    if (!rc && a.text && !a.pair)
        rc = cli_error("qa", CLI_USAGE, "--context TEXT is required");
    electra_model *m = NULL;
    electra_context *ctx = NULL;
    electra_result *r = NULL;
    if (!rc && a.text)
        rc = task_args_open(&a, "qa", &m, &ctx);
    if (!rc && a.text) {
        electra_status s = electra_answer(ctx, a.text, a.text_len, a.pair, strlen(a.pair),
                                          a.model.options, &r);
        if (s) {
            rc = cli_status_error("qa", s, electra_context_last_error(ctx));
        } else if (a.model.json) {
            cJSON *root = cJSON_CreateObject();
            int n = (int)electra_result_count(r);
            for (int i = 0; i < (n ? n : 1); i++) {
                cJSON *o = n > 1 ? cJSON_CreateObject() : root;
                cJSON_AddStringToObject(o, "answer", n ? electra_result_text(r, (size_t)i) : "");
                cJSON_AddNumberToObject(o, "score", n ? electra_result_score(r, (size_t)i) : 0);
                cJSON_AddNumberToObject(o, "start", (double)electra_result_start(r, (size_t)i));
                cJSON_AddNumberToObject(o, "end", (double)electra_result_end(r, (size_t)i));
                if (n > 1) {
                    cJSON *list = cJSON_GetObjectItem(root, "answers");
                    if (!list)
                        list = cJSON_AddArrayToObject(root, "answers");
                    cJSON_AddItemToArray(list, o);
                }
            }
            rc = cli_print_json(root);
        } else {
            for (size_t i = 0; i < electra_result_count(r); i++)
                printf("%.4f  \"%s\" (bytes %zu-%zu)\n", electra_result_score(r, i),
                       electra_result_text(r, i), electra_result_start(r, i),
                       electra_result_end(r, i));
            if (!electra_result_count(r))
                printf("(no answer)\n");
        }
    }
    electra_result_free(r);
    electra_context_free(ctx);
    electra_model_free(m);
    task_args_free(&a);
    return rc;
}

const struct cli_command cli_cmd_qa = {"qa", "answer a question from a context", run};
