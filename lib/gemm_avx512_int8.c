/* gemm_avx512_int8.c - y = act(x W^T + b) (+ r) with 8-bit integer
 * products (AVX512_VNNI): ELECTRA_PRECISION_INT8, dynamic quantization.
 *
 * W is quantized at load, per output column j, symmetrically: W[j][k] ~
 * ws[j] q[j][k] with q in -127..127 and ws[j] = max_k |W[j][k]| / 127. x is
 * quantized as the product runs, per row i, over its range: x[i][k] ~
 * lo[i] + xs[i] u[i][k] with u in 0..255, lo[i] = min_k x[i][k] and xs[i] =
 * (max_k x[i][k] - lo[i]) / 255 (all 256 steps used, where a symmetric
 * scale would leave half of them to the few negative outputs of a GELU).
 * The sums of u q are exact in int32 (|u q| < 2^15 and k <= K_MAX), so
 *   x W^T [i][j] ~ ws[j] (xs[i] sum_k u[i][k] q[j][k] + lo[i] sum_k q[j][k])
 * with ws[j] sum_k q[j][k] packed with the weights. VPDPBUSD (unsigned
 * bytes by signed ones) adds four such products into each of 16 int32
 * sums: four times the multiply-adds of a float32 FMA in one instruction.
 *
 * The micro-kernel has the float32 one's shape: a 12 x 32 block of y in 24
 * zmm accumulators; per four of k it loads the packed weights of 32
 * columns (2 zmm) and broadcasts four bytes of each row of x. A panel of
 * 32 columns holds their ws, their ws sum q, then per four of k the 32
 * columns' four bytes. A task quantizes the rows of x of one row tile into
 * a stack buffer once and uses them across its panels, so in is limited to
 * K_MAX (36 KiB of stack). Integer sums in any order are the same, so
 * results do not depend on the thread count. */
#include <config.h>

#include "gemm.h"

#ifdef EL_GEMM_X86

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,fma")

#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define MR 12
#define NV 2
#define NR EL_GEMM_AVX512_NR
#define K_MAX 3072
#define QUANT_MAX 127.0f
#define STEPS 255.0f
/* Bytes of one panel's header: 32 scales ws, then 32 ws sum_k q. */
#define HEADER (NR * 2 * sizeof(float))
/* Bytes of packed weights one task keeps in L2. */
#define PANEL_BUDGET (512 * 1024)
/* The least work worth a task (in multiply-adds of fours, which is what
 * el_gemm_plan_tasks counts with k = quads): each task quantizes its rows
 * of x again. */
#define MIN_TASK_FLOPS 5e5

static size_t quads_of(size_t k)
{
    return k / 4 + (k % 4 != 0);
}

static size_t panel_bytes(size_t k)
{
    return HEADER + quads_of(k) * NR * 4;
}

static size_t packed_bytes(size_t k, size_t n)
{
    const size_t panels = n / NR + (n % NR != 0);
    return k > K_MAX || panels > SIZE_MAX / panel_bytes(k) ? 0 : panels * panel_bytes(k);
}

static __mmask16 first_lanes(size_t have, size_t at)
{
    const size_t lanes = have > at ? have - at : 0;
    return lanes >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << lanes) - 1);
}

/* Column j of a panel: its scale and its four bytes per four of k, NR * 4
 * apart. */
static void pack_column(const float *w, size_t k, unsigned char *panel, size_t j)
{
    __m512 mx = _mm512_setzero_ps();
    for (size_t c = 0; c < k; c += 16)
        mx = _mm512_max_ps(mx, _mm512_abs_ps(_mm512_maskz_loadu_ps(first_lanes(k, c), w + c)));
    const float m = _mm512_reduce_max_ps(mx), scale = m / QUANT_MAX;
    const float inverse = m > 0 ? QUANT_MAX / m : 0.0f;
    int32_t sum = 0;
    unsigned char *quads = panel + HEADER + j * 4;
    for (size_t i = 0; i < k; i++) {
        /* clamped, so that a NaN or rounding past 127 stays in range */
        const int q = (int)lrintf(fmaxf(-QUANT_MAX, fminf(QUANT_MAX, w[i] * inverse)));
        sum += q;
        quads[i / 4 * NR * 4 + i % 4] = (unsigned char)(int8_t)q;
    }
    const float scaled_sum = scale * (float)sum;
    memcpy(panel + j * sizeof(float), &scale, sizeof scale);
    memcpy(panel + (NR + j) * sizeof(float), &scaled_sum, sizeof scaled_sum);
}

