/* transformer_ops_avx512.c - embeddings, layer norm and attention with
 * AVX-512 (EL_OPS_AVX512; the reference is transformer_ops.c).
 *
 * Attention runs in two parallel passes. The first lays out, for every
 * (batch row, head), the keys the mask lets through: K^T in the panels of
 * the float GEMM (32 keys x head_dim, zero past the last key), and, when
 * masked keys leave holes, their V rows gathered (with padding only at
 * the end, V is read in place). Masked keys would get exactly zero weight
 * (transformers adds float32-min to their scores, and exp of that minus
 * the row's maximum is 0), so leaving them out changes nothing, and saves
 * their work. The
 * second pass takes blocks of 12 query rows: Q K^T with the GEMM's 12 x 32
 * micro-kernel into a 12 x keys block of scores (at most 12 x 512 floats
 * for ELECTRA: it stays in L1/L2), an exact softmax on each row, then P V
 * with a 6 x 64 micro-kernel, scaled by 1 / sum on the way out. Every
 * block is computed the same way whatever thread runs it, so the result
 * does not depend on the thread count. */
#include <config.h>

#include "transformer_ops.h"

#include "gemm.h"

#ifdef EL_GEMM_X86

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,fma,avx2,bmi,bmi2")

#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "activation_avx512.h"
#include "lanes_avx512.h"
#include "transpose_avx512.h"

#define ROWS_PER_ITEM 16
#define QB EL_GEMM_MAX_MR     /* query rows per block: the micro-kernel's rows */
#define KP EL_GEMM_AVX512_NR  /* keys per panel: its columns */
#define PV_ROWS 6
#define PV_VECS 4             /* 64 columns of V per P V tile */
/* Score blocks per thread: with dynamic claiming, parts of about a
 * quarter of a thread's share even out threads the OS delays. */
#define PARTS_PER_THREAD 4

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

static size_t ceil_div(size_t a, size_t b)
{
    return (a + b - 1) / b;
}

static float hsum(__m512 v)
{
    return _mm512_reduce_add_ps(v);
}

/* Layer norm of one row in float32, in three passes: the mean; the
 * centred sums of squares and of residuals, which corrects the mean for
 * its rounding (the corrected two-pass algorithm: an offset large next to
 * the spread neither cancels the variance nor shifts the output); the
 * affine map. */
static void norm_row(const float *x, float *y, size_t n, const float *gain, const float *bias,
                     float eps)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_add_ps(s0, _mm512_loadu_ps(x + i));
        s1 = _mm512_add_ps(s1, _mm512_loadu_ps(x + i + 16));
    }
    for (; i < n; i += 16)
        s0 = _mm512_add_ps(s0, _mm512_maskz_loadu_ps(el_first_lanes(n, i), x + i));
    const float rough = hsum(_mm512_add_ps(s0, s1)) / (float)n;
    const __m512 m = _mm512_set1_ps(rough);
    __m512 q0 = _mm512_setzero_ps(), q1 = _mm512_setzero_ps();
    s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    for (i = 0; i + 32 <= n; i += 32) {
        const __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(x + i), m);
        const __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(x + i + 16), m);
        s0 = _mm512_add_ps(s0, d0);
        s1 = _mm512_add_ps(s1, d1);
        q0 = _mm512_fmadd_ps(d0, d0, q0);
        q1 = _mm512_fmadd_ps(d1, d1, q1);
    }
    for (; i < n; i += 16) {
        const __mmask16 k = el_first_lanes(n, i);
        const __m512 d = _mm512_maskz_sub_ps(k, _mm512_maskz_loadu_ps(k, x + i), m);
        s0 = _mm512_add_ps(s0, d);
        q0 = _mm512_fmadd_ps(d, d, q0);
    }
    const float shift = hsum(_mm512_add_ps(s0, s1)) / (float)n;
    const float var = fmaxf(hsum(_mm512_add_ps(q0, q1)) / (float)n - shift * shift, 0.0f);
    const __m512 mean = _mm512_set1_ps(rough + shift);
    const __m512 inv = _mm512_set1_ps(1.0f / sqrtf(var + eps));
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = el_first_lanes(n, i);
        const __m512 d = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), mean), inv);
        const __m512 r = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(k, gain + i),
                                         _mm512_maskz_loadu_ps(k, bias + i));
        _mm512_mask_storeu_ps(y + i, k, r);
    }
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
    const size_t r1 = min_size((item + 1) * ROWS_PER_ITEM, j->rows);
    for (size_t r = item * ROWS_PER_ITEM; r < r1; r++)
        norm_row(j->x + r * j->n, j->y + r * j->n, j->n, j->gain, j->bias, j->eps);
}

