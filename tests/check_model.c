/* check_model.c - conformance of the forward pass with transformers: every
 * fixture model, every weight file it ships, both kernel paths, every
 * expected .f32 file within 1e-4 absolute (the fixtures README measured float32
 * error <= 4.2e-6), plus arg-max agreement. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"
#include "fixture_model.h"
#include "testutil.h"

#define TOLERANCE 1e-4

static const char *const models[] = {
    "tiny-generator",     "tiny-discriminator",  "tiny-classifier",
    "tiny-tagger",        "tiny-qa",             "tiny-base-model",
    "tiny-discriminator-sharded", "tiny-discriminator-legacy-posids",
    "tiny-generator-f16", "tiny-generator-bf16",
};
#define N_MODELS (sizeof models / sizeof models[0])

static int output_for(const char *file)
{
    static const struct {
        const char *file;
        int output;
    } map[] = {
        {"embedding_output.f32", ELECTRA_OUTPUT_EMBEDDING_OUTPUT},
        {"hidden_states.f32", ELECTRA_OUTPUT_HIDDEN_STATES},
        {"last_hidden_state.f32", ELECTRA_OUTPUT_LAST_HIDDEN_STATE},
        {"logits.f32", ELECTRA_OUTPUT_LOGITS},
        {"start_logits.f32", ELECTRA_OUTPUT_START_LOGITS},
        {"end_logits.f32", ELECTRA_OUTPUT_END_LOGITS},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(file, map[i].file) == 0)
            return map[i].output;
    ck_abort_msg("no output for fixture file %s", file);
    return -1;
}

static size_t argmax(const float *x, size_t n, size_t stride)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (x[i * stride] > x[best * stride])
            best = i;
    return best;
}

/* Arg-max per unpadded position of a (B, S, C) logits array. */
static void check_token_argmax(const fixture_array *want, const float *got,
                               const fixture_inputs *in, const char *what)
{
    size_t C = want->shape[2];
    for (size_t t = 0; t < in->batch * in->seq; t++) {
        if (!in->mask[t])
            continue;
        ck_assert_msg(argmax(got + t * C, C, 1) == argmax(want->data + t * C, C, 1),
                      "%s: arg-max differs at token %zu", what, t);
    }
}

/* QA: arg-max of each row over its attention_mask == 1 positions. */
static void check_qa_argmax(const fixture_array *want, const float *got,
                            const fixture_inputs *in, const char *what)
{
    for (size_t b = 0; b < in->batch; b++) {
        size_t best_w = 0, best_g = 0;
        int first = 1;
        for (size_t s = 0; s < in->seq; s++) {
            size_t t = b * in->seq + s;
            if (!in->mask[t])
                continue;
            if (first || want->data[t] > want->data[b * in->seq + best_w])
                best_w = s;
            if (first || got[t] > got[b * in->seq + best_g])
                best_g = s;
            first = 0;
        }
        ck_assert_msg(best_w == best_g, "%s: span arg-max differs in row %zu", what, b);
    }
}

