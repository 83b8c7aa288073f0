/* model_args.c - shared option parsing and loading for model commands. */
#include "model_args.h"

#include <stdio.h>
#include <string.h>

#include "bundled_model.h"
#include "cli.h"

const char model_args_usage[] =
    "  --model DIR        Hugging Face model directory (config.json, weights, vocab)\n"
    "  --threads N        worker threads (default 1)\n"
    "  --weights FORMAT   auto | safetensors | pytorch (default auto)\n"
    "  --kernels KIND     auto | reference (portable CBLAS path)\n"
    "  --precision P      f32 | bf16 | int8: the linear layers' arithmetic (default\n"
    "                     f32; bf16 and int8 are faster and a little less exact,\n"
    "                     where the CPU has AVX512_BF16 / AVX512_VNNI)\n"
    "  --json             print one JSON object\n";

int model_args_init(struct model_args *a, const char *cmd)
{
    memset(a, 0, sizeof *a);
    if (electra_options_create(&a->options))
        return cli_error(cmd, CLI_FAIL, "out of memory");
    return 0;
}

void model_args_free(struct model_args *a)
{
    electra_options_free(a->options);
    a->options = NULL;
}

static int pick(const char *value, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(value, names[i]) == 0)
            return i;
    return -1;
}

int model_args_parse(struct model_args *a, const char *cmd, int argc, char **argv, int *i)
{
    const char *opt = argv[*i];
    if (strcmp(opt, "--json") == 0) {
        a->json = 1;
        return 1;
    }
    int takes_value = strcmp(opt, "--model") == 0 || strcmp(opt, "--threads") == 0 ||
                      strcmp(opt, "--weights") == 0 || strcmp(opt, "--kernels") == 0 ||
                      strcmp(opt, "--precision") == 0;
    if (!takes_value)
        return 0;
    if (*i + 1 >= argc)
        return -cli_error(cmd, CLI_USAGE, "%s needs a value", opt);
    const char *value = argv[++*i];
    if (strcmp(opt, "--model") == 0) {
        a->model_dir = value;
        return 1;
    }
    if (strcmp(opt, "--threads") == 0) {
        long long n = cli_parse_count(value);
        if (n < 1 || electra_options_set_int(a->options, ELECTRA_OPT_THREADS, n))
            return -cli_error(cmd, CLI_USAGE, "--threads wants a number from 1 to 1024");
        return 1;
    }
    /* the values in the order of their enums */
    static const char *const formats[] = {"auto", "safetensors", "pytorch"};
    static const char *const kernels[] = {"auto", "reference"};
    static const char *const precisions[] = {"f32", "bf16", "int8"};
    int key = strcmp(opt, "--weights") == 0  ? ELECTRA_OPT_WEIGHT_FORMAT
              : strcmp(opt, "--kernels") == 0 ? ELECTRA_OPT_KERNELS
                                              : ELECTRA_OPT_PRECISION;
    int v = key == ELECTRA_OPT_WEIGHT_FORMAT ? pick(value, formats, 3)
            : key == ELECTRA_OPT_KERNELS     ? pick(value, kernels, 2)
                                             : pick(value, precisions, 3);
    if (v < 0)
        return -cli_error(cmd, CLI_USAGE, "unknown %s value '%s'", opt, value);
    electra_options_set_int(a->options, key, v);
    return 1;
}

int model_args_open(struct model_args *a, const char *cmd, electra_model **model,
                    electra_context **context)
{
    if (!a->model_dir && a->bundled_part) {
        a->model_dir = bundled_model_dir(a->bundled_part, a->bundled_dir, sizeof a->bundled_dir);
        if (!a->model_dir)
            return cli_error(cmd, CLI_FAIL, "no --model given and no bundled %s in %s",
                             a->bundled_part, bundled_model_places);
    }
    if (!a->model_dir)
        return cli_error(cmd, CLI_USAGE, "--model DIR is required");
    electra_status s = electra_model_load(a->model_dir, a->options, model);
    if (s)
        return cli_status_error(cmd, s, NULL);
    if (!context)
        return 0;
    s = electra_context_create(*model, a->options, context);
    if (s) {
        electra_model_free(*model);
        *model = NULL;
        return cli_status_error(cmd, s, NULL);
    }
    return 0;
}
