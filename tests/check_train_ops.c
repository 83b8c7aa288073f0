/* check_train_ops.c - every backward kernel against central finite
 * differences of its forward kernel on small random shapes, plus the
 * accuracy of the vectorisable exp/erf/tanh and the dropout masks.
 *
 * The kernels are float32; the objective sum(y * r) is accumulated in
 * double and the step is 1e-2 on inputs of order 1, so the float rounding
 * of the objective (~1e-7 relative) costs ~1e-5 in the difference
 * quotient and the truncation error (h^2 / 6 f''') ~1e-5. A wrong
 * gradient is off by O(1): the bound 1e-4 + 1e-4 |g| separates them. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train_attention.h"
#include "train_math.h"
#include "train_ops.h"
#include "train_rng.h"

#define FD_STEP 1e-2f
#define FD_ABS 1e-4
#define FD_REL 1e-4

static void fill(float *x, size_t n, uint64_t seed, float scale)
{
    el_rng r;
    el_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(scale * (2 * el_rng_uniform(&r) - 1));
}

static double weighted_sum(const float *y, const float *r, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)y[i] * r[i];
    return s;
}

/* Worst |numeric - analytic| / bound seen by a test, printed at its end. */
static double worst;

static void expect_close(double analytic, double numeric, const char *what, size_t i)
{
    double bound = FD_ABS + FD_REL * fabs(numeric);
    double d = fabs(analytic - numeric);
    ck_assert_msg(d <= bound, "%s[%zu]: analytic %.7g, finite difference %.7g", what, i,
                  analytic, numeric);
    if (d / bound > worst)
        worst = d / bound;
}

/* Objective of a linear layer: sum(y * r). */
struct lin {
    float x[5 * 4], w[3 * 4], b[3], y[5 * 3], r[5 * 3];
};

static double lin_objective(struct lin *l)
{
    el_train_linear_forward(l->x, 5, 4, 3, l->w, l->b, l->y, NULL);
    return weighted_sum(l->y, l->r, 15);
}

static double fd(double (*f)(void *), void *ctx, float *x)
{
    float keep = *x;
    *x = keep + FD_STEP;
    double up = f(ctx);
    *x = keep - FD_STEP;
    double down = f(ctx);
    *x = keep;
    return (up - down) / (2.0 * FD_STEP);
}

static double lin_f(void *ctx)
{
    return lin_objective(ctx);
}

START_TEST(linear_backward_matches_finite_differences)
{
    struct lin l;
    fill(l.x, 20, 1, 1);
    fill(l.w, 12, 2, 1);
    fill(l.b, 3, 3, 1);
    fill(l.r, 15, 4, 1);
    float dx[20], dw[12] = {0}, db[3] = {0};
    el_train_linear_backward(l.r, l.x, 5, 4, 3, l.w, dw, db, dx, 0, NULL);
    worst = 0;
    for (size_t i = 0; i < 20; i++)
        expect_close(dx[i], fd(lin_f, &l, &l.x[i]), "dx", i);
    for (size_t i = 0; i < 12; i++)
        expect_close(dw[i], fd(lin_f, &l, &l.w[i]), "dw", i);
    for (size_t i = 0; i < 3; i++)
        expect_close(db[i], fd(lin_f, &l, &l.b[i]), "db", i);
    /* Parameter gradients accumulate; accumulate = 1 adds to dx. */
    float dx2[20], dw2[12], db2[3];
    memcpy(dx2, dx, sizeof dx);
    memcpy(dw2, dw, sizeof dw);
    memcpy(db2, db, sizeof db);
    el_train_linear_backward(l.r, l.x, 5, 4, 3, l.w, dw2, db2, dx2, 1, NULL);
    for (size_t i = 0; i < 20; i++)
        ck_assert_float_eq_tol(dx2[i], 2 * dx[i], 1e-5);
    for (size_t i = 0; i < 12; i++)
        ck_assert_float_eq_tol(dw2[i], 2 * dw[i], 1e-5);
    for (size_t i = 0; i < 3; i++)
        ck_assert_float_eq_tol(db2[i], 2 * db[i], 1e-5);
    printf("finite differences: linear      worst %.2f of bound\n", worst);
}
END_TEST

#define NR 4
#define NN 7
struct norm {
    float x[NR * NN], gain[NN], bias[NN], y[NR * NN], r[NR * NN], xhat[NR * NN], rstd[NR];
};

