/* check_linear.c - nn.Linear: the CBLAS reference and the fast kernel
 * against float64 ground truth on many shapes, every activation, residual
 * in place; thread counts giving identical bits; the activations against
 * their double formulas. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "linear.h"
#include "testutil.h"
#include "threadpool.h"

#define N_ACTS 7
static const el_activation all_acts[N_ACTS] = {EL_ACT_NONE,       EL_ACT_GELU, EL_ACT_GELU_TANH,
                                               EL_ACT_GELU_FAST,  EL_ACT_RELU, EL_ACT_SILU,
                                               EL_ACT_QUICK_GELU};

static double act_double(el_activation act, double x)
{
    switch (act) {
    case EL_ACT_GELU:
        return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
    case EL_ACT_GELU_TANH:
    case EL_ACT_GELU_FAST:
        return 0.5 * x * (1.0 + tanh(sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    case EL_ACT_QUICK_GELU:
        return x / (1.0 + exp(-1.702 * x));
    case EL_ACT_RELU:
        return x < 0 ? 0.0 : x;
    case EL_ACT_SILU:
        return x / (1.0 + exp(-x));
    default:
        return x;
    }
}

/* How far a float evaluation of act may be from the double formula at
 * the same x: a few ulps of y, plus what rounding the argument of
 * erf/tanh/exp (condition number ~|x|) and the cancellation in
 * 0.5 x (1 + erf) / 0.5 x (1 + tanh) of the PyTorch forms cost. */
static double act_tolerance(el_activation act, double x, double y)
{
    if (act == EL_ACT_NONE || act == EL_ACT_RELU)
        return 0.0;
    return 4e-7 * fabs(y) * (1.0 + fabs(x)) + 6e-8 * fabs(x);
}

static uint32_t rng_state = 12345;
static float uniform(float scale)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return scale * ((float)(rng_state >> 8) / 8388608.0f - 1.0f);
}

/* 1 .. max */
static size_t random_size(size_t max)
{
    uniform(1.0f);
    return 1 + rng_state % max;
}

static float *random_floats(size_t n, float scale)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < n; i++)
        v[i] = uniform(scale);
    return v;
}

/* The pools a result must not depend on: none, 2, 3 and 4 threads. */
static el_threadpool *pools[4];

static void create_pools(void)
{
    pools[0] = NULL;
    for (int i = 1; i < 4; i++)
        ck_assert_int_eq(el_threadpool_create(i + 1, &pools[i]), ELECTRA_OK);
}

static void free_pools(void)
{
    for (int i = 0; i < 4; i++)
        el_threadpool_free(pools[i]);
}

enum residual_mode { NO_RESIDUAL, SEPARATE_RESIDUAL, RESIDUAL_IN_Y };

/* y for each pool; all must be bit-identical; returns the first. */
static float *forward_all_pools(const el_linear *l, const float *x, size_t m, el_activation act,
                                const float *residual, enum residual_mode mode)
{
    const size_t n = m * l->out;
    float *first = NULL;
    for (int p = 0; p < 4; p++) {
        float *y = malloc((n ? n : 1) * sizeof *y);
        ck_assert_ptr_nonnull(y);
        const float *res = NULL;
        if (mode == SEPARATE_RESIDUAL)
            res = residual;
        if (mode == RESIDUAL_IN_Y) {
            memcpy(y, residual, n * sizeof *y);
            res = y;
        }
        el_linear_forward(l, x, m, y, act, res, pools[p]);
        if (!first) {
            first = y;
            continue;
        }
        ck_assert_msg(memcmp(first, y, n * sizeof *y) == 0,
                      "%zux%zux%zu act %d: %d threads differ from 1", m, l->in, l->out, act,
                      p + 1);
        free(y);
    }
    return first;
}

/* What 8-bit quantization (gemm_avx512_int8.c) can move x[0..in) . w[0..in)
 * by: half a step of w's column scale times sum |x|, half a step of x's
 * row scale times sum |w| (plus half a step), and the float32 rounding of
 * the terms the kernel adds. */
