/* transformer_ops.c - layer norm and attention (reference implementations;
 * the matmuls inside attention go to CBLAS). */
#include "transformer_ops.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

struct norm_job {
    const float *x;
    float *y;
    size_t rows, n;
    const float *gain, *bias;
    float eps;
    size_t rows_per_item;
};

static void norm_rows(void *arg, size_t item)
{
    const struct norm_job *j = arg;
    size_t r0 = item * j->rows_per_item;
    size_t r1 = r0 + j->rows_per_item < j->rows ? r0 + j->rows_per_item : j->rows;
    for (size_t r = r0; r < r1; r++) {
        const float *x = j->x + r * j->n;
        float *y = j->y + r * j->n;
        /* Two passes in double: the mean first, then the centred sum of
         * squares, so large offsets do not cancel the variance away. */
        double sum = 0;
        for (size_t i = 0; i < j->n; i++)
            sum += x[i];
        float mean = (float)(sum / (double)j->n);
        double sq = 0;
        for (size_t i = 0; i < j->n; i++) {
            double d = (double)x[i] - mean;
            sq += d * d;
        }
        float inv = (float)(1.0 / sqrt(sq / (double)j->n + j->eps));
        for (size_t i = 0; i < j->n; i++)
            y[i] = (x[i] - mean) * inv * j->gain[i] + j->bias[i];
    }
}

void el_layer_norm(const float *x, float *y, size_t rows, size_t n, const float *gain,
                   const float *bias, float eps, el_threadpool *pool)
{
    struct norm_job j = {x, y, rows, n, gain, bias, eps, 16};
    el_parallel_for(pool, (rows + j.rows_per_item - 1) / j.rows_per_item, norm_rows, &j);
}

struct attn_job {
    const float *q, *k, *v;
    float *ctx;
    size_t batch, seq, heads, head_dim;
    const int32_t *mask;
    float *scratch;
    size_t chunks;
};

size_t el_attention_scratch_floats(size_t seq, int threads)
{
    return (size_t)(threads > 0 ? threads : 1) * seq * seq;
}

/* One chunk of (batch row, head) pairs, with its own seq x seq scores. */
static void attention_chunk(void *arg, size_t chunk)
{
    const struct attn_job *j = arg;
    size_t pairs = j->batch * j->heads;
    size_t p0 = pairs * chunk / j->chunks, p1 = pairs * (chunk + 1) / j->chunks;
    size_t seq = j->seq, d = j->head_dim, width = j->heads * d;
    float *scores = j->scratch + chunk * seq * seq;
    /* transformers divides by sqrt(head_dim); keep that exact rounding. */
    float scale_div = sqrtf((float)d);
    for (size_t p = p0; p < p1; p++) {
        size_t b = p / j->heads, h = p % j->heads;
        const float *q = j->q + b * seq * width + h * d;
        const float *k = j->k + b * seq * width + h * d;
        const float *v = j->v + b * seq * width + h * d;
        float *ctx = j->ctx + b * seq * width + h * d;
        const int32_t *mask = j->mask ? j->mask + b * seq : NULL;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)seq, (int)seq, (int)d, 1.0f,
                    q, (int)width, k, (int)width, 0.0f, scores, (int)seq);
        for (size_t i = 0; i < seq; i++) {
            float *row = scores + i * seq;
            float mx = -INFINITY;
            for (size_t t = 0; t < seq; t++) {
                row[t] = row[t] / scale_div + (mask && !mask[t] ? -FLT_MAX : 0.0f);
                if (row[t] > mx)
                    mx = row[t];
            }
            float sum = 0;
            for (size_t t = 0; t < seq; t++) {
                row[t] = expf(row[t] - mx);
                sum += row[t];
            }
            float inv = 1.0f / sum;
            for (size_t t = 0; t < seq; t++)
                row[t] *= inv;
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)seq, (int)d, (int)seq, 1.0f,
                    scores, (int)seq, v, (int)width, 0.0f, ctx, (int)width);
    }
}

void el_attention(const float *q, const float *k, const float *v, float *ctx, size_t batch,
                  size_t seq, size_t heads, size_t head_dim, const int32_t *mask,
                  float *scratch, el_threadpool *pool)
{
    size_t threads = (size_t)el_threadpool_size(pool);
    size_t pairs = batch * heads;
    struct attn_job j = {q, k, v, ctx, batch, seq, heads, head_dim, mask, scratch,
                         pairs < threads ? pairs : threads};
    el_parallel_for(pool, j.chunks, attention_chunk, &j);
}
