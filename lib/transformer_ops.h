/* transformer_ops.h - the non-matmul pieces of a BERT-style layer:
 * layer norm, softmax and multi-head attention, as transformers computes
 * them in float32. */
#ifndef EL_TRANSFORMER_OPS_H
#define EL_TRANSFORMER_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "threadpool.h"

/* y[r] = (x[r] - mean) / sqrt(var + eps) * gain + bias for each of rows
 * rows of width n (biased variance, eps inside the root, as torch). y may
 * alias x. */
void el_layer_norm(const float *x, float *y, size_t rows, size_t n, const float *gain,
                   const float *bias, float eps, el_threadpool *pool);

/* Multi-head self-attention core for batch x seq tokens of width
 * heads * head_dim: ctx = softmax(Q K^T / sqrt(head_dim) + mask) V per
 * batch row and head. q, k, v, ctx are (batch * seq, heads * head_dim)
 * row-major; mask is (batch, seq) with 0 for padding (NULL: none). Masked
 * keys get transformers' additive float32-min, so they get exactly zero
 * weight unless a row has no unmasked key. scratch holds
 * el_attention_scratch_floats() floats. */
size_t el_attention_scratch_floats(size_t seq, int threads);
void el_attention(const float *q, const float *k, const float *v, float *ctx, size_t batch,
                  size_t seq, size_t heads, size_t head_dim, const int32_t *mask,
                  float *scratch, el_threadpool *pool);

#endif
