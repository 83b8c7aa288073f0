/* cmd_forward.c - `electra forward`: raw outputs for checking against
 * references (the fixtures' expected/ layout: raw little-endian float32
 * files plus a manifest of their shapes). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "model_args.h"

/* batch x seq integer matrix from inputs.json; NULL when absent. */
static int32_t *read_matrix(const cJSON *root, const char *key, size_t *batch, size_t *seq,
                            const char **err)
{
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!rows)
        return NULL;
    if (!cJSON_IsArray(rows) || !cJSON_GetArraySize(rows)) {
        *err = "must be a non-empty list of lists";
        return NULL;
    }
    size_t b = (size_t)cJSON_GetArraySize(rows);
    size_t s = (size_t)cJSON_GetArraySize(cJSON_GetArrayItem(rows, 0));
    if (!s || b > SIZE_MAX / s / sizeof(int32_t)) {
        *err = "has empty or oversized rows";
        return NULL;
    }
    int32_t *m = malloc(b * s * sizeof *m);
    if (!m) {
        *err = "is too large for memory";
        return NULL;
    }
    size_t i = 0;
    const cJSON *row, *v;
    cJSON_ArrayForEach(row, rows)
    {
        if (!cJSON_IsArray(row) || (size_t)cJSON_GetArraySize(row) != s) {
            *err = "has rows of different lengths";
            free(m);
            return NULL;
        }
        cJSON_ArrayForEach(v, row)
        {
            if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int32_t)v->valuedouble) {
                *err = "holds a value that is not a 32-bit integer";
                free(m);
                return NULL;
            }
            m[i++] = (int32_t)v->valuedouble;
        }
    }
    *batch = b;
    *seq = s;
    return m;
}

static int write_output(const char *cmd, electra_context *ctx, int which, const char *dir,
                        const char *name, cJSON *files)
{
    size_t shape[4], ndim;
    if (electra_output_shape(ctx, which, shape, &ndim))
        return cli_status_error(cmd, ELECTRA_ERR_INTERNAL, NULL);
    size_t n = 1;
    for (size_t i = 0; i < ndim; i++)
        n *= shape[i];
    float *data = malloc(n * sizeof *data);
    if (!data)
        return cli_error(cmd, CLI_FAIL, "out of memory for %s", name);
    electra_output_copy(ctx, which, data, n);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(data, sizeof *data, n, f) == n;
    ok = (f && fclose(f) == 0) && ok;
    free(data);
    if (!ok)
        return cli_error(cmd, CLI_FAIL, "cannot write %s: %s", path, strerror(errno));
    cJSON *entry = cJSON_CreateObject();
    cJSON_AddStringToObject(entry, "name", name);
    cJSON *sh = cJSON_AddArrayToObject(entry, "shape");
    for (size_t i = 0; i < ndim; i++)
        cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)shape[i]));
    cJSON_AddStringToObject(entry, "dtype", "float32");
    cJSON_AddItemToArray(files, entry);
    return CLI_OK;
}

static int write_manifest(const char *cmd, const char *dir, cJSON *manifest)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    char *text = cJSON_Print(manifest);
    FILE *f = text ? fopen(path, "w") : NULL;
    int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    ok = (f && fclose(f) == 0) && ok;
    cJSON_free(text);
    return ok ? CLI_OK : cli_error(cmd, CLI_FAIL, "cannot write %s", path);
}

