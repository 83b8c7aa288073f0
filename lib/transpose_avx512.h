/* transpose_avx512.h - a 16 x 16 float transpose in registers, for
 * the kernels that repack matrices (weight panels, attention keys).
 * Include only from a file compiled for AVX-512 (after its #pragma GCC
 * target). */
#ifndef EL_TRANSPOSE_AVX512_H
#define EL_TRANSPOSE_AVX512_H

#include <immintrin.h>

/* 16 rows of 16 floats in, their 16 columns out (rows[j] = column j). */
static inline void el_transpose16x16(__m512 r[16])
{
    __m512 b[16], c[16];
    for (int m = 0; m < 8; m++) {
        b[2 * m] = _mm512_unpacklo_ps(r[2 * m], r[2 * m + 1]);
        b[2 * m + 1] = _mm512_unpackhi_ps(r[2 * m], r[2 * m + 1]);
    }
    /* c[4q + e], 128-bit lane L: rows 4q .. 4q+3 at column 4L + e */
    for (int q = 0; q < 4; q++) {
        c[4 * q] = _mm512_shuffle_ps(b[4 * q], b[4 * q + 2], 0x44);
        c[4 * q + 1] = _mm512_shuffle_ps(b[4 * q], b[4 * q + 2], 0xee);
        c[4 * q + 2] = _mm512_shuffle_ps(b[4 * q + 1], b[4 * q + 3], 0x44);
        c[4 * q + 3] = _mm512_shuffle_ps(b[4 * q + 1], b[4 * q + 3], 0xee);
    }
    for (int e = 0; e < 4; e++) {
        const __m512 d0 = _mm512_shuffle_f32x4(c[e], c[4 + e], 0x44);
        const __m512 d1 = _mm512_shuffle_f32x4(c[e], c[4 + e], 0xee);
        const __m512 d2 = _mm512_shuffle_f32x4(c[8 + e], c[12 + e], 0x44);
        const __m512 d3 = _mm512_shuffle_f32x4(c[8 + e], c[12 + e], 0xee);
        r[e] = _mm512_shuffle_f32x4(d0, d2, 0x88);
        r[4 + e] = _mm512_shuffle_f32x4(d0, d2, 0xdd);
        r[8 + e] = _mm512_shuffle_f32x4(d1, d3, 0x88);
        r[12 + e] = _mm512_shuffle_f32x4(d1, d3, 0xdd);
    }
}

#endif
