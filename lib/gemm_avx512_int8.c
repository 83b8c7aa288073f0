/* gemm_avx512_int8.c - y = act(x W^T + b) (+ r) with 8-bit integer
 * products (AVX512_VNNI): ELECTRA_PRECISION_INT8, dynamic quantization.
 *
 * W is quantized at load, per output column j, symmetrically: W[j][k] ~
 * ws[j] q[j][k] with q in -127..127 and ws[j] = max_k |W[j][k]| / 127. x is
 * quantized as the product runs, per row i, over its range: x[i][k] ~
 * lo[i] + xs[i] u[i][k] with u in 0..255, lo[i] = min_k x[i][k] and xs[i] =
 * (max_k x[i][k] - lo[i]) / 255 (all 256 steps used, where a symmetric
 * scale would leave half of them to the few negative outputs of a GELU).
 * The sums of u q are exact in int32 (|u q| < 2^15, k <= 3072), so
 *   x W^T [i][j] ~ ws[j] (xs[i] sum_k u[i][k] q[j][k] + lo[i] sum_k q[j][k])
 * with ws[j] sum_k q[j][k] packed with the weights. VPDPBUSD (unsigned
 * bytes by signed ones) adds four such products into each of 16 int32
 * sums: four times the multiply-adds of a float32 FMA in one instruction.
 *
 * The micro-kernel has the float32 one's shape: a 12 x 32 block of y in 24
 * zmm accumulators; per four of k it loads the packed weights of 32
 * columns (2 zmm) and broadcasts four bytes of each row of x. A panel of
 * 32 columns holds their ws, their ws sum q, then per four of k the 32
 * columns' four bytes. A task quantizes the rows of x of one row tile once
 * and uses them across its panels (el_gemm_converted_forward), so in is
 * limited to EL_GEMM_CONVERTED_K_MAX. Integer sums in any order are the
 * same, so results do not depend on the thread count. */
#include <config.h>

#include "gemm.h"

#ifdef EL_GEMM_X86

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,fma")

#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "lanes_avx512.h"

#define MR 12
#define NV 2
#define NR EL_GEMM_AVX512_NR
#define QUANT_MAX 127.0f
#define STEPS 255.0f
/* Bytes of one panel's header: 32 scales ws, then 32 ws sum_k q. */
#define HEADER (NR * 2 * sizeof(float))
/* The quantized rows: their scales and lows, then their bytes. */
#define ROWS_BYTES 128
_Static_assert(2 * MR * sizeof(float) <= ROWS_BYTES &&
                   ROWS_BYTES + MR * EL_GEMM_CONVERTED_K_MAX <= EL_GEMM_CONVERTED_BYTES,
               "the quantized rows fit the converted-rows buffer");
/* The least work worth a task (in multiply-adds of fours): each task
 * quantizes its rows of x again. */
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
    return k > EL_GEMM_CONVERTED_K_MAX || panels > SIZE_MAX / panel_bytes(k)
               ? 0
               : panels * panel_bytes(k);
}

/* Column j of a panel: its scale and its four bytes per four of k, NR * 4
 * apart, 16 of k at a time. */