static double run_model(const char *dir, int format, int kernels)
{
    electra_options *opts;
    ck_assert_int_eq(electra_options_create(&opts), ELECTRA_OK);
    ck_assert_int_eq(electra_options_set_int(opts, ELECTRA_OPT_WEIGHT_FORMAT, format), ELECTRA_OK);
    ck_assert_int_eq(electra_options_set_int(opts, ELECTRA_OPT_KERNELS, kernels), ELECTRA_OK);
    ck_assert_int_eq(electra_options_set_int(opts, ELECTRA_OPT_OUTPUT_HIDDEN_STATES, 1),
                     ELECTRA_OK);
    electra_model *model = NULL;
    electra_status s = electra_model_load(dir, opts, &model);
    ck_assert_msg(s == ELECTRA_OK, "loading %s: %s", dir, electra_last_error());
    electra_context *ctx = NULL;
    ck_assert_int_eq(electra_context_create(model, opts, &ctx), ELECTRA_OK);

    fixture_inputs in;
    ck_assert_int_eq(fixture_inputs_load(dir, &in), 0);
    s = electra_forward(ctx, in.batch, in.seq, in.ids, in.mask, in.types);
    ck_assert_msg(s == ELECTRA_OK, "forward %s: %s", dir, electra_context_last_error(ctx));

    fixture_array *arrays;
    int n = fixture_arrays_load(dir, &arrays);
    ck_assert_int_gt(n, 0);
    double worst = 0;
    int head = (int)electra_model_info(model, ELECTRA_INFO_HEAD);
    for (int i = 0; i < n; i++) {
        const fixture_array *want = &arrays[i];
        int which = output_for(want->name);
        size_t shape[4], ndim;
        ck_assert_int_eq(electra_output_shape(ctx, which, shape, &ndim), ELECTRA_OK);
        ck_assert_uint_eq(ndim, want->ndim);
        for (size_t d = 0; d < ndim; d++)
            ck_assert_uint_eq(shape[d], want->shape[d]);
        float *got = malloc(want->count * sizeof *got);
        ck_assert_int_eq(electra_output_copy(ctx, which, got, want->count), ELECTRA_OK);
        double md = 0;
        size_t at = 0;
        for (size_t j = 0; j < want->count; j++) {
            double d = fabs((double)got[j] - want->data[j]);
            if (!(d <= md)) { /* NaN counts as the worst */
                md = isnan(d) ? INFINITY : d;
                at = j;
            }
        }
        ck_assert_msg(md <= TOLERANCE, "%s %s: max |diff| %.3g at element %zu (got %g, want %g)",
                      dir, want->name, md, at, got[at], want->data[at]);
        if (md > worst)
            worst = md;
        if (strcmp(want->name, "logits.f32") == 0 &&
            (head == ELECTRA_HEAD_MASKED_LM || head == ELECTRA_HEAD_TOKEN_CLASSIFICATION))
            check_token_argmax(want, got, &in, dir);
        if (strstr(want->name, "start_logits") || strstr(want->name, "end_logits"))
            check_qa_argmax(want, got, &in, dir);
        free(got);
    }
    fixture_arrays_free(arrays, n);
    fixture_inputs_free(&in);
    electra_context_free(ctx);
    electra_model_free(model);
    electra_options_free(opts);
    return worst;
}

static int has_file(const char *dir, const char *name)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

START_TEST(fixture_model_matches_transformers)
{
    REQUIRE_FIXTURES();
    char rel[256], dir[4096];
    snprintf(rel, sizeof rel, "models/%s", models[_i]);
    snprintf(dir, sizeof dir, "%s", fixture_path(rel));
    int runs = 0;
    for (int format = ELECTRA_WEIGHTS_SAFETENSORS; format <= ELECTRA_WEIGHTS_PYTORCH; format++) {
        int present = format == ELECTRA_WEIGHTS_PYTORCH
                          ? has_file(dir, "pytorch_model.bin")
                          : has_file(dir, "model.safetensors") ||
                                has_file(dir, "model.safetensors.index.json");
        if (!present)
            continue;
        for (int kernels = ELECTRA_KERNELS_AUTO; kernels <= ELECTRA_KERNELS_REFERENCE; kernels++) {
            double worst = run_model(dir, format, kernels);
            printf("conformance: %-34s %-11s %-9s max |diff| %.3g\n", models[_i],
                   format == ELECTRA_WEIGHTS_PYTORCH ? "pytorch" : "safetensors",
                   kernels == ELECTRA_KERNELS_AUTO ? "auto" : "reference", worst);
            runs++;
        }
    }
    ck_assert_int_gt(runs, 0);
}
END_TEST

/* A new fixture model must not be skipped silently. */
START_TEST(every_fixture_model_is_covered)
{
    REQUIRE_FIXTURES();
    DIR *d = opendir(fixture_path("models"));
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int known = 0;
        for (size_t i = 0; i < N_MODELS; i++)
            known |= strcmp(e->d_name, models[i]) == 0;
        ck_assert_msg(known, "fixture model %s is not in check_model.c's list", e->d_name);
    }
    closedir(d);
}
END_TEST

Suite *make_model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("conformance");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, fixture_model_matches_transformers, 0, N_MODELS);
    tcase_add_test(tc, every_fixture_model_is_covered);
    suite_add_tcase(s, tc);
    return s;
}
