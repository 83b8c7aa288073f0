/* check_half.c - 16-bit float widening against independent references. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "half.h"

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* binary16 by its definition: (-1)^s * 2^(e-15) * 1.m, or 2^-14 * 0.m for
 * e = 0, computed with ldexp in double (exact for every half). */
static double f16_reference(uint16_t h)
{
    int sign = h >> 15, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v = e ? ldexp(1024 + m, e - 25) : ldexp(m, -24);
    return sign ? -v : v;
}

START_TEST(f16_exact_on_all_inputs)
{
    int subnormals = 0;
    for (uint32_t h = 0; h <= 0xffff; h++) {
        float got = el_f16_to_f32((uint16_t)h);
        int e = (h >> 10) & 0x1f, m = h & 0x3ff;
        if (e == 0x1f) {
            /* inf / NaN: sign kept, payload moved to the top of the
             * float32 mantissa (what a hardware conversion does) */
            uint32_t want = (h & 0x8000u) << 16 | 0x7f800000u | (uint32_t)m << 13;
            ck_assert_msg(f32_bits(got) == want, "half 0x%04x -> 0x%08x", h, f32_bits(got));
            ck_assert(m ? isnan(got) : isinf(got));
            continue;
        }
        double want = f16_reference((uint16_t)h);
        ck_assert_msg((double)got == want && !signbit(got) == !signbit(want),
                      "half 0x%04x: got %.9g want %.9g", h, got, want);
        subnormals += e == 0 && m != 0;
    }
    ck_assert_int_eq(subnormals, 2 * 1023);
    /* landmarks */
    ck_assert_float_eq(el_f16_to_f32(0x0001), ldexpf(1, -24));
    ck_assert_float_eq(el_f16_to_f32(0x03ff), ldexpf(1023, -24));
    ck_assert_float_eq(el_f16_to_f32(0x0400), ldexpf(1, -14));
    ck_assert_float_eq(el_f16_to_f32(0x3c00), 1.0f);
    ck_assert_float_eq(el_f16_to_f32(0x7bff), 65504.0f);
    ck_assert_float_eq(el_f16_to_f32(0xc000), -2.0f);
    ck_assert_uint_eq(f32_bits(el_f16_to_f32(0x8000)), 0x80000000u);
}
END_TEST

START_TEST(bf16_is_the_upper_half)
{
    for (uint32_t b = 0; b <= 0xffff; b++)
        ck_assert_uint_eq(f32_bits(el_bf16_to_f32((uint16_t)b)), b << 16);
}
END_TEST

START_TEST(f32_to_bf16_rounds_to_nearest_even)
{
    /* every bfloat16 value round-trips */
    for (uint32_t b = 0; b <= 0xffff; b++) {
        if ((b & 0x7f80u) == 0x7f80u && (b & 0x7fu))
            continue; /* NaN: checked below */
        ck_assert_uint_eq(el_f32_to_bf16(el_bf16_to_f32((uint16_t)b)), b);
    }
    /* ties go to the even neighbour, anything past the tie rounds up */
    ck_assert_uint_eq(el_f32_to_bf16(bits_f32(0x3f808000u)), 0x3f80u);
    ck_assert_uint_eq(el_f32_to_bf16(bits_f32(0x3f818000u)), 0x3f82u);
    ck_assert_uint_eq(el_f32_to_bf16(bits_f32(0x3f808001u)), 0x3f81u);
    ck_assert_uint_eq(el_f32_to_bf16(bits_f32(0x3f807fffu)), 0x3f80u);
    /* the largest finite float rounds to infinity, like torch */
    ck_assert_uint_eq(el_f32_to_bf16(bits_f32(0x7f7fffffu)), 0x7f80u);
    /* NaN stays NaN, even one whose payload sits in the low 16 bits */
    uint16_t n = el_f32_to_bf16(bits_f32(0x7f800001u));
    ck_assert(isnan(el_bf16_to_f32(n)));
    n = el_f32_to_bf16(bits_f32(0xffc00000u));
    ck_assert(isnan(el_bf16_to_f32(n)) && (n & 0x8000u));
}
END_TEST

Suite *make_half_suite(void)
{
    Suite *s = suite_create("half");
    TCase *tc = tcase_create("conversions");
    tcase_add_test(tc, f16_exact_on_all_inputs);
    tcase_add_test(tc, bf16_is_the_upper_half);
    tcase_add_test(tc, f32_to_bf16_rounds_to_nearest_even);
    suite_add_tcase(s, tc);
    return s;
}