static void pack_column(const float *w, size_t k, unsigned char *panel, size_t j)
{
    __m512 mx = _mm512_setzero_ps();
    for (size_t c = 0; c < k; c += 16)
        mx = _mm512_max_ps(mx, _mm512_abs_ps(_mm512_maskz_loadu_ps(el_first_lanes(k, c), w + c)));
    const float m = _mm512_reduce_max_ps(mx), scale = m / QUANT_MAX;
    const __m512 inverse = _mm512_set1_ps(m > 0 ? QUANT_MAX / m : 0.0f);
    /* clamped, so that a NaN (which converts to INT_MIN) or rounding past
     * 127 stays in range */
    const __m512i top = _mm512_set1_epi32((int)QUANT_MAX);
    const __m512i bottom = _mm512_set1_epi32(-(int)QUANT_MAX);
    __m512i sums = _mm512_setzero_si512();
    unsigned char *quads = panel + HEADER + j * 4;
    for (size_t c = 0; c < k; c += 16) {
        const __mmask16 lanes = el_first_lanes(k, c);
        const __m512 v = _mm512_maskz_loadu_ps(lanes, w + c);
        const __m512i q = _mm512_min_epi32(
            top, _mm512_max_epi32(bottom, _mm512_cvtps_epi32(_mm512_mul_ps(v, inverse))));
        sums = _mm512_add_epi32(sums, q);
        uint32_t fours[4];
        _mm_storeu_si128((__m128i *)fours, _mm512_cvtsepi32_epi8(q));
        for (size_t f = 0; f < 4 && c + 4 * f < k; f++)
            memcpy(quads + (c / 4 + f) * NR * 4, &fours[f], sizeof fours[f]);
    }
    const float scaled_sum = scale * (float)_mm512_reduce_add_epi32(sums);
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

/* 16 values of row `src` from c (0 past k) as unsigned bytes. */
static __m128i row_bytes(const float *src, size_t k, size_t c, float low, float inverse)
{
    const __m512 v = _mm512_maskz_loadu_ps(el_first_lanes(k, c), src + c);
    const __m512i u = _mm512_cvtps_epi32(
        _mm512_mul_ps(_mm512_sub_ps(v, _mm512_set1_ps(low)), _mm512_set1_ps(inverse)));
    return _mm512_cvtusepi32_epi8(_mm512_max_epi32(u, _mm512_setzero_si512()));
}

/* `rows` rows of x as unsigned bytes over each row's range: at dst, their
 * scales xs[MR] and lows lo[MR], then from ROWS_BYTES on the bytes (any
 * value past k, where the weights are 0). The rows' fours of k
 * interleave: four s of row r at byte 4 (s MR + r), so that the
 * micro-kernel reads all its rows' fours from one pointer; four rows at a
 * time, 16 of k each, go there through a 4 x 4 transpose of fours. */
static void quantize_rows(const float *x, size_t rows, size_t k, void *dst)
{
    float *xs = dst, *lo = xs + MR, inverse[MR];
    unsigned char *bytes = (unsigned char *)dst + ROWS_BYTES;
    const size_t kq = 4 * quads_of(k);
    for (size_t r = 0; r < rows; r++) {
        const float *src = x + r * k;
        /* v * 0 is NaN for a NaN or an infinity, which min and max can
         * drop: added to the low, it makes the row's outputs NaN, as
         * float32 products would be */
        __m512 mn = _mm512_set1_ps(INFINITY), mx = _mm512_set1_ps(-INFINITY);
        __m512 non_finite = _mm512_setzero_ps();
        for (size_t c = 0; c < k; c += 16) {
            const __mmask16 lanes = el_first_lanes(k, c);
            const __m512 v = _mm512_maskz_loadu_ps(lanes, src + c);
            mn = _mm512_mask_min_ps(mn, lanes, mn, v);
            mx = _mm512_mask_max_ps(mx, lanes, mx, v);
            non_finite = _mm512_add_ps(non_finite, _mm512_mul_ps(v, _mm512_setzero_ps()));
        }
        const float low = k ? _mm512_reduce_min_ps(mn) : 0.0f;
        const float range = k ? _mm512_reduce_max_ps(mx) - low : 0.0f;
        /* a constant row (range 0) is its low alone: u = 0 */
        inverse[r] = range > 0 ? STEPS / range : 0.0f;
        xs[r] = range / STEPS;
        lo[r] = low + _mm512_reduce_add_ps(non_finite);
    }
    /* MR is a multiple of 4, so the four slots of a group stay in a four's
     * MR slots; those past `rows` get zeros the micro-kernel never reads */
    _Static_assert(MR % 4 == 0, "row groups of four fill the slots");
    for (size_t r0 = 0; r0 < rows; r0 += 4)
        for (size_t c = 0; c < kq; c += 16) {
            __m128i q[4];
            for (size_t i = 0; i < 4; i++)
                q[i] = r0 + i < rows ? row_bytes(x + (r0 + i) * k, k, c, lo[r0 + i],
                                                 inverse[r0 + i])
                                     : _mm_setzero_si128();
            const __m128i t0 = _mm_unpacklo_epi32(q[0], q[1]), t1 = _mm_unpacklo_epi32(q[2], q[3]);
            const __m128i t2 = _mm_unpackhi_epi32(q[0], q[1]), t3 = _mm_unpackhi_epi32(q[2], q[3]);
            const __m128i fours[4] = {_mm_unpacklo_epi64(t0, t1), _mm_unpackhi_epi64(t0, t1),
                                      _mm_unpacklo_epi64(t2, t3), _mm_unpackhi_epi64(t2, t3)};
            for (size_t f = 0; f < 4 && c + 4 * f < kq; f++)
                _mm_storeu_si128((__m128i *)(bytes + 4 * ((c / 4 + f) * MR + r0)), fours[f]);
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

/* acc[mr][NR] = the float32 products of `mr` quantized rows (as
 * quantize_rows lays them out) and one panel, four of k at a time; with
 * prefetch, it also asks for the weights at `next` into L2, as the
 * float32 kernel does. */
static inline __attribute__((always_inline)) void tile(const int mr, const int prefetch,
                                                       size_t quads, const void *rows,
                                                       const unsigned char *panel, float *acc,
                                                       const unsigned char *next)
{
    const float *xs = rows, *lo = xs + MR;
    const unsigned char *u = (const unsigned char *)rows + ROWS_BYTES, *b = panel + HEADER;
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

#define TILE(rows)                                                                          \
    static void tile_##rows(size_t k, const void *u, const unsigned char *panel, float *acc, \
                            const unsigned char *next)                                      \
    {                                                                                       \
        if (next)                                                                           \
            tile(rows, 1, quads_of(k), u, panel, acc, next);                                \
        else                                                                                \
            tile(rows, 0, quads_of(k), u, panel, acc, NULL);                                \
    }
EL_GEMM_FOR_12_ROWS(TILE)

static const el_gemm_converted_kernel converted = {
    panel_bytes,
    4,
    MIN_TASK_FLOPS,
    quantize_rows,
    EL_GEMM_12_ROW_TILES,
    el_gemm_epilogue_avx512};

static void forward(const el_gemm_args *g, el_threadpool *pool)
{
    el_gemm_converted_forward(&converted, g, pool);
}

#pragma GCC pop_options

const el_gemm_kernel el_gemm_avx512_int8 = {"avx512-int8", packed_bytes, pack, forward};

#endif
