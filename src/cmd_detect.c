/* cmd_detect.c - `electra detect`: which tokens a discriminator thinks were
 * replaced. On a terminal the flagged words are shown in colour. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "task_args.h"

static void usage(void)
{
    printf("usage: electra detect [--model DIR] [--threshold P] [--json] TEXT\n\n"
           "Replaced-token detection with a discriminator (ElectraForPreTraining): the\n"
           "probability that each token and word of TEXT (\"-\" reads stdin) was replaced.\n\n"
           "Without --model it uses the bundled model's discriminator (models/README.md).\n\n"
           "%s%s"
           "  --threshold P      flag tokens above this probability (default 0.5)\n",
           model_args_usage, task_args_usage);
}

static int print_json(const electra_result *r)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *tokens = cJSON_AddArrayToObject(root, "tokens");
    cJSON *words = cJSON_AddArrayToObject(root, "words");
    for (size_t i = 0; i < electra_result_count(r); i++) {
        int is_word = electra_result_group(r, i) == 1;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, is_word ? "word" : "token", electra_result_label(r, i));
        cJSON_AddNumberToObject(o, "start", (double)electra_result_start(r, i));
        cJSON_AddNumberToObject(o, "end", (double)electra_result_end(r, i));
        if (!is_word)
            cJSON_AddNumberToObject(o, "logit", electra_result_logit(r, i));
        cJSON_AddNumberToObject(o, "probability", electra_result_score(r, i));
        cJSON_AddBoolToObject(o, "replaced", electra_result_flag(r, i));
        cJSON_AddItemToArray(is_word ? words : tokens, o);
    }
    return cli_print_json(root);
}

/* The text with flagged words marked: bold red on a terminal, [[...]]
 * otherwise; then the per-token table. */
static void print_human(const electra_result *r, const char *text, size_t len, int colour)
{
    size_t at = 0;
    for (size_t i = 0; i < electra_result_count(r); i++) {
        if (electra_result_group(r, i) != 1 || !electra_result_flag(r, i))
            continue;
        size_t s = electra_result_start(r, i), e = electra_result_end(r, i);
        fwrite(text + at, 1, s - at, stdout);
        printf(colour ? "\033[1;31m" : "[[");
        fwrite(text + s, 1, e - s, stdout);
        printf(colour ? "\033[0m" : "]]");
        at = e;
    }
    fwrite(text + at, 1, len - at, stdout);
    printf("\n\n  %-16s %10s %11s\n", "token", "logit", "replaced?");
    for (size_t i = 0; i < electra_result_count(r); i++)
        if (electra_result_group(r, i) == 0)
            printf("  %-16s %10.4f %9.4f%s\n", electra_result_label(r, i),
                   electra_result_logit(r, i), electra_result_score(r, i),
                   electra_result_flag(r, i) ? " *" : "");
}

static int run(int argc, char **argv)
{
    struct task_args a;
    int rc = task_args_parse(&a, "detect", NULL, argc, argv, usage);
    a.model.bundled_part = "discriminator";
    electra_model *m = NULL;
    electra_context *ctx = NULL;
    electra_result *r = NULL;
    if (!rc && a.text)
        rc = task_args_open(&a, "detect", &m, &ctx);
    if (!rc && a.text) {
        electra_status s = electra_detect(ctx, a.text, a.text_len, a.model.options, &r);
        if (s)
            rc = cli_status_error("detect", s, electra_context_last_error(ctx));
        else if (a.model.json)
            rc = print_json(r);
        else
            print_human(r, a.text, a.text_len, cli_stdout_is_tty());
    }
    electra_result_free(r);
    electra_context_free(ctx);
    electra_model_free(m);
    task_args_free(&a);
    return rc;
}

const struct cli_command cli_cmd_detect = {"detect", "find replaced tokens (discriminator)", run};
