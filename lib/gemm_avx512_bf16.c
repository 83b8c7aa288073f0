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
 * A task rounds the rows of x of one row tile to bfloat16 once and uses
 * them across its panels (el_gemm_converted_forward), so in is limited to
 * EL_GEMM_CONVERTED_K_MAX (72 KiB of stack; ELECTRA-base's 3072 fits) and
 * larger in stays float32. Each element of y is one chain of sums over k
 * in order: results do not depend on the split into tasks or the thread
 * count. */
#include <config.h>

#include "gemm.h"

#ifdef EL_GEMM_X86

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,fma")

#include <immintrin.h>
#include <stdint.h>

#include "lanes_avx512.h"
#include "transpose_avx512.h"

#define MR 12
#define NV 2
#define NR EL_GEMM_AVX512_NR
_Static_assert(MR * EL_GEMM_CONVERTED_K_MAX / 2 * sizeof(float) <= EL_GEMM_CONVERTED_BYTES,
               "the rounded rows fit the converted-rows buffer");
/* The least work worth a task (in multiply-adds of pairs): each task
 * rounds its rows of x again. */
#define MIN_TASK_FLOPS 1e6

static size_t pairs_of(size_t k)
{
    return k / 2 + k % 2;
}

static size_t packed_bytes(size_t k, size_t n)
{
    return k > EL_GEMM_CONVERTED_K_MAX ? 0 : el_gemm_panels_bytes(pairs_of(k), n, NR);
}

static size_t panel_bytes(size_t k)
{
    return pairs_of(k) * NR * sizeof(float);
}

/* 32 floats of src from `at` (zero past k) as 16 pairs of bfloat16,
 * rounded to nearest even. */
static __m512 round_pairs(const float *src, size_t k, size_t at)
{
    const __m512 lo = _mm512_maskz_loadu_ps(el_first_lanes(k, at), src + at);
    const __m512 hi = _mm512_maskz_loadu_ps(el_first_lanes(k, at + 16), src + at + 16);
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

/* `rows` rows of x as pairs of bfloat16, pairs_of(k) apart. */
static void round_rows(const float *x, size_t rows, size_t k, void *dst)
{
    float *out = dst;
    const size_t pairs = pairs_of(k);
    for (size_t r = 0; r < rows; r++)
        for (size_t s = 0; s < pairs; s += 16)
            _mm512_mask_storeu_ps(out + r * pairs + s, el_first_lanes(pairs, s),
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

#define TILE(rows)                                                                          \
    static void tile_##rows(size_t k, const void *a, const unsigned char *b, float *c,      \
                            const unsigned char *next)                                      \
    {                                                                                       \
        if (next)                                                                           \
            tile(rows, 1, pairs_of(k), a, (const float *)b, c, (const float *)next);        \
        else                                                                                \
            tile(rows, 0, pairs_of(k), a, (const float *)b, c, NULL);                       \
    }
EL_GEMM_FOR_12_ROWS(TILE)

static const el_gemm_converted_kernel converted = {
    panel_bytes,
    2,
    MIN_TASK_FLOPS,
    round_rows,
    EL_GEMM_12_ROW_TILES,
    el_gemm_epilogue_avx512};

static void forward(const el_gemm_args *g, el_threadpool *pool)
{
    el_gemm_converted_forward(&converted, g, pool);
}

#pragma GCC pop_options

const el_gemm_kernel el_gemm_avx512_bf16 = {"avx512-bf16", packed_bytes, pack, forward};

#endif
