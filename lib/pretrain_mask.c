/* pretrain_mask.c - masking, Gumbel-max sampling and replaced-token labels
 * for ELECTRA pre-training. */
/* The build's config.h (ELECTRA_FAST_KERNELS), not lib/config.h. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "pretrain_mask.h"

#include <math.h>
#include <string.h>

#include "train_math.h"
#include "train_rng.h"

/* Columns scored at a time: a block of doubles on the stack. */
#define BLOCK 512

void el_mask_config_default(el_mask_config *c, size_t seq, int32_t cls, int32_t sep,
                            int32_t mask)
{
    /* configure_pretraining.py: max_predictions_per_seq =
     * int((mask_prob + 0.005) * max_seq_length). */
    *c = (el_mask_config){.mask_prob = 0.15,
                          .max_predictions = (size_t)((0.15 + 0.005) * (double)seq),
                          .mask_token_prob = 0.85,
                          .cls = cls,
                          .sep = sep,
                          .mask = mask};
}

size_t el_pretrain_mask_row(const el_mask_config *c, const int32_t *ids, const int32_t *attn,
                            size_t seq, uint64_t key, int32_t *masked, int32_t *labels,
                            int32_t *scratch)
{
    size_t attended = 0, candidates = 0;
    for (size_t t = 0; t < seq; t++) {
        masked[t] = ids[t];
        labels[t] = EL_MLM_IGNORE;
        if (!attn[t])
            continue;
        attended++;
        if (ids[t] != c->cls && ids[t] != c->sep && ids[t] != c->mask)
            scratch[candidates++] = (int32_t)t;
    }
    /* tf.round(float32(tokens) * mask_prob): float32, ties to even. */
    float want = rintf((float)attended * (float)c->mask_prob);
    size_t n = want < 1.0f ? 1 : (size_t)want;
    if (n > c->max_predictions)
        n = c->max_predictions;
    if (n > candidates)
        n = candidates;
    el_rng rng;
    el_rng_seed(&rng, key);
    /* A partial Fisher-Yates shuffle: the first n candidates. */
    for (size_t i = 0; i < n; i++) {
        size_t j = i + (size_t)(el_rng_uniform(&rng) * (double)(candidates - i));
        int32_t pos = scratch[j];
        scratch[j] = scratch[i];
        scratch[i] = pos;
        labels[pos] = ids[pos];
        if (el_rng_uniform(&rng) < c->mask_token_prob)
            masked[pos] = c->mask;
    }
    return n;
}

static inline double from_bits(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* log(x) for a positive normal double, without branches or calls so that
 * it vectorises: x = 2^e m with m in [sqrt(1/2), sqrt(2)), then
 * log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, by its series
 * to s^15 (relative error ~1e-14). */
static inline double log_positive(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    double m = from_bits((bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull);
    /* The biased exponent as a double, exactly: (2^52 + e) - 2^52. */
    double e = from_bits(0x4330000000000000ull | (bits >> 52)) - (4503599627370496.0 + 1023.0);
    int big = m > 1.4142135623730951;
    m = big ? m * 0.5 : m;
    e = big ? e + 1.0 : e;
    double f = m - 1.0, s = f / (2.0 + f), z = s * s;
    double p = 1.0 / 15;
    p = p * z + 1.0 / 13;
    p = p * z + 1.0 / 11;
    p = p * z + 1.0 / 9;
    p = p * z + 1.0 / 7;
    p = p * z + 1.0 / 5;
    p = p * z + 1.0 / 3;
    p = p * z + 1.0;
    return e * 0.6931471805599453 + 2.0 * s * p;
}

/* -log(-log u) for u = (k + 0.5) 2^-52, k the draw's top 52 bits: u is
 * never 0 or 1, so the noise is finite, in [-3.6, 36.7]. The sum
 * 1 + k 2^-52 is built from bits and every step after it is exact, and
 * u near 1 keeps its precision through log (m - 1 is exact there). */
static inline double gumbel_from_draw(uint64_t draw)
{
    double u = (from_bits(0x3ff0000000000000ull | (draw >> 12)) - 1.0) + 0x1p-53;
    return -log_positive(-log_positive(u));
}

static inline uint64_t draw(uint64_t key, uint64_t index)
{
    return el_mix64(key + index * 0x9e3779b97f4a7c15ull);
}

double el_gumbel_noise(uint64_t key, uint64_t index)
{
    return gumbel_from_draw(draw(key, index));
}

EL_VECTOR_CLONES static void score_block(const float *logits, size_t n, uint64_t key,
                                         uint64_t first, double *score)
{
    for (size_t i = 0; i < n; i++)
        score[i] = (double)logits[i] + gumbel_from_draw(draw(key, first + i));
}

struct sample_job {
    const float *logits;
    size_t vocab;
    uint64_t key, first_row;
    int32_t *out;
};

static void sample_row(void *arg, size_t r)
{
    const struct sample_job *j = arg;
    const float *row = j->logits + r * j->vocab;
    double score[BLOCK], best = -INFINITY;
    size_t arg_best = 0;
    for (size_t b = 0; b < j->vocab; b += BLOCK) {
        size_t n = j->vocab - b < BLOCK ? j->vocab - b : BLOCK;
        score_block(row + b, n, j->key, (j->first_row + r) * j->vocab + b, score);
        for (size_t i = 0; i < n; i++)
            if (score[i] > best) {
                best = score[i];
                arg_best = b + i;
            }
    }
    j->out[r] = (int32_t)arg_best;
}

void el_gumbel_argmax(const float *logits, size_t rows, size_t vocab, uint64_t key,
                      uint64_t first_row, int32_t *out, el_threadpool *pool)
{
    struct sample_job j = {logits, vocab, key, first_row, out};
    el_parallel_for(pool, rows, sample_row, &j);
}

size_t el_pretrain_replace(const int32_t *ids, size_t tokens, const int32_t *positions,
                           const int32_t *sampled, size_t n, int32_t *fake, int32_t *labels)
{
    memcpy(fake, ids, tokens * sizeof *fake);
    for (size_t i = 0; i < n; i++)
        fake[positions[i]] = sampled[i];
    size_t replaced = 0;
    for (size_t t = 0; t < tokens; t++) {
        labels[t] = fake[t] != ids[t];
        replaced += (size_t)labels[t];
    }
    return replaced;
}
