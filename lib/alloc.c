/* alloc.c - the allocator hook and checked allocation helpers. */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"

static void *default_malloc(size_t size, void *user)
{
    (void)user;
    return malloc(size);
}

static void *default_realloc(void *ptr, size_t size, void *user)
{
    (void)user;
    return realloc(ptr, size);
}

static void default_free(void *ptr, void *user)
{
    (void)user;
    free(ptr);
}

static electra_malloc_fn hook_malloc = default_malloc;
static electra_realloc_fn hook_realloc = default_realloc;
static electra_free_fn hook_free = default_free;
static void *hook_user;

ELECTRA_API electra_status electra_set_allocator(electra_malloc_fn malloc_fn,
                                                 electra_realloc_fn realloc_fn,
                                                 electra_free_fn free_fn, void *user)
{
    if (!malloc_fn && !realloc_fn && !free_fn) {
        hook_malloc = default_malloc;
        hook_realloc = default_realloc;
        hook_free = default_free;
        hook_user = NULL;
        return ELECTRA_OK;
    }
    if (!malloc_fn || !realloc_fn || !free_fn)
        return ELECTRA_ERR_INVALID_ARGUMENT;
    hook_malloc = malloc_fn;
    hook_realloc = realloc_fn;
    hook_free = free_fn;
    hook_user = user;
    return ELECTRA_OK;
}

void *el_malloc(size_t size)
{
    /* malloc(0) may return NULL, which callers would take for failure. */
    return hook_malloc(size ? size : 1, hook_user);
}

void *el_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    void *p = el_malloc(bytes);
    if (p && bytes)
        memset(p, 0, bytes);
    return p;
}

void *el_malloc_array(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return el_malloc(n * size);
}

void *el_realloc(void *ptr, size_t size)
{
    return hook_realloc(ptr, size ? size : 1, hook_user);
}

void el_free(void *ptr)
{
    if (ptr)
        hook_free(ptr, hook_user);
}

char *el_strndup(const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = el_malloc(len + 1);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* The block keeps the raw pointer just before the aligned address. */
void *el_malloc_aligned(size_t size)
{
    const size_t align = 64;
    if (size > SIZE_MAX - align - sizeof(void *))
        return NULL;
    unsigned char *raw = el_malloc(size + align + sizeof(void *));
    if (!raw)
        return NULL;
    uintptr_t start = (uintptr_t)(raw + sizeof(void *));
    uintptr_t aligned = (start + align - 1) & ~(uintptr_t)(align - 1);
    ((void **)aligned)[-1] = raw;
    return (void *)aligned;
}

void el_free_aligned(void *ptr)
{
    if (ptr)
        el_free(((void **)ptr)[-1]);
}

int el_grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return -1;
        n *= 2;
    }
    if (elem && n > SIZE_MAX / elem)
        return -1;
    void *p = el_realloc(*buf, n * elem);
    if (!p)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}
