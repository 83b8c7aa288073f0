/* gemm_avx2.c - y = act(x W^T + b) (+ r) with an AVX2 + FMA micro-kernel,
 * for x86-64 CPUs without AVX-512.
 *
 * With 16 ymm registers the tile is 6 x 16: 12 accumulators, 2 registers
 * of weights per k and one broadcast of x (6 broadcasts and 2 loads per 12
 * FMAs). The blocked loops are those of gemm.c, over panels 16 wide. */
#include <config.h>

#include "gemm.h"

#ifdef EL_GEMM_X86

#pragma GCC push_options
#pragma GCC target("avx2,fma")

#include <immintrin.h>

#include "activation_avx2.h"

#define MR 6
#define NR 16

static inline __attribute__((always_inline)) void tile(const int mr, const int prefetch,
                                                       size_t kc, const float *a, size_t lda,
                                                       const float *b, const float *c_in,
                                                       float *c_out, const float *next)
{
    __m256 acc[MR][2];
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++)
#pragma GCC unroll 2
        for (int v = 0; v < 2; v++)
            acc[i][v] = c_in ? _mm256_load_ps(c_in + i * NR + 8 * v) : _mm256_setzero_ps();
#pragma GCC unroll 2
    for (size_t k = 0; k < kc; k++) {
        const __m256 w0 = _mm256_load_ps(b + k * NR), w1 = _mm256_load_ps(b + k * NR + 8);
        if (prefetch)
            _mm_prefetch((const char *)(next + k * NR), _MM_HINT_T1);
#pragma GCC unroll 6
        for (int i = 0; i < mr; i++) {
            const __m256 xi = _mm256_broadcast_ss(a + i * lda + k);
            acc[i][0] = _mm256_fmadd_ps(xi, w0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(xi, w1, acc[i][1]);
        }
    }
#pragma GCC unroll 6
    for (int i = 0; i < mr; i++)
#pragma GCC unroll 2
        for (int v = 0; v < 2; v++)
            _mm256_store_ps(c_out + i * NR + 8 * v, acc[i][v]);
}

EL_GEMM_TILE(1)
EL_GEMM_TILE(2)
EL_GEMM_TILE(3)
EL_GEMM_TILE(4)
EL_GEMM_TILE(5)
EL_GEMM_TILE(6)

/* Lanes 0 .. n-1 of 8 (n may be <= 0 or > 8), for maskload/maskstore. */
static __m256i first_lanes(long n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n < 0 ? 0 : n > 8 ? 8 : n)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

static void epilogue(const el_gemm_args *g, const float *acc, size_t row0, size_t rows,
                     size_t col0)
{
    const long valid = (long)(g->n - col0 < NR ? g->n - col0 : NR);
    const __m256i mask[2] = {first_lanes(valid), first_lanes(valid - 8)};
    __m256 bias[2];
    for (int v = 0; v < 2; v++)
        bias[v] = g->bias ? _mm256_maskload_ps(g->bias + col0 + 8 * v, mask[v])
                          : _mm256_setzero_ps();
    for (size_t r = 0; r < rows; r++) {
        const size_t at = (row0 + r) * g->n + col0;
        for (int v = 0; v < 2; v++) {
            __m256 z = _mm256_add_ps(_mm256_load_ps(acc + r * NR + 8 * v), bias[v]);
            z = el_activate256(g->act, z);
            if (g->residual)
                z = _mm256_add_ps(z, _mm256_maskload_ps(g->residual + at + 8 * v, mask[v]));
            _mm256_maskstore_ps(g->y + at + 8 * v, mask[v], z);
        }
    }
}

static const el_gemm_float_kernel avx2 = {
    MR, NR, {NULL, tile_1, tile_2, tile_3, tile_4, tile_5, tile_6}, epilogue};

static void forward(const el_gemm_args *g, el_threadpool *pool)
{
    el_gemm_float_forward(&avx2, g, pool);
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

const el_gemm_kernel el_gemm_avx2 = {"avx2", packed_bytes, pack, forward};

#endif
