/* vocab_build.c - counting words and learning WordPiece merges (see
 * vocab_build.h for the algorithm and where it departs from HF).
 *
 * Learning state: each distinct word is an array of token ids (its current
 * split) with its count; each adjacent pair (x, y) has a total count over
 * all words and a list of the words where it was ever formed (some may
 * have lost it since: merging a word without the pair changes nothing).
 * A max-heap orders pairs by count with lazy deletion: an entry whose
 * count is out of date is pushed again with the current count when it
 * comes to the top, so each merge costs only the words it touches. */
#include "vocab_build.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "mapped_file.h"
#include "strtab.h"
#include "tokenize.h"
#include "tokenizer.h"
#include "utf8.h"

/* ---- counting words ----------------------------------------------------- */

struct el_vocab_trainer {
    electra_tokenizer *normalizer; /* BERT uncased, vocabulary of specials only */
    el_tokenize_scratch scratch;
    el_strtab words;
    uint64_t *counts; /* per word of `words` */
    size_t counts_cap;
    uint64_t occurrences;
};

electra_status el_vocab_trainer_create(el_vocab_trainer **out)
{
    el_vocab_trainer *t = el_calloc(1, sizeof *t);
    if (!t)
        return el_nomem("creating a vocabulary trainer");
    el_strtab_init(&t->words);
    /* The specials make the normalizer skip them as added tokens, as the
     * learned tokenizer will. */
    static const char specials[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
    struct el_tokenizer_settings s;
    el_tokenizer_settings_init(&s);
    electra_status st = el_tokenizer_from_vocab_text(specials, sizeof specials - 1,
                                                     "the trainer's normalizer", &s, NULL,
                                                     &t->normalizer);
    el_tokenizer_settings_free(&s);
    if (st != ELECTRA_OK) {
        el_free(t);
        return st;
    }
    *out = t;
    return ELECTRA_OK;
}

void el_vocab_trainer_free(el_vocab_trainer *t)
{
    if (!t)
        return;
    electra_tokenizer_free(t->normalizer);
    el_tokenize_scratch_free(&t->scratch);
    el_strtab_free(&t->words);
    el_free(t->counts);
    el_free(t);
}

static electra_status count_word(void *ctx, const char *word, size_t len, size_t nchars)
{
    el_vocab_trainer *t = ctx;
    /* Room for a new word's count first, so that a failure leaves no word
     * without one. */
    if (el_grow((void **)&t->counts, &t->counts_cap, t->words.count + 1, sizeof *t->counts))
        return el_nomem("counting words");
    uint32_t index;
    bool added;
    electra_status st = el_strtab_intern(&t->words, word, len, &index, &added);
    if (st != ELECTRA_OK)
        return st;
    if (added)
        t->counts[index] = 0;
    t->counts[index]++;
    t->occurrences++;
    return ELECTRA_OK;
}

/* 1-based line of byte offset at in text. */
static size_t line_of(const char *text, size_t at)
{
    size_t line = 1;
    for (const char *p = text; (p = memchr(p, '\n', (size_t)(text + at - p))) != NULL; p++)
        line++;
    return line;
}

electra_status el_vocab_trainer_feed(el_vocab_trainer *t, const char *text, size_t n,
                                     const char *what)
{
    size_t bad = el_utf8_check(text, n);
    if (bad < n) {
        size_t line = line_of(text, bad);
        return el_fail(ELECTRA_ERR_INVALID_UTF8, "%s: line %zu: invalid UTF-8 at byte %zu (0x%02x)",
                       what, line, bad, (unsigned char)text[bad]);
    }
    return el_pretokenize(t->normalizer, text, n, &t->scratch, count_word, t);
}

electra_status el_vocab_trainer_feed_file(el_vocab_trainer *t, const char *path)
{
    void *data;
    size_t size;
    electra_status st = el_map_file(path, &data, &size);
    if (st != ELECTRA_OK)
        return st;
    st = el_vocab_trainer_feed(t, data, size, path);
    el_unmap_file(data, size);
    return st;
}

/* ---- learning ------------------------------------------------------------- */

struct pair {
    uint32_t a, b;
    int64_t count;         /* occurrences weighted by word counts */
    uint32_t *where;       /* words where the pair was formed (NULL once merged) */
    size_t n_where, where_cap;
    size_t touched_in;     /* the merge that last formed it anew (0: none) */
};

struct heap_entry {
    uint64_t count;
    uint32_t a, b; /* the tie-break: lower ids first */
    uint32_t pair;
};

struct learner {
    el_strtab vocab; /* token -> id: the vocabulary being built */
    /* words: symbols[start[w] .. start[w] + len[w]) */
    uint32_t *symbols;
    size_t *start;
    uint32_t *len;
    uint64_t *count;
    size_t *seen_in; /* the merge that last visited each word */
    size_t n_words;
    /* pairs, found through an open-addressing table of index + 1 */
    struct pair *pairs;
    size_t n_pairs, pairs_cap;
    uint32_t *slots;
    size_t slot_mask;
    struct heap_entry *heap;
    size_t heap_len, heap_cap;
    uint32_t *touched; /* pairs formed anew in this merge */
    size_t n_touched, touched_cap;
    size_t merge; /* merges done so far; 1-based stamp of the current one */
    char *buf;    /* the merged token being made */
    size_t buf_cap;
};

static void learner_free(struct learner *l)
{
    el_strtab_free(&l->vocab);
    el_free(l->symbols);
    el_free(l->start);
    el_free(l->len);
    el_free(l->count);
    el_free(l->seen_in);
    for (size_t i = 0; i < l->n_pairs; i++)
        el_free(l->pairs[i].where);
    el_free(l->pairs);
    el_free(l->slots);
    el_free(l->heap);
    el_free(l->touched);
    el_free(l->buf);
}

static inline uint32_t pair_hash(uint32_t a, uint32_t b)
{
    uint64_t h = ((uint64_t)a << 32 | b) * 0x9E3779B97F4A7C15ull;
    return (uint32_t)(h >> 32);
}

/* Keep the pair table at most half full. */
static electra_status reserve_pair_slots(struct learner *l)
{
    size_t have = l->slots ? l->slot_mask + 1 : 0;
    if (2 * (l->n_pairs + 1) <= have)
        return ELECTRA_OK;
    size_t want = have ? 2 * have : 1024;
    uint32_t *slots = el_calloc(want, sizeof *slots);
    if (!slots)
        return el_nomem("counting pairs");
    for (size_t k = 0; k < l->n_pairs; k++) {
        size_t i = pair_hash(l->pairs[k].a, l->pairs[k].b) & (want - 1);
        while (slots[i])
            i = (i + 1) & (want - 1);
        slots[i] = (uint32_t)(k + 1);
    }
    el_free(l->slots);
    l->slots = slots;
    l->slot_mask = want - 1;
    return ELECTRA_OK;
}

static electra_status pair_of(struct learner *l, uint32_t a, uint32_t b, uint32_t *index)
{
    if (l->slots) {
        for (size_t i = pair_hash(a, b) & l->slot_mask;; i = (i + 1) & l->slot_mask) {
            uint32_t k = l->slots[i];
            if (!k)
                break;
            if (l->pairs[k - 1].a == a && l->pairs[k - 1].b == b) {
                *index = k - 1;
                return ELECTRA_OK;
            }
        }
    }
    if (l->n_pairs >= UINT32_MAX - 1)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "too many distinct pairs");
    if (reserve_pair_slots(l) != ELECTRA_OK ||
        el_grow((void **)&l->pairs, &l->pairs_cap, l->n_pairs + 1, sizeof *l->pairs))
        return el_nomem("counting pairs");
    size_t k = l->n_pairs++;
    l->pairs[k] = (struct pair){.a = a, .b = b};
    size_t i = pair_hash(a, b) & l->slot_mask;
    while (l->slots[i])
        i = (i + 1) & l->slot_mask;
    l->slots[i] = (uint32_t)(k + 1);
    *index = (uint32_t)k;
    return ELECTRA_OK;
}

