/* check_transformer_ops.c - the AVX-512 embeddings, layer norm and
 * attention against the reference implementations on many shapes and
 * masks (padding at the end, holes, a row with every key masked), strided
 * inputs, identical bits for any thread count, and the masking semantics
 * of transformers checked directly on both paths. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "electra.h"
#include "threadpool.h"
#include "transformer_ops.h"

static uint32_t rng_state = 2024;
static float uniform(float scale)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return scale * ((float)(rng_state >> 8) / 8388608.0f - 1.0f);
}

static float *random_floats(size_t n, float scale, float offset)
{
    float *x = malloc((n ? n : 1) * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < n; i++)
        x[i] = offset + uniform(scale);
    return x;
}

/* The fast path, or a loud skip where this CPU has none. */
static int have_fast(void)
{
    if (el_ops_choose(ELECTRA_KERNELS_AUTO) == EL_OPS_AVX512)
        return 1;
    fprintf(stderr, "check_transformer_ops: no AVX-512 here, fast-path comparisons SKIPPED\n");
    return 0;
}

static double max_abs_diff(const float *a, const float *b, size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= worst))
            worst = isnan(d) ? INFINITY : d;
    }
    return worst;
}

static el_threadpool *pool_of(int threads)
{
    el_threadpool *pool;
    ck_assert_int_eq(el_threadpool_create(threads, &pool), ELECTRA_OK);
    return pool;
}

enum mask_kind { MASK_NONE, MASK_PADDED, MASK_HOLES, MASK_ONE_ROW_EMPTY };

static int32_t *make_mask(enum mask_kind kind, size_t batch, size_t seq)
{
    if (kind == MASK_NONE)
        return NULL;
    int32_t *m = malloc(batch * seq * sizeof *m);
    for (size_t b = 0; b < batch; b++)
        for (size_t j = 0; j < seq; j++) {
            size_t t = b * seq + j;
            switch (kind) {
            case MASK_PADDED: /* row b keeps seq - b * seq / (batch + 1) keys */
                m[t] = j < seq - b * seq / (batch + 1);
                break;
            case MASK_HOLES:
                m[t] = (j * 7 + b) % 5 != 2 || j == 0;
                break;
            default: /* the last row has no key at all */
                m[t] = b + 1 < batch;
                break;
            }
        }
    return m;
}

/* Attention on random fused q|k|v rows (with a gap, so ld > 3 width). */
typedef struct attn_case {
    size_t batch, seq, heads, d;
    enum mask_kind mask;
} attn_case;

static float *run_attention(el_ops_path path, const attn_case *c, const float *qkv, size_t ld,
                            const int32_t *mask, int threads)
{
    size_t width = c->heads * c->d, floats;
    ck_assert_int_eq(el_attention_scratch_floats(path, c->batch, c->seq, c->heads, c->d,
                                                 threads, &floats),
                     0);
    float *scratch = el_malloc_aligned((floats ? floats : 1) * sizeof *scratch);
    float *out = malloc(c->batch * c->seq * width * sizeof *out);
    ck_assert_ptr_nonnull(scratch);
    el_threadpool *pool = pool_of(threads);
    el_self_attention a = {qkv, qkv + width, qkv + 2 * width, ld, out,
                           c->batch, c->seq, c->heads, c->d, mask};
    el_attention(path, &a, scratch, pool);
    el_threadpool_free(pool);
    el_free_aligned(scratch);
    return out;
}

static const attn_case attn_cases[] = {
    {1, 1, 1, 8, MASK_NONE},         {2, 5, 3, 8, MASK_PADDED},
    {1, 37, 2, 16, MASK_HOLES},      {3, 33, 2, 16, MASK_ONE_ROW_EMPTY},
    {2, 128, 4, 64, MASK_NONE},      {2, 128, 4, 64, MASK_PADDED},
    {1, 130, 2, 24, MASK_HOLES},     {2, 65, 1, 72, MASK_ONE_ROW_EMPTY},
    {1, 300, 2, 128, MASK_PADDED},   {1, 512, 4, 64, MASK_NONE},
    {4, 12, 4, 8, MASK_HOLES},       {2, 13, 2, 40, MASK_NONE},
};
#define N_ATTN_CASES (sizeof attn_cases / sizeof attn_cases[0])

