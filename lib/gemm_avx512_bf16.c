/* gemm_avx512_bf16.c - y = act(x W^T + b) (+ r) with bfloat16 products
 * and float32 sums on AVX512_BF16, for the CPUs that have it without AMX
 * (AMD Zen 4 and 5, Intel Cooper Lake): ELECTRA_PRECISION_BF16 there.
 *
 * VDPBF16PS adds the two products of 16 pairs of bfloat16 to 16 float32
 * sums: twice the multiply-adds of a float32 FMA in one instruction, at
 * the same rate. The micro-kernel is the float32 one's shape: a 12 x 32
 * block of y in 24 zmm accumulators; per pair of k it loads the packed
 * weights of 32 columns (2 zmm) and broadcasts one pair of each row of x.
 *
 * The weights are packed at load as the float32 panels of gemm.h with a
 * pair of bfloat16 (W[j][2s], W[j][2s+1]) in place of each float, s for k.
 * A task rounds the rows of x of one row tile to bfloat16 into a stack
 * buffer once and uses them across its panels, so in is limited to K_MAX
 * (72 KiB of stack; ELECTRA-base's 3072 fits) and larger in stays float32.
 * Each element of y is one chain of sums over k in order: results do not
 * depend on the split into tasks or the thread count. */
#include <config.h>

#include "gemm.h"

#ifdef EL_GEMM_X86

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,fma")

#include <immintrin.h>
#include <stdint.h>

#include "transpose_avx512.h"

#define MR 12
#define NV 2
#define NR EL_GEMM_AVX512_NR
#define K_MAX 3072
/* Bytes of packed weights one task keeps in L2. */
#define PANEL_BUDGET (512 * 1024)
/* The least work worth a task (in multiply-adds of pairs, which is what
 * el_gemm_plan_tasks counts with k = pairs): each task rounds its rows of
 * x again. */
#define MIN_TASK_FLOPS 1e6

static size_t pairs_of(size_t k)
{
    return k / 2 + k % 2;
}

static size_t packed_bytes(size_t k, size_t n)
{
    return k > K_MAX ? 0 : el_gemm_panels_bytes(pairs_of(k), n, NR);
}

static __mmask16 first_lanes(size_t have, size_t at)
{
    const size_t lanes = have > at ? have - at : 0;
    return lanes >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << lanes) - 1);
}

/* 32 floats of src from `at` (zero past k) as 16 pairs of bfloat16,
 * rounded to nearest even. */
static __m512 round_pairs(const float *src, size_t k, size_t at)
{
    const __m512 lo = _mm512_maskz_loadu_ps(first_lanes(k, at), src + at);
    const __m512 hi = _mm512_maskz_loadu_ps(first_lanes(k, at + 16), src + at + 16);
    return (__m512)_mm512_cvtne2ps_pbh(hi, lo);
}

/* Panel p, pair s holds the 32 pairs of columns 32p .. 32p+31 (zero past
 * n or k), 16 columns x 16 pairs at a time through a transpose. */
static void pack(const float *w, size_t k, size_t n, void *dst)
{
    float *panels = dst; /* 32-bit elements, each a pair of bfloat16 */
    const size_t pairs = pairs_of(k), n_panels = n / NR + (n % NR != 0);
    for (size_t p = 0; p < n_panels; p++)
        for (size_t s0 = 0; s0 < pairs; s0 += 16) {
            const size_t sn = pairs - s0 < 16 ? pairs - s0 : 16;
            for (size_t h = 0; h < NR / 16; h++) {
                __m512 r[16];
                for (size_t j = 0; j < 16; j++) {
                    const size_t row = p * NR + h * 16 + j;
                    r[j] = row < n ? round_pairs(w + row * k, k, 2 * s0) : _mm512_setzero_ps();
                }
                el_transpose16x16(r);
                float *out = panels + (p * pairs + s0) * NR + h * 16;
                for (size_t i = 0; i < sn; i++)
                    _mm512_store_ps(out + i * NR, r[i]);
            }
        }
}

/* `rows` rows of x as pairs of bfloat16, `pairs` apart. */
static void round_rows(const float *x, size_t rows, size_t k, size_t pairs, float *dst)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t s = 0; s < pairs; s += 16)
            _mm512_mask_storeu_ps(dst + r * pairs + s, first_lanes(pairs, s),
                                  round_pairs(x + r * k, k, 2 * s));
}