static double int8_bound(const float *x, const float *w, size_t in)
{
    double wmax = 0, lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < in; k++) {
        wmax = fmax(wmax, fabs(w[k]));
        lo = fmin(lo, x[k]);
        hi = fmax(hi, x[k]);
    }
    const double sw = wmax / 127, sx = in ? (hi - lo) / 255 : 0;
    double bound = 0, terms = 0;
    for (size_t k = 0; k < in; k++) {
        bound += 0.5 * sw * fabs(x[k]) + 0.5 * sx * (fabs(w[k]) + 0.5 * sw);
        terms += (fabs(x[k]) + fabs(lo) + sx) * (fabs(w[k]) + sw);
    }
    return bound + 16 * 0x1p-24 * terms;
}

/* Every element within the float error bound of the exact result:
 * (in + 2) u sum |x w| + |b| for the dot product (any summation order),
 * plus 2^-7 sum |x w| when both factors are rounded to bfloat16 (8 bits
 * each) or int8_bound for 8-bit integers, times the slope of the
 * activation (< 1.2), plus the activation's own error. */
static void check_against_exact(const char *kernel, const float *y, const float *x,
                                const float *w, const float *b, const float *residual, size_t m,
                                size_t in, size_t out, el_activation act, int precision)
{
    const double u = 0x1p-24;
    const double rounding = precision == ELECTRA_PRECISION_BF16 ? 0x1.02p-7 : 0.0;
    const int int8 = precision == ELECTRA_PRECISION_INT8;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < out; j++) {
            double z = b ? b[j] : 0.0, s = b ? fabs(b[j]) : 0.0;
            for (size_t k = 0; k < in; k++) {
                double p = (double)x[i * in + k] * w[j * in + k];
                z += p;
                s += fabs(p);
            }
            double a = act_double(act, z);
            double e = residual ? a + residual[i * out + j] : a;
            double quantized = int8 ? int8_bound(x + i * in, w + j * in, in) : 0.0;
            double tol = 1.2 * (((in + 2) * u + rounding) * s + quantized) +
                         act_tolerance(act, z, a) + 2 * u * fabs(e) + 1e-30;
            ck_assert_msg(fabs(y[i * out + j] - e) <= tol,
                          "%s %zux%zux%zu act %d y[%zu,%zu] = %.9g, exact %.9g (tol %.3g)",
                          kernel, m, in, out, act, i, j, y[i * out + j], e, tol);
        }
}

/* The reference and the fast kernels at `precision`, against exact. */
static void check_shape_at(int precision, size_t m, size_t in, size_t out, el_activation act,
                           int with_bias, enum residual_mode mode)
{
    float *x = random_floats(m * in, 1.0f);
    float *w = random_floats(out * in, 0.5f);
    float *b = with_bias ? random_floats(out, 0.5f) : NULL;
    float *r = mode != NO_RESIDUAL ? random_floats(m * out, 1.0f) : NULL;
    const int kernels[2] = {ELECTRA_KERNELS_REFERENCE, ELECTRA_KERNELS_AUTO};
    for (int kk = 0; kk < 2; kk++) {
        el_linear l;
        ck_assert_int_eq(el_linear_init_precision(&l, w, b, in, out, kernels[kk], precision),
                         ELECTRA_OK);
        float *y = forward_all_pools(&l, x, m, act, r, mode);
        check_against_exact(kk ? "fast" : "reference", y, x, w, b, r, m, in, out, act,
                            precision);
        free(y);
        el_linear_release(&l);
    }
    free(x);
    free(w);
    free(b);
    free(r);
}

static void check_shape(size_t m, size_t in, size_t out, el_activation act, int with_bias,
                        enum residual_mode mode)
{
    check_shape_at(ELECTRA_PRECISION_F32, m, in, out, act, with_bias, mode);
}

START_TEST(small_and_odd_shapes)
{
    static const size_t outs[] = {1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 67};
    static const size_t ins[] = {1, 5, 67};
    create_pools();
    int c = 0;
    for (size_t m = 1; m <= 26; m++)
        for (size_t o = 0; o < sizeof outs / sizeof *outs; o++)
            for (size_t i = 0; i < sizeof ins / sizeof *ins; i++, c++)
                check_shape(m, ins[i], outs[o], all_acts[c % N_ACTS], c % 3 != 0, c % 3);
    for (int t = 0; t < 300; t++, c++) {
        size_t m = random_size(67), in = random_size(67), out = random_size(67);
        check_shape(m, in, out, all_acts[c % N_ACTS], c % 2, c % 3);
    }
    free_pools();
}
END_TEST

