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
#include "train_ops.h"
#include "train_rng.h"

struct attn_job {
    const el_attention_args *a;
    const float *probs_in, *dctx;
    float *probs, *ctx, *dq, *dk, *dv, *scratch;
    size_t ctx_stride, dctx_stride, dq_stride, dkv_stride, chunks;
};

/* Where batch row b's queries start and how many there are. */
static size_t query_rows(const el_attention_args *a, size_t b, size_t *first)
{
    if (!a->q_begin) {
        *first = b * a->seq;
        return a->seq;
    }
    *first = a->q_begin[b];
    return a->q_begin[b + 1] - a->q_begin[b];
}

size_t el_train_attention_scratch_floats(size_t seq, int threads)
{
    return 2 * (size_t)(threads > 0 ? threads : 1) * seq * seq;
}

/* Softmax of each row of scores[rows, seq] after scaling and masking. */
EL_VECTOR_CLONES static void softmax_rows(float *scores, size_t rows, size_t seq, float scale_div,
                                          const int32_t *mask)
{
    for (size_t i = 0; i < rows; i++) {
        float *row = scores + i * seq;
        /* transformers divides by sqrt(d) and adds float32-min on masked
         * keys; keep both roundings. */
        for (size_t t = 0; t < seq; t++)
            row[t] = row[t] / scale_div + (mask && !mask[t] ? -FLT_MAX : 0.0f);
        float mx = el_max(row, seq);
        for (size_t t = 0; t < seq; t++)
            row[t] = el_expf(row[t] - mx);
        float inv = (float)(1.0 / el_sum(row, seq));
        for (size_t t = 0; t < seq; t++)
            row[t] *= inv;
    }
}

static void forward_chunk(void *arg, size_t chunk)
{
    const struct attn_job *j = arg;
    const el_attention_args *a = j->a;
    size_t pairs = a->batch * a->heads, seq = a->seq, d = a->head_dim;
    size_t p0 = pairs * chunk / j->chunks, p1 = pairs * (chunk + 1) / j->chunks;
    float *dropped = j->scratch + chunk * 2 * seq * seq;
    float scale_div = sqrtf((float)d);
    for (size_t p = p0; p < p1; p++) {
        size_t b = p / a->heads, h = p % a->heads, first;
        size_t rows = query_rows(a, b, &first);
        if (!rows)
            continue;
        const float *q = a->q + first * a->q_stride + h * d;
        const float *k = a->k + b * seq * a->kv_stride + h * d;
        const float *v = a->v + b * seq * a->kv_stride + h * d;
        size_t at = (first * a->heads + h * rows) * seq;
        float *probs = j->probs + at;
        float *ctx = j->ctx + first * j->ctx_stride + h * d;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)seq, (int)d, 1.0f,
                    q, (int)a->q_stride, k, (int)a->kv_stride, 0.0f, probs, (int)seq);
        softmax_rows(probs, rows, seq, scale_div, a->mask ? a->mask + b * seq : NULL);
        const float *used = probs;
        if (a->dropout > 0) {
            memcpy(dropped, probs, rows * seq * sizeof *dropped);
            el_dropout_apply(dropped, rows * seq, a->dropout, a->key, at);
            used = dropped;
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)d, (int)seq, 1.0f,
                    used, (int)seq, v, (int)a->kv_stride, 0.0f, ctx, (int)j->ctx_stride);
    }
}

/* Softmax backward in place: dS = P (dP - sum_t dP_t P_t), times the
 * scores' 1/sqrt(d). */
EL_VECTOR_CLONES static void softmax_backward_rows(float *grad, const float *probs, size_t rows,
                                                   size_t seq, float inv_scale)
{
    for (size_t i = 0; i < rows; i++) {
        float *g = grad + i * seq;
        const float *pr = probs + i * seq;
        float dot = (float)el_dot(g, pr, seq);
        for (size_t t = 0; t < seq; t++)
            g[t] = pr[t] * (g[t] - dot) * inv_scale;
    }
}

