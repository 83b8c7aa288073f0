/* cmd_classify.c - `electra classify`: sequence classification. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "task_args.h"

static void usage(void)
{
    printf("usage: electra classify --model DIR [--pair TEXT2] [--json] TEXT\n\n"
           "The label of TEXT (\"-\" reads stdin), or of the pair TEXT + TEXT2, from an\n"
           "ElectraForSequenceClassification model, with every label's score.\n\n%s%s"
           "  --pair TEXT2       second segment of a sentence pair\n",
           model_args_usage, task_args_usage);
}

static int run(int argc, char **argv)
{
    struct task_args a;
    int rc = task_args_parse(&a, "classify", "--pair", argc, argv, usage);
    electra_model *m = NULL;
    electra_context *ctx = NULL;
    electra_result *r = NULL;
    if (!rc && a.text)
        rc = task_args_open(&a, "classify", &m, &ctx);
    if (!rc && a.text) {
        electra_status s = electra_classify(ctx, a.text, a.text_len, a.pair,
                                            a.pair ? strlen(a.pair) : 0, a.model.options, &r);
        if (s) {
            rc = cli_status_error("classify", s, electra_context_last_error(ctx));
        } else if (a.model.json) {
            cJSON *root = cJSON_CreateObject();
            cJSON_AddStringToObject(root, "label", electra_result_label(r, 0));
            cJSON_AddNumberToObject(root, "score", electra_result_score(r, 0));
            cJSON *scores = cJSON_AddObjectToObject(root, "scores");
            for (size_t i = 0; i < electra_result_count(r); i++)
                cJSON_AddNumberToObject(scores, electra_result_label(r, i),
                                        electra_result_score(r, i));
            rc = cli_print_json(root);
        } else {
            for (size_t i = 0; i < electra_result_count(r); i++)
                printf("%-20s %.4f\n", electra_result_label(r, i), electra_result_score(r, i));
        }
    }
    electra_result_free(r);
    electra_context_free(ctx);
    electra_model_free(m);
    task_args_free(&a);
    return rc;
}

const struct cli_command cli_cmd_classify = {"classify", "classify a text or a text pair", run};