static double norm_f(void *ctx)
{
    struct norm *n = ctx;
    el_train_layer_norm_forward(n->x, NR, NN, n->gain, n->bias, 1e-12f, n->xhat, n->rstd, n->y,
                                NULL);
    return weighted_sum(n->y, n->r, NR * NN);
}

START_TEST(layer_norm_backward_matches_finite_differences)
{
    struct norm n;
    fill(n.x, NR * NN, 5, 2);
    fill(n.gain, NN, 6, 1);
    fill(n.bias, NN, 7, 1);
    fill(n.r, NR * NN, 8, 1);
    norm_f(&n);
    /* The forward pass is torch's layer norm: zero mean, unit variance. */
    for (size_t r = 0; r < NR; r++) {
        double m = 0, v = 0;
        for (size_t i = 0; i < NN; i++)
            m += n.xhat[r * NN + i];
        for (size_t i = 0; i < NN; i++)
            v += n.xhat[r * NN + i] * n.xhat[r * NN + i];
        ck_assert_double_eq_tol(m / NN, 0, 1e-6);
        ck_assert_double_eq_tol(v / NN, 1, 1e-5);
    }
    float dx[NR * NN], dg[NN] = {0}, dbias[NN] = {0};
    el_train_layer_norm_backward(n.r, n.xhat, n.rstd, NR, NN, n.gain, dg, dbias, dx, NULL);
    worst = 0;
    for (size_t i = 0; i < NR * NN; i++)
        expect_close(dx[i], fd(norm_f, &n, &n.x[i]), "dx", i);
    for (size_t i = 0; i < NN; i++) {
        expect_close(dg[i], fd(norm_f, &n, &n.gain[i]), "dgain", i);
        expect_close(dbias[i], fd(norm_f, &n, &n.bias[i]), "dbias", i);
    }
    /* dx may overwrite dy. */
    float inplace[NR * NN], dg2[NN] = {0}, db2[NN] = {0};
    memcpy(inplace, n.r, sizeof inplace);
    el_train_layer_norm_backward(inplace, n.xhat, n.rstd, NR, NN, n.gain, dg2, db2, inplace, NULL);
    for (size_t i = 0; i < NR * NN; i++)
        ck_assert_float_eq(inplace[i], dx[i]);
    printf("finite differences: layer norm  worst %.2f of bound\n", worst);
}
END_TEST