START_TEST(long_rows_cut_into_k_blocks)
{
    static const size_t ins[] = {384, 385, 512, 777, 1024, 1500};
    create_pools();
    int c = 0;
    for (size_t i = 0; i < sizeof ins / sizeof *ins; i++)
        for (size_t m = 1; m <= 50; m += 12, c++)
            check_shape(m, ins[i], c % 2 ? 33 : 256, all_acts[c % N_ACTS], 1, c % 3);
    free_pools();
}
END_TEST

START_TEST(electra_small_shapes)
{
    create_pools();
    check_shape(128, 256, 256, EL_ACT_NONE, 1, NO_RESIDUAL);     /* q, k, v */
    check_shape(128, 256, 1024, EL_ACT_GELU, 1, NO_RESIDUAL);    /* FFN in */
    check_shape(128, 1024, 256, EL_ACT_NONE, 1, RESIDUAL_IN_Y);  /* FFN out */
    check_shape(128, 128, 256, EL_ACT_NONE, 1, NO_RESIDUAL);     /* embeddings_project */
    check_shape(200, 256, 256, EL_ACT_NONE, 1, RESIDUAL_IN_Y);   /* attention out */
    check_shape(19, 128, 30522, EL_ACT_NONE, 1, NO_RESIDUAL);    /* generator vocab */
    free_pools();
}
END_TEST

START_TEST(empty_dimensions)
{
    create_pools();
    for (int a = 0; a < N_ACTS; a++) {
        check_shape(5, 0, 40, all_acts[a], 1, a % 3); /* y = act(b) (+ r) */
        check_shape(5, 0, 40, all_acts[a], 0, NO_RESIDUAL);
    }
    float x = 1, w = 1, y = 42;
    el_linear l;
    ck_assert_int_eq(el_linear_init(&l, &w, NULL, 1, 1, ELECTRA_KERNELS_AUTO), ELECTRA_OK);
    el_linear_forward(&l, &x, 0, &y, EL_ACT_NONE, NULL, pools[2]);
    ck_assert_float_eq(y, 42); /* m = 0 writes nothing */
    el_linear_release(&l);
    ck_assert_int_eq(el_linear_init(&l, NULL, NULL, 7, 0, ELECTRA_KERNELS_AUTO), ELECTRA_OK);
    el_linear_forward(&l, &x, 3, &y, EL_ACT_GELU, NULL, pools[1]);
    ck_assert_float_eq(y, 42);
    el_linear_release(&l);
    el_linear_release(&l); /* twice is harmless */
    el_linear_release(NULL);
    free_pools();
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
    float w[4] = {0};
    el_linear l, untouched;
    memset(&l, 0xab, sizeof l);
    untouched = l;
    ck_assert_int_eq(el_linear_init(&l, w, NULL, 2, 2, 7), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "kernels"));
    ck_assert_int_eq(el_linear_init(&l, NULL, NULL, 2, 2, ELECTRA_KERNELS_AUTO),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(el_linear_init(&l, w, NULL, SIZE_MAX / 2, 4, ELECTRA_KERNELS_AUTO),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(el_linear_init(&l, w, NULL, (size_t)1 << 31, 1, ELECTRA_KERNELS_AUTO),
                     ELECTRA_ERR_UNSUPPORTED);
    ck_assert_int_eq(memcmp(&l, &untouched, sizeof l), 0);
    ck_assert_int_eq(el_linear_init_precision(&l, w, NULL, 2, 2, ELECTRA_KERNELS_AUTO, 9),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "precision"));
    ck_assert_int_eq(memcmp(&l, &untouched, sizeof l), 0);
    ck_assert_int_eq(el_linear_init(NULL, w, NULL, 2, 2, ELECTRA_KERNELS_AUTO),
                     ELECTRA_ERR_INVALID_ARGUMENT);
}
END_TEST

