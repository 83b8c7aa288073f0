/* gemm_amx.c - y = act(x W^T + b) (+ r) with bfloat16 products on AMX
 * tiles and float32 sums (ELECTRA_PRECISION_BF16, opt-in).
 *
 * TDPBF16PS multiplies a 16 x 32 bfloat16 tile of x by a 32 x 16 tile of
 * W^T into 16 x 16 float32 sums: 8192 multiply-adds in about 16 cycles,
 * eight times what the AVX-512 float32 kernel sustains. The kernel keeps
 * a 32 x 32 block of y in four accumulator tiles and, per 32 of k, loads
 * two tiles of x and two of weights for four products.
 *
 * The weights are packed at init into the pair-interleaved layout the
 * instruction reads (see pack). The rows of x of one 32-row tile are
 * rounded to bfloat16 into a stack buffer once, then used across all the
 * task's panels; so in is limited to K_MAX (64 KiB of stack), and
 * el_linear_init_precision keeps float32 for larger in. Each element of
 * y sums its k blocks in order, whatever the split into tasks: results do
 * not depend on the thread count. */
#include <config.h>

#include "gemm.h"

#ifdef EL_GEMM_X86

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,amx-tile,amx-bf16,fma")

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "lanes_avx512.h"

#define MT 32 /* rows of y per tile block: two tiles of x */
#define NT 32 /* columns per panel: two tiles of weights (= EL_GEMM_AVX512_NR) */
#define KT 32 /* k per step: 16 rows of bfloat16 pairs */
#define TILE_ELEMS 512 /* bfloat16 in one 16 x 64-byte tile */
#define K_MAX 1024
/* Bytes of packed weights one task keeps in L2. */
#define PANEL_BUDGET (512 * 1024)
/* The least work worth a task (about 30 us here): each task rounds its
 * rows of x to bfloat16 again and configures the tiles. */
#define MIN_TASK_FLOPS 3e7

/* The 64-byte operand of LDTILECFG (palette 1). */
typedef struct tile_config {
    uint8_t palette, start_row;
    uint8_t reserved[14];
    uint16_t bytes_per_row[16];
    uint8_t rows[16];
} tile_config;

static size_t k_steps(size_t k)
{
    return (k + KT - 1) / KT;
}

static size_t packed_bytes(size_t k, size_t n)
{
    const size_t panels = (n + NT - 1) / NT, step_bytes = 2 * TILE_ELEMS * sizeof(uint16_t);
    if (k > K_MAX || (k && panels > SIZE_MAX / step_bytes / k_steps(k)))
        return 0;
    return panels * k_steps(k) * step_bytes;
}

/* Round to nearest even, as VCVTNE2PS2BF16 does for x; NaN stays NaN. */
static uint16_t to_bf16(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)(u >> 16 | 0x40);
    return (uint16_t)((u + 0x7fffu + (u >> 16 & 1)) >> 16);
}

/* Panel p (output columns 32p .. 32p+31), step s (k = 32s .. 32s+31):
 * two tiles, h = 0 for the first 16 columns, h = 1 for the next. Row r,
 * column c of a tile holds the pair W[32p + 16h + c][32s + 2r + {0, 1}]
 * (zero past n or k): TDPBF16PS pairs k this way. */
static void pack(const float *w, size_t k, size_t n, void *dst)
{
    uint16_t *tiles = dst;
    const size_t steps = k_steps(k), panels = (n + NT - 1) / NT;
    for (size_t p = 0; p < panels; p++)
        for (size_t s = 0; s < steps; s++)
            for (size_t h = 0; h < 2; h++) {
                uint16_t *t = tiles + ((p * steps + s) * 2 + h) * TILE_ELEMS;
                for (size_t r = 0; r < 16; r++)
                    for (size_t c = 0; c < 16; c++)
                        for (size_t e = 0; e < 2; e++) {
                            const size_t col = p * NT + h * 16 + c, kk = s * KT + 2 * r + e;
                            t[r * 32 + c * 2 + e] = col < n && kk < k ? to_bf16(w[col * k + kk])
                                                                      : 0;
                        }
            }
}

