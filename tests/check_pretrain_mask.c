/* check_pretrain_mask.c - masking (how many, which, what they become),
 * the Gumbel-max sampler's distribution and the replaced-token labels. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pretrain_mask.h"
#include "threadpool.h"
#include "train_rng.h"

#define CLS 101
#define SEP 102
#define MASK 103

/* A row: [CLS] tokens [SEP] tokens [SEP] then padding, `len` attended. */
static void make_row(int32_t *ids, int32_t *attn, size_t seq, size_t len)
{
    for (size_t t = 0; t < seq; t++) {
        ids[t] = t < len ? 2000 + (int32_t)t : 0;
        attn[t] = t < len;
    }
    ids[0] = CLS;
    ids[len / 2] = SEP;
    ids[len - 1] = SEP;
}

START_TEST(test_counts)
{
    el_mask_config c;
    el_mask_config_default(&c, 128, CLS, SEP, MASK);
    ck_assert_uint_eq(c.max_predictions, 19); /* int(0.155 x 128) */
    /* attended tokens -> chosen: round-half-even(float32(n) x 0.15f), in
     * [1, 19]: in float32 both 30 x 0.15 and 10 x 0.15 are exact ties,
     * 4.5 -> 4 and 1.5 -> 2. */
    static const size_t len[] = {128, 100, 30, 10, 5, 4};
    static const size_t want[] = {19, 15, 4, 2, 1, 1};
    int32_t ids[128], attn[128], masked[128], labels[128], scratch[128];
    for (size_t k = 0; k < sizeof len / sizeof len[0]; k++) {
        make_row(ids, attn, 128, len[k]);
        size_t n = el_pretrain_mask_row(&c, ids, attn, 128, 42 + k, masked, labels, scratch);
        ck_assert_msg(n == want[k], "%zu tokens: %zu chosen, want %zu", len[k], n, want[k]);
        size_t labelled = 0;
        for (size_t t = 0; t < 128; t++) {
            if (labels[t] == EL_MLM_IGNORE) {
                ck_assert_int_eq(masked[t], ids[t]);
                continue;
            }
            labelled++;
            ck_assert_int_eq(labels[t], ids[t]);
            ck_assert(attn[t]);
            ck_assert(ids[t] != CLS && ids[t] != SEP);
            ck_assert(masked[t] == MASK || masked[t] == ids[t]);
        }
        ck_assert_uint_eq(labelled, n); /* distinct positions */
    }
    /* Nothing to choose: [CLS] [SEP] [SEP], or a row already masked. */
    make_row(ids, attn, 128, 3);
    ck_assert_uint_eq(el_pretrain_mask_row(&c, ids, attn, 128, 1, masked, labels, scratch), 0);
    make_row(ids, attn, 128, 6);
    ids[1] = ids[2] = ids[4] = MASK;
    ck_assert_uint_eq(el_pretrain_mask_row(&c, ids, attn, 128, 1, masked, labels, scratch), 0);
}
END_TEST

/* Over many rows: every candidate equally likely, 85 % of the chosen
 * become [MASK], the same key gives the same choice. */
START_TEST(test_statistics)
{
    el_mask_config c;
    el_mask_config_default(&c, 64, CLS, SEP, MASK);
    int32_t ids[64], attn[64], masked[64], labels[64], scratch[64];
    int32_t masked2[64], labels2[64];
    make_row(ids, attn, 64, 50); /* 47 candidates, 8 chosen (7.5 -> 8) */
    long chosen[64] = {0}, as_mask = 0, total = 0;
    const int rows = 20000;
    for (int r = 0; r < rows; r++) {
        uint64_t key = el_mix64((uint64_t)r);
        size_t n = el_pretrain_mask_row(&c, ids, attn, 64, key, masked, labels, scratch);
        ck_assert_uint_eq(n, 8);
        for (size_t t = 0; t < 64; t++)
            if (labels[t] != EL_MLM_IGNORE) {
                chosen[t]++;
                as_mask += masked[t] == MASK;
                total++;
            }
        if (r < 50) {
            el_pretrain_mask_row(&c, ids, attn, 64, key, masked2, labels2, scratch);
            ck_assert_mem_eq(masked, masked2, sizeof masked);
            ck_assert_mem_eq(labels, labels2, sizeof labels);
        }
    }
    double p = (double)as_mask / (double)total; /* sd ~0.0013 */
    ck_assert_msg(fabs(p - 0.85) < 0.008, "[MASK] share %g", p);
    double expect = rows * 8.0 / 47.0, sd = sqrt(expect * (1 - 8.0 / 47.0));
    for (size_t t = 0; t < 64; t++) {
        int candidate = attn[t] && ids[t] != CLS && ids[t] != SEP;
        if (!candidate)
            ck_assert_int_eq(chosen[t], 0);
        else
            ck_assert_msg(fabs(chosen[t] - expect) < 5 * sd, "position %zu chosen %ld times, "
                          "expected %g", t, chosen[t], expect);
    }
}
END_TEST

/* The noise is -log(-log u) of the draw's 52 bits, accurate to ~1e-13
 * against libm, and distributed as Gumbel(0, 1): mean Euler's constant,
 * variance pi^2 / 6. */