START_TEST(kernel_choice_follows_the_cpu)
{
    float w[4] = {1, 2, 3, 4};
    el_linear l;
    ck_assert_int_eq(el_linear_init(&l, w, NULL, 2, 2, ELECTRA_KERNELS_REFERENCE), ELECTRA_OK);
    ck_assert_ptr_null(l.packed);
    ck_assert_int_eq(l.kernels, ELECTRA_KERNELS_REFERENCE);
    ck_assert_str_eq(el_linear_kernel_name(&l), "reference");
    el_linear_release(&l);
    ck_assert_int_eq(el_linear_init(&l, w, NULL, 2, 2, ELECTRA_KERNELS_AUTO), ELECTRA_OK);
    ck_assert_int_eq(l.packed != NULL, el_cpu_best_path() >= EL_CPU_AVX2);
    const el_cpu_path path = el_cpu_best_path();
    ck_assert_str_eq(el_linear_kernel_name(&l), path >= EL_CPU_AVX512 ? "avx512"
                                                : path == EL_CPU_AVX2  ? "avx2"
                                                                       : "reference");
    el_linear_release(&l);
    for (int precision = ELECTRA_PRECISION_BF16; precision <= ELECTRA_PRECISION_INT8;
         precision++) {
        ck_assert_int_eq(
            el_linear_init_precision(&l, w, NULL, 2, 2, ELECTRA_KERNELS_AUTO, precision),
            ELECTRA_OK);
        ck_assert_str_eq(el_linear_kernel_name(&l), expected_linear_kernel(precision, 2));
        el_linear_release(&l);
    }
}
END_TEST

/* Packing into an arena gives the bits of packing alone, at every
 * precision and on every kernel; a full arena falls back to a linear's own
 * allocation; the bound covers every kernel's layout. */
START_TEST(arena_packing_matches_own_allocation)
{
    static const size_t shapes[][2] = {{256, 768}, {67, 33}, {1024, 256}, {5, 1}, {3072, 2048}};
    const size_t m = 29;
    create_pools();
    for (int precision = ELECTRA_PRECISION_F32; precision <= ELECTRA_PRECISION_INT8; precision++) {
        el_linear_arena arena;
        size_t room = 0;
        for (size_t s = 0; s < 4; s++) /* the last shape finds the arena full */
            room += el_linear_packed_bound(shapes[s][0], shapes[s][1]);
        ck_assert_int_eq(el_linear_arena_reserve(&arena, room), ELECTRA_OK);
        el_linear own[5], carved[5];
        float *x[5], *w[5], *b[5];
        for (size_t s = 0; s < 5; s++) {
            const size_t in = shapes[s][0], out = shapes[s][1];
            x[s] = random_floats(m * in, 1.0f);
            w[s] = random_floats(out * in, 0.5f);
            b[s] = random_floats(out, 0.5f);
            ck_assert_int_eq(el_linear_init_precision(&own[s], w[s], b[s], in, out,
                                                      ELECTRA_KERNELS_AUTO, precision),
                             ELECTRA_OK);
            const unsigned char *before = arena.next;
            ck_assert_int_eq(el_linear_init_arena(&carved[s], w[s], b[s], in, out,
                                                  ELECTRA_KERNELS_AUTO, precision, &arena),
                             ELECTRA_OK);
            if (el_linear_is_packed(&carved[s]))
                ck_assert_msg((arena.next != before) == (s < 4),
                              "shape %zu: arena use %d", s, arena.next != before);
        }
        for (size_t s = 0; s < 5; s++) {
            float *a = forward_all_pools(&own[s], x[s], m, EL_ACT_GELU, NULL, NO_RESIDUAL);
            float *c = forward_all_pools(&carved[s], x[s], m, EL_ACT_GELU, NULL, NO_RESIDUAL);
            ck_assert_int_eq(memcmp(a, c, m * shapes[s][1] * sizeof *a), 0);
            free(a), free(c);
            el_linear_release(&own[s]);
            el_linear_release(&carved[s]);
            free(x[s]), free(w[s]), free(b[s]);
        }
        el_linear_arena_free(&arena);
        el_linear_arena_free(&arena); /* twice is harmless */
    }
    ck_assert_uint_eq(el_linear_packed_bound(SIZE_MAX / 2, 8), 0);
    free_pools();
}
END_TEST