/* MT rows of bfloat16 (kp apart, zero past k and past `rows`). */
static void round_rows(const float *x, size_t rows, size_t k, size_t kp, uint16_t *dst)
{
    for (size_t r = 0; r < MT; r++) {
        uint16_t *d = dst + r * kp;
        if (r >= rows) {
            memset(d, 0, kp * sizeof *d);
            continue;
        }
        const float *src = x + r * k;
        for (size_t c = 0; c < kp; c += 32) {
            const __m512 lo = _mm512_maskz_loadu_ps(el_first_lanes(k, c), src + c);
            const __m512 hi = _mm512_maskz_loadu_ps(el_first_lanes(k, c + 16), src + c + 16);
            _mm512_store_si512(d + c, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
        }
    }
}

typedef struct task_args {
    const el_gemm_args *g;
    el_gemm_plan plan;
} task_args;

static void run_task(void *arg, size_t task)
{
    const task_args *ta = arg;
    const el_gemm_args *g = ta->g;
    const el_gemm_plan *p = &ta->plan;
    const size_t steps = k_steps(g->k), kp = steps * KT;
    const uint16_t *packed = g->packed;
    const el_gemm_task tk = el_gemm_task_of(p, task);
    uint16_t a[MT * K_MAX] __attribute__((aligned(64)));
    float acc[MT * NT] __attribute__((aligned(64)));

    /* Every tile is 16 rows of 64 bytes: 0-3 sums, 4-5 x, 6-7 weights. */
    tile_config config = {.palette = 1};
    for (int i = 0; i < 8; i++) {
        config.bytes_per_row[i] = 64;
        config.rows[i] = 16;
    }
    _tile_loadconfig(&config);
    for (size_t t = tk.t0; t < tk.t1; t++) {
        const size_t r0 = el_gemm_part_start(t, g->m, p->tiles);
        const size_t rows = el_gemm_part_start(t + 1, g->m, p->tiles) - r0;
        round_rows(g->x + r0 * g->k, rows, g->k, kp, a);
        for (size_t q = tk.p0; q < tk.p1; q++) {
            const uint16_t *b = packed + q * steps * 2 * TILE_ELEMS;
            _tile_zero(0);
            _tile_zero(1);
            _tile_zero(2);
            _tile_zero(3);
            for (size_t s = 0; s < steps; s++) {
                _tile_loadd(4, a + s * KT, kp * sizeof *a);
                _tile_loadd(5, a + 16 * kp + s * KT, kp * sizeof *a);
                _tile_loadd(6, b + s * 2 * TILE_ELEMS, 64);
                _tile_loadd(7, b + (s * 2 + 1) * TILE_ELEMS, 64);
                _tile_dpbf16ps(0, 4, 6);
                _tile_dpbf16ps(1, 4, 7);
                _tile_dpbf16ps(2, 5, 6);
                _tile_dpbf16ps(3, 5, 7);
            }
            _tile_stored(0, acc, NT * sizeof *acc);
            _tile_stored(1, acc + 16, NT * sizeof *acc);
            _tile_stored(2, acc + 16 * NT, NT * sizeof *acc);
            _tile_stored(3, acc + 16 * NT + 16, NT * sizeof *acc);
            el_gemm_epilogue_avx512(g, acc, r0, rows, q * NT);
        }
    }
    /* Unconfigured tiles cost nothing at context switches. */
    _tile_release();
}

static void forward(const el_gemm_args *g, el_threadpool *pool)
{
    if (g->m == 0 || g->n == 0)
        return;
    task_args ta = {.g = g};
    ta.plan = el_gemm_plan_tasks(g->m, g->n, g->k, MT, NT, NT * sizeof(uint16_t), PANEL_BUDGET,
                                 g->m, MIN_TASK_FLOPS, el_threadpool_size(pool), 0);
    el_parallel_for(pool, ta.plan.row_groups * ta.plan.col_groups, run_task, &ta);
}

#pragma GCC pop_options

const el_gemm_kernel el_gemm_amx_bf16 = {"amx-bf16", packed_bytes, pack, forward};

#endif