void el_layer_norm_avx512(const float *x, float *y, size_t rows, size_t n, const float *gain,
                          const float *bias, float eps, el_threadpool *pool)
{
    struct norm_job j = {x, y, rows, n, gain, bias, eps};
    el_parallel_for(pool, ceil_div(rows, ROWS_PER_ITEM), norm_rows, &j);
}

struct embed_job {
    const el_embedding_args *a;
    float *out;
};

static void embed_rows(void *arg, size_t item)
{
    const struct embed_job *j = arg;
    const el_embedding_args *a = j->a;
    const size_t n = a->n, r1 = min_size((item + 1) * ROWS_PER_ITEM, a->batch * a->seq);
    for (size_t t = item * ROWS_PER_ITEM; t < r1; t++) {
        const float *w = a->word + (size_t)a->ids[t] * n;
        const float *ty = a->type + (size_t)(a->types ? a->types[t] : 0) * n;
        const float *pos = a->pos + t % a->seq * n;
        float *out = j->out + t * n;
        for (size_t i = 0; i < n; i += 16) {
            const __mmask16 k = el_first_lanes(n, i);
            const __m512 s = _mm512_add_ps(_mm512_maskz_loadu_ps(k, w + i),
                                           _mm512_maskz_loadu_ps(k, ty + i));
            _mm512_mask_storeu_ps(out + i, k, _mm512_add_ps(s, _mm512_maskz_loadu_ps(k, pos + i)));
        }
        norm_row(out, out, n, a->gain, a->bias, a->eps);
    }
}

void el_embed_avx512(const el_embedding_args *a, float *out, el_threadpool *pool)
{
    struct embed_job j = {a, out};
    el_parallel_for(pool, ceil_div(a->batch * a->seq, ROWS_PER_ITEM), embed_rows, &j);
}

/* Scratch layout: per (batch row, head), K^T panels (panels x head_dim x
 * KP) then room for V (seq rows of vdim, head_dim rounded up to 16), used
 * when the mask leaves holes (otherwise V is read in place);
 * then per part, a QB x panels * KP block of scores. All multiples of 16
 * floats, so every piece stays 64-byte aligned. */
typedef struct attn_layout {
    size_t panels, vdim, kt_floats, head_floats, block_floats, parts;
} attn_layout;

static int checked_mul(size_t a, size_t b, size_t *out)
{
    if (b && a > SIZE_MAX / b)
        return -1;
    *out = a * b;
    return 0;
}

static int layout_for(size_t batch, size_t seq, size_t heads, size_t d, int threads,
                      attn_layout *l, size_t *total)
{
    size_t kt, v, heads_all, all, blocks;
    l->panels = ceil_div(seq, KP);
    l->vdim = ceil_div(d, 16) * 16;
    l->parts = (size_t)(threads > 1 ? threads * PARTS_PER_THREAD : 1);
    if (d > SIZE_MAX / 64 || checked_mul(l->panels * KP, d, &kt) ||
        checked_mul(seq, l->vdim, &v) || kt > SIZE_MAX - v ||
        checked_mul(batch, heads, &heads_all) || checked_mul(heads_all, kt + v, &all) ||
        checked_mul(l->parts * QB, l->panels * KP, &blocks) || all > SIZE_MAX - blocks)
        return -1;
    l->kt_floats = kt;
    l->head_floats = kt + v;
    l->block_floats = QB * l->panels * KP;
    *total = all + blocks;
    return 0;
}

