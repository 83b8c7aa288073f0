/* cmd_tag.c - `electra tag`: token classification (named entities...). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "task_args.h"

static void usage(void)
{
    printf("usage: electra tag --model DIR [--aggregation S] [--json] TEXT\n\n"
           "Entities found in TEXT (\"-\" reads stdin) by an ElectraForTokenClassification\n"
           "model, grouped as transformers' token-classification pipeline does.\n\n%s%s"
           "  --aggregation S    none | simple | first | average | max (default simple)\n",
           model_args_usage, task_args_usage);
}

static int print_json(const electra_result *r, int grouped)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(root, "entities");
    for (size_t i = 0; i < electra_result_count(r); i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, grouped ? "entity_group" : "entity",
                                electra_result_label(r, i));
        cJSON_AddNumberToObject(o, "score", electra_result_score(r, i));
        if (!grouped)
            cJSON_AddNumberToObject(o, "index", electra_result_flag(r, i));
        cJSON_AddStringToObject(o, "word", electra_result_text(r, i));
        cJSON_AddNumberToObject(o, "start", (double)electra_result_start(r, i));
        cJSON_AddNumberToObject(o, "end", (double)electra_result_end(r, i));
        cJSON_AddItemToArray(list, o);
    }
    return cli_print_json(root);
}

static int run(int argc, char **argv)
{
    struct task_args a;
    int rc = task_args_parse(&a, "tag", NULL, argc, argv, usage);
    electra_model *m = NULL;
    electra_context *ctx = NULL;
    electra_result *r = NULL;
    if (!rc && a.text)
        rc = task_args_open(&a, "tag", &m, &ctx);
    if (!rc && a.text) {
        electra_status s = electra_tag(ctx, a.text, a.text_len, a.model.options, &r);
        int64_t agg = 0;
        electra_options_get_int(a.model.options, ELECTRA_OPT_AGGREGATION, &agg);
        if (s) {
            rc = cli_status_error("tag", s, electra_context_last_error(ctx));
        } else if (a.model.json) {
            rc = print_json(r, agg != ELECTRA_AGGREGATION_NONE);
        } else {
            if (!electra_result_count(r))
                printf("(no entities)\n");
            for (size_t i = 0; i < electra_result_count(r); i++)
                printf("%-10s %.4f  %-24s bytes %zu-%zu\n", electra_result_label(r, i),
                       electra_result_score(r, i), electra_result_text(r, i),
                       electra_result_start(r, i), electra_result_end(r, i));
        }
    }
    electra_result_free(r);
    electra_context_free(ctx);
    electra_model_free(m);
    task_args_free(&a);
    return rc;
}

const struct cli_command cli_cmd_tag = {"tag", "label tokens (named entities, ...)", run};