/* Linears at `precision` of many shapes against exact, on whichever
 * kernel runs. */
static void check_reduced_shapes(int precision)
{
    static const size_t outs[] = {1, 16, 31, 32, 33, 65};
    static const size_t ins[] = {1, 3, 31, 32, 33, 100, 1024};
    create_pools();
    int c = 0;
    for (size_t m = 1; m <= 70; m += 23)
        for (size_t o = 0; o < sizeof outs / sizeof *outs; o++)
            for (size_t i = 0; i < sizeof ins / sizeof *ins; i++, c++)
                check_shape_at(precision, m, ins[i], outs[o], all_acts[c % N_ACTS], c % 2, c % 3);
    check_shape_at(precision, 128, 256, 1024, EL_ACT_GELU, 1, NO_RESIDUAL);
    check_shape_at(precision, 128, 1024, 256, EL_ACT_NONE, 1, RESIDUAL_IN_Y);
    check_shape_at(precision, 19, 128, 30522, EL_ACT_NONE, 1, NO_RESIDUAL);
    check_shape_at(precision, 37, 3071, 45, EL_ACT_GELU, 1, SEPARATE_RESIDUAL);
    free_pools();
}

START_TEST(bfloat16_products_stay_within_their_rounding)
{
    check_reduced_shapes(ELECTRA_PRECISION_BF16);
}
END_TEST

START_TEST(int8_products_stay_within_their_quantization)
{
    check_reduced_shapes(ELECTRA_PRECISION_INT8);
}
END_TEST

/* Cap the kernels with ELECTRA_CPU before this test's process (Check
 * forks one per test) detects the CPU; 0 where the process is not a fresh
 * fork (CK_FORK=no), so that the detection may have run already. */
static int cap_cpu(const char *family)
{
    const char *fork_mode = getenv("CK_FORK");
    if (fork_mode && strcmp(fork_mode, "no") == 0)
        return 0;
    setenv("ELECTRA_CPU", family, 1);
    return 1;
}

/* The AVX512_BF16 kernel on CPUs that would choose AMX. */
START_TEST(avx512_bfloat16_kernel_where_the_cpu_has_it)
{
    if (!cap_cpu("avx512") || el_cpu_best_path() != EL_CPU_AVX512 ||
        !el_cpu_features_get()->avx512_bf16)
        return; /* no AVX512_BF16, or the environment capped lower */
    ck_assert_str_eq(expected_linear_kernel(ELECTRA_PRECISION_BF16, 3072), "avx512-bf16");
    check_reduced_shapes(ELECTRA_PRECISION_BF16);
}
END_TEST

/* Reduced precision where its kernel runs (the results then differ from
 * float32); float32, bit for bit, where none can (no AVX512_BF16 or
 * AVX512_VNNI, in > 3072, reference). */
