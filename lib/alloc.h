/* alloc.h - every allocation of the library goes through here, so that
 * electra_set_allocator() (and the failure-injection tests) see them all. */
#ifndef EL_ALLOC_H
#define EL_ALLOC_H

#include <stddef.h>

void *el_malloc(size_t size);
/* Zeroed n * size bytes; NULL (not a wrapped size) when the product overflows. */
void *el_calloc(size_t n, size_t size);
void *el_realloc(void *ptr, size_t size);
/* n * size bytes with overflow check; for arrays that are filled at once. */
void *el_malloc_array(size_t n, size_t size);
void el_free(void *ptr);
/* A NUL-terminated copy of len bytes. */
char *el_strndup(const char *s, size_t len);
/* 64-byte aligned, for SIMD kernels; release with el_free_aligned. */
void *el_malloc_aligned(size_t size);
void el_free_aligned(void *ptr);

/* Grow *buf (of *cap elements of elem bytes) to hold at least need
 * elements, doubling; returns 0 on success, -1 on overflow or no memory
 * (then *buf and *cap are unchanged). */
int el_grow(void **buf, size_t *cap, size_t need, size_t elem);

#endif
