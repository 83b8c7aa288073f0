/* half.h - exact widening of 16-bit floats to float32. */
#ifndef EL_HALF_H
#define EL_HALF_H

#include <stdint.h>

/* IEEE binary16 -> float32, exact for every input (subnormals included). */
float el_f16_to_f32(uint16_t h);
/* bfloat16 -> float32: the 16 bits become the upper half. */
float el_bf16_to_f32(uint16_t b);
/* float32 -> bfloat16, round to nearest even (NaN stays NaN). */
uint16_t el_f32_to_bf16(float f);

#endif