static void pack(const float *w, size_t k, size_t n, void *dst)
{
    const size_t panels = n / NR + (n % NR != 0);
    unsigned char *out = dst;
    memset(out, 0, panels * panel_bytes(k));
    for (size_t j = 0; j < n; j++)
        pack_column(w + j * k, k, out + j / NR * panel_bytes(k), j % NR);
}

/* `rows` rows of x as unsigned bytes over each row's range, with their
 * scales xs and lows lo (0 past k, where the weights are 0). The rows'
 * fours of k interleave: four s of row r at dst[4 (s MR + r)], so that
 * the micro-kernel reads all its rows' fours from one pointer. */
static void quantize_rows(const float *x, size_t rows, size_t k, unsigned char *dst,
                          float *xs, float *lo)
{
    const size_t kq = 4 * quads_of(k);
    for (size_t r = 0; r < rows; r++) {
        const float *src = x + r * k;
        __m512 mn = _mm512_set1_ps(INFINITY), mx = _mm512_set1_ps(-INFINITY);
        for (size_t c = 0; c < k; c += 16) {
            const __mmask16 lanes = first_lanes(k, c);
            const __m512 v = _mm512_maskz_loadu_ps(lanes, src + c);
            mn = _mm512_mask_min_ps(mn, lanes, mn, v);
            mx = _mm512_mask_max_ps(mx, lanes, mx, v);
        }
        const float low = k ? _mm512_reduce_min_ps(mn) : 0.0f;
        const float range = k ? _mm512_reduce_max_ps(mx) - low : 0.0f;
        /* a constant row (range 0) is its low alone: u = 0 */
        const float inverse = range > 0 ? STEPS / range : 0.0f;
        xs[r] = range / STEPS;
        lo[r] = low;
        const __m512 shift = _mm512_set1_ps(low), inv = _mm512_set1_ps(inverse);
        for (size_t c = 0; c < kq; c += 16) {
            const __m512 v = _mm512_maskz_loadu_ps(first_lanes(k, c), src + c);
            const __m512i u = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_sub_ps(v, shift), inv));
            uint32_t fours[4];
            _mm_storeu_si128((__m128i *)fours,
                             _mm512_cvtusepi32_epi8(_mm512_max_epi32(u, _mm512_setzero_si512())));
            for (size_t f = 0; f < 4 && c + 4 * f < kq; f++)
                memcpy(dst + 4 * ((c / 4 + f) * MR + r), &fours[f], sizeof fours[f]);
        }
    }
}

/* sum += x . w, four unsigned bytes of x by four signed bytes of w per
 * lane. In assembly because GCC 12 copies the accumulators of the
 * intrinsic around (and spills them) instead of updating them in place,
 * which cost a third of the kernel's speed. */
static inline __attribute__((always_inline)) __m512i dot_fours(__m512i sum, __m512i x, __m512i w)
{
    __asm__("vpdpbusd %2, %1, %0" : "+v"(sum) : "v"(x), "v"(w));
    return sum;
}

/* acc[mr][NR] = the float32 products of `mr` quantized rows (u, as
 * quantize_rows lays them out, with xs and lo) and one panel, four of k
 * at a time; with prefetch, it also asks for the weights at `next` into
 * L2, as the float32 kernel does. */