int el_attention_avx512_scratch(size_t batch, size_t seq, size_t heads, size_t head_dim,
                                int threads, size_t *floats)
{
    attn_layout l;
    return layout_for(batch, seq, heads, head_dim, threads, &l, floats);
}

typedef struct attn_job {
    const el_self_attention *a;
    attn_layout l;
    float *scratch;
    size_t blocks_per_head, items;
} attn_job;

/* The keys of batch row b that take part: the unmasked ones, or all of
 * them when none is (transformers then weighs them all the same).
 * *in_place: they are the first n positions, so V is read where it is. */
static size_t row_keys(const el_self_attention *a, size_t b, int *uniform, int *in_place)
{
    size_t n = a->seq, first_masked = a->seq;
    if (a->mask) {
        n = 0;
        for (size_t j = a->seq; j-- > 0;) {
            const int on = a->mask[b * a->seq + j] != 0;
            n += on;
            if (!on)
                first_masked = j;
        }
    }
    *uniform = n == 0;
    *in_place = n == 0 || first_masked == n;
    return n ? n : a->seq;
}

static void pack_head(void *arg, size_t item)
{
    const attn_job *job = arg;
    const el_self_attention *a = job->a;
    const size_t b = item / a->heads, h = item % a->heads, d = a->head_dim;
    const size_t vdim = job->l.vdim;
    float *kt = job->scratch + item * job->l.head_floats;
    float *v = kt + job->l.kt_floats;
    int uniform, in_place;
    const size_t n = row_keys(a, b, &uniform, &in_place);
    const int32_t *mask = uniform ? NULL : a->mask ? a->mask + b * a->seq : NULL;
    const size_t row0 = b * a->seq;
    size_t j = 0; /* the next position to look at */
    for (size_t p = 0; p * KP < n; p++) {
        /* This panel's keys (NULL past the last: zero, so that their
         * ignored scores are finite) and their values. */
        const float *keys[KP];
        for (size_t at = 0; at < KP; at++) {
            while (j < a->seq && mask && !mask[j])
                j++;
            keys[at] = NULL;
            if (p * KP + at >= n)
                continue;
            const size_t row = row0 + j++;
            keys[at] = a->k + row * a->ld + h * d;
            if (in_place)
                continue;
            const float *vs = a->v + row * a->ld + h * d;
            float *vd = v + (p * KP + at) * vdim;
            for (size_t c = 0; c < vdim; c += 16)
                _mm512_store_ps(vd + c, _mm512_maskz_loadu_ps(el_first_lanes(d, c), vs + c));
        }
        /* K^T: 16 keys x 16 dimensions at a time, transposed in registers. */
        float *panel = kt + p * KP * d;
        for (size_t c0 = 0; c0 < d; c0 += 16) {
            const __mmask16 cols = el_first_lanes(d, c0);
            for (size_t half = 0; half < KP; half += 16) {
                __m512 r[16];
                for (size_t i = 0; i < 16; i++)
                    r[i] = keys[half + i] ? _mm512_maskz_loadu_ps(cols, keys[half + i] + c0)
                                          : _mm512_setzero_ps();
                el_transpose16x16(r);
                for (size_t i = 0; i < 16 && c0 + i < d; i++)
                    _mm512_store_ps(panel + (c0 + i) * KP + half, r[i]);
            }
        }
    }
}

/* out[i][0..width) = inv[i] * sum_j p[i][j] v[j][0..width) for i < rows,
 * width <= 16 nv. p is a block of scores: key j of row i at
 * p[j / KP * QB * KP + i * KP + j % KP]; rows of v are ldv apart. */
