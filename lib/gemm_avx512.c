/* gemm_avx512.c - y = act(x W^T + b) (+ r) with an AVX-512 micro-kernel.
 *
 * The micro-kernel keeps a 12 x 32 block of y in 24 zmm accumulators: per
 * k it loads the 32 packed weights of its panel (2 zmm) and broadcasts one
 * element of each of the 12 rows of x, read in place (row-major, no
 * packing of the activations), for 24 FMAs. With two FMA ports that is
 * 12 cycles per k against 14 loads, so it runs at the FMA peak when its
 * operands come from L1/L2.
 *
 * Tasks (claimed dynamically by the pool's threads) are blocks of row
 * tiles x panels, cut across n first so that each thread streams its own
 * part of the weights, and no larger than L2 holds. Within a task, when
 * K <= KC_MAX, rows run outside and panels inside, so 12 rows of x
 * (<= 18 KiB) stay in L1 across the panels. For larger K (the FFN output,
 * K = 1024) the order flips: panels outside, K cut into blocks of <= KC,
 * rows inside, so one KC x 32 slice of weights (32 KiB) stays in L1
 * across the rows; partial sums wait in a stack buffer (not in y, which
 * may alias the residual).
 *
 * Every element of y is one FMA chain over k in order from k = 0 (the K
 * blocks only park it in memory), then bias, activation, residual: the
 * result depends on nothing but the shape, so any split into tasks, and
 * so any thread count, gives the same bits. */
#include <config.h>

#include "gemm.h"

#ifdef EL_GEMM_X86

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,fma,avx2,bmi,bmi2")

#include <immintrin.h>
#include <stdint.h>

#include "activation_avx512.h"

#define MR 12
#define NV 2
#define NR (16 * NV)
#define KC 256
#define KC_MAX 384
/* Bytes of packed weights one task keeps in L2 (of 2 MiB, shared with
 * the rows of x and y). */
#define L2_PANEL_BUDGET (512 * 1024)
/* With several threads: tasks per thread, and the least work worth a
 * task (about 6 us). */
#define TASKS_PER_THREAD 8
#define MIN_TASK_FLOPS 1e6
/* Row tiles per task in the K-blocked order: bounds the partial sums
 * (MAX_TASK_TILES * MR * NR floats on the stack) and the rows of x that
 * must stay in L2 (12 KiB per tile per 256 of K). */
#define MAX_TASK_TILES 16

typedef void (*tile_fn)(size_t kc, const float *a, size_t lda, const float *b,
                        const float *c_in, float *c_out, const float *next);

/* c_out[mr][NR] = (c_in ? c_in : 0) + a[mr][0..kc) * b[0..kc)[NR].
 * With prefetch, it also asks for the kc x NR weights at `next` into L2,
 * at the pace it consumes b: the first row tile of a task streams the
 * weights from L3 or memory, and the hardware prefetcher alone lets the
 * FMAs wait for them. */
static inline __attribute__((always_inline)) void tile(const int mr, const int prefetch,
                                                       size_t kc, const float *a, size_t lda,
                                                       const float *b, const float *c_in,
                                                       float *c_out, const float *next)
{
    __m512 acc[MR][NV];
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            acc[i][v] = c_in ? _mm512_load_ps(c_in + i * NR + 16 * v) : _mm512_setzero_ps();
#pragma GCC unroll 2
    for (size_t k = 0; k < kc; k++) {
        __m512 w[NV];
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            w[v] = _mm512_load_ps(b + k * NR + 16 * v);
        if (prefetch)
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++)
                _mm_prefetch((const char *)(next + k * NR + 16 * v), _MM_HINT_T1);
#pragma GCC unroll 12
        for (int i = 0; i < mr; i++) {
            const __m512 xi = _mm512_set1_ps(a[i * lda + k]);
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++)
                acc[i][v] = _mm512_fmadd_ps(xi, w[v], acc[i][v]);
        }
    }
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            _mm512_store_ps(c_out + i * NR + 16 * v, acc[i][v]);
}

