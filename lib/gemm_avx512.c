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
#define NR EL_GEMM_AVX512_NR
#define KC 256
#define KC_MAX 384
/* Bytes of packed weights one task keeps in L2 (of 2 MiB, shared with
 * the rows of x and y). */
#define L2_PANEL_BUDGET (512 * 1024)
/* The least work worth a task: about 6 us. */
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

void el_gemm_epilogue_avx512(const el_gemm_args *g, const float *acc, size_t row0,
                             size_t rows, size_t col0)
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

typedef struct task_args {
    const el_gemm_args *g;
    el_gemm_plan plan;
    size_t kc; /* K block; >= k: unblocked */
} task_args;

static void run_task(void *arg, size_t task)
{
    const task_args *ta = arg;
    const el_gemm_args *g = ta->g;
    const el_gemm_plan *p = &ta->plan;
    const size_t k = g->k;
    const float *panels = g->packed;
    /* Row groups vary fastest: tasks claimed one after another share a
     * block of weights. */
    const size_t rg = task % p->row_groups, cg = task / p->row_groups;
    const size_t t0 = el_gemm_part_start(rg, p->tiles, p->row_groups);
    const size_t t1 = el_gemm_part_start(rg + 1, p->tiles, p->row_groups);
    const size_t p0 = el_gemm_part_start(cg, p->panels, p->col_groups);
    const size_t p1 = el_gemm_part_start(cg + 1, p->panels, p->col_groups);
    float acc[MR * NR] __attribute__((aligned(64)));

    /* The weights of this task end here: the first row tile prefetches
     * the slice that follows the one it reads, when that lies before. */
    const float *end = panels + p1 * k * NR;
    if (ta->kc >= k) {
        for (size_t t = t0; t < t1; t++) {
            const size_t r0 = el_gemm_part_start(t, g->m, p->tiles);
            const size_t rows = el_gemm_part_start(t + 1, g->m, p->tiles) - r0;
            const float *a = g->x + r0 * k;
            for (size_t q = p0; q < p1; q++) {
                const float *b = panels + q * k * NR;
                const int prefetch = t == t0 && b + 2 * k * NR <= end;
                tiles[prefetch][rows](k, a, k, b, NULL, acc, b + k * NR);
                el_gemm_epilogue_avx512(g, acc, r0, rows, q * NR);
            }
        }
        return;
    }

    float partial[MAX_TASK_TILES * MR * NR] __attribute__((aligned(64)));
    for (size_t q = p0; q < p1; q++) {
        const float *panel = panels + q * k * NR;
        for (size_t k0 = 0; k0 < k; k0 += ta->kc) {
            const size_t kc = k - k0 < ta->kc ? k - k0 : ta->kc;
            const int last = k0 + kc == k;
            const float *b = panel + k0 * NR;
            for (size_t t = t0; t < t1; t++) {
                const size_t r0 = el_gemm_part_start(t, g->m, p->tiles);
                const size_t rows = el_gemm_part_start(t + 1, g->m, p->tiles) - r0;
                float *part = partial + (t - t0) * MR * NR;
                const int prefetch = t == t0 && b + 2 * kc * NR <= end;
                tiles[prefetch][rows](kc, g->x + r0 * k + k0, k, b, k0 ? part : NULL,
                                      last ? acc : part, b + kc * NR);
                if (last)
                    el_gemm_epilogue_avx512(g, acc, r0, rows, q * NR);
            }
        }
    }
}

static void forward(const el_gemm_args *g, el_threadpool *pool)
{
    if (g->m == 0 || g->n == 0)
        return;
    task_args ta = {.g = g};
    /* The K blocks fix the rounding, so they depend on k alone. */
    const size_t blocks = g->k <= KC_MAX ? 1 : (g->k + KC - 1) / KC;
    ta.kc = (g->k + blocks - 1) / blocks;
    ta.plan = el_gemm_plan_tasks(g->m, g->n, g->k, MR, NR, NR * sizeof(float), L2_PANEL_BUDGET,
                                 blocks > 1 ? MAX_TASK_TILES : g->m, MIN_TASK_FLOPS,
                                 el_threadpool_size(pool));
    el_parallel_for(pool, ta.plan.row_groups * ta.plan.col_groups, run_task, &ta);
}

static size_t packed_bytes(size_t k, size_t n)
{
    return el_gemm_panels_bytes(k, n, NR);
}

static void pack(const float *w, size_t k, size_t n, void *dst)
{
    el_gemm_pack_panels(w, k, n, NR, dst);
}

#pragma GCC pop_options

const el_gemm_kernel el_gemm_avx512 = {"avx512", packed_bytes, pack, forward};

#endif