START_TEST(attention_fast_matches_reference)
{
    if (!have_fast())
        return;
    const attn_case *c = &attn_cases[_i];
    size_t width = c->heads * c->d, ld = 3 * width + 5, T = c->batch * c->seq;
    float *qkv = random_floats(T * ld, 1.5f, 0.0f);
    int32_t *mask = make_mask(c->mask, c->batch, c->seq);
    float *ref = run_attention(EL_OPS_REFERENCE, c, qkv, ld, mask, 1);
    float *fast = run_attention(EL_OPS_AVX512, c, qkv, ld, mask, 1);
    double diff = max_abs_diff(ref, fast, T * width);
    /* Outputs are weighted means of values in [-1.5, 1.5]; float32
     * rounding of scores, exp and sums stays far below this. */
    ck_assert_msg(diff <= 2e-6, "case %d (%zu x %zu, %zu heads of %zu): max |diff| %g", _i,
                  c->batch, c->seq, c->heads, c->d, diff);
    /* Any thread count gives the same bits. */
    for (int threads = 2; threads <= 3; threads++) {
        float *again = run_attention(EL_OPS_AVX512, c, qkv, ld, mask, threads);
        ck_assert_msg(memcmp(again, fast, T * width * sizeof *fast) == 0,
                      "case %d: %d threads differ from 1", _i, threads);
        free(again);
    }
    free(ref);
    free(fast);
    free(mask);
    free(qkv);
}
END_TEST

/* transformers' semantics on both paths: a masked key's value has no
 * effect at all; a row with every key masked averages every value. */
START_TEST(attention_masking_semantics)
{
    el_ops_path path = _i ? EL_OPS_AVX512 : EL_OPS_REFERENCE;
    if (path == EL_OPS_AVX512 && !have_fast())
        return;
    attn_case c = {2, 20, 2, 16, MASK_NONE};
    size_t width = c.heads * c.d, ld = 3 * width, T = c.batch * c.seq;
    float *qkv = random_floats(T * ld, 1.0f, 0.0f);
    int32_t mask[40];
    for (size_t j = 0; j < 20; j++) {
        mask[j] = j % 3 != 1;
        mask[20 + j] = 0;
    }
    float *before = run_attention(path, &c, qkv, ld, mask, 1);
    for (size_t j = 0; j < 20; j++)
        if (!mask[j])
            for (size_t x = 0; x < 2 * width; x++) /* its key and value */
                qkv[j * ld + width + x] = 1e6f;
    float *after = run_attention(path, &c, qkv, ld, mask, 1);
    ck_assert_msg(memcmp(before, after, 20 * width * sizeof *after) == 0,
                  "masked keys changed row 0");
    for (size_t i = 0; i < 20; i++)
        for (size_t x = 0; x < width; x++) {
            double mean = 0;
            for (size_t j = 0; j < 20; j++)
                mean += qkv[(20 + j) * ld + 2 * width + x];
            mean /= 20;
            ck_assert_msg(fabs(after[(20 + i) * width + x] - mean) <= 1e-6,
                          "empty row: query %zu column %zu is %g, not the mean %g", i, x,
                          after[(20 + i) * width + x], mean);
        }
    free(before);
    free(after);
    free(qkv);
}
END_TEST

