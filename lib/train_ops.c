/* train_ops.c - linear, layer norm and activation kernels with their
 * gradients. Elementwise loops are written to vectorise (see
 * train_math.h) and are split over the pool in chunks. */
/* The build's config.h (ELECTRA_FAST_KERNELS, HAVE_OPENBLAS_SET_NUM_THREADS),
 * not lib/config.h. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "train_ops.h"

#include <cblas.h> /* OpenBLAS's declares openblas_set_num_threads */
#include <math.h>
#include <string.h>

#include "train_math.h"

/* Elements per parallel chunk: big enough to amortise a dispatch, small
 * enough to balance two to a few dozen threads on a layer's activations. */
#define CHUNK 16384

void el_train_linear_forward(const float *x, size_t m, size_t in, size_t out, const float *w,
                             const float *b, float *y, el_train_gemm *g)
{
    el_train_gemm_forward(g, x, m, in, w, out, b, y);
}

EL_VECTOR_CLONES static void column_sums(const float *x, size_t rows, size_t n, float *sum)
{
    for (size_t r = 0; r < rows; r++) {
        const float *row = x + r * n;
        for (size_t j = 0; j < n; j++)
            sum[j] += row[j];
    }
}

void el_train_linear_backward(const float *dy, const float *x, size_t m, size_t in, size_t out,
                              const float *w, float *dw, float *db, float *dx, int accumulate,
                              el_train_gemm *g)
{
    if (dx)
        el_train_gemm_input_grad(g, dy, m, out, w, in, dx, accumulate);
    el_train_gemm_weight_grad(g, dy, m, out, x, in, dw);
    if (db)
        column_sums(dy, m, out, db);
}

struct norm_forward_job {
    const float *x, *gain, *bias;
    float *xhat, *rstd, *y;
    size_t rows, n, rows_per_item;
    float eps;
};

struct norm_backward_job {
    const float *dy, *xhat, *rstd, *gain;
    float *dx;
    size_t rows, n, rows_per_item;
};

EL_VECTOR_CLONES static void norm_forward_rows(void *arg, size_t item)
{
    const struct norm_forward_job *j = arg;
    size_t r0 = item * j->rows_per_item, r1 = r0 + j->rows_per_item;
    if (r1 > j->rows)
        r1 = j->rows;
    size_t n = j->n;
    for (size_t r = r0; r < r1; r++) {
        const float *x = j->x + r * n;
        float *xh = j->xhat + r * n, *y = j->y + r * n;
        /* Two passes in double, as the inference layer norm: the mean,
         * then the centred sum of squares. */
        float mean = (float)(el_sum(x, n) / (double)n);
        double sq = el_sum_sq_dev(x, n, mean);
        float rs = (float)(1.0 / sqrt(sq / (double)n + j->eps));
        j->rstd[r] = rs;
        for (size_t i = 0; i < n; i++) {
            xh[i] = (x[i] - mean) * rs;
            y[i] = xh[i] * j->gain[i] + j->bias[i];
        }
    }
}

static size_t rows_per_item(size_t n)
{
    size_t r = CHUNK / (n ? n : 1);
    return r ? r : 1;
}

void el_train_layer_norm_forward(const float *x, size_t rows, size_t n, const float *gain,
                                 const float *bias, float eps, float *xhat, float *rstd, float *y,
                                 el_threadpool *pool)
{
    struct norm_forward_job j = {.x = x, .gain = gain, .bias = bias, .xhat = xhat, .rstd = rstd,
                         .y = y, .rows = rows, .n = n, .eps = eps,
                         .rows_per_item = rows_per_item(n)};
    el_parallel_for(pool, (rows + j.rows_per_item - 1) / j.rows_per_item, norm_forward_rows, &j);
}

/* sum x y z in double lanes (see train_math.h). */
static inline double dot3(const float *x, const float *y, const float *z, size_t n)
{
    double lane[EL_LANES] = {0};
    size_t i = 0;
    for (; i + EL_LANES <= n; i += EL_LANES)
        for (size_t k = 0; k < EL_LANES; k++)
            lane[k] += (double)(x[i + k] * y[i + k]) * z[i + k];
    for (; i < n; i++)
        lane[i % EL_LANES] += (double)(x[i] * y[i]) * z[i];
    return el_lanes_total(lane);
}

EL_VECTOR_CLONES static void norm_backward_rows(void *arg, size_t item)
{
    const struct norm_backward_job *j = arg;
    size_t r0 = item * j->rows_per_item, r1 = r0 + j->rows_per_item;
    if (r1 > j->rows)
        r1 = j->rows;
    size_t n = j->n;
    for (size_t r = r0; r < r1; r++) {
        const float *dy = j->dy + r * n, *xh = j->xhat + r * n;
        float *dx = j->dx + r * n;
        float ma = (float)(el_dot(dy, j->gain, n) / (double)n);
        float mb = (float)(dot3(dy, j->gain, xh, n) / (double)n), rs = j->rstd[r];
        for (size_t i = 0; i < n; i++)
            dx[i] = rs * (dy[i] * j->gain[i] - ma - xh[i] * mb);
    }
}

EL_VECTOR_CLONES static void norm_parameter_gradients(const float *dy, const float *xhat,
                                                      size_t rows, size_t n, float *dgain,
                                                      float *dbias)
{
    for (size_t r = 0; r < rows; r++) {
        const float *d = dy + r * n, *xh = xhat + r * n;
        for (size_t i = 0; i < n; i++) {
            dgain[i] += d[i] * xh[i];
            dbias[i] += d[i];
        }
    }
}

