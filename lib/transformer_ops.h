/* transformer_ops.h - the non-matmul pieces of a BERT-style layer:
 * embeddings, layer norm and multi-head attention, as transformers
 * computes them in float32.
 *
 * Each op has two implementations: the portable reference (plain C, the
 * attention products through CBLAS; transformer_ops.c) and AVX-512
 * kernels (transformer_ops_avx512.c). A model picks one once, with
 * el_ops_choose; both agree within float32 rounding (tests/check_ops.c). */
#ifndef EL_TRANSFORMER_OPS_H
#define EL_TRANSFORMER_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "threadpool.h"

typedef enum el_ops_path {
    EL_OPS_REFERENCE = 0,
    EL_OPS_AVX512 = 1
} el_ops_path;

/* The fastest path this CPU runs for `kernels` (electra_kernels): the
 * reference for ELECTRA_KERNELS_REFERENCE, or when AVX-512 is missing or
 * capped off by ELECTRA_CPU. */
el_ops_path el_ops_choose(int kernels);

/* y[r] = (x[r] - mean) / sqrt(var + eps) * gain + bias for each of rows
 * rows of width n (biased variance, eps inside the root, as torch). y may
 * alias x. */
void el_layer_norm(el_ops_path path, const float *x, float *y, size_t rows, size_t n,
                   const float *gain, const float *bias, float eps, el_threadpool *pool);

/* ElectraEmbeddings: out[t] = LayerNorm(word[ids[t]] + type[types[t]] +
 * pos[t % seq]) for the batch * seq tokens t, rows of width n. types NULL
 * means type 0 everywhere. Ids and types must be in range. */
typedef struct el_embedding_args {
    const float *word, *type, *pos;
    const float *gain, *bias;
    float eps;
    size_t n;
    const int32_t *ids, *types;
    size_t batch, seq;
} el_embedding_args;
void el_embed(el_ops_path path, const el_embedding_args *a, float *out, el_threadpool *pool);

/* Multi-head self-attention core: out = softmax(Q K^T / sqrt(head_dim) +
 * mask) V for each batch row and head. Token t of batch row b is row
 * b * seq + t; its query, key and value are the heads * head_dim floats at
 * q, k, v + row * ld (so one fused projection can hold all three), its
 * output the heads * head_dim floats at out + row * heads * head_dim.
 * Head h uses columns [h head_dim, (h + 1) head_dim). mask is (batch, seq)
 * with 0 for padding (NULL: none): masked keys get transformers' additive
 * float32-min, so exactly zero weight, unless no key of the row is
 * unmasked: then every key weighs the same. Padded query rows are
 * computed like any other. */
typedef struct el_self_attention {
    const float *q, *k, *v;
    size_t ld;
    float *out;
    size_t batch, seq, heads, head_dim;
    const int32_t *mask;
} el_self_attention;

/* Floats of scratch el_attention needs for this shape on a pool of
 * `threads`; -1 when that overflows size_t. */
int el_attention_scratch_floats(el_ops_path path, size_t batch, size_t seq, size_t heads,
                                size_t head_dim, int threads, size_t *floats);
/* scratch: 64-byte aligned, of el_attention_scratch_floats() floats for a
 * pool of el_threadpool_size(pool) threads. The result does not depend on
 * the number of threads. */
void el_attention(el_ops_path path, const el_self_attention *a, float *scratch,
                  el_threadpool *pool);

/* The AVX-512 implementations, for EL_OPS_AVX512 only (built where the
 * fast kernels are: EL_GEMM_X86 in gemm.h). */
void el_layer_norm_avx512(const float *x, float *y, size_t rows, size_t n, const float *gain,
                          const float *bias, float eps, el_threadpool *pool);
void el_embed_avx512(const el_embedding_args *a, float *out, el_threadpool *pool);
int el_attention_avx512_scratch(size_t batch, size_t seq, size_t heads, size_t head_dim,
                                int threads, size_t *floats);
void el_attention_avx512(const el_self_attention *a, float *scratch, el_threadpool *pool);

#endif
