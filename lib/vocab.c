/* vocab.c - building the vocabulary's id table and hash tables. */
#include "vocab.h"

#include <string.h>

#include "alloc.h"
#include "error.h"

/* Ids beyond this many times the number of tokens would make a mostly
 * empty id table: refused as malformed rather than allocated. */
#define SPARSE_ID_FACTOR 4

void el_vocab_builder_init(el_vocab_builder *b)
{
    memset(b, 0, sizeof *b);
    b->max_id = -1;
}

void el_vocab_builder_free(el_vocab_builder *b)
{
    el_free(b->pool);
    el_free(b->entries);
    el_vocab_builder_init(b);
}

electra_status el_vocab_builder_add(el_vocab_builder *b, const char *token, size_t len,
                                    int32_t id)
{
    /* Slots keep 32-bit pool offsets. */
    if (len >= UINT32_MAX || b->pool_len + len + 1 >= UINT32_MAX || id < 0)
        return el_fail(ELECTRA_ERR_FORMAT, "token of %zu bytes or id %d out of range", len,
                       (int)id);
    if (el_grow((void **)&b->pool, &b->pool_cap, b->pool_len + len + 1, 1) != 0 ||
        el_grow((void **)&b->entries, &b->cap, b->count + 1, sizeof *b->entries) != 0)
        return el_nomem("reading the vocabulary");
    if (len)
        memcpy(b->pool + b->pool_len, token, len);
    b->pool[b->pool_len + len] = '\0';
    b->entries[b->count++] = (struct el_vocab_entry){b->pool_len, (uint32_t)len, id};
    b->pool_len += len + 1;
    if (id > b->max_id)
        b->max_id = id;
    return ELECTRA_OK;
}

static size_t table_capacity(size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n) /* load factor at most 1/2: short probe chains */
        cap *= 2;
    return cap;
}

/* Insert or replace: a key seen again takes the new id (last one wins). */
static void table_put(const el_vocab *v, struct el_vocab_table *t, size_t offset, size_t len,
                      int32_t id, int32_t *replaced)
{
    const char *key = v->pool + offset;
    uint32_t h = el_vocab_hash(key, len);
    *replaced = -1;
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
        struct el_vocab_slot *slot = &t->slots[i];
        if (slot->id < 0) {
            *slot = (struct el_vocab_slot){h, id, (uint32_t)offset, (uint32_t)len};
            break;
        }
        if (slot->hash == h && slot->length == len &&
            memcmp(v->pool + slot->offset, key, len) == 0) {
            *replaced = slot->id;
            slot->id = id;
            break;
        }
    }
    if (len > t->max_key_len)
        t->max_key_len = len;
}

static int table_alloc(struct el_vocab_table *t, size_t n, size_t skip)
{
    size_t cap = table_capacity(n);
    t->slots = el_malloc_array(cap, sizeof *t->slots);
    if (!t->slots)
        return -1;
    for (size_t i = 0; i < cap; i++)
        t->slots[i].id = -1;
    t->mask = cap - 1;
    t->skip = skip;
    t->max_key_len = 0;
    return 0;
}

electra_status el_vocab_builder_check_ids(const el_vocab_builder *b, const char *what)
{
    if (b->max_id >= 0 && (size_t)b->max_id >= SPARSE_ID_FACTOR * b->count + 1024)
        return el_fail(ELECTRA_ERR_FORMAT, "%s: token id %d is far beyond the %zu tokens",
                       what, (int)b->max_id, b->count);
    return ELECTRA_OK;
}

electra_status el_vocab_build(el_vocab_builder *b, const char *prefix, el_vocab *v,
                              const char *what)
{
    if (b->count == 0)
        return el_fail(ELECTRA_ERR_FORMAT, "%s: the vocabulary is empty", what);
    electra_status st = el_vocab_builder_check_ids(b, what);
    if (st != ELECTRA_OK)
        return st;
    size_t n_ids = (size_t)b->max_id + 1;
    size_t plen = strlen(prefix);
    v->prefix = el_strndup(prefix, plen);
    v->prefix_len = plen;
    v->offset = el_malloc_array(n_ids, sizeof *v->offset);
    v->length = el_malloc_array(n_ids, sizeof *v->length);
    size_t n_pieces = 0;
    for (size_t i = 0; i < b->count; i++)
        if (b->entries[i].length >= plen &&
            memcmp(b->pool + b->entries[i].offset, prefix, plen) == 0)
            n_pieces++;
    if (!v->prefix || !v->offset || !v->length || table_alloc(&v->words, b->count, 0) != 0 ||
        table_alloc(&v->pieces, n_pieces, plen) != 0) {
        el_vocab_free(v);
        return el_nomem("building the vocabulary tables");
    }
    v->n_ids = n_ids;
    for (size_t i = 0; i < n_ids; i++)
        v->length[i] = EL_VOCAB_NONE;
    for (size_t i = 0; i < b->count; i++) {
        const struct el_vocab_entry *e = &b->entries[i];
        if (v->length[e->id] != EL_VOCAB_NONE) {
            el_vocab_free(v);
            return el_fail(ELECTRA_ERR_FORMAT, "%s: id %d is given to two tokens", what,
                           (int)e->id);
        }
        v->offset[e->id] = e->offset;
        v->length[e->id] = e->length;
    }
    v->pool = b->pool; /* the builder's pool becomes the vocabulary's */
    b->pool = NULL;
    for (size_t i = 0; i < b->count; i++) {
        const struct el_vocab_entry *e = &b->entries[i];
        int32_t replaced;
        table_put(v, &v->words, e->offset, e->length, e->id, &replaced);
        /* A repeated token keeps its last id; the earlier id has no token
         * (HF's ids_to_tokens is built from the token -> id map). */
        if (replaced >= 0)
            v->length[replaced] = EL_VOCAB_NONE;
        else
            v->n_tokens++;
    }
    for (size_t id = 0; id < n_ids; id++) {
        uint32_t len = v->length[id];
        if (len != EL_VOCAB_NONE && len >= plen && memcmp(v->pool + v->offset[id], prefix, plen) == 0) {
            int32_t replaced;
            table_put(v, &v->pieces, v->offset[id] + plen, len - plen, (int32_t)id, &replaced);
        }
    }
    el_vocab_builder_free(b);
    return ELECTRA_OK;
}

void el_vocab_free(el_vocab *v)
{
    el_free(v->pool);
    el_free(v->offset);
    el_free(v->length);
    el_free(v->prefix);
    el_free(v->words.slots);
    el_free(v->pieces.slots);
    memset(v, 0, sizeof *v);
}
