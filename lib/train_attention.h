/* train_attention.h - multi-head self-attention with its gradient.
 *
 * Scores are Q K^T / sqrt(d) plus transformers' additive float32-min on
 * masked keys, softmax over keys, optional dropout on the probabilities,
 * then times V. Head h uses columns [h d, (h+1) d) of the query, key and
 * value rows. Queries may be a subset of the positions (the last layer
 * only needs the rows its head reads); keys and values are every
 * position. */
#ifndef EL_TRAIN_ATTENTION_H
#define EL_TRAIN_ATTENTION_H

#include <stddef.h>
#include <stdint.h>

#include "threadpool.h"

typedef struct el_attention_args {
    size_t batch, seq, heads, head_dim;
    /* Query rows q_begin[b] .. q_begin[b + 1] - 1 belong to batch row b;
     * NULL: every position (row b seq + i). */
    const size_t *q_begin;
    const float *q;
    size_t q_stride;
    /* batch * seq rows each. */
    const float *k, *v;
    size_t kv_stride;
    const int32_t *mask; /* (batch, seq), 1 = attend; NULL: everywhere */
    float dropout;       /* on the probabilities */
    uint64_t key;        /* names this pass's dropout mask */
} el_attention_args;

/* Floats of scratch either pass needs with `threads` threads. */
size_t el_train_attention_scratch_floats(size_t seq, int threads);

/* ctx (query rows, stride ctx_stride) = dropout(softmax(scores)) V.
 * probs keeps the softmax before dropout for the backward pass: for each
 * batch row and head, its query rows x seq (heads * query rows * seq
 * floats in all). */
void el_train_attention_forward(const el_attention_args *a, float *probs, float *ctx,
                                size_t ctx_stride, float *scratch, el_threadpool *pool);

/* From dctx: dq (query rows) and dk, dv (every position) written. */
void el_train_attention_backward(const el_attention_args *a, const float *probs,
                                 const float *dctx, size_t dctx_stride, float *dq,
                                 size_t dq_stride, float *dk, float *dv, size_t dkv_stride,
                                 float *scratch, el_threadpool *pool);

#endif