#define TILE(rows)                                                                      \
    static void tile_##rows(size_t kc, const float *a, size_t lda, const float *b,      \
                            const float *c_in, float *c_out, const float *next)         \
    {                                                                                   \
        tile(rows, 0, kc, a, lda, b, c_in, c_out, next);                                \
    }                                                                                   \
    static void tile_##rows##_prefetch(size_t kc, const float *a, size_t lda,           \
                                       const float *b, const float *c_in, float *c_out, \
                                       const float *next)                               \
    {                                                                                   \
        tile(rows, 1, kc, a, lda, b, c_in, c_out, next);                                \
    }
TILE(1)
TILE(2)
TILE(3)
TILE(4)
TILE(5)
TILE(6)
TILE(7)
TILE(8)
TILE(9)
TILE(10)
TILE(11)
TILE(12)
#undef TILE

/* tiles[prefetch][rows] */
static const tile_fn tiles[2][MR + 1] = {
    {NULL, tile_1, tile_2, tile_3, tile_4, tile_5, tile_6, tile_7, tile_8, tile_9, tile_10,
     tile_11, tile_12},
    {NULL, tile_1_prefetch, tile_2_prefetch, tile_3_prefetch, tile_4_prefetch,
     tile_5_prefetch, tile_6_prefetch, tile_7_prefetch, tile_8_prefetch, tile_9_prefetch,
     tile_10_prefetch, tile_11_prefetch, tile_12_prefetch}};

/* y[rows, col0 .. col0+NR) = act(acc + bias) (+ residual), masked at n. */
static void epilogue(const el_gemm_args *g, const float *acc, size_t row0, size_t rows,
                     size_t col0)
{
    const size_t valid = g->n - col0 < NR ? g->n - col0 : NR;
    __mmask16 mask[NV];
    __m512 bias[NV];
    for (int v = 0; v < NV; v++) {
        size_t lanes = valid > 16u * v ? valid - 16u * v : 0;
        mask[v] = lanes >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << lanes) - 1);
        bias[v] = g->bias ? _mm512_maskz_loadu_ps(mask[v], g->bias + col0 + 16 * v)
                          : _mm512_setzero_ps();
    }
    for (size_t r = 0; r < rows; r++) {
        const size_t at = (row0 + r) * g->n + col0;
        for (int v = 0; v < NV; v++) {
            __m512 z = _mm512_add_ps(_mm512_load_ps(acc + r * NR + 16 * v), bias[v]);
            z = el_activate512(g->act, z);
            if (g->residual)
                z = _mm512_add_ps(z, _mm512_maskz_loadu_ps(mask[v], g->residual + at + 16 * v));
            _mm512_mask_storeu_ps(g->y + at + 16 * v, mask[v], z);
        }
    }
}

typedef struct plan {
    const el_gemm_args *g;
    size_t tiles, panels;         /* row tiles (<= MR rows each), NR-wide panels */
    size_t row_groups, col_groups; /* tasks = row_groups x col_groups */
    size_t kc;                    /* K block; >= k: unblocked */
} plan;

/* Item i of `count` split into `groups` parts that differ by at most one:
 * part g starts at g * count / groups. Row tiles split m this way too, so
 * that none is much thinner than MR (128 rows: 7 tiles of 12 and 4 of 11,
 * not 10 + one of 8). */
static size_t part_start(size_t part, size_t count, size_t groups)
{
    return part * count / groups;
}

