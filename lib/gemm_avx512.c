/* gemm_avx512.c - y = act(x W^T + b) (+ r) with an AVX-512 micro-kernel.
 *
 * The micro-kernel keeps a 12 x 32 block of y in 24 zmm accumulators: per
 * k it loads the 32 packed weights of its panel (2 zmm) and broadcasts one
 * element of each of the 12 rows of x, read in place (row-major, no
 * packing of the activations), for 24 FMAs. With two FMA ports that is
 * 12 cycles per k against 14 loads, so it runs at the FMA peak when its
 * operands come from L1/L2.
 *
 * The blocked loops around it, shared with the AVX2 kernel, are in gemm.c;
 * the epilogue (bias, activation, residual on the tile while it is in L1)
 * is here, and serves the AMX kernel too. */
#include <config.h>

#include "gemm.h"

#ifdef EL_GEMM_X86

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,fma,avx2,bmi,bmi2")

#include <immintrin.h>
#include <stdint.h>

#include "activation_avx512.h"
#include "transpose_avx512.h"

#define MR 12
#define NV 2
#define NR EL_GEMM_AVX512_NR

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

EL_GEMM_FOR_12_ROWS(EL_GEMM_TILE)

/* The epilogue for one activation, known at compile time: its constants
 * stay in registers and the rows' independent chains overlap (with the
 * activation chosen per vector inside the loop, GELU took ~25 cycles a
 * vector, as long as its dependency chain, and doubled the time of the
 * bfloat16 FFN input product). */
static inline __attribute__((always_inline)) void epilogue(const el_activation act,
                                                           const el_gemm_args *g,
                                                           const float *acc, size_t row0,
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
    const float *residual = g->residual;
#pragma GCC unroll 2
    for (size_t r = 0; r < rows; r++) {
        const size_t at = (row0 + r) * g->n + col0;
        __m512 z[NV];
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            z[v] = el_activate512(act, _mm512_add_ps(_mm512_load_ps(acc + r * NR + 16 * v),
                                                     bias[v]));
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) {
            if (residual)
                z[v] = _mm512_add_ps(z[v],
                                     _mm512_maskz_loadu_ps(mask[v], residual + at + 16 * v));
            _mm512_mask_storeu_ps(g->y + at + 16 * v, mask[v], z[v]);
        }
    }
}

void el_gemm_epilogue_avx512(const el_gemm_args *g, const float *acc, size_t row0,
                             size_t rows, size_t col0)
{
    switch (g->act) {
    case EL_ACT_GELU:
        epilogue(EL_ACT_GELU, g, acc, row0, rows, col0);
        break;
    case EL_ACT_GELU_TANH:
        epilogue(EL_ACT_GELU_TANH, g, acc, row0, rows, col0);
        break;
    case EL_ACT_GELU_FAST:
        epilogue(EL_ACT_GELU_FAST, g, acc, row0, rows, col0);
        break;
    case EL_ACT_QUICK_GELU:
        epilogue(EL_ACT_QUICK_GELU, g, acc, row0, rows, col0);
        break;
    case EL_ACT_RELU:
        epilogue(EL_ACT_RELU, g, acc, row0, rows, col0);
        break;
    case EL_ACT_SILU:
        epilogue(EL_ACT_SILU, g, acc, row0, rows, col0);
        break;
    case EL_ACT_NONE:
    default:
        epilogue(EL_ACT_NONE, g, acc, row0, rows, col0);
        break;
    }
}

const el_gemm_float_kernel el_gemm_avx512_float = {
    MR,
    NR,
    EL_GEMM_12_ROW_TILES,
    el_gemm_epilogue_avx512};

static void forward(const el_gemm_args *g, el_threadpool *pool)
{
    el_gemm_float_forward(&el_gemm_avx512_float, g, pool);
}

static size_t packed_bytes(size_t k, size_t n)
{
    return el_gemm_panels_bytes(k, n, NR);
}

/* The panel layout of gemm.h, 16 x 16 blocks at a time: a model's
 * weights pack in a few milliseconds instead of the ~10 of a scalar
 * strided copy. */
static void pack(const float *w, size_t k, size_t n, void *dst)
{
    float *panels = dst;
    const size_t n_panels = n / NR + (n % NR != 0);
    for (size_t p = 0; p < n_panels; p++)
        for (size_t k0 = 0; k0 < k; k0 += 16) {
            const size_t kn = k - k0 < 16 ? k - k0 : 16;
            const __mmask16 kmask = (__mmask16)((1u << kn) - 1);
            for (size_t h = 0; h < NR / 16; h++) {
                __m512 r[16];
                for (size_t j = 0; j < 16; j++) {
                    const size_t row = p * NR + h * 16 + j;
                    r[j] = row < n ? _mm512_maskz_loadu_ps(kmask, w + row * k + k0)
                                   : _mm512_setzero_ps();
                }
                el_transpose16x16(r);
                float *out = panels + (p * k + k0) * NR + h * 16;
                for (size_t i = 0; i < kn; i++)
                    _mm512_store_ps(out + i * NR, r[i]);
            }
        }
}

#pragma GCC pop_options

const el_gemm_kernel el_gemm_avx512 = {"avx512", packed_bytes, pack, forward};

#endif