static void check_runs_where_it_can(int precision)
{
    static const size_t ins[] = {1024, 1025, 3072, 3073};
    const size_t m = 40, out = 48;
    for (size_t i = 0; i < sizeof ins / sizeof *ins; i++) {
        const size_t in = ins[i];
        float *x = random_floats(m * in, 1.0f), *w = random_floats(out * in, 0.5f);
        float *y32 = malloc(m * out * sizeof *y32), *ylow = malloc(m * out * sizeof *ylow);
        float *yref = malloc(m * out * sizeof *yref), *yreflow = malloc(m * out * sizeof *yreflow);
        el_linear f32, low, ref, reflow;
        ck_assert_int_eq(el_linear_init(&f32, w, NULL, in, out, ELECTRA_KERNELS_AUTO), ELECTRA_OK);
        ck_assert_int_eq(
            el_linear_init_precision(&low, w, NULL, in, out, ELECTRA_KERNELS_AUTO, precision),
            ELECTRA_OK);
        ck_assert_int_eq(el_linear_init(&ref, w, NULL, in, out, ELECTRA_KERNELS_REFERENCE),
                         ELECTRA_OK);
        ck_assert_int_eq(el_linear_init_precision(&reflow, w, NULL, in, out,
                                                  ELECTRA_KERNELS_REFERENCE, precision),
                         ELECTRA_OK);
        el_linear_forward(&f32, x, m, y32, EL_ACT_NONE, NULL, NULL);
        el_linear_forward(&low, x, m, ylow, EL_ACT_NONE, NULL, NULL);
        el_linear_forward(&ref, x, m, yref, EL_ACT_NONE, NULL, NULL);
        el_linear_forward(&reflow, x, m, yreflow, EL_ACT_NONE, NULL, NULL);
        const char *kernel = expected_linear_kernel(precision, in);
        ck_assert_str_eq(el_linear_kernel_name(&low), kernel);
        ck_assert_int_eq(memcmp(y32, ylow, m * out * sizeof *y32) != 0,
                         strchr(kernel, '-') != NULL);
        ck_assert_int_eq(memcmp(yref, yreflow, m * out * sizeof *yref), 0);
        el_linear_release(&f32);
        el_linear_release(&low);
        el_linear_release(&ref);
        el_linear_release(&reflow);
        free(x);
        free(w);
        free(y32);
        free(ylow);
        free(yref);
        free(yreflow);
    }
}

START_TEST(bfloat16_runs_where_it_can)
{
    check_runs_where_it_can(ELECTRA_PRECISION_BF16);
}
END_TEST

START_TEST(int8_runs_where_it_can)
{
    check_runs_where_it_can(ELECTRA_PRECISION_INT8);
}
END_TEST

/* A NaN or an infinity in a row of x makes that row's outputs non-finite,
 * as in float32, and leaves the other rows as they are without it: every
 * precision and kernel quantizes or rounds each row on its own. */
START_TEST(non_finite_inputs_stay_in_their_row)
{
    const size_t m = 30, in = 100, out = 40;
    const float bad[] = {NAN, INFINITY, -INFINITY};
    float *w = random_floats(out * in, 0.5f);
    float *x = random_floats(m * in, 1.0f);
    float *clean = malloc(m * out * sizeof *clean), *y = malloc(m * out * sizeof *y);
    for (int precision = ELECTRA_PRECISION_F32; precision <= ELECTRA_PRECISION_INT8;
         precision++) {
        el_linear l;
        ck_assert_int_eq(
            el_linear_init_precision(&l, w, NULL, in, out, ELECTRA_KERNELS_AUTO, precision),
            ELECTRA_OK);
        el_linear_forward(&l, x, m, clean, EL_ACT_GELU, NULL, NULL);
        for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
            const size_t row = 7 + 5 * b, col = 13 * b;
            const float kept = x[row * in + col];
            x[row * in + col] = bad[b];
            el_linear_forward(&l, x, m, y, EL_ACT_GELU, NULL, NULL);
            x[row * in + col] = kept;
            for (size_t i = 0; i < m; i++) {
                size_t finite = 0;
                for (size_t j = 0; j < out; j++)
                    finite += isfinite(y[i * out + j]) != 0;
                if (i == row)
                    ck_assert_msg(finite < out, "%s: row %zu with %g stays finite",
                                  el_linear_kernel_name(&l), i, bad[b]);
                else
                    ck_assert_msg(memcmp(y + i * out, clean + i * out, out * sizeof *y) == 0,
                                  "%s: %g in row %zu changes row %zu",
                                  el_linear_kernel_name(&l), bad[b], row, i);
            }
        }
        el_linear_release(&l);
    }
    free(w), free(x), free(clean), free(y);
}
END_TEST

/* The AVX2 kernel, which the CPUs that have AVX-512 never choose by
 * themselves. */
START_TEST(avx2_kernel_where_the_cpu_has_it)
{
    if (!cap_cpu("avx2") || el_cpu_best_path() != EL_CPU_AVX2)
        return; /* no AVX2, or the environment capped lower */
    create_pools();
    int c = 0;
    for (size_t m = 1; m <= 13; m += 2)
        for (size_t out = 1; out <= 40; out += 13)
            for (size_t in = 1; in <= 600; in += 299, c++)
                check_shape(m, in, out, all_acts[c % N_ACTS], c % 2, c % 3);
    check_shape(128, 256, 1024, EL_ACT_GELU, 1, NO_RESIDUAL);
    check_shape(128, 1024, 256, EL_ACT_NONE, 1, RESIDUAL_IN_Y);
    free_pools();
}
END_TEST

