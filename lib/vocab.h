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

/* A slot holds all a lookup compares, so that a hit costs the slot and the
 * token bytes, not the id tables too. */
struct el_vocab_slot {
    uint32_t hash;
    int32_t id;      /* -1: empty */
    uint32_t offset; /* of the key (the token after `skip` bytes) in the pool */
    uint32_t length; /* of the key */
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

static inline uint64_t el_vocab_load8(const char *p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, 8);
    return v;
}

static inline uint64_t el_vocab_load4(const char *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}

/* Keys of up to 16 bytes (nearly all) are read as two overlapping words,
 * without a loop over their bytes: a and b determine the key given n. */
static inline void el_vocab_words(const char *s, size_t n, uint64_t *a, uint64_t *b)
{
    if (n >= 8) {
        *a = el_vocab_load8(s);
        *b = el_vocab_load8(s + n - 8);
    } else if (n >= 4) {
        *a = el_vocab_load4(s);
        *b = el_vocab_load4(s + n - 4);
    } else if (n > 0) {
        *a = ((uint64_t)(uint8_t)s[0] << 16) | ((uint64_t)(uint8_t)s[n >> 1] << 8) |
             (uint8_t)s[n - 1];
        *b = 0;
    } else {
        *a = *b = 0;
    }
}

static inline uint64_t el_vocab_mix(uint64_t h)
{
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    return h ^ (h >> 32);
}

static inline uint32_t el_vocab_hash(const char *s, size_t n)
{
    uint64_t h = n * 0x9E3779B97F4A7C15ull, a, b;
    while (n > 16) {
        h = el_vocab_mix(h ^ el_vocab_load8(s)) + el_vocab_load8(s + 8);
        s += 16;
        n -= 16;
    }
    el_vocab_words(s, n, &a, &b);
    h = el_vocab_mix(h ^ (a * 0xA0761D6478BD642Full)) ^ (b * 0xE7037ED1A0B428DBull);
    return (uint32_t)el_vocab_mix(h);
}

static inline bool el_vocab_key_equal(const char *x, const char *y, size_t n)
{
    if (n > 16)
        return __builtin_memcmp(x, y, n) == 0;
    uint64_t xa, xb, ya, yb;
    el_vocab_words(x, n, &xa, &xb);
    el_vocab_words(y, n, &ya, &yb);
    return xa == ya && xb == yb;
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
        if (slot->hash == h && slot->length == len &&
            el_vocab_key_equal(v->pool + slot->offset, key, len))
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
