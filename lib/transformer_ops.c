/* transformer_ops.c - the reference embeddings, layer norm and attention
 * (the matmuls inside attention go to CBLAS), and the choice between them
 * and the AVX-512 kernels. */
#include <config.h>

#include "transformer_ops.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "cpu.h"
#include "electra.h"
#include "gemm.h"

el_ops_path el_ops_choose(int kernels)
{
#ifdef EL_GEMM_X86
    if (kernels == ELECTRA_KERNELS_AUTO && el_cpu_best_path() >= EL_CPU_AVX512)
        return EL_OPS_AVX512;
#else
    (void)kernels;
#endif
    return EL_OPS_REFERENCE;
}

/* Rows per parallel item of the row-wise ops. */
#define ROWS_PER_ITEM 16

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Two passes in double: the mean first, then the centred sum of squares,
 * so large offsets do not cancel the variance away. */
static void norm_row(const float *x, float *y, size_t n, const float *gain, const float *bias,
                     float eps)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    float mean = (float)(sum / (double)n);
    double sq = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)x[i] - mean;
        sq += d * d;
    }
    float inv = (float)(1.0 / sqrt(sq / (double)n + eps));
    for (size_t i = 0; i < n; i++)
        y[i] = (x[i] - mean) * inv * gain[i] + bias[i];
}

struct norm_job {
    const float *x;
    float *y;
    size_t rows, n;
    const float *gain, *bias;
    float eps;
};

static void norm_rows(void *arg, size_t item)
{
    const struct norm_job *j = arg;
    size_t r1 = min_size((item + 1) * ROWS_PER_ITEM, j->rows);
    for (size_t r = item * ROWS_PER_ITEM; r < r1; r++)
        norm_row(j->x + r * j->n, j->y + r * j->n, j->n, j->gain, j->bias, j->eps);
}

void el_layer_norm(el_ops_path path, const float *x, float *y, size_t rows, size_t n,
                   const float *gain, const float *bias, float eps, el_threadpool *pool)
{
#ifdef EL_GEMM_X86
    if (path == EL_OPS_AVX512) {
        el_layer_norm_avx512(x, y, rows, n, gain, bias, eps, pool);
        return;
    }
#endif
    (void)path;
    struct norm_job j = {x, y, rows, n, gain, bias, eps};
    el_parallel_for(pool, (rows + ROWS_PER_ITEM - 1) / ROWS_PER_ITEM, norm_rows, &j);
}

struct embed_job {
    const el_embedding_args *a;
    float *out;
};

static void embed_rows(void *arg, size_t item)
{
    const struct embed_job *j = arg;
    const el_embedding_args *a = j->a;
    size_t n = a->n, r1 = min_size((item + 1) * ROWS_PER_ITEM, a->batch * a->seq);
    for (size_t t = item * ROWS_PER_ITEM; t < r1; t++) {
        const float *w = a->word + (size_t)a->ids[t] * n;
        const float *ty = a->type + (size_t)(a->types ? a->types[t] : 0) * n;
        const float *pos = a->pos + t % a->seq * n;
        float *out = j->out + t * n;
        for (size_t i = 0; i < n; i++)
            out[i] = w[i] + ty[i] + pos[i];
        norm_row(out, out, n, a->gain, a->bias, a->eps);
    }
}

void el_embed(el_ops_path path, const el_embedding_args *a, float *out, el_threadpool *pool)
{
#ifdef EL_GEMM_X86
    if (path == EL_OPS_AVX512) {
        el_embed_avx512(a, out, pool);
        return;
    }
#endif
    (void)path;
    struct embed_job j = {a, out};
    el_parallel_for(pool, (a->batch * a->seq + ROWS_PER_ITEM - 1) / ROWS_PER_ITEM, embed_rows,
                    &j);
}

struct attn_job {
    const el_self_attention *a;
    float *scratch;
    size_t chunks;
};

/* One chunk of (batch row, head) pairs, with its own seq x seq scores. */
static void attention_chunk(void *arg, size_t chunk)
{
    const struct attn_job *j = arg;
    const el_self_attention *a = j->a;
    size_t pairs = a->batch * a->heads;
    size_t p0 = pairs * chunk / j->chunks, p1 = pairs * (chunk + 1) / j->chunks;
    size_t seq = a->seq, d = a->head_dim, ld = a->ld, width = a->heads * d;
    float *scores = j->scratch + chunk * seq * seq;
    /* transformers divides by sqrt(head_dim); keep that exact rounding. */
    float scale_div = sqrtf((float)d);
    for (size_t p = p0; p < p1; p++) {
        size_t b = p / a->heads, h = p % a->heads;
        const float *q = a->q + b * seq * ld + h * d;
        const float *k = a->k + b * seq * ld + h * d;
        const float *v = a->v + b * seq * ld + h * d;
        float *ctx = a->out + b * seq * width + h * d;
        const int32_t *mask = a->mask ? a->mask + b * seq : NULL;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)seq, (int)seq, (int)d, 1.0f,
                    q, (int)ld, k, (int)ld, 0.0f, scores, (int)seq);
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
                    scores, (int)seq, v, (int)ld, 0.0f, ctx, (int)width);
    }
}

/* a * b into *out; -1 on overflow. */
static int mul_size(size_t a, size_t b, size_t *out)
{
    if (b && a > SIZE_MAX / b)
        return -1;
    *out = a * b;
    return 0;
}

int el_attention_scratch_floats(el_ops_path path, size_t batch, size_t seq, size_t heads,
                                size_t head_dim, int threads, size_t *floats)
{
#ifdef EL_GEMM_X86
    if (path == EL_OPS_AVX512)
        return el_attention_avx512_scratch(batch, seq, heads, head_dim, threads, floats);
#endif
    (void)path, (void)batch, (void)heads, (void)head_dim;
    size_t per_chunk;
    if (mul_size(seq, seq, &per_chunk))
        return -1;
    return mul_size(per_chunk, (size_t)(threads > 0 ? threads : 1), floats);
}

void el_attention(el_ops_path path, const el_self_attention *a, float *scratch,
                  el_threadpool *pool)
{
#ifdef EL_GEMM_X86
    if (path == EL_OPS_AVX512) {
        el_attention_avx512(a, scratch, pool);
        return;
    }
#endif
    (void)path;
    size_t threads = (size_t)el_threadpool_size(pool);
    size_t pairs = a->batch * a->heads;
    struct attn_job j = {a, scratch, pairs < threads ? pairs : threads};
    el_parallel_for(pool, j.chunks, attention_chunk, &j);
}
