/* linear.h - y = x * W^T + b (PyTorch nn.Linear), with fused epilogues.
 *
 * W is (out, in) row-major as PyTorch stores it. A prepared linear holds,
 * besides the caller's pointers, the layout the fastest kernel for this
 * CPU wants (packed at load time); the reference path uses CBLAS on the
 * weights in place. Both give the same results within float32 rounding. */
#ifndef EL_LINEAR_H
#define EL_LINEAR_H

#include <stddef.h>

#include "electra.h"
#include "threadpool.h"

typedef enum el_activation {
    EL_ACT_NONE = 0,
    EL_ACT_GELU,      /* exact: 0.5 x (1 + erf(x / sqrt 2)) */
    EL_ACT_GELU_TANH, /* "gelu_new" / "gelu_pytorch_tanh" */
    EL_ACT_GELU_FAST, /* "gelu_fast": tanh form with 0.7978845608 x (1 + 0.044715 x^2) */
    EL_ACT_QUICK_GELU,/* x * sigmoid(1.702 x) */
    EL_ACT_RELU,
    EL_ACT_SILU
} el_activation;

typedef struct el_linear {
    const float *weight; /* (out, in) */
    const float *bias;   /* (out) or NULL */
    size_t in, out;
    int kernels;         /* electra_kernels the linear was prepared for */
    void *packed;        /* kernel-specific layout, NULL for the reference */
} el_linear;

/* Set up a linear over weight/bias (which must outlive it) and prepare
 * the layout for `kernels` (ELECTRA_KERNELS_AUTO picks the CPU's best). */
electra_status el_linear_init(el_linear *l, const float *weight, const float *bias,
                              size_t in, size_t out, int kernels);
/* As el_linear_init, at `precision` (electra_precision).
 * ELECTRA_PRECISION_BF16 rounds the weights to bfloat16 when packing and
 * x on the fly, and sums in float32 (then y is within about 2^-7 sum |x w|
 * of exact, against (in + 2) 2^-24 sum |x w| for float32): on AMX tiles
 * where the CPU and OS allow them and in <= 1024, else with AVX512_BF16
 * instructions for in <= 3072. ELECTRA_PRECISION_INT8 quantizes W per
 * column and x per row to 8 bits and sums exactly in int32, with
 * AVX512_VNNI, for in <= 3072 (gemm_avx512_int8.c gives the error).
 * Where the kernel cannot run (no such instructions, ELECTRA_CPU below
 * "avx512", the reference kernels, larger in) the linear computes in
 * float32: more exactly than asked. (The reduced-precision kernels take
 * about 75 KiB of the forward caller's stack, the float32 ones about 30
 * KiB.) */
electra_status el_linear_init_precision(el_linear *l, const float *weight, const float *bias,
                                        size_t in, size_t out, int kernels, int precision);
/* One block that the packed weights of many linears (a model's) are
 * carved from: one allocation instead of one per linear, advised for huge
 * pages once filled, so that the kernels streaming the weights miss the
 * TLB less. */
typedef struct el_linear_arena {
    void *block;                      /* el_malloc_aligned, NULL when none */
    unsigned char *start, *next, *end; /* the space (2 MB aligned), the free part */
} el_linear_arena;

/* Reserve at least `bytes`: an upper bound is fine, as untouched pages
 * take no memory. */
electra_status el_linear_arena_reserve(el_linear_arena *a, size_t bytes);
/* The packing is done: the filled part is advised for huge pages, which
 * the kernel assembles in the background (khugepaged). Advised before,
 * packing waited for them: on VMs whose host takes back free memory in
 * 2 MB blocks (free page reporting), each huge page was a fault on the
 * host, and a load after other programs had run took 80-2,000 ms
 * instead of 30-40. */
void el_linear_arena_filled(el_linear_arena *a);
/* Free the block (after every linear packed in it is released). */
void el_linear_arena_free(el_linear_arena *a);
/* At least the bytes any kernel packs an (out, in) weight into (0 when
 * that does not fit in size_t). */
size_t el_linear_packed_bound(size_t in, size_t out);
/* As el_linear_init_precision, packing into the arena while it has room
 * (then el_linear_release leaves the space to the arena); arena NULL or
 * full: an allocation of the linear's own. */
electra_status el_linear_init_arena(el_linear *l, const float *weight, const float *bias,
                                    size_t in, size_t out, int kernels, int precision,
                                    el_linear_arena *arena);
void el_linear_release(el_linear *l);
/* 1 when l computes from its packed copy alone, so that its weight is
 * never read again (the caller may free it or let its pages go). */
int el_linear_is_packed(const el_linear *l);
/* The kernel a prepared linear runs: "reference", "avx2", "avx512",
 * "amx-bf16", "avx512-bf16" or "avx512-int8" (for diagnostics and
 * benchmarks). */
const char *el_linear_kernel_name(const el_linear *l);

/* y[m, out] = act(x[m, in] W^T + b) (+ residual[m, out] when not NULL,
 * added after the activation). Rows of x, y and residual are contiguous
 * (leading dimensions in and out). y must not alias x; it may alias
 * residual. */
void el_linear_forward(const el_linear *l, const float *x, size_t m, float *y,
                       el_activation act, const float *residual, el_threadpool *pool);

/* The activation applied elementwise in place (the reference for the
 * fused epilogues). */
void el_activation_apply(el_activation act, float *x, size_t n);

#endif
