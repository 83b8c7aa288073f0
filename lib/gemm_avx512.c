/* gemm_avx512.c - y = act(x W^T + b) (+ r) with an AVX-512 micro-kernel.
 *
 * The micro-kernel keeps a 12 x 32 block of y in 24 zmm accumulators: per
 * k it loads the 32 packed weights of its panel (2 zmm) and broadcasts one
 * element of each of the 12 rows of x, read in place (row-major, no
 * packing of the activations), for 24 FMAs. With two FMA ports that is
 * 12 cycles per k against 14 loads, so it runs at the FMA peak when its
 * operands come from L1/L2.
 *
 * Blocking: when K <= KC_MAX the task loop runs rows outside and panels
 * inside, so the 12 rows of x (<= 18 KiB) stay in L1 across a block of
 * panels sized to stay in L2. For larger K (the FFN output, K = 1024) the
 * order flips: panels outside, K cut into blocks of <= KC, rows inside,
 * so one KC x 32 slice of weights (32 KiB) stays in L1 across the rows;
 * partial sums wait in a stack buffer (not in y, which may alias the
 * residual).
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
/* Row tiles per task in the K-blocked order: bounds the partial sums
 * (MAX_TASK_TILES * MR * NR floats on the stack) and the rows of x that
 * must stay in L2 (12 KiB per tile per 256 of K). */
#define MAX_TASK_TILES 16

typedef void (*tile_fn)(size_t kc, const float *a, size_t lda, const float *b,
                        const float *c_in, float *c_out);

/* c_out[mr][NR] = (c_in ? c_in : 0) + a[mr][0..kc) * b[0..kc)[NR]. */
static inline __attribute__((always_inline)) void tile(const int mr, size_t kc,
                                                       const float *a, size_t lda,
                                                       const float *b, const float *c_in,
                                                       float *c_out)
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
                            const float *c_in, float *c_out)                            \
    {                                                                                   \
        tile(rows, kc, a, lda, b, c_in, c_out);                                         \
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

static const tile_fn tiles[MR + 1] = {NULL,    tile_1,  tile_2, tile_3, tile_4,
                                      tile_5,  tile_6,  tile_7, tile_8, tile_9,
                                      tile_10, tile_11, tile_12};

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
    size_t tiles, panels;           /* row tiles (<= MR rows each), NR-wide panels */
    size_t task_tiles, task_panels; /* per task */
    size_t panel_blocks;            /* tasks across n */
    size_t kc;                      /* K block; >= k: unblocked */
} plan;

/* Row tiles split m as evenly as possible, so none is much thinner than
 * MR (a 128-row input gives 7 tiles of 12 and 4 of 11, not 10 + one 8). */
static size_t tile_start(const plan *p, size_t t)
{
    return t * p->g->m / p->tiles;
}

static void run_task(void *arg, size_t task)
{
    const plan *p = arg;
    const el_gemm_args *g = p->g;
    const size_t k = g->k;
    const size_t t0 = task / p->panel_blocks * p->task_tiles;
    const size_t t1 = t0 + p->task_tiles < p->tiles ? t0 + p->task_tiles : p->tiles;
    const size_t p0 = task % p->panel_blocks * p->task_panels;
    const size_t p1 = p0 + p->task_panels < p->panels ? p0 + p->task_panels : p->panels;
    float acc[MR * NR] __attribute__((aligned(64)));

    if (p->kc >= k) {
        for (size_t t = t0; t < t1; t++) {
            const size_t r0 = tile_start(p, t), rows = tile_start(p, t + 1) - r0;
            const float *a = g->x + r0 * k;
            for (size_t q = p0; q < p1; q++) {
                tiles[rows](k, a, k, g->panels + q * k * NR, NULL, acc);
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
            for (size_t t = t0; t < t1; t++) {
                const size_t r0 = tile_start(p, t), rows = tile_start(p, t + 1) - r0;
                float *part = partial + (t - t0) * MR * NR;
                tiles[rows](kc, g->x + r0 * k + k0, k, panel + k0 * NR, k0 ? part : NULL,
                            last ? acc : part);
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

static void forward(const el_gemm_args *g, el_threadpool *pool)
{
    if (g->m == 0 || g->n == 0)
        return;
    plan p = {.g = g, .tiles = ceil_div(g->m, MR), .panels = ceil_div(g->n, NR)};
    /* The K blocks fix the rounding, so they depend on k alone. */
    p.kc = g->k <= KC_MAX ? g->k : ceil_div(g->k, ceil_div(g->k, KC));
    const size_t panel_bytes = (g->k ? g->k : 1) * NR * sizeof(float);
    p.task_panels = L2_PANEL_BUDGET / panel_bytes ? L2_PANEL_BUDGET / panel_bytes : 1;
    if (p.task_panels > p.panels)
        p.task_panels = p.panels;
    p.task_tiles = p.tiles;
    if (p.kc < g->k && p.task_tiles > MAX_TASK_TILES)
        p.task_tiles = MAX_TASK_TILES;

    /* Enough tasks that dynamic claiming evens out the threads: halve the
     * larger side until there are four per thread. */
    const size_t threads = (size_t)el_threadpool_size(pool);
    const size_t want = threads > 1 ? 4 * threads : 1;
    for (;;) {
        size_t count = ceil_div(p.tiles, p.task_tiles) * ceil_div(p.panels, p.task_panels);
        if (count >= want || (p.task_tiles == 1 && p.task_panels == 1))
            break;
        if (p.task_tiles >= p.task_panels)
            p.task_tiles = ceil_div(p.task_tiles, 2);
        else
            p.task_panels = ceil_div(p.task_panels, 2);
    }
    p.panel_blocks = ceil_div(p.panels, p.task_panels);
    el_parallel_for(pool, ceil_div(p.tiles, p.task_tiles) * p.panel_blocks, run_task, &p);
}

#pragma GCC pop_options

const el_gemm_kernel el_gemm_avx512 = {"avx512", NR, forward};

#endif
