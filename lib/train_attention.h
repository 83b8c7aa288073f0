/* train_attention.h - multi-head self-attention with its gradient.
 *
 * qkv is (batch * seq, 3W) with W = heads * head_dim: each token's query,
 * key and value side by side (the stacked projection's output); head h
 * uses columns [h d, (h+1) d) of each. Scores are Q K^T / sqrt(d) plus
 * transformers' additive float32-min on masked keys, softmax over keys,
 * optional dropout on the probabilities, then times V. */
#ifndef EL_TRAIN_ATTENTION_H
#define EL_TRAIN_ATTENTION_H

#include <stddef.h>
#include <stdint.h>

#include "threadpool.h"

/* Floats of scratch the two passes need with `threads` threads. */
size_t el_train_attention_scratch_floats(size_t seq, int threads);

/* ctx (batch * seq, W) = dropout(softmax(scores)) V; probs (batch, heads,
 * seq, seq) keeps the softmax before dropout for the backward pass. mask
 * (batch, seq) 1 = attend, 0 = padding; NULL attends everywhere. key
 * names this pass's dropout mask (unused when dropout is 0). */
void el_train_attention_forward(const float *qkv, size_t batch, size_t seq, size_t heads,
                                size_t head_dim, const int32_t *mask, float dropout,
                                uint64_t key, float *probs, float *ctx, float *scratch,
                                el_threadpool *pool);

/* From dctx (batch * seq, W): dqkv (batch * seq, 3W) is written with the
 * gradients of the queries, keys and values. Same dropout and key as the
 * forward pass. */
void el_train_attention_backward(const float *qkv, const float *probs, const float *dctx,
                                 size_t batch, size_t seq, size_t heads, size_t head_dim,
                                 float dropout, uint64_t key, float *dqkv, float *scratch,
                                 el_threadpool *pool);

#endif