static void run_task(void *arg, size_t task)
{
    const plan *p = arg;
    const el_gemm_args *g = p->g;
    const size_t k = g->k;
    /* Row groups vary fastest: tasks claimed one after another share a
     * block of weights. */
    const size_t rg = task % p->row_groups, cg = task / p->row_groups;
    const size_t t0 = part_start(rg, p->tiles, p->row_groups);
    const size_t t1 = part_start(rg + 1, p->tiles, p->row_groups);
    const size_t p0 = part_start(cg, p->panels, p->col_groups);
    const size_t p1 = part_start(cg + 1, p->panels, p->col_groups);
    float acc[MR * NR] __attribute__((aligned(64)));

    /* The weights of this task end here: the first row tile prefetches
     * the slice that follows the one it reads, when that lies before. */
    const float *end = g->panels + p1 * k * NR;
    if (p->kc >= k) {
        for (size_t t = t0; t < t1; t++) {
            const size_t r0 = part_start(t, g->m, p->tiles);
            const size_t rows = part_start(t + 1, g->m, p->tiles) - r0;
            const float *a = g->x + r0 * k;
            for (size_t q = p0; q < p1; q++) {
                const float *b = g->panels + q * k * NR;
                const int prefetch = t == t0 && b + 2 * k * NR <= end;
                tiles[prefetch][rows](k, a, k, b, NULL, acc, b + k * NR);
                epilogue(g, acc, r0, rows, q * NR);
            }
        }
        return;
    }

    float partial[MAX_TASK_TILES * MR * NR] __attribute__((aligned(64)));
    for (size_t q = p0; q < p1; q++) {
        const float *panel = g->panels + q * k * NR;
        for (size_t k0 = 0; k0 < k; k0 += p->kc) {
            const size_t kc = k - k0 < p->kc ? k - k0 : p->kc;
            const int last = k0 + kc == k;
            const float *b = panel + k0 * NR;
            for (size_t t = t0; t < t1; t++) {
                const size_t r0 = part_start(t, g->m, p->tiles);
                const size_t rows = part_start(t + 1, g->m, p->tiles) - r0;
                float *part = partial + (t - t0) * MR * NR;
                const int prefetch = t == t0 && b + 2 * kc * NR <= end;
                tiles[prefetch][rows](kc, g->x + r0 * k + k0, k, b, k0 ? part : NULL,
                                      last ? acc : part, b + kc * NR);
                if (last)
                    epilogue(g, acc, r0, rows, q * NR);
            }
        }
    }
}

static size_t ceil_div(size_t a, size_t b)
{
    return (a + b - 1) / b;
}

static size_t max_size(size_t a, size_t b)
{
    return a > b ? a : b;
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

static void forward(const el_gemm_args *g, el_threadpool *pool)
{
    if (g->m == 0 || g->n == 0)
        return;
    plan p = {.g = g, .tiles = ceil_div(g->m, MR), .panels = ceil_div(g->n, NR)};
    /* The K blocks fix the rounding, so they depend on k alone. */
    p.kc = g->k <= KC_MAX ? g->k : ceil_div(g->k, ceil_div(g->k, KC));
    const size_t panel_bytes = max_size(g->k, 1) * NR * sizeof(float);
    p.col_groups = ceil_div(p.panels, max_size(L2_PANEL_BUDGET / panel_bytes, 1));
    p.row_groups = p.kc < g->k ? ceil_div(p.tiles, MAX_TASK_TILES) : 1;

    /* With threads, enough tasks that dynamic claiming evens them out, but
     * none so small that claiming it costs more than it saves. Split
     * across n first: the weights are the big operand, and each thread
     * should stream its own part of them. */
    const size_t threads = (size_t)el_threadpool_size(pool);
    const double flops = 2.0 * (double)g->m * (double)g->n * (double)max_size(g->k, 1);
    size_t want = threads > 1 ? TASKS_PER_THREAD * threads : 1;
    if ((double)want * MIN_TASK_FLOPS > flops)
        want = max_size((size_t)(flops / MIN_TASK_FLOPS), 1);
    if (p.col_groups * p.row_groups < want)
        p.col_groups = max_size(p.col_groups, min_size(p.panels, ceil_div(want, p.row_groups)));
    if (p.col_groups * p.row_groups < want)
        p.row_groups = max_size(p.row_groups, min_size(p.tiles, ceil_div(want, p.col_groups)));
    el_parallel_for(pool, p.row_groups * p.col_groups, run_task, &p);
}

#pragma GCC pop_options

const el_gemm_kernel el_gemm_avx512 = {"avx512", NR, forward};

#endif
