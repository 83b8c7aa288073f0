/* train_gemm.h - the matrix products of a training pass (a linear layer's
 * forward, input gradient and weight gradient) on the library's own
 * float kernels (gemm.h) where the CPU has one, CBLAS otherwise.
 *
 * The kernels compute y = x W^T (+ b) (+ y) from W packed in panels. The
 * weights change every step, so they are packed at every product, into
 * a buffer the context keeps: packing reads each weight once, against the
 * m reads of the product. The other two products become the same form:
 *   dx = dy W      is  dy (W^T)^T: W^T packed straight from W's rows;
 *   dW += dy^T x   is  (dy^T) (x^T)^T: x^T packed from x's rows, dy^T a
 *                  transposed copy, the product added to dW.
 * The kernels sum in a fixed order set by the shapes alone, so results
 * do not depend on the thread count (they differ from CBLAS's in the last
 * bits, as any two BLAS do). One context per model: it is not shared
 * between threads. */
#ifndef EL_TRAIN_GEMM_H
#define EL_TRAIN_GEMM_H

#include <stddef.h>

#include "electra.h"
#include "gemm.h"
#include "threadpool.h"

typedef struct el_train_gemm {
    const el_gemm_kernel *kernel; /* NULL: CBLAS */
    size_t nr;                    /* the kernel's panel width */
    el_threadpool *pool;
    void *packed;                 /* the packed operand, grown to need */
    size_t packed_bytes;
    float *transposed;            /* dy^T, grown to need */
    size_t transposed_bytes;
} el_train_gemm;

/* A context running on pool (NULL: the caller's thread). reference = 1
 * keeps CBLAS even where a kernel exists. */
electra_status el_train_gemm_create(el_threadpool *pool, int reference, el_train_gemm **out);
void el_train_gemm_free(el_train_gemm *g);
/* "avx512", "avx2" or "cblas". */
const char *el_train_gemm_name(const el_train_gemm *g);

/* y[m, n] = x[m, k] w[n, k]^T + b (b may be NULL). g may be NULL (CBLAS,
 * and so is any product whose buffer cannot be allocated). */
void el_train_gemm_forward(el_train_gemm *g, const float *x, size_t m, size_t k,
                           const float *w, size_t n, const float *b, float *y);
/* dx[m, n] = dy[m, k] w[k, n] (added to dx when accumulate). */
void el_train_gemm_input_grad(el_train_gemm *g, const float *dy, size_t m, size_t k,
                              const float *w, size_t n, float *dx, int accumulate);
/* dw[k, n] += dy[m, k]^T x[m, n]. */
void el_train_gemm_weight_grad(el_train_gemm *g, const float *dy, size_t m, size_t k,
                               const float *x, size_t n, float *dw);

#endif