static int forward(struct model_args *a, const char *input, const char *outdir)
{
    const char *cmd = "forward";
    size_t len;
    char *text = cli_read_file(input, &len);
    if (!text)
        return cli_error(cmd, CLI_FAIL, "cannot read %s: %s", input, strerror(errno));
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!root)
        return cli_error(cmd, CLI_FAIL, "%s is not valid JSON", input);
    const char *err = NULL;
    size_t b = 0, s = 0, b2 = 0, s2 = 0, b3 = 0, s3 = 0;
    int32_t *ids = read_matrix(root, "input_ids", &b, &s, &err);
    int32_t *mask = err ? NULL : read_matrix(root, "attention_mask", &b2, &s2, &err);
    int32_t *types = err ? NULL : read_matrix(root, "token_type_ids", &b3, &s3, &err);
    cJSON_Delete(root);
    int rc = CLI_OK;
    if (err || !ids)
        rc = cli_error(cmd, CLI_FAIL, "%s: input_ids %s", input, err ? err : "is missing");
    else if ((mask && (b2 != b || s2 != s)) || (types && (b3 != b || s3 != s)))
        rc = cli_error(cmd, CLI_FAIL, "%s: attention_mask and token_type_ids must be %zu x %zu",
                       input, b, s);
    electra_model *m = NULL;
    electra_context *ctx = NULL;
    if (!rc) {
        electra_options_set_int(a->options, ELECTRA_OPT_OUTPUT_HIDDEN_STATES, 1);
        rc = model_args_open(a, cmd, &m, &ctx);
    }
    if (!rc) {
        electra_status st = electra_forward(ctx, b, s, ids, mask, types);
        if (st)
            rc = cli_status_error(cmd, st, electra_context_last_error(ctx));
    }
    if (!rc && mkdir(outdir, 0777) != 0 && errno != EEXIST)
        rc = cli_error(cmd, CLI_FAIL, "cannot create %s: %s", outdir, strerror(errno));
    if (!rc) {
        cJSON *manifest = cJSON_CreateObject();
        cJSON *files = cJSON_AddArrayToObject(manifest, "files");
        int head = (int)electra_model_info(m, ELECTRA_INFO_HEAD);
        rc = write_output(cmd, ctx, ELECTRA_OUTPUT_EMBEDDING_OUTPUT, outdir,
                          "embedding_output.f32", files);
        if (!rc)
            rc = write_output(cmd, ctx, ELECTRA_OUTPUT_HIDDEN_STATES, outdir,
                              "hidden_states.f32", files);
        if (!rc)
            rc = write_output(cmd, ctx, ELECTRA_OUTPUT_LAST_HIDDEN_STATE, outdir,
                              "last_hidden_state.f32", files);
        if (!rc && head == ELECTRA_HEAD_QUESTION_ANSWERING) {
            rc = write_output(cmd, ctx, ELECTRA_OUTPUT_START_LOGITS, outdir, "start_logits.f32",
                              files);
            if (!rc)
                rc = write_output(cmd, ctx, ELECTRA_OUTPUT_END_LOGITS, outdir, "end_logits.f32",
                                  files);
        } else if (!rc && head != ELECTRA_HEAD_NONE) {
            rc = write_output(cmd, ctx, ELECTRA_OUTPUT_LOGITS, outdir, "logits.f32", files);
        }
        if (!rc)
            rc = write_manifest(cmd, outdir, manifest);
        cJSON_Delete(manifest);
    }
    electra_context_free(ctx);
    electra_model_free(m);
    free(ids);
    free(mask);
    free(types);
    return rc;
}

static int run(int argc, char **argv)
{
    struct model_args a;
    int rc = model_args_init(&a, "forward");
    const char *input = NULL, *output = NULL;
    for (int i = 1; i < argc && !rc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            printf("usage: electra forward --model DIR --input INPUTS.json --output OUTDIR\n\n"
                   "Runs the model on input_ids / attention_mask / token_type_ids (batch x seq\n"
                   "lists, as the fixtures' expected/inputs.json) and writes raw float32 files:\n"
                   "embedding_output.f32, hidden_states.f32, last_hidden_state.f32 and\n"
                   "logits.f32 (start_logits.f32 + end_logits.f32 for question answering),\n"
                   "with manifest.json giving each file's shape.\n\n%s"
                   "  --input FILE       the inputs JSON\n"
                   "  --output DIR       where to write (created if missing)\n",
                   model_args_usage);
            model_args_free(&a);
            return CLI_OK;
        }
        int r = model_args_parse(&a, "forward", argc, argv, &i);
        if (r < 0) {
            rc = -r;
        } else if (r == 0 && (strcmp(argv[i], "--input") == 0 || strcmp(argv[i], "--output") == 0)) {
            if (i + 1 >= argc)
                rc = cli_error("forward", CLI_USAGE, "%s needs a value", argv[i]);
            else if (strcmp(argv[i], "--input") == 0)
                input = argv[++i];
            else
                output = argv[++i];
        } else if (r == 0) {
            rc = cli_error("forward", CLI_USAGE, "unknown argument '%s'", argv[i]);
        }
    }
    if (!rc && (!input || !output))
        rc = cli_error("forward", CLI_USAGE, "--input and --output are required");
    if (!rc)
        rc = forward(&a, input, output);
    model_args_free(&a);
    return rc;
}

const struct cli_command cli_cmd_forward = {"forward", "raw model outputs as float32 files",
                                            run};
