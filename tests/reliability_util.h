/* reliability_util.h - what the reliability suites share: an allocator
 * hook that counts live blocks and fails the allocation asked for, and
 * fingerprints of results, encodings and forward outputs that change
 * with any bit of them. */
#ifndef RELIABILITY_UTIL_H
#define RELIABILITY_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "electra.h"

/* Route the library's allocations through the hook (cJSON's own, which
 * electra.h leaves unrouted, are not); remove restores malloc/free.
 * Thread-safe counters. */
void chaos_install(void);
void chaos_remove(void);
/* Make the n-th allocation from now (0-based) fail, and only that one;
 * -1 disarms. */
void chaos_arm(long n);
/* Whether the armed allocation was reached (and failed). */
int chaos_fired(void);
/* Blocks allocated through the hook and not freed yet. */
long chaos_live(void);
/* Allocations (malloc and realloc) seen since the last chaos_arm. */
long chaos_calls(void);

/* FNV-1a over every field, scores and logits by their bits. */
uint64_t fingerprint_result(const electra_result *r);
uint64_t fingerprint_encoding(const electra_encoding *e);
/* Every output of the last forward pass that the context has. */
uint64_t fingerprint_outputs(const electra_context *ctx);
uint64_t fingerprint_bytes(uint64_t h, const void *data, size_t n);

#endif