static inline __attribute__((always_inline)) void pv_tile(const int rows, const int nv,
                                                          size_t n, const float *p,
                                                          const float *v, size_t ldv,
                                                          const float *inv, float *out,
                                                          size_t ldo, size_t width)
{
    __m512 acc[PV_ROWS][PV_VECS];
    __mmask16 cols[PV_VECS];
#pragma GCC unroll 4
    for (int c = 0; c < nv; c++)
        cols[c] = el_first_lanes(width, 16u * c);
#pragma GCC unroll 6
    for (int i = 0; i < rows; i++)
#pragma GCC unroll 4
        for (int c = 0; c < nv; c++)
            acc[i][c] = _mm512_setzero_ps();
    for (size_t j0 = 0; j0 < n; j0 += KP) {
        const float *pp = p + j0 / KP * QB * KP;
        const size_t jn = min_size(KP, n - j0);
        for (size_t jj = 0; jj < jn; jj++) {
            const float *vj = v + (j0 + jj) * ldv;
            __m512 vv[PV_VECS];
#pragma GCC unroll 4
            for (int c = 0; c < nv; c++)
                vv[c] = _mm512_maskz_loadu_ps(cols[c], vj + 16 * c);
#pragma GCC unroll 6
            for (int i = 0; i < rows; i++) {
                const __m512 pi = _mm512_set1_ps(pp[i * KP + jj]);
#pragma GCC unroll 4
                for (int c = 0; c < nv; c++)
                    acc[i][c] = _mm512_fmadd_ps(pi, vv[c], acc[i][c]);
            }
        }
    }
#pragma GCC unroll 6
    for (int i = 0; i < rows; i++) {
        const __m512 s = _mm512_set1_ps(inv[i]);
#pragma GCC unroll 4
        for (int c = 0; c < nv; c++)
            _mm512_mask_storeu_ps(out + i * ldo + 16 * c, cols[c], _mm512_mul_ps(acc[i][c], s));
    }
}

typedef void (*pv_fn)(size_t n, const float *p, const float *v, size_t ldv, const float *inv,
                      float *out, size_t ldo, size_t width);

#define PV(rows, nv)                                                                       \
    static void pv_##rows##_##nv(size_t n, const float *p, const float *v, size_t ldv,     \
                                 const float *inv, float *out, size_t ldo, size_t width)   \
    {                                                                                      \
        pv_tile(rows, nv, n, p, v, ldv, inv, out, ldo, width);                             \
    }
#define PV_ROW(rows) PV(rows, 1) PV(rows, 2) PV(rows, 3) PV(rows, 4)
PV_ROW(1)
PV_ROW(2)
PV_ROW(3)
PV_ROW(4)
PV_ROW(5)
PV_ROW(6)
#undef PV_ROW
#undef PV
#define PV_ROW(rows) {pv_##rows##_1, pv_##rows##_2, pv_##rows##_3, pv_##rows##_4}
static const pv_fn pv_tiles[PV_ROWS][PV_VECS] = {PV_ROW(1), PV_ROW(2), PV_ROW(3),
                                                 PV_ROW(4), PV_ROW(5), PV_ROW(6)};
#undef PV_ROW

/* Row i of a score block (n keys) becomes exp(scale (s - max)), zero past
 * n; returns 1 / the row's sum. */
static float softmax_row(float *s, size_t n, float scale)
{
    const size_t panels = ceil_div(n, KP);
    __m512 mx = _mm512_set1_ps(-INFINITY);
    for (size_t p = 0; p < panels; p++)
        for (size_t c = 0; c < KP; c += 16) {
            const size_t at = p * KP + c;
            const __mmask16 k = el_first_lanes(n, at);
            mx = _mm512_mask_max_ps(mx, k, mx, _mm512_load_ps(s + p * QB * KP + c));
        }
    /* scale > 0 (or 0 for the uniform case), so the largest score also
     * has the largest scaled score; exp's argument is at most 0. */
    const __m512 shift = _mm512_set1_ps(_mm512_reduce_max_ps(mx) * scale);
    const __m512 sc = _mm512_set1_ps(scale), lowest = _mm512_set1_ps(-88.0f);
    __m512 sum = _mm512_setzero_ps();
    for (size_t p = 0; p < panels; p++)
        for (size_t c = 0; c < KP; c += 16) {
            const size_t at = p * KP + c;
            const __mmask16 k = el_first_lanes(n, at);
            float *x = s + p * QB * KP + c;
            const __m512 arg = _mm512_max_ps(_mm512_fmsub_ps(_mm512_load_ps(x), sc, shift), lowest);
            const __m512 e = _mm512_maskz_mov_ps(k, el_exp512(arg));
            _mm512_store_ps(x, e);
            sum = _mm512_add_ps(sum, e);
        }
    return 1.0f / hsum(sum);
}