/* (a, b) gains (times > 0) or loses occurrences in word w. */
static electra_status change_pair(struct learner *l, uint32_t a, uint32_t b, int64_t times,
                                  uint32_t w)
{
    uint32_t k = 0;
    electra_status st = pair_of(l, a, b, &k);
    if (st != ELECTRA_OK)
        return st;
    struct pair *p = &l->pairs[k];
    p->count += times * (int64_t)l->count[w];
    if (times < 0)
        return ELECTRA_OK;
    if (p->n_where == 0 || p->where[p->n_where - 1] != w) {
        if (el_grow((void **)&p->where, &p->where_cap, p->n_where + 1, sizeof *p->where))
            return el_nomem("counting pairs");
        p->where[p->n_where++] = w;
    }
    if (l->merge && p->touched_in != l->merge) {
        p->touched_in = l->merge;
        if (el_grow((void **)&l->touched, &l->touched_cap, l->n_touched + 1,
                    sizeof *l->touched))
            return el_nomem("counting pairs");
        l->touched[l->n_touched++] = k;
    }
    return ELECTRA_OK;
}

/* ---- the heap ---- */

static inline bool before(const struct heap_entry *x, const struct heap_entry *y)
{
    if (x->count != y->count)
        return x->count > y->count;
    if (x->a != y->a)
        return x->a < y->a;
    return x->b < y->b;
}

