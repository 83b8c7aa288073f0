/* train_math.h - exp, erf and tanh for float32 written without branches
 * or library calls, so loops over them vectorise (the libm versions are
 * scalar calls costing ~25 ns each for erff and tanhf, which would make
 * GELU alone a large part of a training step). */
#ifndef EL_TRAIN_MATH_H
#define EL_TRAIN_MATH_H

#include <stdint.h>
#include <string.h>

/* Hot elementwise loops are also compiled for AVX-512 and AVX2; the CPU
 * picks a version when the library loads (GCC target_clones, an ifunc).
 * The C11 mode keeps FMA contraction off, so every version computes the
 * same floats. Files using it include the build's config.h first. */
#if defined(ELECTRA_FAST_KERNELS) && defined(__x86_64__) && defined(__GNUC__) && \
    defined(__ELF__) && !defined(__clang__)
#define EL_VECTOR_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define EL_VECTOR_CLONES
#endif

/* exp(x): x = n ln2 + r with |r| <= ln2 / 2 (ln2 split in two so n ln2
 * is exact), then the degree-7 Taylor polynomial of exp(r), whose
 * truncation error (r^8 / 8! < 6e-9) is below float precision. Max
 * relative error ~1e-7 over [-87, 88]; 0 below (where exp is subnormal:
 * masked attention scores must get exactly zero weight), clamped above. */
static inline float el_expf(float in)
{
    float x = in < -87.0f ? -87.0f : in;
    x = x > 88.0f ? 88.0f : x;
    /* Round x / ln2 to the nearest integer by the 1.5 * 2^23 trick. */
    float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693145751953125f;
    r = r - n * 1.42860682030941723e-6f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t bits = ((int32_t)n + 127) * (1 << 23);
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return in < -87.0f ? 0.0f : p * scale;
}

/* erf(x) by Abramowitz & Stegun 7.1.26 (absolute error <= 1.5e-7), the
 * approximation torch's vectorised CPU erf uses, so GELU rounds as it
 * does in PyTorch. */
static inline float el_erff(float x)
{
    float a = x < 0 ? -x : x;
    float t = 1.0f / (1.0f + 0.3275911f * a);
    float p = 1.061405429f;
    p = p * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    float r = 1.0f - p * t * el_expf(-a * a);
    return x < 0 ? -r : r;
}

/* tanh(x) = sign(x) (1 - 2 / (exp(2|x|) + 1)); absolute error ~1e-7,
 * which is what GELU's x (1 + tanh) form needs. */
static inline float el_tanhf(float x)
{
    float a = x < 0 ? -x : x;
    float r = 1.0f - 2.0f / (el_expf(2.0f * a) + 1.0f);
    return x < 0 ? -r : r;
}

static inline float el_sigmoidf(float x)
{
    return 1.0f / (1.0f + el_expf(-x));
}

#endif
