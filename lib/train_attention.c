/* train_attention.c - attention forward (keeping the probabilities) and
 * backward, one (batch row, head) pair at a time with CBLAS products. */
/* The build's config.h (ELECTRA_FAST_KERNELS), not lib/config.h. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "train_attention.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "train_math.h"
#include "train_rng.h"

struct attn_job {
    const float *qkv, *probs_in, *dctx;
    float *probs, *ctx, *dqkv, *scratch;
    size_t batch, seq, heads, d, chunks;
    const int32_t *mask;
    float dropout;
    uint64_t key;
};

size_t el_train_attention_scratch_floats(size_t seq, int threads)
{
    return 2 * (size_t)(threads > 0 ? threads : 1) * seq * seq;
}

/* Softmax of each row of scores[seq, seq] after scaling and masking. */
EL_VECTOR_CLONES static void softmax_rows(float *scores, size_t seq, float scale_div, const int32_t *mask)
{
    for (size_t i = 0; i < seq; i++) {
        float *row = scores + i * seq;
        float mx = -INFINITY;
        for (size_t t = 0; t < seq; t++) {
            /* transformers divides by sqrt(d) and adds float32-min on
             * masked keys; keep both roundings. */
            row[t] = row[t] / scale_div + (mask && !mask[t] ? -FLT_MAX : 0.0f);
            mx = row[t] > mx ? row[t] : mx;
        }
        float sum = 0;
        for (size_t t = 0; t < seq; t++) {
            row[t] = el_expf(row[t] - mx);
            sum += row[t];
        }
        float inv = 1.0f / sum;
        for (size_t t = 0; t < seq; t++)
            row[t] *= inv;
    }
}

static void forward_chunk(void *arg, size_t chunk)
{
    const struct attn_job *j = arg;
    size_t pairs = j->batch * j->heads, seq = j->seq, d = j->d, W = j->heads * d;
    size_t p0 = pairs * chunk / j->chunks, p1 = pairs * (chunk + 1) / j->chunks;
    float *dropped = j->scratch + chunk * 2 * seq * seq;
    float scale_div = sqrtf((float)d);
    for (size_t p = p0; p < p1; p++) {
        size_t b = p / j->heads, h = p % j->heads;
        const float *q = j->qkv + b * seq * 3 * W + h * d;
        const float *k = q + W, *v = q + 2 * W;
        float *probs = j->probs + p * seq * seq;
        float *ctx = j->ctx + b * seq * W + h * d;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)seq, (int)seq, (int)d, 1.0f, q,
                    (int)(3 * W), k, (int)(3 * W), 0.0f, probs, (int)seq);
        softmax_rows(probs, seq, scale_div, j->mask ? j->mask + b * seq : NULL);
        const float *used = probs;
        if (j->dropout > 0) {
            memcpy(dropped, probs, seq * seq * sizeof *dropped);
            el_dropout_apply(dropped, seq * seq, j->dropout, j->key, p * seq * seq);
            used = dropped;
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)seq, (int)d, (int)seq, 1.0f,
                    used, (int)seq, v, (int)(3 * W), 0.0f, ctx, (int)W);
    }
}

/* Softmax backward in place: dS = P (dP - sum_t dP_t P_t), times the
 * scores' 1/sqrt(d). */
EL_VECTOR_CLONES static void softmax_backward_rows(float *grad, const float *probs, size_t seq,
                                                   float inv_scale)
{
    for (size_t i = 0; i < seq; i++) {
        float *g = grad + i * seq;
        const float *pr = probs + i * seq;
        float dot = 0;
        for (size_t t = 0; t < seq; t++)
            dot += g[t] * pr[t];
        for (size_t t = 0; t < seq; t++)
            g[t] = pr[t] * (g[t] - dot) * inv_scale;
    }
}

static void backward_chunk(void *arg, size_t chunk)
{
    const struct attn_job *j = arg;
    size_t pairs = j->batch * j->heads, seq = j->seq, d = j->d, W = j->heads * d;
    size_t p0 = pairs * chunk / j->chunks, p1 = pairs * (chunk + 1) / j->chunks;
    float *dropped = j->scratch + chunk * 2 * seq * seq;
    float *grad = dropped + seq * seq;
    float inv_scale = 1.0f / sqrtf((float)d);
    for (size_t p = p0; p < p1; p++) {
        size_t b = p / j->heads, h = p % j->heads;
        size_t row0 = b * seq * 3 * W + h * d;
        const float *q = j->qkv + row0, *k = q + W, *v = q + 2 * W;
        float *dq = j->dqkv + row0, *dk = dq + W, *dv = dq + 2 * W;
        const float *probs = j->probs_in + p * seq * seq;
        const float *dctx = j->dctx + b * seq * W + h * d;
        const float *used = probs;
        if (j->dropout > 0) {
            memcpy(dropped, probs, seq * seq * sizeof *dropped);
            el_dropout_apply(dropped, seq * seq, j->dropout, j->key, p * seq * seq);
            used = dropped;
        }
        /* dV = P'^T dctx; dP' = dctx V^T (P' the probabilities after
         * dropout). */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)seq, (int)d, (int)seq, 1.0f,
                    used, (int)seq, dctx, (int)W, 0.0f, dv, (int)(3 * W));
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)seq, (int)seq, (int)d, 1.0f,
                    dctx, (int)W, v, (int)(3 * W), 0.0f, grad, (int)seq);
        if (j->dropout > 0)
            el_dropout_apply(grad, seq * seq, j->dropout, j->key, p * seq * seq);
        softmax_backward_rows(grad, probs, seq, inv_scale);
        /* dQ = dS K, dK = dS^T Q. */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)seq, (int)d, (int)seq, 1.0f,
                    grad, (int)seq, k, (int)(3 * W), 0.0f, dq, (int)(3 * W));
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)seq, (int)d, (int)seq, 1.0f,
                    grad, (int)seq, q, (int)(3 * W), 0.0f, dk, (int)(3 * W));
    }
}

static size_t chunk_count(size_t pairs, el_threadpool *pool)
{
    size_t threads = (size_t)el_threadpool_size(pool);
    return pairs < threads ? pairs : threads;
}

void el_train_attention_forward(const float *qkv, size_t batch, size_t seq, size_t heads,
                                size_t head_dim, const int32_t *mask, float dropout,
                                uint64_t key, float *probs, float *ctx, float *scratch,
                                el_threadpool *pool)
{
    struct attn_job j = {.qkv = qkv, .probs = probs, .ctx = ctx, .scratch = scratch,
                         .batch = batch, .seq = seq, .heads = heads, .d = head_dim,
                         .chunks = chunk_count(batch * heads, pool), .mask = mask,
                         .dropout = dropout, .key = key};
    el_parallel_for(pool, j.chunks, forward_chunk, &j);
}

void el_train_attention_backward(const float *qkv, const float *probs, const float *dctx,
                                 size_t batch, size_t seq, size_t heads, size_t head_dim,
                                 float dropout, uint64_t key, float *dqkv, float *scratch,
                                 el_threadpool *pool)
{
    struct attn_job j = {.qkv = qkv, .probs_in = probs, .dctx = dctx, .dqkv = dqkv,
                         .scratch = scratch, .batch = batch, .seq = seq, .heads = heads,
                         .d = head_dim, .chunks = chunk_count(batch * heads, pool),
                         .dropout = dropout, .key = key};
    el_parallel_for(pool, j.chunks, backward_chunk, &j);
}
