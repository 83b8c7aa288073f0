/* train_rng.c - seeded generators for initialisation and dropout. */
/* The build's config.h (ELECTRA_FAST_KERNELS), not lib/config.h. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "train_rng.h"

#include <math.h>
#include <string.h>

#include "train_math.h"

void el_rng_seed(el_rng *r, uint64_t seed)
{
    r->state = seed;
}

/* splitmix64: a Weyl sequence through the mixer. */
uint64_t el_rng_next(el_rng *r)
{
    r->state += 0x9e3779b97f4a7c15ull;
    return el_mix64(r->state);
}

double el_rng_uniform(el_rng *r)
{
    return ((double)(el_rng_next(r) >> 11) + 0.5) * 0x1p-53;
}

double el_rng_normal(el_rng *r)
{
    double u1 = el_rng_uniform(r), u2 = el_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

EL_VECTOR_CLONES void el_dropout_apply(float *x, size_t n, float p, uint64_t key, size_t first)
{
    if (p <= 0)
        return;
    if (p >= 1) {
        memset(x, 0, n * sizeof *x);
        return;
    }
    /* Keep when a 32-bit draw is >= p * 2^32. */
    uint64_t threshold = (uint64_t)((double)p * 4294967296.0);
    float scale = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) {
        uint64_t draw = el_mix64(key + (uint64_t)(first + i) * 0x9e3779b97f4a7c15ull) >> 32;
        x[i] = draw >= threshold ? x[i] * scale : 0.0f;
    }
}
