/* train_math.h - vectorisable float math for the training kernels: exp,
 * erf and tanh written without branches or library calls (the libm
 * versions are scalar calls costing ~25 ns each for erff and tanhf,
 * which would make GELU alone a large part of a training step), and
 * reductions in fixed lanes. */
#ifndef EL_TRAIN_MATH_H
#define EL_TRAIN_MATH_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Hot elementwise loops are also compiled for AVX-512 and AVX2; the CPU
 * picks a version when the library loads (GCC target_clones, an ifunc).
 * The C11 mode keeps FMA contraction off, so every version computes the
 * same floats. Files using it include the build's config.h first. Not
 * under ThreadSanitizer: it instruments the ifunc resolvers, which run
 * while the program is relocated, before its runtime is up (a crash at
 * start). */
#if defined(ELECTRA_FAST_KERNELS) && defined(__x86_64__) && defined(__GNUC__) && \
    defined(__ELF__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__)
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

/* Reductions in eight lanes combined in a fixed order: the compiler can
 * vectorise them without reassociating anything, and every CPU (and
 * every clone) gets the same result. */
#define EL_LANES 8

static inline double el_lanes_total(const double *lane)
{
    return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

/* sum x[i], in double. */
static inline double el_sum(const float *x, size_t n)
{
    double lane[EL_LANES] = {0};
    size_t i = 0;
    for (; i + EL_LANES <= n; i += EL_LANES)
        for (size_t k = 0; k < EL_LANES; k++)
            lane[k] += x[i + k];
    for (; i < n; i++)
        lane[i % EL_LANES] += x[i];
    return el_lanes_total(lane);
}

/* sum x[i] y[i], in double. */
static inline double el_dot(const float *x, const float *y, size_t n)
{
    double lane[EL_LANES] = {0};
    size_t i = 0;
    for (; i + EL_LANES <= n; i += EL_LANES)
        for (size_t k = 0; k < EL_LANES; k++)
            lane[k] += (double)x[i + k] * y[i + k];
    for (; i < n; i++)
        lane[i % EL_LANES] += (double)x[i] * y[i];
    return el_lanes_total(lane);
}

/* sum (x[i] - c)^2, in double. */
static inline double el_sum_sq_dev(const float *x, size_t n, double c)
{
    double lane[EL_LANES] = {0};
    size_t i = 0;
    for (; i + EL_LANES <= n; i += EL_LANES)
        for (size_t k = 0; k < EL_LANES; k++) {
            double d = x[i + k] - c;
            lane[k] += d * d;
        }
    for (; i < n; i++) {
        double d = x[i] - c;
        lane[i % EL_LANES] += d * d;
    }
    return el_lanes_total(lane);
}

/* max x[i] (order does not matter for a maximum; lanes let it vectorise). */
static inline float el_max(const float *x, size_t n)
{
    float lane[EL_LANES];
    for (size_t k = 0; k < EL_LANES; k++)
        lane[k] = -INFINITY;
    size_t i = 0;
    for (; i + EL_LANES <= n; i += EL_LANES)
        for (size_t k = 0; k < EL_LANES; k++)
            lane[k] = x[i + k] > lane[k] ? x[i + k] : lane[k];
    for (; i < n; i++)
        lane[0] = x[i] > lane[0] ? x[i] : lane[0];
    float m = lane[0];
    for (size_t k = 1; k < EL_LANES; k++)
        m = lane[k] > m ? lane[k] : m;
    return m;
}

#endif
