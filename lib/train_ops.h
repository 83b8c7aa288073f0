/* train_ops.h - forward and backward kernels of a transformer layer's
 * pieces for training: linear (CBLAS), layer norm, activations.
 *
 * Conventions: row-major float32; a backward function ADDS parameter
 * gradients into dw/db/dgain/dbias (so tied and accumulated gradients
 * need no extra pass) and WRITES the input gradient unless told to add.
 * pool may be NULL (everything runs on the caller). */
#ifndef EL_TRAIN_OPS_H
#define EL_TRAIN_OPS_H

#include <stddef.h>

#include "linear.h"
#include "threadpool.h"
#include "train_gemm.h"

/* y[m, out] = x[m, in] W^T + b (b may be NULL), on g's kernels (NULL:
 * CBLAS on the caller's thread; see train_gemm.h). */
void el_train_linear_forward(const float *x, size_t m, size_t in, size_t out, const float *w,
                             const float *b, float *y, el_train_gemm *g);
/* From dy[m, out]: dx[m, in] = dy W (added to dx when accumulate; dx NULL:
 * not wanted), dw += dy^T x, db += column sums of dy (db may be NULL). */
void el_train_linear_backward(const float *dy, const float *x, size_t m, size_t in, size_t out,
                              const float *w, float *dw, float *db, float *dx, int accumulate,
                              el_train_gemm *g);

/* Layer norm of rows x[rows, n] as torch computes it (biased variance, eps
 * inside the root) into y, keeping xhat = (x - mean) * rstd and rstd for
 * the backward pass. y may alias x, not xhat. */
void el_train_layer_norm_forward(const float *x, size_t rows, size_t n, const float *gain,
                                 const float *bias, float eps, float *xhat, float *rstd, float *y,
                                 el_threadpool *pool);
/* dx = rstd (dy g - mean(dy g) - xhat mean(dy g xhat)) per row (written;
 * dx may alias dy), dgain += sum over rows of dy xhat, dbias += sum dy. */
void el_train_layer_norm_backward(const float *dy, const float *xhat, const float *rstd,
                                  size_t rows, size_t n, const float *gain, float *dgain,
                                  float *dbias, float *dx, el_threadpool *pool);

/* y = act(x) elementwise (y may alias x). */
void el_train_activation_forward(el_activation act, const float *x, float *y, size_t n,
                                 el_threadpool *pool);
/* dx = dy act'(x) (dx may alias dy). */
void el_train_activation_backward(el_activation act, const float *x, const float *dy, float *dx,
                                  size_t n, el_threadpool *pool);

/* Set OpenBLAS's thread count (process-wide); nothing with another
 * BLAS. */
void el_train_blas_threads(int n);

/* y[i] += x[i]. */
void el_train_add(float *y, const float *x, size_t n, el_threadpool *pool);

#endif