static double reference_activation(el_activation act, double x)
{
    switch (act) {
    case EL_ACT_GELU: return 0.5 * x * (1 + erf(x / sqrt(2.0)));
    case EL_ACT_GELU_TANH:
    case EL_ACT_GELU_FAST:
        return 0.5 * x * (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
    case EL_ACT_QUICK_GELU: return x / (1 + exp(-1.702 * x));
    case EL_ACT_RELU: return x > 0 ? x : 0;
    case EL_ACT_SILU: return x / (1 + exp(-x));
    default: return x;
    }
}

START_TEST(activations_match_reference_and_finite_differences)
{
    el_activation act = (el_activation)_i;
    enum { N = 64 };
    float x[N], y[N], ones[N], dx[N];
    fill(x, N, 9, 4);
    for (size_t i = 0; i < N; i++) {
        if (fabsf(x[i]) < 0.05f) /* relu's kink */
            x[i] = 0.5f;
        ones[i] = 1;
    }
    el_train_activation_forward(act, x, y, N, NULL);
    el_train_activation_backward(act, x, ones, dx, N, NULL);
    worst = 0;
    for (size_t i = 0; i < N; i++) {
        ck_assert_msg(fabs(y[i] - reference_activation(act, x[i])) <= 1e-6 * (1 + fabs(x[i])),
                      "activation %d at %g: %.9g vs %.9g", (int)act, x[i], y[i],
                      reference_activation(act, x[i]));
        double h = 1e-3;
        double numeric = (reference_activation(act, x[i] + h) -
                          reference_activation(act, x[i] - h)) / (2 * h);
        expect_close(dx[i], numeric, "dact", i);
    }
    printf("finite differences: activation %d worst %.2f of bound\n", (int)act, worst);
}
END_TEST

START_TEST(fast_math_is_accurate)
{
    double worst_exp = 0, worst_erf = 0, worst_tanh = 0;
    for (double x = -87; x <= 88; x += 0.0137) {
        double e = fabs(el_expf((float)x) / exp((float)x) - 1);
        worst_exp = e > worst_exp ? e : worst_exp;
    }
    for (double x = -6; x <= 6; x += 0.00137) {
        double e = fabs(el_erff((float)x) - erf((float)x));
        worst_erf = e > worst_erf ? e : worst_erf;
        e = fabs(el_tanhf((float)x) - tanh((float)x));
        worst_tanh = e > worst_tanh ? e : worst_tanh;
    }
    ck_assert_double_le(worst_exp, 2e-7);
    ck_assert_double_le(worst_erf, 5e-7);
    ck_assert_double_le(worst_tanh, 3e-7);
    /* Masked attention scores must give exactly zero weight. */
    ck_assert_float_eq(el_expf(-FLT_MAX), 0.0f);
    ck_assert_float_eq(el_expf(-100.0f), 0.0f);
    ck_assert(isfinite(el_expf(200.0f)));
    printf("fast math: exp rel %.2g, erf abs %.2g, tanh abs %.2g\n", worst_exp, worst_erf,
           worst_tanh);
}
END_TEST

/* Attention: 2 rows of 5 tokens, 2 heads of width 3; row 1 pads its last
 * two tokens. Loop 0: no dropout; 1: dropout 0.3; 2: queries at a subset
 * of the positions (rows 0, 3 of the first row, 1 of the second). */
#define AB 2
#define AS 5
#define AH 2
#define AD 3
#define AW (AH * AD)
struct attn {
    float qkv[AB * AS * 3 * AW], ctx[AB * AS * AW], r[AB * AS * AW];
    float probs[AB * AH * AS * AS], scratch[2 * AS * AS];
    int32_t mask[AB * AS];
    el_attention_args args;
    size_t q_begin[AB + 1];
    float q_subset[3 * AW];
    size_t rows; /* query rows */
};

/* For the subset case the queries are copies of the full rows 0, 3, 6. */
static const size_t subset_rows[3] = {0, 3, 6};

static double attn_f(void *ctx)
{
    struct attn *a = ctx;
    if (a->args.q_begin)
        for (size_t r = 0; r < 3; r++)
            memcpy(a->q_subset + r * AW, a->qkv + subset_rows[r] * 3 * AW, AW * sizeof(float));
    el_train_attention_forward(&a->args, a->probs, a->ctx, AW, a->scratch, NULL);
    return weighted_sum(a->ctx, a->r, a->rows * AW);
}

START_TEST(attention_backward_matches_finite_differences)
{
    struct attn a;
    fill(a.qkv, sizeof a.qkv / sizeof(float), 10, 1.5);
    fill(a.r, sizeof a.r / sizeof(float), 11, 1);
    for (size_t t = 0; t < AB * AS; t++)
        a.mask[t] = !(t >= AS && t % AS >= 3);
    a.args = (el_attention_args){.batch = AB, .seq = AS, .heads = AH, .head_dim = AD,
                                 .q = a.qkv, .q_stride = 3 * AW, .k = a.qkv + AW,
                                 .v = a.qkv + 2 * AW, .kv_stride = 3 * AW, .mask = a.mask,
                                 .dropout = _i == 1 ? 0.3f : 0.0f, .key = 77};
    a.rows = AB * AS;
    if (_i == 2) {
        a.q_begin[0] = 0, a.q_begin[1] = 2, a.q_begin[2] = 3;
        a.args.q_begin = a.q_begin;
        a.args.q = a.q_subset;
        a.args.q_stride = AW;
        a.rows = 3;
    }
    attn_f(&a);
    /* Probabilities: rows sum to one, padded keys get exactly zero. */
    for (size_t p = 0; p < AB * AH; p++) {
        size_t b = p / AH, rows = _i == 2 ? a.q_begin[b + 1] - a.q_begin[b] : AS;
        size_t first = _i == 2 ? a.q_begin[b] : b * AS;
        const float *pr = a.probs + (first * AH + (p % AH) * rows) * AS;
        for (size_t i = 0; i < rows; i++) {
            double sum = 0;
            for (size_t t = 0; t < AS; t++) {
                sum += pr[i * AS + t];
                if (!a.mask[b * AS + t])
                    ck_assert_float_eq(pr[i * AS + t], 0.0f);
            }
            ck_assert_double_eq_tol(sum, 1.0, 1e-6);
        }
    }
    if (_i == 2) {
        /* The subset's context rows are the full pass's rows. */
        struct attn full = a;
        full.args.q_begin = NULL;
        full.args.q = full.qkv;
        full.args.q_stride = 3 * AW;
        full.args.k = full.qkv + AW;
        full.args.v = full.qkv + 2 * AW;
        full.args.mask = full.mask;
        full.rows = AB * AS;
        attn_f(&full);
        for (size_t r = 0; r < 3; r++)
            for (size_t c = 0; c < AW; c++)
                ck_assert_float_eq_tol(a.ctx[r * AW + c], full.ctx[subset_rows[r] * AW + c],
                                       1e-6);
        attn_f(&a);
    }
    float dqkv[sizeof a.qkv / sizeof(float)] = {0}, dq[3 * AW];
    if (_i == 2) {
        el_train_attention_backward(&a.args, a.probs, a.r, AW, dq, AW, dqkv + AW, dqkv + 2 * AW,
                                    3 * AW, a.scratch, NULL);
        /* Fold the subset queries' gradient back onto their full rows. */
        for (size_t r = 0; r < 3; r++)
            memcpy(dqkv + subset_rows[r] * 3 * AW, dq + r * AW, AW * sizeof(float));
    } else {
        el_train_attention_backward(&a.args, a.probs, a.r, AW, dqkv, 3 * AW, dqkv + AW,
                                    dqkv + 2 * AW, 3 * AW, a.scratch, NULL);
    }
    worst = 0;
    for (size_t i = 0; i < sizeof a.qkv / sizeof(float); i++)
        expect_close(dqkv[i], fd(attn_f, &a, &a.qkv[i]), "dqkv", i);
    printf("finite differences: attention (%s) worst %.2f of bound\n",
           _i == 0 ? "plain" : _i == 1 ? "dropout 0.3" : "query subset", worst);
}
END_TEST

START_TEST(dropout_masks_are_seeded_and_scaled)
{
    enum { N = 200000 };
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    for (size_t i = 0; i < N; i++)
        x[i] = 1.0f;
    memcpy(y, x, N * sizeof *x);
    el_dropout_apply(x, N, 0.1f, 1234, 0);
    size_t kept = 0, odd = 0;
    for (size_t i = 0; i < N; i++) {
        odd += !(x[i] == 0.0f || fabsf(x[i] - 1.0f / 0.9f) < 1e-6f);
        kept += x[i] != 0;
    }
    ck_assert_uint_eq(odd, 0); /* every element dropped or scaled by 1 / (1 - p) */
    ck_assert_double_eq_tol((double)kept / N, 0.9, 0.004);
    /* The same key and offsets give the same mask; a split call too. */
    el_dropout_apply(y, N / 2, 0.1f, 1234, 0);
    el_dropout_apply(y + N / 2, N - N / 2, 0.1f, 1234, N / 2);
    ck_assert_mem_eq(x, y, N * sizeof *x);
    /* Another key, another mask. */
    for (size_t i = 0; i < N; i++)
        y[i] = 1.0f;
    el_dropout_apply(y, N, 0.1f, 1235, 0);
    ck_assert(memcmp(x, y, N * sizeof *x) != 0);
    /* p = 0 is the identity. */
    for (size_t i = 0; i < N; i++)
        y[i] = (float)i;
    el_dropout_apply(y, N, 0.0f, 1, 0);
    for (size_t i = 0; i < N; i++)
        odd += y[i] != (float)i;
    ck_assert_uint_eq(odd, 0);
    free(x);
    free(y);
}
END_TEST

START_TEST(init_normal_has_the_asked_spread)
{
    el_rng r;
    el_rng_seed(&r, 42);
    double s = 0, s2 = 0;
    enum { N = 100000 };
    for (int i = 0; i < N; i++) {
        double v = el_rng_normal(&r);
        s += v;
        s2 += v * v;
    }
    ck_assert_double_eq_tol(s / N, 0, 0.02);
    ck_assert_double_eq_tol(sqrt(s2 / N), 1, 0.02);
}
END_TEST

Suite *make_train_ops_suite(void)
{
    Suite *s = suite_create("train_ops");
    TCase *tc = tcase_create("kernels");
    tcase_add_test(tc, linear_backward_matches_finite_differences);
    tcase_add_test(tc, layer_norm_backward_matches_finite_differences);
    tcase_add_loop_test(tc, activations_match_reference_and_finite_differences, EL_ACT_GELU,
                        EL_ACT_SILU + 1);
    tcase_add_test(tc, fast_math_is_accurate);
    tcase_add_loop_test(tc, attention_backward_matches_finite_differences, 0, 3);
    tcase_add_test(tc, dropout_masks_are_seeded_and_scaled);
    tcase_add_test(tc, init_normal_has_the_asked_spread);
    suite_add_tcase(s, tc);
    return s;
}
