/* cmd_fill_mask.c - `electra fill-mask`: the generator's guesses for every
 * [MASK] in a text. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "task_args.h"

static void usage(void)
{
    printf("usage: electra fill-mask [--model DIR] [--top-k N] [--targets W1,W2] [--json] TEXT\n\n"
           "For every [MASK] in TEXT (\"-\" reads stdin), the most likely tokens of a\n"
           "generator (ElectraForMaskedLM) with their probabilities and the filled-in text.\n\n"
           "Without --model it uses the bundled model's generator (models/README.md).\n\n"
           "%s%s"
           "  --top-k N          candidates per mask (default 5)\n"
           "  --targets LIST     only these comma-separated words (first word piece each)\n",
           model_args_usage, task_args_usage);
}

static int print_json(const electra_result *r)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *masks = cJSON_AddArrayToObject(root, "masks");
    cJSON *current = NULL;
    int group = -1;
    for (size_t i = 0; i < electra_result_count(r); i++) {
        if (electra_result_group(r, i) != group) {
            group = electra_result_group(r, i);
            current = cJSON_CreateArray();
            cJSON_AddItemToArray(masks, current);
        }
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "token", electra_result_label(r, i));
        cJSON_AddNumberToObject(c, "token_id", electra_result_id(r, i));
        cJSON_AddNumberToObject(c, "score", electra_result_score(r, i));
        cJSON_AddStringToObject(c, "sequence", electra_result_text(r, i));
        cJSON_AddItemToArray(current, c);
    }
    return cli_print_json(root);
}

static void print_human(const electra_result *r)
{
    int group = -1;
    for (size_t i = 0; i < electra_result_count(r); i++) {
        if (electra_result_group(r, i) != group) {
            group = electra_result_group(r, i);
            printf("%s[MASK] %d (bytes %zu-%zu):\n", group ? "\n" : "", group + 1,
                   electra_result_start(r, i), electra_result_end(r, i));
        }
        printf("  %6.4f  %-16s %s\n", electra_result_score(r, i), electra_result_label(r, i),
               electra_result_text(r, i));
    }
}

static int run(int argc, char **argv)
{
    struct task_args a;
    int rc = task_args_parse(&a, "fill-mask", NULL, argc, argv, usage);
    a.model.bundled_part = "generator";
    electra_model *m = NULL;
    electra_context *ctx = NULL;
    electra_result *r = NULL;
    if (!rc && a.text)
        rc = task_args_open(&a, "fill-mask", &m, &ctx);
    if (!rc && a.text) {
        electra_status s = electra_fill_mask(ctx, a.text, a.text_len,
                                             (const char *const *)a.targets, a.n_targets,
                                             a.model.options, &r);
        if (s)
            rc = cli_status_error("fill-mask", s, electra_context_last_error(ctx));
        else if (a.model.json)
            rc = print_json(r);
        else
            print_human(r);
    }
    electra_result_free(r);
    electra_context_free(ctx);
    electra_model_free(m);
    task_args_free(&a);
    return rc;
}

const struct cli_command cli_cmd_fill_mask = {"fill-mask", "predict the tokens behind [MASK]",
                                              run};