static electra_status heap_push(struct learner *l, uint32_t k)
{
    if (el_grow((void **)&l->heap, &l->heap_cap, l->heap_len + 1, sizeof *l->heap))
        return el_nomem("ordering pairs");
    const struct pair *p = &l->pairs[k];
    struct heap_entry e = {(uint64_t)p->count, p->a, p->b, k};
    size_t i = l->heap_len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&e, &l->heap[parent]))
            break;
        l->heap[i] = l->heap[parent];
        i = parent;
    }
    l->heap[i] = e;
    return ELECTRA_OK;
}

static struct heap_entry heap_pop(struct learner *l)
{
    struct heap_entry top = l->heap[0];
    struct heap_entry last = l->heap[--l->heap_len];
    size_t n = l->heap_len, i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && before(&l->heap[c + 1], &l->heap[c]))
            c++;
        if (!before(&l->heap[c], &last))
            break;
        l->heap[i] = l->heap[c];
        i = c;
    }
    if (n)
        l->heap[i] = last;
    return top;
}

/* ---- setting up ---- */

static electra_status add_token(struct learner *l, const char *s, size_t len)
{
    uint32_t id;
    return el_strtab_intern(&l->vocab, s, len, &id, NULL);
}

static electra_status add_specials(struct learner *l)
{
    electra_status st = add_token(l, "[PAD]", 5);
    for (int i = 0; i < 99 && st == ELECTRA_OK; i++) {
        char name[16];
        int n = snprintf(name, sizeof name, "[unused%d]", i);
        st = add_token(l, name, (size_t)n);
    }
    static const char *const tail[] = {"[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    for (int i = 0; i < 4 && st == ELECTRA_OK; i++)
        st = add_token(l, tail[i], strlen(tail[i]));
    return st;
}

struct alphabet {
    el_strtab chars;   /* each distinct character, as UTF-8 */
    uint64_t *weight;  /* its occurrences, weighted by word counts */
    int64_t *first;    /* token id of "c", -1 when left out */
    int64_t *inside;   /* token id of "##c" */
};

static void alphabet_free(struct alphabet *a)
{
    el_strtab_free(&a->chars);
    el_free(a->weight);
    el_free(a->first);
    el_free(a->inside);
}

struct char_rank {
    uint64_t weight;
    int32_t cp;
    uint32_t index; /* in alphabet.chars */
};

static int by_weight(const void *x, const void *y)
{
    const struct char_rank *p = x, *q = y;
    if (p->weight != q->weight)
        return p->weight > q->weight ? -1 : 1;
    return (p->cp > q->cp) - (p->cp < q->cp);
}

static int by_code_point(const void *x, const void *y)
{
    const struct char_rank *p = x, *q = y;
    return (p->cp > q->cp) - (p->cp < q->cp);
}

/* The characters of all words, weighted by the word counts. */
static electra_status count_chars(const el_vocab_trainer *t, struct alphabet *a)
{
    size_t cap = 0;
    for (uint32_t w = 0; w < t->words.count; w++) {
        size_t len;
        const char *s = el_strtab_str(&t->words, w, &len);
        for (size_t p = 0; p < len;) {
            size_t cl;
            el_utf8_decode((const unsigned char *)s + p, &cl);
            uint32_t c;
            bool added;
            electra_status st = el_strtab_intern(&a->chars, s + p, cl, &c, &added);
            if (st != ELECTRA_OK)
                return st;
            if (added) {
                if (el_grow((void **)&a->weight, &cap, (size_t)c + 1, sizeof *a->weight))
                    return el_nomem("counting characters");
                a->weight[c] = 0;
            }
            a->weight[c] += t->counts[w];
            p += cl;
        }
    }
    return ELECTRA_OK;
}

/* Keep the limit most frequent characters; add "c" then "##c" for each, in
 * code point order. */
static electra_status choose_alphabet(struct learner *l, struct alphabet *a, size_t limit,
                                      size_t *kept_out)
{
    size_t n = a->chars.count;
    struct char_rank *rank = el_malloc_array(n ? n : 1, sizeof *rank);
    a->first = el_malloc_array(n ? n : 1, sizeof *a->first);
    a->inside = el_malloc_array(n ? n : 1, sizeof *a->inside);
    if (!rank || !a->first || !a->inside) {
        el_free(rank);
        return el_nomem("choosing the alphabet");
    }
    for (uint32_t i = 0; i < n; i++) {
        size_t len;
        const char *s = el_strtab_str(&a->chars, i, &len);
        rank[i] = (struct char_rank){a->weight[i],
                                     el_utf8_decode((const unsigned char *)s, &len), i};
        a->first[i] = a->inside[i] = -1;
    }
    qsort(rank, n, sizeof *rank, by_weight);
    size_t kept = n < limit ? n : limit;
    qsort(rank, kept, sizeof *rank, by_code_point);
    electra_status st = ELECTRA_OK;
    char piece[2 + 4] = "##";
    for (int pass = 0; pass < 2 && st == ELECTRA_OK; pass++) {
        for (size_t i = 0; i < kept && st == ELECTRA_OK; i++) {
            size_t len;
            const char *s = el_strtab_str(&a->chars, rank[i].index, &len);
            memcpy(piece + 2, s, len);
            uint32_t id;
            if (pass == 0) {
                st = el_strtab_intern(&l->vocab, piece + 2, len, &id, NULL);
                a->first[rank[i].index] = id;
            } else {
                st = el_strtab_intern(&l->vocab, piece, len + 2, &id, NULL);
                a->inside[rank[i].index] = id;
            }
        }
    }
    el_free(rank);
    *kept_out = kept;
    return st;
}

/* Each word as its characters ("c", "##c", ...); words holding a character
 * left out of the alphabet are skipped. */
static electra_status split_words(struct learner *l, const el_vocab_trainer *t,
                                  const struct alphabet *a, size_t *dropped)
{
    size_t n = t->words.count, total = t->words.pool_len;
    l->symbols = el_malloc_array(total ? total : 1, sizeof *l->symbols);
    l->start = el_malloc_array(n ? n : 1, sizeof *l->start);
    l->len = el_malloc_array(n ? n : 1, sizeof *l->len);
    l->count = el_malloc_array(n ? n : 1, sizeof *l->count);
    l->seen_in = el_calloc(n ? n : 1, sizeof *l->seen_in);
    if (!l->symbols || !l->start || !l->len || !l->count || !l->seen_in)
        return el_nomem("splitting words");
    size_t used = 0;
    *dropped = 0;
    for (uint32_t w = 0; w < n; w++) {
        size_t len;
        const char *s = el_strtab_str(&t->words, w, &len);
        size_t begin = used;
        bool ok = true;
        for (size_t p = 0; p < len && ok;) {
            size_t cl;
            el_utf8_decode((const unsigned char *)s + p, &cl);
            uint32_t c = (uint32_t)el_strtab_find(&a->chars, s + p, cl);
            int64_t id = p == 0 ? a->first[c] : a->inside[c];
            ok = id >= 0;
            l->symbols[used++] = (uint32_t)id;
            p += cl;
        }
        if (!ok) {
            used = begin;
            (*dropped)++;
            continue;
        }
        size_t k = l->n_words++;
        l->start[k] = begin;
        l->len[k] = (uint32_t)(used - begin);
        l->count[k] = t->counts[w];
    }
    return ELECTRA_OK;
}

static electra_status count_pairs(struct learner *l)
{
    for (uint32_t w = 0; w < l->n_words; w++) {
        const uint32_t *s = l->symbols + l->start[w];
        for (uint32_t i = 0; i + 1 < l->len[w]; i++) {
            electra_status st = change_pair(l, s[i], s[i + 1], 1, w);
            if (st != ELECTRA_OK)
                return st;
        }
    }
    for (uint32_t k = 0; k < l->n_pairs; k++) {
        electra_status st = heap_push(l, k);
        if (st != ELECTRA_OK)
            return st;
    }
    return ELECTRA_OK;
}

/* ---- merging ---- */

/* Replace each (a, b) of word w, left to right, by made; the pairs it had
 * with its neighbours give way to pairs with made. */
static electra_status merge_word(struct learner *l, uint32_t w, uint32_t a, uint32_t b,
                                 uint32_t made)
{
    uint32_t *s = l->symbols + l->start[w];
    uint32_t n = l->len[w];
    electra_status st = ELECTRA_OK;
    for (uint32_t i = 0; i + 1 < n && st == ELECTRA_OK; i++) {
        if (s[i] != a || s[i + 1] != b)
            continue;
        if (i > 0) {
            st = change_pair(l, s[i - 1], a, -1, w);
            if (st == ELECTRA_OK)
                st = change_pair(l, s[i - 1], made, 1, w);
        }
        s[i] = made;
        memmove(s + i + 1, s + i + 2, (n - i - 2) * sizeof *s);
        n--;
        if (i + 1 < n && st == ELECTRA_OK) {
            st = change_pair(l, b, s[i + 1], -1, w);
            if (st == ELECTRA_OK)
                st = change_pair(l, made, s[i + 1], 1, w);
        }
    }
    l->len[w] = n;
    return st;
}

/* The token a + b without b's "##" (b is always a continuation piece: only
 * a word's first symbol lacks the prefix). */
static electra_status merged_token(struct learner *l, uint32_t a, uint32_t b, uint32_t *id,
                                   bool *added)
{
    size_t la, lb;
    const char *sa = el_strtab_str(&l->vocab, a, &la);
    const char *sb = el_strtab_str(&l->vocab, b, &lb);
    if (lb < 2 || memcmp(sb, "##", 2) != 0)
        return el_fail(ELECTRA_ERR_INTERNAL, "merging a pair whose second part lacks ##");
    if (el_grow((void **)&l->buf, &l->buf_cap, la + lb - 2, 1))
        return el_nomem("merging pairs");
    /* sa and sb point into the vocabulary's pool, which interning may move:
     * copy first. */
    memcpy(l->buf, sa, la);
    memcpy(l->buf + la, sb + 2, lb - 2);
    return el_strtab_intern(&l->vocab, l->buf, la + lb - 2, id, added);
}

static electra_status merge_pair(struct learner *l, uint32_t k)
{
    uint32_t a = l->pairs[k].a, b = l->pairs[k].b, made;
    bool added;
    electra_status st = merged_token(l, a, b, &made, &added);
    if (st != ELECTRA_OK)
        return st;
    l->merge++;
    l->n_touched = 0;
    /* Taken out of the pair: merging forms only pairs with made, never
     * (a, b) again, so the list does not grow meanwhile. */
    uint32_t *where = l->pairs[k].where;
    size_t n_where = l->pairs[k].n_where;
    l->pairs[k].where = NULL;
    l->pairs[k].n_where = l->pairs[k].where_cap = 0;
    for (size_t i = 0; i < n_where && st == ELECTRA_OK; i++) {
        uint32_t w = where[i];
        if (l->seen_in[w] == l->merge)
            continue;
        l->seen_in[w] = l->merge;
        st = merge_word(l, w, a, b, made);
    }
    el_free(where);
    /* Overlaps ("##a ##a ##a") may have counted the pair down: it is gone. */
    l->pairs[k].count = 0;
    for (size_t i = 0; i < l->n_touched && st == ELECTRA_OK; i++)
        if (l->pairs[l->touched[i]].count > 0)
            st = heap_push(l, l->touched[i]);
    return st;
}

static electra_status run_merges(struct learner *l, const struct el_vocab_build_params *p,
                                 size_t *merges)
{
    *merges = 0;
    while (l->vocab.count < p->vocab_size && l->heap_len > 0) {
        struct heap_entry top = heap_pop(l);
        int64_t now = l->pairs[top.pair].count;
        if (now <= 0)
            continue;
        if ((uint64_t)now != top.count) {
            electra_status st = heap_push(l, top.pair);
            if (st != ELECTRA_OK)
                return st;
            continue;
        }
        if ((uint64_t)now < p->min_frequency)
            break;
        electra_status st = merge_pair(l, top.pair);
        if (st != ELECTRA_OK)
            return st;
        (*merges)++;
    }
    return ELECTRA_OK;
}

static electra_status write_vocab(const el_strtab *vocab, char **text, size_t *len)
{
    size_t total = vocab->pool_len + vocab->count;
    char *out = el_malloc(total + 1);
    if (!out)
        return el_nomem("writing the vocabulary");
    size_t at = 0;
    for (uint32_t i = 0; i < vocab->count; i++) {
        size_t n;
        const char *s = el_strtab_str(vocab, i, &n);
        memcpy(out + at, s, n);
        at += n;
        out[at++] = '\n';
    }
    out[at] = '\0';
    *text = out;
    *len = at;
    return ELECTRA_OK;
}

electra_status el_vocab_trainer_learn(const el_vocab_trainer *t,
                                      const struct el_vocab_build_params *params, char **text,
                                      size_t *len, struct el_vocab_build_stats *stats)
{
    struct learner l = {0};
    struct alphabet a = {0};
    struct el_vocab_build_stats s = {0};
    s.words = t->words.count;
    s.occurrences = t->occurrences;
    el_strtab_init(&l.vocab);
    el_strtab_init(&a.chars);
    electra_status st = add_specials(&l);
    if (st == ELECTRA_OK)
        st = count_chars(t, &a);
    if (st == ELECTRA_OK)
        st = choose_alphabet(&l, &a, params->limit_alphabet, &s.alphabet);
    if (st == ELECTRA_OK) {
        s.alphabet_dropped = a.chars.count - s.alphabet;
        if (params->vocab_size < l.vocab.count)
            st = el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                         "a vocabulary of %zu tokens cannot hold the %d special tokens and "
                         "the %zu characters of the alphabet twice (c and ##c): %zu at least "
                         "(or keep fewer characters)",
                         params->vocab_size, EL_VOCAB_BUILD_SPECIALS, s.alphabet,
                         (size_t)l.vocab.count);
    }
    if (st == ELECTRA_OK)
        st = split_words(&l, t, &a, &s.words_dropped);
    if (st == ELECTRA_OK)
        st = count_pairs(&l);
    if (st == ELECTRA_OK)
        st = run_merges(&l, params, &s.merges);
    char *out = NULL;
    size_t out_len = 0;
    if (st == ELECTRA_OK)
        st = write_vocab(&l.vocab, &out, &out_len);
    if (st == ELECTRA_OK) {
        s.tokens = l.vocab.count;
        *text = out;
        *len = out_len;
        if (stats)
            *stats = s;
    }
    alphabet_free(&a);
    learner_free(&l);
    return st;
}
