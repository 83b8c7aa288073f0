/* vocab.h - the WordPiece vocabulary: id <-> token, with two open-addressing
 * hash tables built once at load, so that a lookup never allocates:
 * `words` holds every token, `pieces` the tokens that start with the
 * continuation prefix ("##"), keyed by what follows the prefix. WordPiece
 * asks `pieces` for "##" + substring without building that string. */
#ifndef EL_VOCAB_H
#define EL_VOCAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "electra.h"

struct el_vocab_slot {
    uint32_t hash;
    int32_t id; /* -1: empty */
};

struct el_vocab_table {
    struct el_vocab_slot *slots;
    size_t mask;        /* capacity - 1 (a power of two) */
    size_t skip;        /* bytes of each token left out of its key (the prefix) */
    size_t max_key_len; /* longest key, in bytes: no longer substring can match */
};

typedef struct el_vocab {
    char *pool;         /* every token, NUL-terminated, back to back */
    size_t *offset;     /* id -> start of its token in pool */
    uint32_t *length;   /* id -> token length; EL_VOCAB_NONE for an unused id */
    size_t n_ids;       /* ids are 0 .. n_ids - 1 */
    size_t n_tokens;    /* ids in use */
    char *prefix;       /* continuation prefix, "##" */
    size_t prefix_len;
    struct el_vocab_table words, pieces;
} el_vocab;

#define EL_VOCAB_NONE UINT32_MAX
/* Longest continuation prefix accepted ("##" in every BERT). */
#define EL_MAX_PREFIX 32

/* Collects (token, id) pairs, then builds the vocabulary. A token given
 * twice keeps the id given last (what BertTokenizer's load_vocab does with
 * a repeated line); an id given twice is an error. */
typedef struct el_vocab_builder {
    char *pool;
    size_t pool_len, pool_cap;
    struct el_vocab_entry {
        size_t offset;
        uint32_t length;
        int32_t id;
    } *entries;
    size_t count, cap;
    int32_t max_id;
} el_vocab_builder;

void el_vocab_builder_init(el_vocab_builder *b);
void el_vocab_builder_free(el_vocab_builder *b);
electra_status el_vocab_builder_add(el_vocab_builder *b, const char *token, size_t len,
                                    int32_t id);
/* ELECTRA_ERR_FORMAT when the largest id is far beyond the number of
 * tokens: tables indexed by id are then sized from the file's numbers,
 * not from its size, so they are refused before anything is allocated. */
electra_status el_vocab_builder_check_ids(const el_vocab_builder *b, const char *what);
/* Builds v (zeroed by the caller) and empties b; what: file name for
 * messages. */
electra_status el_vocab_build(el_vocab_builder *b, const char *prefix, el_vocab *v,
                              const char *what);
void el_vocab_free(el_vocab *v);

static inline uint64_t el_vocab_rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/* A fast hash of a short byte string: 8 bytes per step. */
static inline uint32_t el_vocab_hash(const char *s, size_t n)
{
    const uint64_t k = 0x9E3779B97F4A7C15ull;
    uint64_t h = n * k;
    while (n >= 8) {
        uint64_t w;
        __builtin_memcpy(&w, s, 8);
        h = el_vocab_rotl((h ^ w) * k, 29);
        s += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        __builtin_memcpy(&w, s, n);
        h = el_vocab_rotl((h ^ w) * k, 29);
    }
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    return (uint32_t)(h ^ (h >> 32));
}

/* The id of key in table t, or -1. */
static inline int32_t el_vocab_find(const el_vocab *v, const struct el_vocab_table *t,
                                    const char *key, size_t len)
{
    if (len > t->max_key_len)
        return -1;
    uint32_t h = el_vocab_hash(key, len);
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
        const struct el_vocab_slot *slot = &t->slots[i];
        if (slot->id < 0)
            return -1;
        if (slot->hash == h && v->length[slot->id] == len + t->skip &&
            __builtin_memcmp(v->pool + v->offset[slot->id] + t->skip, key, len) == 0)
            return slot->id;
    }
}

/* Lookups: a whole token, or the token "##" + key. */
static inline int32_t el_vocab_word(const el_vocab *v, const char *key, size_t len)
{
    return el_vocab_find(v, &v->words, key, len);
}

static inline int32_t el_vocab_piece(const el_vocab *v, const char *key, size_t len)
{
    return el_vocab_find(v, &v->pieces, key, len);
}

/* The token of an id in use, NULL otherwise. */
static inline const char *el_vocab_token(const el_vocab *v, int32_t id, size_t *len)
{
    if (id < 0 || (size_t)id >= v->n_ids || v->length[id] == EL_VOCAB_NONE)
        return NULL;
    if (len)
        *len = v->length[id];
    return v->pool + v->offset[id];
}

#endif