/* Inputs for the activation checks: a dense sweep, tiny and huge values. */
static size_t activation_inputs(float **out)
{
    const size_t sweep = 200001;
    static const float special[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 1e-7f, -1e-7f, 30.0f, -30.0f,
                                    88.0f, -88.0f, 100.0f, -100.0f, 1e10f, -1e10f};
    const size_t n = sweep + sizeof special / sizeof *special;
    float *x = malloc(n * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < sweep; i++)
        x[i] = -12.0f + 24.0f * (float)i / (float)(sweep - 1);
    memcpy(x + sweep, special, sizeof special);
    *out = x;
    return n;
}

START_TEST(reference_activations_match_double_formulas)
{
    float *x;
    const size_t n = activation_inputs(&x);
    float *y = malloc(n * sizeof *y);
    for (int a = 0; a < N_ACTS; a++) {
        memcpy(y, x, n * sizeof *y);
        el_activation_apply(all_acts[a], y, n);
        for (size_t i = 0; i < n; i++) {
            double e = act_double(all_acts[a], x[i]);
            ck_assert_msg(fabs(y[i] - e) <= act_tolerance(all_acts[a], x[i], e) + 1e-37,
                          "act %d x=%.9g: %.9g, exact %.9g", all_acts[a], x[i], y[i], e);
        }
    }
    float nan = NAN;
    el_activation_apply(EL_ACT_RELU, &nan, 1);
    ck_assert(isnan(nan));
    free(x);
    free(y);
}
END_TEST

/* A 1 -> 1 linear with weight 1 and no bias is the fused activation
 * alone: the fast epilogue against the double formulas. */
START_TEST(fused_activations_match_double_formulas)
{
    float *x;
    const size_t n = activation_inputs(&x);
    float *y = malloc(n * sizeof *y);
    const float one = 1.0f;
    el_linear l;
    ck_assert_int_eq(el_linear_init(&l, &one, NULL, 1, 1, ELECTRA_KERNELS_AUTO), ELECTRA_OK);
    for (int a = 0; a < N_ACTS; a++) {
        el_linear_forward(&l, x, n, y, all_acts[a], NULL, NULL);
        for (size_t i = 0; i < n; i++) {
            double e = act_double(all_acts[a], x[i]);
            ck_assert_msg(fabs(y[i] - e) <= act_tolerance(all_acts[a], x[i], e) + 1e-37,
                          "act %d x=%.9g: %.9g, exact %.9g", all_acts[a], x[i], y[i], e);
        }
    }
    el_linear_release(&l);
    free(x);
    free(y);
}
END_TEST

Suite *make_linear_suite(void)
{
    Suite *s = suite_create("linear");
    TCase *tc = tcase_create("linear");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, small_and_odd_shapes);
    tcase_add_test(tc, long_rows_cut_into_k_blocks);
    tcase_add_test(tc, electra_small_shapes);
    tcase_add_test(tc, empty_dimensions);
    tcase_add_test(tc, bad_arguments_are_refused);
    tcase_add_test(tc, kernel_choice_follows_the_cpu);
    tcase_add_test(tc, arena_packing_matches_own_allocation);
    tcase_add_test(tc, bfloat16_products_stay_within_their_rounding);
    tcase_add_test(tc, bfloat16_runs_where_it_can);
    tcase_add_test(tc, int8_products_stay_within_their_quantization);
    tcase_add_test(tc, int8_runs_where_it_can);
    tcase_add_test(tc, non_finite_inputs_stay_in_their_row);
    tcase_add_test(tc, avx512_bfloat16_kernel_where_the_cpu_has_it);
    tcase_add_test(tc, avx2_kernel_where_the_cpu_has_it);
    tcase_add_test(tc, reference_activations_match_double_formulas);
    tcase_add_test(tc, fused_activations_match_double_formulas);
    suite_add_tcase(s, tc);
    return s;
}