/* c[mr][NR] = a[mr][0..pairs) . b[0..pairs)[NR], pair by pair; with
 * prefetch, it also asks for the weights at `next` into L2, as the float32
 * micro-kernel does. */
static inline __attribute__((always_inline)) void tile(const int mr, const int prefetch,
                                                       size_t pairs, const float *a,
                                                       const float *b, float *c,
                                                       const float *next)
{
    __m512 acc[MR][NV];
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            acc[i][v] = _mm512_setzero_ps();
    for (size_t s = 0; s < pairs; s++) {
        __m512bh w[NV];
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            w[v] = (__m512bh)_mm512_load_ps(b + s * NR + 16 * v);
        if (prefetch)
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++)
                _mm_prefetch((const char *)(next + s * NR + 16 * v), _MM_HINT_T1);
#pragma GCC unroll 12
        for (int i = 0; i < mr; i++) {
            const __m512bh xi = (__m512bh)_mm512_set1_ps(a[i * pairs + s]);
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++)
                acc[i][v] = _mm512_dpbf16_ps(acc[i][v], xi, w[v]);
        }
    }
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            _mm512_store_ps(c + i * NR + 16 * v, acc[i][v]);
}

typedef void (*tile_fn)(size_t pairs, const float *a, const float *b, float *c,
                        const float *next);

#define TILE(rows)                                                                          \
    static void tile_##rows(size_t pairs, const float *a, const float *b, float *c,         \
                            const float *next)                                              \
    {                                                                                       \
        if (next)                                                                           \
            tile(rows, 1, pairs, a, b, c, next);                                            \
        else                                                                                \
            tile(rows, 0, pairs, a, b, c, NULL);                                            \
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

static const tile_fn tiles[MR + 1] = {NULL,   tile_1, tile_2, tile_3,  tile_4,  tile_5, tile_6,
                                      tile_7, tile_8, tile_9, tile_10, tile_11, tile_12};

typedef struct task_args {
    const el_gemm_args *g;
    el_gemm_plan plan;
} task_args;

static void run_task(void *arg, size_t task)
{
    const task_args *ta = arg;
    const el_gemm_args *g = ta->g;
    const el_gemm_plan *p = &ta->plan;
    const size_t pairs = pairs_of(g->k);
    const float *panels = g->packed;
    /* Row groups vary fastest: tasks claimed one after another share a
     * block of weights. */
    const size_t rg = task % p->row_groups, cg = task / p->row_groups;
    const size_t t0 = el_gemm_part_start(rg, p->tiles, p->row_groups);
    const size_t t1 = el_gemm_part_start(rg + 1, p->tiles, p->row_groups);
    const size_t p0 = el_gemm_part_start(cg, p->panels, p->col_groups);
    const size_t p1 = el_gemm_part_start(cg + 1, p->panels, p->col_groups);
    float a[MR * (K_MAX / 2)] __attribute__((aligned(64)));
    float acc[MR * NR] __attribute__((aligned(64)));

    const float *end = panels + p1 * pairs * NR;
    for (size_t t = t0; t < t1; t++) {
        const size_t r0 = el_gemm_part_start(t, g->m, p->tiles);
        const size_t rows = el_gemm_part_start(t + 1, g->m, p->tiles) - r0;
        round_rows(g->x + r0 * g->k, rows, g->k, pairs, a);
        for (size_t q = p0; q < p1; q++) {
            const float *b = panels + q * pairs * NR;
            const int prefetch = t == t0 && b + 2 * pairs * NR <= end;
            tiles[rows](pairs, a, b, acc, prefetch ? b + pairs * NR : NULL);
            el_gemm_epilogue_avx512(g, acc, r0, rows, q * NR);
        }
    }
}

static void forward(const el_gemm_args *g, el_threadpool *pool)
{
    if (g->m == 0 || g->n == 0)
        return;
    task_args ta = {.g = g};
    ta.plan = el_gemm_plan_tasks(g->m, g->n, pairs_of(g->k), MR, NR, NR * sizeof(float),
                                 PANEL_BUDGET, g->m, MIN_TASK_FLOPS,
                                 el_threadpool_size(pool));
    el_parallel_for(pool, ta.plan.row_groups * ta.plan.col_groups, run_task, &ta);
}

#pragma GCC pop_options

const el_gemm_kernel el_gemm_avx512_bf16 = {"avx512-bf16", packed_bytes, pack, forward};

#endif
