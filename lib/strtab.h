/* strtab.h - interning of byte strings: each distinct string gets the next
 * dense index (0, 1, 2, ... in order of first sight), so callers keep
 * what they know about a string (a count, a token id) in plain arrays. */
#ifndef EL_STRTAB_H
#define EL_STRTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "electra.h"

typedef struct el_strtab {
    char *pool; /* the strings, back to back (not NUL-terminated) */
    size_t pool_len, pool_cap;
    size_t *offset;  /* index -> start in pool */
    uint32_t *length;
    uint32_t *hash;
    size_t count, cap;
    uint32_t *slots; /* open addressing: index + 1, 0 = empty */
    size_t mask;     /* slot count - 1 (a power of two), 0 before the first insert */
} el_strtab;

void el_strtab_init(el_strtab *t);
void el_strtab_free(el_strtab *t);

/* The index of s[0..len), adding it when new (*added tells which; NULL if
 * not wanted). Strings longer than UINT32_MAX bytes or more than
 * UINT32_MAX - 1 of them: ELECTRA_ERR_INVALID_ARGUMENT. */
electra_status el_strtab_intern(el_strtab *t, const char *s, size_t len, uint32_t *index,
                                bool *added);
/* The index of s[0..len), or -1. */
int64_t el_strtab_find(const el_strtab *t, const char *s, size_t len);

static inline const char *el_strtab_str(const el_strtab *t, uint32_t index, size_t *len)
{
    *len = t->length[index];
    return t->pool + t->offset[index];
}

#endif
