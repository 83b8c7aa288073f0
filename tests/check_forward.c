/* check_forward.c - how the forward pass splits its work: whole sequences
 * per thread, the rest of the batch across the pool, or the whole batch
 * across it. The outputs must have the same bits for any thread count and
 * any batch composition (a row computed alone equals the row in a batch),
 * on both kernel paths. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"
#include "fixture_model.h"
#include "testutil.h"

typedef struct outputs {
    float *hidden, *states, *logits;
    size_t n_hidden, n_states, n_logits;
} outputs;

static float *copy(electra_context *ctx, int which, size_t *n)
{
    size_t shape[4], ndim;
    ck_assert_int_eq(electra_output_shape(ctx, which, shape, &ndim), ELECTRA_OK);
    *n = 1;
    for (size_t d = 0; d < ndim; d++)
        *n *= shape[d];
    float *out = malloc(*n * sizeof *out);
    ck_assert_int_eq(electra_output_copy(ctx, which, out, *n), ELECTRA_OK);
    return out;
}

/* Rows [b0, b0 + batch) of the fixture batch, on `threads`. */
static outputs run(electra_model *model, int threads, const fixture_inputs *in, size_t b0,
                   size_t batch)
{
    electra_options *o;
    electra_context *ctx;
    ck_assert_int_eq(electra_options_create(&o), ELECTRA_OK);
    ck_assert_int_eq(electra_options_set_int(o, ELECTRA_OPT_THREADS, threads), ELECTRA_OK);
    ck_assert_int_eq(electra_options_set_int(o, ELECTRA_OPT_OUTPUT_HIDDEN_STATES, 1), ELECTRA_OK);
    ck_assert_int_eq(electra_context_create(model, o, &ctx), ELECTRA_OK);
    size_t r0 = b0 * in->seq;
    ck_assert_int_eq(electra_forward(ctx, batch, in->seq, in->ids + r0, in->mask + r0,
                                     in->types + r0),
                     ELECTRA_OK);
    outputs out;
    out.hidden = copy(ctx, ELECTRA_OUTPUT_LAST_HIDDEN_STATE, &out.n_hidden);
    out.states = copy(ctx, ELECTRA_OUTPUT_HIDDEN_STATES, &out.n_states);
    out.logits = copy(ctx, ELECTRA_OUTPUT_LOGITS, &out.n_logits);
    electra_context_free(ctx);
    electra_options_free(o);
    return out;
}

static void outputs_free(outputs *o)
{
    free(o->hidden), free(o->states), free(o->logits);
}

static const char *const models[] = {"tiny-discriminator", "tiny-generator"};

START_TEST(outputs_do_not_depend_on_the_split)
{
    REQUIRE_FIXTURES();
    char rel[256], dir[4096];
    snprintf(rel, sizeof rel, "models/%s", models[_i / 2]);
    snprintf(dir, sizeof dir, "%s", fixture_path(rel));
    int kernels = _i % 2 ? ELECTRA_KERNELS_REFERENCE : ELECTRA_KERNELS_AUTO;
    electra_options *o;
    electra_model *model;
    ck_assert_int_eq(electra_options_create(&o), ELECTRA_OK);
    ck_assert_int_eq(electra_options_set_int(o, ELECTRA_OPT_KERNELS, kernels), ELECTRA_OK);
    ck_assert_int_eq(electra_model_load(dir, o, &model), ELECTRA_OK);
    electra_options_free(o);
    fixture_inputs in;
    ck_assert_int_eq(fixture_inputs_load(dir, &in), 0);

    outputs one = run(model, 1, &in, 0, in.batch);
    /* 2, 3 and 4 threads: whole sequences per thread plus a remainder
     * split across the pool (6 x 64), or the batch split (3 x 12). */
    for (int threads = 2; threads <= 4; threads++) {
        outputs many = run(model, threads, &in, 0, in.batch);
        ck_assert_msg(memcmp(one.hidden, many.hidden, one.n_hidden * sizeof(float)) == 0,
                      "%s: last hidden state differs on %d threads", dir, threads);
        ck_assert_msg(memcmp(one.states, many.states, one.n_states * sizeof(float)) == 0,
                      "%s: hidden states differ on %d threads", dir, threads);
        ck_assert_msg(memcmp(one.logits, many.logits, one.n_logits * sizeof(float)) == 0,
                      "%s: logits differ on %d threads", dir, threads);
        outputs_free(&many);
    }
    /* The last row alone equals the last row of the batch. */
    outputs last = run(model, 2, &in, in.batch - 1, 1);
    size_t H = last.n_hidden;
    ck_assert_msg(memcmp(last.hidden, one.hidden + (in.batch - 1) * H, H * sizeof(float)) == 0,
                  "%s: a row alone differs from the row in its batch", dir);
    outputs_free(&last);
    outputs_free(&one);
    fixture_inputs_free(&in);
    electra_model_free(model);
}
END_TEST

Suite *make_forward_suite(void)
{
    Suite *s = suite_create("forward");
    TCase *tc = tcase_create("split");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, outputs_do_not_depend_on_the_split, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}
