/* train_rng.h - seeded randomness for training.
 *
 * Dropout draws its masks from a counter-based hash of (key, index), so
 * the backward pass recomputes a mask instead of storing it, and any
 * thread can produce any part of it. Weight initialisation draws normal
 * numbers from a sequential generator. Neither reproduces torch's
 * streams (nothing could without torch's exact generator and call
 * order); both are deterministic for a given seed. */
#ifndef EL_TRAIN_RNG_H
#define EL_TRAIN_RNG_H

#include <stddef.h>
#include <stdint.h>

/* The splitmix64 output function: a bijective 64-bit mixer. */
static inline uint64_t el_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* A key naming one dropout site of one pass. */
static inline uint64_t el_dropout_key(uint64_t seed, uint64_t pass, uint64_t site)
{
    return el_mix64(el_mix64(seed ^ 0x6a09e667f3bcc909ull) + el_mix64(pass * 0x9e3779b97f4a7c15ull + site));
}

typedef struct el_rng {
    uint64_t state;
} el_rng;

void el_rng_seed(el_rng *r, uint64_t seed);
uint64_t el_rng_next(el_rng *r);
/* Uniform in (0, 1): never 0, so its logarithm is finite. */
double el_rng_uniform(el_rng *r);
/* Standard normal (Box-Muller). */
double el_rng_normal(el_rng *r);

/* x[i] *= keep_i / (1 - p) where keep_i is 1 with probability 1 - p,
 * decided by (key, first + i): torch's inverted dropout. The same call
 * with the same key and indices applies the same mask, which is also
 * the backward pass. p = 0 leaves x alone; p >= 1 zeroes it. */
void el_dropout_apply(float *x, size_t n, float p, uint64_t key, size_t first);

#endif