void el_train_layer_norm_backward(const float *dy, const float *xhat, const float *rstd,
                                  size_t rows, size_t n, const float *gain, float *dgain,
                                  float *dbias, float *dx, el_threadpool *pool)
{
    /* Parameter gradients first: dx may overwrite dy. */
    norm_parameter_gradients(dy, xhat, rows, n, dgain, dbias);
    struct norm_backward_job j = {.dy = dy, .xhat = xhat, .rstd = rstd, .gain = gain, .dx = dx, .rows = rows, .n = n, .rows_per_item = rows_per_item(n)};
    el_parallel_for(pool, (rows + j.rows_per_item - 1) / j.rows_per_item, norm_backward_rows, &j);
}

/* sqrt(2 / pi) and the cubic coefficient of the tanh GELU. */
#define GELU_TANH_K 0.7978845608028654f
#define GELU_TANH_C 0.044715f

EL_VECTOR_CLONES static void activation_forward_range(el_activation act, const float *x, float *y, size_t n)
{
    switch (act) {
    case EL_ACT_GELU:
        for (size_t i = 0; i < n; i++)
            y[i] = 0.5f * x[i] * (1.0f + el_erff(x[i] * 0.70710678118654752f));
        break;
    case EL_ACT_GELU_TANH:
    case EL_ACT_GELU_FAST: /* the same function, written differently */
        for (size_t i = 0; i < n; i++) {
            float v = x[i];
            y[i] = 0.5f * v * (1.0f + el_tanhf(GELU_TANH_K * (v + GELU_TANH_C * v * v * v)));
        }
        break;
    case EL_ACT_QUICK_GELU:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] * el_sigmoidf(1.702f * x[i]);
        break;
    case EL_ACT_RELU:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
    case EL_ACT_SILU:
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] * el_sigmoidf(x[i]);
        break;
    case EL_ACT_NONE:
        if (y != x)
            memmove(y, x, n * sizeof *y);
        break;
    }
}

EL_VECTOR_CLONES static void activation_backward_range(el_activation act, const float *x, const float *dy,
                                      float *dx, size_t n)
{
    switch (act) {
    case EL_ACT_GELU:
        /* d/dx x Phi(x) = Phi(x) + x phi(x). */
        for (size_t i = 0; i < n; i++) {
            float v = x[i];
            float cdf = 0.5f * (1.0f + el_erff(v * 0.70710678118654752f));
            float pdf = 0.3989422804014327f * el_expf(-0.5f * v * v);
            dx[i] = dy[i] * (cdf + v * pdf);
        }
        break;
    case EL_ACT_GELU_TANH:
    case EL_ACT_GELU_FAST:
        for (size_t i = 0; i < n; i++) {
            float v = x[i];
            float t = el_tanhf(GELU_TANH_K * (v + GELU_TANH_C * v * v * v));
            float du = GELU_TANH_K * (1.0f + 3.0f * GELU_TANH_C * v * v);
            dx[i] = dy[i] * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * du);
        }
        break;
    case EL_ACT_QUICK_GELU:
        for (size_t i = 0; i < n; i++) {
            float s = el_sigmoidf(1.702f * x[i]);
            dx[i] = dy[i] * (s + 1.702f * x[i] * s * (1.0f - s));
        }
        break;
    case EL_ACT_RELU:
        for (size_t i = 0; i < n; i++)
            dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
        break;
    case EL_ACT_SILU:
        for (size_t i = 0; i < n; i++) {
            float s = el_sigmoidf(x[i]);
            dx[i] = dy[i] * (s + x[i] * s * (1.0f - s));
        }
        break;
    case EL_ACT_NONE:
        if (dx != dy)
            memmove(dx, dy, n * sizeof *dx);
        break;
    }
}

struct elementwise_job {
    el_activation act;
    const float *x, *dy;
    float *y;
    size_t n;
};

static void activation_forward_item(void *arg, size_t item)
{
    const struct elementwise_job *j = arg;
    size_t i0 = item * CHUNK, len = j->n - i0 < CHUNK ? j->n - i0 : CHUNK;
    activation_forward_range(j->act, j->x + i0, j->y + i0, len);
}

static void activation_backward_item(void *arg, size_t item)
{
    const struct elementwise_job *j = arg;
    size_t i0 = item * CHUNK, len = j->n - i0 < CHUNK ? j->n - i0 : CHUNK;
    activation_backward_range(j->act, j->x + i0, j->dy + i0, j->y + i0, len);
}

EL_VECTOR_CLONES static void add_item(void *arg, size_t item)
{
    const struct elementwise_job *j = arg;
    size_t i0 = item * CHUNK, len = j->n - i0 < CHUNK ? j->n - i0 : CHUNK;
    float *y = j->y + i0;
    const float *x = j->x + i0;
    for (size_t i = 0; i < len; i++)
        y[i] += x[i];
}

void el_train_activation_forward(el_activation act, const float *x, float *y, size_t n,
                                 el_threadpool *pool)
{
    struct elementwise_job j = {act, x, NULL, y, n};
    el_parallel_for(pool, (n + CHUNK - 1) / CHUNK, activation_forward_item, &j);
}

void el_train_activation_backward(el_activation act, const float *x, const float *dy, float *dx,
                                  size_t n, el_threadpool *pool)
{
    struct elementwise_job j = {act, x, dy, dx, n};
    el_parallel_for(pool, (n + CHUNK - 1) / CHUNK, activation_backward_item, &j);
}

void el_train_blas_threads(int n)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
    openblas_set_num_threads(n);
#else
    (void)n;
#endif
}

void el_train_add(float *y, const float *x, size_t n, el_threadpool *pool)
{
    struct elementwise_job j = {EL_ACT_NONE, x, NULL, y, n};
    el_parallel_for(pool, (n + CHUNK - 1) / CHUNK, add_item, &j);
}
