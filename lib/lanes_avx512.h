/* lanes_avx512.h - which lanes of a 16-float vector hold data, for the
 * kernels that load the ends of rows with masks. Include only from a file
 * compiled for AVX-512 (after its #pragma GCC target). */
#ifndef EL_LANES_AVX512_H
#define EL_LANES_AVX512_H

#include <immintrin.h>
#include <stddef.h>

/* The lanes of 16 elements from `at` that lie below `have`. */
static inline __mmask16 el_first_lanes(size_t have, size_t at)
{
    const size_t lanes = have > at ? have - at : 0;
    return lanes >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << lanes) - 1);
}

#endif
