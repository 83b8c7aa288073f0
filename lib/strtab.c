/* strtab.c - string interning with an open-addressing table of indices. */
#include "strtab.h"

#include <string.h>

#include "alloc.h"
#include "error.h"
#include "vocab.h"

void el_strtab_init(el_strtab *t)
{
    memset(t, 0, sizeof *t);
}

void el_strtab_free(el_strtab *t)
{
    el_free(t->pool);
    el_free(t->offset);
    el_free(t->length);
    el_free(t->hash);
    el_free(t->slots);
    el_strtab_init(t);
}

static bool same(const el_strtab *t, uint32_t index, uint32_t h, const char *s, size_t len)
{
    return t->hash[index] == h && t->length[index] == len &&
           memcmp(t->pool + t->offset[index], s, len) == 0;
}

int64_t el_strtab_find(const el_strtab *t, const char *s, size_t len)
{
    if (!t->slots || len > UINT32_MAX)
        return -1;
    uint32_t h = el_vocab_hash(s, len);
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
        uint32_t slot = t->slots[i];
        if (slot == 0)
            return -1;
        if (same(t, slot - 1, h, s, len))
            return slot - 1;
    }
}

/* Room for one more string at half load at most, so probes stay short. */
static electra_status reserve_slots(el_strtab *t)
{
    size_t have = t->slots ? t->mask + 1 : 0;
    if (2 * (t->count + 1) <= have)
        return ELECTRA_OK;
    size_t want = have ? 2 * have : 64;
    uint32_t *slots = el_calloc(want, sizeof *slots);
    if (!slots)
        return el_nomem("interning strings");
    size_t mask = want - 1;
    for (size_t k = 0; k < t->count; k++) {
        size_t i = t->hash[k] & mask;
        while (slots[i])
            i = (i + 1) & mask;
        slots[i] = (uint32_t)(k + 1);
    }
    el_free(t->slots);
    t->slots = slots;
    t->mask = mask;
    return ELECTRA_OK;
}

static electra_status reserve_entries(el_strtab *t)
{
    if (t->count < t->cap)
        return ELECTRA_OK;
    size_t cap = t->cap ? 2 * t->cap : 64;
    size_t *offset = el_realloc(t->offset, cap * sizeof *offset);
    if (!offset)
        return el_nomem("interning strings");
    t->offset = offset;
    uint32_t *length = el_realloc(t->length, cap * sizeof *length);
    if (!length)
        return el_nomem("interning strings");
    t->length = length;
    uint32_t *hash = el_realloc(t->hash, cap * sizeof *hash);
    if (!hash)
        return el_nomem("interning strings");
    t->hash = hash;
    t->cap = cap;
    return ELECTRA_OK;
}

electra_status el_strtab_intern(el_strtab *t, const char *s, size_t len, uint32_t *index,
                                bool *added)
{
    if (len > UINT32_MAX)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "a string of %zu bytes is too long", len);
    int64_t found = el_strtab_find(t, s, len);
    if (found >= 0) {
        *index = (uint32_t)found;
        if (added)
            *added = false;
        return ELECTRA_OK;
    }
    if (t->count >= UINT32_MAX - 1)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "more than %u distinct strings",
                       (unsigned)(UINT32_MAX - 1));
    electra_status st = reserve_slots(t);
    if (st == ELECTRA_OK)
        st = reserve_entries(t);
    if (st == ELECTRA_OK && el_grow((void **)&t->pool, &t->pool_cap, t->pool_len + len + 1, 1))
        st = el_nomem("interning strings");
    if (st != ELECTRA_OK)
        return st;
    uint32_t h = el_vocab_hash(s, len);
    size_t k = t->count++;
    if (len)
        memcpy(t->pool + t->pool_len, s, len);
    t->offset[k] = t->pool_len;
    t->length[k] = (uint32_t)len;
    t->hash[k] = h;
    t->pool_len += len;
    size_t i = h & t->mask;
    while (t->slots[i])
        i = (i + 1) & t->mask;
    t->slots[i] = (uint32_t)(k + 1);
    *index = (uint32_t)k;
    if (added)
        *added = true;
    return ELECTRA_OK;
}