static inline __attribute__((always_inline)) void tile(const int mr, const int prefetch,
                                                       size_t quads, const unsigned char *u,
                                                       const float *xs, const float *lo,
                                                       const unsigned char *panel, float *acc,
                                                       const unsigned char *next)
{
    const unsigned char *b = panel + HEADER;
    __m512i sum[MR][NV];
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            sum[i][v] = _mm512_setzero_si512();
    for (size_t s = 0; s < quads; s++) {
        __m512i w[NV];
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            w[v] = _mm512_load_si512(b + s * NR * 4 + 64 * v);
        if (prefetch)
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++)
                _mm_prefetch((const char *)(next + HEADER + s * NR * 4 + 64 * v), _MM_HINT_T1);
#pragma GCC unroll 12
        for (int i = 0; i < mr; i++) {
            int32_t four;
            memcpy(&four, u + 4 * (s * MR + i), sizeof four);
            const __m512i xi = _mm512_set1_epi32(four);
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++)
                sum[i][v] = dot_fours(sum[i][v], xi, w[v]);
        }
    }
    __m512 ws[NV], ws_sum[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) {
        ws[v] = _mm512_loadu_ps(panel + 64 * v);
        ws_sum[v] = _mm512_loadu_ps(panel + NR * sizeof(float) + 64 * v);
    }
#pragma GCC unroll 12
    for (int i = 0; i < mr; i++) {
        const __m512 x_scale = _mm512_set1_ps(xs[i]), x_low = _mm512_set1_ps(lo[i]);
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            _mm512_store_ps(acc + i * NR + 16 * v,
                            _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum[i][v]),
                                            _mm512_mul_ps(ws[v], x_scale),
                                            _mm512_mul_ps(ws_sum[v], x_low)));
    }
}

typedef void (*tile_fn)(size_t quads, const unsigned char *u, const float *xs, const float *lo,
                        const unsigned char *panel, float *acc, const unsigned char *next);

#define TILE(rows)                                                                          \
    static void tile_##rows(size_t quads, const unsigned char *u, const float *xs,          \
                            const float *lo, const unsigned char *panel, float *acc,        \
                            const unsigned char *next)                                      \
    {                                                                                       \
        if (next)                                                                           \
            tile(rows, 1, quads, u, xs, lo, panel, acc, next);                              \
        else                                                                                \
            tile(rows, 0, quads, u, xs, lo, panel, acc, NULL);                              \
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
    const size_t quads = quads_of(g->k), bytes = panel_bytes(g->k);
    const unsigned char *panels = g->packed;
    /* Row groups vary fastest: tasks claimed one after another share a
     * block of weights. */
    const size_t rg = task % p->row_groups, cg = task / p->row_groups;
    const size_t t0 = el_gemm_part_start(rg, p->tiles, p->row_groups);
    const size_t t1 = el_gemm_part_start(rg + 1, p->tiles, p->row_groups);
    const size_t p0 = el_gemm_part_start(cg, p->panels, p->col_groups);
    const size_t p1 = el_gemm_part_start(cg + 1, p->panels, p->col_groups);
    unsigned char u[MR * K_MAX] __attribute__((aligned(64)));
    float xs[MR], lo[MR];
    float acc[MR * NR] __attribute__((aligned(64)));

    for (size_t t = t0; t < t1; t++) {
        const size_t r0 = el_gemm_part_start(t, g->m, p->tiles);
        const size_t rows = el_gemm_part_start(t + 1, g->m, p->tiles) - r0;
        quantize_rows(g->x + r0 * g->k, rows, g->k, u, xs, lo);
        for (size_t q = p0; q < p1; q++) {
            const unsigned char *panel = panels + q * bytes;
            const int prefetch = t == t0 && q + 1 < p1;
            tiles[rows](quads, u, xs, lo, panel, acc, prefetch ? panel + bytes : NULL);
            el_gemm_epilogue_avx512(g, acc, r0, rows, q * NR);
        }
    }
}

static void forward(const el_gemm_args *g, el_threadpool *pool)
{
    if (g->m == 0 || g->n == 0)
        return;
    task_args ta = {.g = g};
    ta.plan = el_gemm_plan_tasks(g->m, g->n, quads_of(g->k), MR, NR, NR * 4, PANEL_BUDGET, g->m,
                                 MIN_TASK_FLOPS, el_threadpool_size(pool));
    el_parallel_for(pool, ta.plan.row_groups * ta.plan.col_groups, run_task, &ta);
}

#pragma GCC pop_options

const el_gemm_kernel el_gemm_avx512_int8 = {"avx512-int8", packed_bytes, pack, forward};

#endif