static void backward_chunk(void *arg, size_t chunk)
{
    const struct attn_job *j = arg;
    const el_attention_args *a = j->a;
    size_t pairs = a->batch * a->heads, seq = a->seq, d = a->head_dim;
    size_t p0 = pairs * chunk / j->chunks, p1 = pairs * (chunk + 1) / j->chunks;
    float *dropped = j->scratch + chunk * 2 * seq * seq;
    float *grad = dropped + seq * seq;
    float inv_scale = 1.0f / sqrtf((float)d);
    for (size_t p = p0; p < p1; p++) {
        size_t b = p / a->heads, h = p % a->heads, first;
        size_t rows = query_rows(a, b, &first);
        size_t kv0 = b * seq * a->kv_stride + h * d;
        float *dk = j->dk + b * seq * j->dkv_stride + h * d;
        float *dv = j->dv + b * seq * j->dkv_stride + h * d;
        if (!rows) {
            /* No query of this row: its keys and values get no gradient. */
            for (size_t t = 0; t < seq; t++) {
                memset(dk + t * j->dkv_stride, 0, d * sizeof(float));
                memset(dv + t * j->dkv_stride, 0, d * sizeof(float));
            }
            continue;
        }
        const float *q = a->q + first * a->q_stride + h * d;
        const float *k = a->k + kv0, *v = a->v + kv0;
        float *dq = j->dq + first * j->dq_stride + h * d;
        size_t at = (first * a->heads + h * rows) * seq;
        const float *probs = j->probs_in + at;
        const float *dctx = j->dctx + first * j->dctx_stride + h * d;
        const float *used = probs;
        if (a->dropout > 0) {
            memcpy(dropped, probs, rows * seq * sizeof *dropped);
            el_dropout_apply(dropped, rows * seq, a->dropout, a->key, at);
            used = dropped;
        }
        /* dV = P'^T dctx; dP' = dctx V^T (P' the probabilities after
         * dropout). */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)seq, (int)d, (int)rows, 1.0f,
                    used, (int)seq, dctx, (int)j->dctx_stride, 0.0f, dv, (int)j->dkv_stride);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)seq, (int)d, 1.0f,
                    dctx, (int)j->dctx_stride, v, (int)a->kv_stride, 0.0f, grad, (int)seq);
        if (a->dropout > 0)
            el_dropout_apply(grad, rows * seq, a->dropout, a->key, at);
        softmax_backward_rows(grad, probs, rows, seq, inv_scale);
        /* dQ = dS K, dK = dS^T Q. */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)d, (int)seq, 1.0f,
                    grad, (int)seq, k, (int)a->kv_stride, 0.0f, dq, (int)j->dq_stride);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)seq, (int)d, (int)rows, 1.0f,
                    grad, (int)seq, q, (int)a->q_stride, 0.0f, dk, (int)j->dkv_stride);
    }
}

static size_t chunk_count(size_t pairs, el_threadpool *pool)
{
    size_t threads = (size_t)el_threadpool_size(pool);
    return pairs < threads ? pairs : threads;
}

/* The pool runs (row, head) pairs side by side, each product on its own
 * thread: OpenBLAS threading inside them would oversubscribe the cores. */
static void run_pairs(el_threadpool *pool, size_t chunks, void (*fn)(void *, size_t), void *job)
{
    int threads = el_threadpool_size(pool);
    if (threads > 1)
        el_train_blas_threads(1);
    el_parallel_for(pool, chunks, fn, job);
    if (threads > 1)
        el_train_blas_threads(threads);
}

void el_train_attention_forward(const el_attention_args *a, float *probs, float *ctx,
                                size_t ctx_stride, float *scratch, el_threadpool *pool)
{
    struct attn_job j = {.a = a, .probs = probs, .ctx = ctx, .scratch = scratch,
                         .ctx_stride = ctx_stride,
                         .chunks = chunk_count(a->batch * a->heads, pool)};
    run_pairs(pool, j.chunks, forward_chunk, &j);
}

void el_train_attention_backward(const el_attention_args *a, const float *probs,
                                 const float *dctx, size_t dctx_stride, float *dq,
                                 size_t dq_stride, float *dk, float *dv, size_t dkv_stride,
                                 float *scratch, el_threadpool *pool)
{
    struct attn_job j = {.a = a, .probs_in = probs, .dctx = dctx, .dq = dq, .dk = dk, .dv = dv,
                         .scratch = scratch, .dctx_stride = dctx_stride, .dq_stride = dq_stride,
                         .dkv_stride = dkv_stride,
                         .chunks = chunk_count(a->batch * a->heads, pool)};
    run_pairs(pool, j.chunks, backward_chunk, &j);
}