START_TEST(test_gumbel_noise)
{
    const uint64_t key = 1234567;
    double sum = 0, sq = 0, lo = INFINITY, hi = -INFINITY;
    const long n = 1000000;
    for (long i = 0; i < n; i++) {
        double g = el_gumbel_noise(key, (uint64_t)i);
        ck_assert(isfinite(g));
        sum += g;
        sq += g * g;
        lo = g < lo ? g : lo;
        hi = g > hi ? g : hi;
        if (i < 20000) {
            uint64_t draw = el_mix64(key + (uint64_t)i * 0x9e3779b97f4a7c15ull);
            double u = ((double)(draw >> 12) + 0.5) * 0x1p-52;
            double ref = -log(-log(u));
            ck_assert_msg(fabs(g - ref) <= 1e-12 * (1 + fabs(ref)), "draw %ld: %.17g vs %.17g",
                          i, g, ref);
        }
    }
    double mean = sum / n, var = sq / n - mean * mean;
    ck_assert_msg(fabs(mean - 0.5772156649) < 0.006, "mean %g", mean);
    ck_assert_msg(fabs(var - 1.6449340668) < 0.015, "variance %g", var);
    ck_assert(lo > -4 && hi < 37);
    /* The extremes of u stay finite. */
    ck_assert(lo < -2.0 && hi > 10.0);
}
END_TEST

/* Samples follow softmax(logits); argmax(logits + noise) per row, the
 * same on any number of threads. */
START_TEST(test_gumbel_sampling)
{
    const size_t V = 5, rows = 100000;
    const float row[5] = {0.0f, 1.0f, 2.0f, -1.0f, 0.5f};
    float *logits = malloc(rows * V * sizeof *logits);
    int32_t *out = malloc(rows * sizeof *out), *out2 = malloc(rows * sizeof *out);
    for (size_t r = 0; r < rows; r++)
        memcpy(logits + r * V, row, sizeof row);
    el_gumbel_argmax(logits, rows, V, 99, 0, out, NULL);
    double z = 0, p[5];
    for (size_t v = 0; v < V; v++)
        z += exp(row[v]);
    long count[5] = {0};
    for (size_t r = 0; r < rows; r++) {
        ck_assert(out[r] >= 0 && out[r] < 5);
        count[out[r]]++;
    }
    for (size_t v = 0; v < V; v++) {
        p[v] = exp(row[v]) / z;
        double sd = sqrt(rows * p[v] * (1 - p[v]));
        ck_assert_msg(fabs(count[v] - rows * p[v]) < 5 * sd, "class %zu: %ld, expected %g", v,
                      count[v], rows * p[v]);
    }
    /* The definition, row by row. */
    for (size_t r = 0; r < 2000; r++) {
        size_t best = 0;
        double best_score = -INFINITY;
        for (size_t v = 0; v < V; v++) {
            double s = (double)row[v] + el_gumbel_noise(99, r * V + v);
            if (s > best_score) {
                best_score = s;
                best = v;
            }
        }
        ck_assert_int_eq(out[r], (int32_t)best);
    }
    el_threadpool *pool;
    ck_assert_int_eq(el_threadpool_create(3, &pool), ELECTRA_OK);
    el_gumbel_argmax(logits, rows, V, 99, 0, out2, pool);
    ck_assert_mem_eq(out, out2, rows * sizeof *out);
    el_gumbel_argmax(logits, rows, V, 100, 0, out2, pool);
    ck_assert(memcmp(out, out2, rows * sizeof *out) != 0);
    /* Slices numbered by their first row draw what the whole set does. */
    el_gumbel_argmax(logits, 700, V, 99, 0, out2, NULL);
    el_gumbel_argmax(logits + 700 * V, rows - 700, V, 99, 700, out2 + 700, pool);
    ck_assert_mem_eq(out, out2, rows * sizeof *out);
    el_threadpool_free(pool);
    free(logits);
    free(out);
    free(out2);
}
END_TEST

/* A vocabulary wider than the sampler's block of columns. */
START_TEST(test_gumbel_wide)
{
    const size_t V = 1500, rows = 3000;
    float *logits = calloc(rows * V, sizeof *logits);
    int32_t *out = malloc(rows * sizeof *out);
    /* One dominant column per row, far past the first block. */
    for (size_t r = 0; r < rows; r++)
        logits[r * V + 1000 + r % 400] = 40.0f;
    el_gumbel_argmax(logits, rows, V, 5, 0, out, NULL);
    for (size_t r = 0; r < rows; r++)
        ck_assert_int_eq(out[r], 1000 + (int32_t)(r % 400));
    /* Uniform logits: every column drawn about equally often. */
    memset(logits, 0, rows * V * sizeof *logits);
    el_gumbel_argmax(logits, rows, V, 6, 0, out, NULL);
    long low = 0;
    for (size_t r = 0; r < rows; r++)
        low += out[r] < 750;
    ck_assert_msg(labs(low - 1500) < 150, "%ld of 3000 in the lower half", low);
    free(logits);
    free(out);
}
END_TEST

/* A sample equal to the original token is "real" (0). */
START_TEST(test_replace_labels)
{
    int32_t ids[8] = {CLS, 10, 11, 12, 13, 14, SEP, 0};
    int32_t positions[3] = {1, 3, 5}, sampled[3] = {10, 40, 41}, fake[8], labels[8];
    size_t n = el_pretrain_replace(ids, 8, positions, sampled, 3, fake, labels);
    ck_assert_uint_eq(n, 2);
    static const int32_t want_fake[8] = {CLS, 10, 11, 40, 13, 41, SEP, 0};
    static const int32_t want_labels[8] = {0, 0, 0, 1, 0, 1, 0, 0};
    ck_assert_mem_eq(fake, want_fake, sizeof fake);
    ck_assert_mem_eq(labels, want_labels, sizeof labels);
}
END_TEST

Suite *make_pretrain_mask_suite(void)
{
    Suite *s = suite_create("pretrain_mask");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_counts);
    tcase_add_test(tc, test_statistics);
    tcase_add_test(tc, test_gumbel_noise);
    tcase_add_test(tc, test_gumbel_sampling);
    tcase_add_test(tc, test_gumbel_wide);
    tcase_add_test(tc, test_replace_labels);
    suite_add_tcase(s, tc);
    return s;
}