START_TEST(layer_norm_fast_matches_reference)
{
    if (!have_fast())
        return;
    static const size_t widths[] = {1, 7, 16, 31, 32, 33, 128, 256, 300, 1024};
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        size_t n = widths[w], rows = 37;
        /* An offset of 50 next to a spread of 1: the variance must not
         * cancel away. */
        float *x = random_floats(rows * n, 1.0f, 50.0f);
        float *gain = random_floats(n, 1.0f, 1.0f), *bias = random_floats(n, 1.0f, 0.0f);
        float *ref = malloc(rows * n * sizeof *ref), *fast = malloc(rows * n * sizeof *fast);
        el_threadpool *pool = pool_of(2);
        el_layer_norm(EL_OPS_REFERENCE, x, ref, rows, n, gain, bias, 1e-12f, pool);
        el_layer_norm(EL_OPS_AVX512, x, fast, rows, n, gain, bias, 1e-12f, pool);
        double diff = max_abs_diff(ref, fast, rows * n);
        /* A few float32 ulps of outputs up to ~ sqrt(n) * 2 + 1 (measured
         * 4.8e-7 at width 7; a float mean without the correction pass is
         * off by 2.2e-5 there). */
        ck_assert_msg(diff <= (n == 1 ? 0.0 : 1e-6), "width %zu: max |diff| %g", n, diff);
        /* in place */
        el_layer_norm(EL_OPS_AVX512, x, x, rows, n, gain, bias, 1e-12f, pool);
        ck_assert_mem_eq(x, fast, rows * n * sizeof *x);
        el_threadpool_free(pool);
        free(x), free(gain), free(bias), free(ref), free(fast);
    }
}
END_TEST

START_TEST(embeddings_fast_match_reference)
{
    if (!have_fast())
        return;
    size_t vocab = 50, types = 2, positions = 40, batch = 3, seq = 17;
    static const size_t widths[] = {8, 24, 128, 130};
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        size_t n = widths[w];
        float *word = random_floats(vocab * n, 1.0f, 0.0f);
        float *type = random_floats(types * n, 0.5f, 0.0f);
        float *pos = random_floats(positions * n, 0.5f, 0.0f);
        float *gain = random_floats(n, 1.0f, 1.0f), *bias = random_floats(n, 1.0f, 0.0f);
        int32_t ids[51], tt[51];
        for (size_t t = 0; t < batch * seq; t++) {
            ids[t] = (int32_t)((t * 13) % vocab);
            tt[t] = (int32_t)(t % 2);
        }
        float *ref = malloc(batch * seq * n * sizeof *ref);
        float *fast = malloc(batch * seq * n * sizeof *fast);
        el_threadpool *pool = pool_of(2);
        for (int with_types = 0; with_types < 2; with_types++) {
            el_embedding_args a = {word, type, pos, gain, bias, 1e-12f, n, ids,
                                   with_types ? tt : NULL, batch, seq};
            el_embed(EL_OPS_REFERENCE, &a, ref, pool);
            el_embed(EL_OPS_AVX512, &a, fast, pool);
            double diff = max_abs_diff(ref, fast, batch * seq * n);
            ck_assert_msg(diff <= 2e-6, "width %zu: max |diff| %g", n, diff);
            /* the position of token t is t % seq */
            float row[130];
            for (size_t i = 0; i < n; i++)
                row[i] = word[(size_t)ids[seq + 3] * n + i] +
                         type[(size_t)(with_types ? tt[seq + 3] : 0) * n + i] + pos[3 * n + i];
            el_layer_norm(EL_OPS_REFERENCE, row, row, 1, n, gain, bias, 1e-12f, NULL);
            ck_assert_mem_eq(row, ref + (seq + 3) * n, n * sizeof *row);
        }
        el_threadpool_free(pool);
        free(word), free(type), free(pos), free(gain), free(bias), free(ref), free(fast);
    }
}
END_TEST

Suite *make_transformer_ops_suite(void)
{
    Suite *s = suite_create("transformer_ops");
    TCase *tc = tcase_create("ops");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, attention_fast_matches_reference, 0, (int)N_ATTN_CASES);
    tcase_add_loop_test(tc, attention_masking_semantics, 0, 2);
    tcase_add_test(tc, layer_norm_fast_matches_reference);
    tcase_add_test(tc, embeddings_fast_match_reference);
    suite_add_tcase(s, tc);
    return s;
}
