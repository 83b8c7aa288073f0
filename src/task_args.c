/* task_args.c - argument handling shared by the task commands. */
#include "task_args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char task_args_usage[] =
    "  --truncate         cut texts longer than the model instead of failing\n";

static int set_count(struct task_args *a, const char *cmd, const char *flag, const char *value,
                     int key)
{
    long long n = cli_parse_count(value);
    if (n < 0 || electra_options_set_int(a->model.options, key, n))
        return cli_error(cmd, CLI_USAGE, "%s wants a whole number, not '%s'", flag, value);
    return 0;
}

static int split_targets(struct task_args *a, const char *cmd, const char *list)
{
    size_t n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ',';
    a->targets = calloc(n, sizeof *a->targets);
    char *copy = strdup(list);
    if (!a->targets || !copy) {
        free(copy);
        return cli_error(cmd, CLI_FAIL, "out of memory");
    }
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        a->targets[a->n_targets++] = strdup(t);
    free(copy);
    return 0;
}

static int parse_option(struct task_args *a, const char *cmd, const char *pair_flag, int argc,
                        char **argv, int *i)
{
    const char *opt = argv[*i];
    if (strcmp(opt, "--truncate") == 0)
        return electra_options_set_int(a->model.options, ELECTRA_OPT_TRUNCATION,
                                       ELECTRA_TRUNCATION_LONGEST_FIRST),
               1;
    if (strcmp(opt, "--allow-no-answer") == 0)
        return electra_options_set_int(a->model.options, ELECTRA_OPT_ALLOW_NO_ANSWER, 1), 1;
    static const char *const valued[] = {"--top-k",      "--threshold",      "--aggregation",
                                         "--doc-stride", "--max-answer-len", "--targets"};
    int known = pair_flag && strcmp(opt, pair_flag) == 0;
    for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
        known |= strcmp(opt, valued[k]) == 0;
    if (!known)
        return 0;
    if (*i + 1 >= argc)
        return -cli_error(cmd, CLI_USAGE, "%s needs a value", opt);
    const char *v = argv[++*i];
    int rc = 0;
    if (pair_flag && strcmp(opt, pair_flag) == 0) {
        a->pair = v;
    } else if (strcmp(opt, "--top-k") == 0) {
        rc = set_count(a, cmd, opt, v, ELECTRA_OPT_TOP_K);
    } else if (strcmp(opt, "--doc-stride") == 0) {
        rc = set_count(a, cmd, opt, v, ELECTRA_OPT_DOC_STRIDE);
    } else if (strcmp(opt, "--max-answer-len") == 0) {
        rc = set_count(a, cmd, opt, v, ELECTRA_OPT_MAX_ANSWER_LENGTH);
    } else if (strcmp(opt, "--threshold") == 0) {
        char *end;
        double x = strtod(v, &end);
        if (*end || electra_options_set_float(a->model.options, ELECTRA_OPT_THRESHOLD, x))
            rc = cli_error(cmd, CLI_USAGE, "--threshold wants a number in [0, 1]");
    } else if (strcmp(opt, "--aggregation") == 0) {
        static const char *const names[] = {"none", "simple", "first", "average", "max"};
        int found = -1;
        for (int k = 0; k < 5; k++)
            if (strcmp(v, names[k]) == 0)
                found = k;
        if (found < 0)
            rc = cli_error(cmd, CLI_USAGE, "--aggregation is none, simple, first, average or max");
        else
            electra_options_set_int(a->model.options, ELECTRA_OPT_AGGREGATION, found);
    } else {
        rc = split_targets(a, cmd, v);
    }
    return rc ? -rc : 1;
}

static int read_stdin(struct task_args *a, const char *cmd)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, stdin);
        if (n < cap)
            break;
        char *bigger = realloc(buf, cap *= 2);
        if (!bigger)
            free(buf);
        buf = bigger;
    }
    if (!buf)
        return cli_error(cmd, CLI_FAIL, "out of memory reading stdin");
    /* a trailing newline is not part of the text */
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    a->text = a->text_owned = buf;
    a->text_len = n;
    return 0;
}

int task_args_parse(struct task_args *a, const char *cmd, const char *pair_flag, int argc,
                    char **argv, void (*usage)(void))
{
    memset(a, 0, sizeof *a);
    int rc = model_args_init(&a->model, cmd);
    for (int i = 1; i < argc && !rc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage();
            return CLI_OK;
        }
        int r = model_args_parse(&a->model, cmd, argc, argv, &i);
        if (r == 0)
            r = parse_option(a, cmd, pair_flag, argc, argv, &i);
        if (r < 0)
            rc = -r;
        else if (r == 0 && argv[i][0] == '-' && argv[i][1])
            rc = cli_error(cmd, CLI_USAGE, "unknown option '%s' (see --help)", argv[i]);
        else if (r == 0 && a->text)
            rc = cli_error(cmd, CLI_USAGE, "give one TEXT (quote it)");
        else if (r == 0) {
            a->text = argv[i];
            a->text_len = strlen(argv[i]);
        }
    }
    if (!rc && !a->text)
        rc = cli_error(cmd, CLI_USAGE, "no TEXT given (see --help)");
    if (!rc && strcmp(a->text, "-") == 0)
        rc = read_stdin(a, cmd);
    return rc;
}

void task_args_free(struct task_args *a)
{
    for (size_t i = 0; i < a->n_targets; i++)
        free(a->targets[i]);
    free(a->targets);
    free(a->text_owned);
    model_args_free(&a->model);
}

int task_args_open(struct task_args *a, const char *cmd, electra_model **model,
                   electra_context **context)
{
    return model_args_open(&a->model, cmd, model, context);
}