static void attend_block(const attn_job *job, size_t item, float *scores)
{
    const el_self_attention *a = job->a;
    const size_t head = item / job->blocks_per_head, block = item % job->blocks_per_head;
    const size_t b = head / a->heads, h = head % a->heads, d = a->head_dim;
    const size_t r0 = block * QB, rows = min_size(QB, a->seq - r0);
    const size_t width = a->heads * d;
    const float *kt = job->scratch + head * job->l.head_floats;
    int uniform, in_place;
    const size_t n = row_keys(a, b, &uniform, &in_place);
    const float *v = in_place ? a->v + b * a->seq * a->ld + h * d : kt + job->l.kt_floats;
    const size_t ldv = in_place ? a->ld : job->l.vdim;
    /* transformers divides the scores by sqrt(head_dim); the same scores
     * scaled by its reciprocal differ by at most an ulp (none when
     * head_dim is a power of 4). With every key masked, a scale of 0 gives
     * them equal weight. */
    const float scale = uniform ? 0.0f : 1.0f / sqrtf((float)d);
    const float *q = a->q + (b * a->seq + r0) * a->ld + h * d;

    const el_gemm_tile_fn tile = el_gemm_avx512_float.tiles[rows];
    for (size_t p = 0; p * KP < n; p++)
        tile(d, q, a->ld, kt + p * KP * d, NULL, scores + p * QB * KP, NULL);
    float inv[QB];
    for (size_t i = 0; i < rows; i++)
        inv[i] = softmax_row(scores + i * KP, n, scale);

    float *out = a->out + (b * a->seq + r0) * width + h * d;
    for (size_t c0 = 0; c0 < d; c0 += 16 * PV_VECS) {
        const size_t cols = min_size(16 * PV_VECS, d - c0);
        const size_t nv = ceil_div(cols, 16);
        for (size_t i0 = 0; i0 < rows; i0 += PV_ROWS) {
            const size_t r = min_size(PV_ROWS, rows - i0);
            pv_tiles[r - 1][nv - 1](n, scores + i0 * KP, v + c0, ldv, inv + i0,
                                    out + i0 * width + c0, width, cols);
        }
    }
}

static void attend_part(void *arg, size_t part)
{
    const attn_job *job = arg;
    float *scores = job->scratch + job->a->batch * job->a->heads * job->l.head_floats +
                    part * job->l.block_floats;
    const size_t i1 = el_gemm_part_start(part + 1, job->items, job->l.parts);
    for (size_t i = el_gemm_part_start(part, job->items, job->l.parts); i < i1; i++)
        attend_block(job, i, scores);
}

void el_attention_avx512(const el_self_attention *a, float *scratch, el_threadpool *pool)
{
    attn_job job = {.a = a, .scratch = scratch};
    size_t total;
    if (a->batch == 0 || a->seq == 0 ||
        layout_for(a->batch, a->seq, a->heads, a->head_dim, el_threadpool_size(pool), &job.l,
                   &total))
        return;
    job.blocks_per_head = ceil_div(a->seq, QB);
    job.items = a->batch * a->heads * job.blocks_per_head;
    job.l.parts = min_size(job.l.parts, job.items);
    el_parallel_for(pool, a->batch * a->heads, pack_head, &job);
    el_parallel_for(pool, job.l.parts, attend_part, &job);
}

#pragma GCC pop_options

#endif
