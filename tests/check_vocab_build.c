/* check_vocab_build.c - learning a WordPiece vocabulary: the words the
 * pre-tokenizer hands over, hand-checked merges (ties, overlapping pairs,
 * stopping rules), BERT's special ids, determinism, the learned vocabulary
 * loaded and used, coverage counts, and bad input. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "reliability_util.h"
#include "strtab.h"
#include "testutil.h"
#include "tokenize.h"
#include "tokenizer.h"
#include "utf8.h"
#include "vocab_build.h"

/* ---- helpers ---- */

/* Learn from text; the vocabulary's tokens from id 104 on, joined by
 * spaces, into a static buffer ("" on failure, the status in *st). */
static const char *learn_tail(const char *text, size_t size, size_t limit, uint64_t min_freq,
                              electra_status *st, struct el_vocab_build_stats *stats)
{
    static char out[4096];
    out[0] = '\0';
    el_vocab_trainer *t = NULL;
    ck_assert_int_eq(el_vocab_trainer_create(&t), ELECTRA_OK);
    *st = el_vocab_trainer_feed(t, text, strlen(text), "test");
    char *vocab = NULL;
    size_t len = 0;
    struct el_vocab_build_params p = {size, limit, min_freq};
    if (*st == ELECTRA_OK)
        *st = el_vocab_trainer_learn(t, &p, &vocab, &len, stats);
    el_vocab_trainer_free(t);
    if (*st != ELECTRA_OK)
        return out;
    size_t line = 0, at = 0;
    for (size_t i = 0; i < len; i++) {
        if (vocab[i] == '\n') {
            line++;
            continue;
        }
        if (line < EL_VOCAB_BUILD_SPECIALS)
            continue;
        if (at && (i == 0 || vocab[i - 1] == '\n'))
            out[at++] = ' ';
        ck_assert(at + 2 < sizeof out);
        out[at++] = vocab[i];
    }
    out[at] = '\0';
    el_free(vocab);
    return out;
}

static const char *learn_ok(const char *text, size_t size, size_t limit, uint64_t min_freq)
{
    electra_status st;
    const char *tail = learn_tail(text, size, limit, min_freq, &st, NULL);
    ck_assert_msg(st == ELECTRA_OK, "%s", electra_last_error());
    return tail;
}

struct collected {
    char text[1024];
    size_t at;
};

static electra_status collect(void *ctx, const char *word, size_t len, size_t nchars)
{
    struct collected *c = ctx;
    ck_assert(c->at + len + 8 < sizeof c->text);
    c->at += (size_t)sprintf(c->text + c->at, "%s%.*s/%zu", c->at ? " " : "", (int)len, word,
                             nchars);
    return ELECTRA_OK;
}

static electra_tokenizer *uncased_specials_only(void)
{
    static const char v[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
    struct el_tokenizer_settings s;
    el_tokenizer_settings_init(&s);
    electra_tokenizer *t = NULL;
    ck_assert_int_eq(el_tokenizer_from_vocab_text(v, sizeof v - 1, "test", &s, NULL, &t),
                     ELECTRA_OK);
    el_tokenizer_settings_free(&s);
    return t;
}

/* ---- the pre-tokenizer's words ---- */

START_TEST(pretokenize_words)
{
    electra_tokenizer *t = uncased_specials_only();
    el_tokenize_scratch s = {0};
    struct collected c = {.at = 0};
    /* A word that starts as ASCII and turns out not to be must come once;
     * added tokens are skipped; CJK ideographs stand alone; a word over
     * 100 characters is left out. */
    char long_word[130];
    memset(long_word, 'x', 101);
    long_word[101] = '\0';
    char text[512];
    snprintf(text, sizeof text, "Abc,D\xc3\xa9" "f [MASK] na\xc3\xafve\t\xe4\xb8\xad\xe6\x96\x87 %s it's",
             long_word);
    ck_assert_int_eq(el_pretokenize(t, text, strlen(text), &s, collect, &c), ELECTRA_OK);
    ck_assert_str_eq(c.text, "abc/3 ,/1 def/3 naive/5 \xe4\xb8\xad/1 \xe6\x96\x87/1 it/2 '/1 s/1");
    /* Invalid UTF-8 is refused before any word. */
    c.at = 0;
    ck_assert_int_eq(el_pretokenize(t, "ok \xff", 4, &s, collect, &c), ELECTRA_ERR_INVALID_UTF8);
    ck_assert_uint_eq(c.at, 0);
    el_tokenize_scratch_free(&s);
    electra_tokenizer_free(t);
}
END_TEST

static electra_status refuse(void *ctx, const char *word, size_t len, size_t nchars)
{
    int *calls = ctx;
    (*calls)++;
    return ELECTRA_ERR_NOMEM;
}

START_TEST(pretokenize_sink_error_stops)
{
    electra_tokenizer *t = uncased_specials_only();
    el_tokenize_scratch s = {0};
    const char *texts[] = {"one two", ", two", "\xc3\xa9t\xc3\xa9 two", "\xe4\xb8\xad two"};
    for (size_t i = 0; i < 4; i++) {
        int calls = 0;
        ck_assert_int_eq(el_pretokenize(t, texts[i], strlen(texts[i]), &s, refuse, &calls),
                         ELECTRA_ERR_NOMEM);
        ck_assert_int_eq(calls, 1);
    }
    el_tokenize_scratch_free(&s);
    electra_tokenizer_free(t);
}
END_TEST

/* ---- merges, checked by hand ---- */

/* hello x3 (accents stripped, lowercased), "," and "!": alphabet
 * ! , e h l o; the four pairs of hello tie at 3 and the lowest ids win:
 * (h,##e) -> he; then (##l,##l) (id 114) before (he,##l) (116); then
 * (he,##ll) -> hell, (hell,##o) -> hello. */
START_TEST(merges_by_hand)
{
    ck_assert_str_eq(learn_ok("H\xc3\xa9llo, HELLO! hello", 1000, 1000, 2),
                     "! , e h l o ##! ##, ##e ##h ##l ##o he ##ll hell hello");
}
END_TEST

/* aaaa x2: (##a,##a) occurs twice per word and is merged once, left to
 * right, leaving [a, ##aa, ##a]; its count must not linger (it would be
 * merged again). */
START_TEST(overlapping_pairs)
{
    ck_assert_str_eq(learn_ok("aaaa aaaa", 1000, 1000, 1), "a ##a ##aa aaa aaaa");
}
END_TEST

START_TEST(stopping_rules)
{
    const char *corpus = "ab ab ab abc abc b";
    /* (a,##b) 5, then (ab,##c) 2. */
    ck_assert_str_eq(learn_ok(corpus, 1000, 1000, 2), "a b c ##a ##b ##c ab abc");
    /* The size counts every token: 104 + 6 + 1. */
    ck_assert_str_eq(learn_ok(corpus, 111, 1000, 2), "a b c ##a ##b ##c ab");
    ck_assert_str_eq(learn_ok(corpus, 110, 1000, 2), "a b c ##a ##b ##c");
    /* min_frequency 3 stops before the pair seen twice. */
    ck_assert_str_eq(learn_ok(corpus, 1000, 1000, 3), "a b c ##a ##b ##c ab");
    /* A pair seen once is never merged at the default of 2. */
    ck_assert_str_eq(learn_ok("xy", 1000, 1000, 2), "x y ##x ##y");
    ck_assert_str_eq(learn_ok("xy", 1000, 1000, 1), "x y ##x ##y xy");
}
END_TEST

START_TEST(ties_go_to_lower_ids)
{
    ck_assert_str_eq(learn_ok("cd cd ab ab", 113, 1000, 2), "a b c d ##a ##b ##c ##d ab");
    ck_assert_str_eq(learn_ok("ac ac ab ab", 111, 1000, 2), "a b c ##a ##b ##c ab");
}
END_TEST

/* limit_alphabet keeps the most frequent characters (ties: lower code
 * point); words holding the others are left out. */
START_TEST(alphabet_limit)
{
    electra_status st;
    struct el_vocab_build_stats stats;
    const char *tail = learn_tail("aa aa bb bb bb zz y", 1000, 2, 2, &st, &stats);
    ck_assert_int_eq(st, ELECTRA_OK);
    ck_assert_str_eq(tail, "a b ##a ##b bb aa");
    ck_assert_uint_eq(stats.alphabet, 2);
    ck_assert_uint_eq(stats.alphabet_dropped, 2);
    ck_assert_uint_eq(stats.words, 4);
    ck_assert_uint_eq(stats.words_dropped, 2);
    ck_assert_uint_eq(stats.occurrences, 7);
    ck_assert_uint_eq(stats.merges, 2);
    ck_assert_uint_eq(stats.tokens, 104 + 4 + 2);
    /* b 6, then a, y and z tie at 2: the lower code points stay. */
    tail = learn_tail("aa bb bb bb zz yy", 1000, 3, 9, &st, &stats);
    ck_assert_str_eq(tail, "a b y ##a ##b ##y");
}
END_TEST

START_TEST(special_ids)
{
    el_vocab_trainer *t = NULL;
    ck_assert_int_eq(el_vocab_trainer_create(&t), ELECTRA_OK);
    ck_assert_int_eq(el_vocab_trainer_feed(t, "hello world", 11, "test"), ELECTRA_OK);
    char *vocab;
    size_t len;
    struct el_vocab_build_params p = {200, 1000, 1};
    ck_assert_int_eq(el_vocab_trainer_learn(t, &p, &vocab, &len, NULL), ELECTRA_OK);
    char *line = vocab;
    for (int id = 0; id < EL_VOCAB_BUILD_SPECIALS; id++) {
        char want[16];
        if (id == 0)
            strcpy(want, "[PAD]");
        else if (id < 100)
            snprintf(want, sizeof want, "[unused%d]", id - 1);
        else
            strcpy(want, (const char *[]){"[UNK]", "[CLS]", "[SEP]", "[MASK]"}[id - 100]);
        char *nl = strchr(line, '\n');
        ck_assert_ptr_nonnull(nl);
        ck_assert_msg(strlen(want) == (size_t)(nl - line) && memcmp(line, want, strlen(want)) == 0,
                      "id %d: %.*s", id, (int)(nl - line), line);
        line = nl + 1;
    }
    /* The learned vocabulary as a tokenizer: the specials where BERT has them. */
    electra_tokenizer *tok = NULL;
    struct el_tokenizer_settings s;
    el_tokenizer_settings_init(&s);
    ck_assert_int_eq(el_tokenizer_from_vocab_text(vocab, len, "learned", &s, NULL, &tok),
                     ELECTRA_OK);
    ck_assert_int_eq(electra_tokenizer_special_id(tok, ELECTRA_TOKEN_PAD), 0);
    ck_assert_int_eq(electra_tokenizer_special_id(tok, ELECTRA_TOKEN_UNK), 100);
    ck_assert_int_eq(electra_tokenizer_special_id(tok, ELECTRA_TOKEN_CLS), 101);
    ck_assert_int_eq(electra_tokenizer_special_id(tok, ELECTRA_TOKEN_SEP), 102);
    ck_assert_int_eq(electra_tokenizer_special_id(tok, ELECTRA_TOKEN_MASK), 103);
    /* Every pair occurs once and min_frequency is 1: both words end whole. */
    ck_assert_int_gt(electra_tokenizer_token_to_id(tok, "hello", 5), 103);
    ck_assert_int_gt(electra_tokenizer_token_to_id(tok, "world", 5), 103);
    el_tokenizer_settings_free(&s);
    electra_tokenizer_free(tok);
    el_free(vocab);
    el_vocab_trainer_free(t);
}
END_TEST

/* ---- a larger synthetic corpus ---- */

/* Pseudo-words from syllables, Zipf-like by construction (a fixed LCG),
 * some capitalised or accented, with punctuation: n words. */
static char *synthetic_corpus(size_t n, unsigned seed, size_t *len)
{
    static const char *const syl[] = {"ka", "ri", "mo", "ten", "sa", "lo", "vi", "der",
                                      "an", "qu\xc3\xa9", "po", "ly", "ne", "st", "or", "\xc3\xbc"};
    size_t cap = n * 24 + 1, at = 0;
    char *text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    unsigned x = seed;
    for (size_t w = 0; w < n; w++) {
        x = x * 1103515245u + 12345u;
        unsigned r = x >> 16;
        /* Frequent words are short and reuse the first syllables. */
        size_t k = 1 + (r % 4 == 0) + (r % 7 == 0) + (r % 13 == 0);
        for (size_t i = 0; i < k; i++) {
            x = x * 1103515245u + 12345u;
            unsigned v = (x >> 16) % 256;
            const char *s = syl[(v * v) >> 12];
            size_t sl = strlen(s);
            memcpy(text + at, s, sl);
            if (i == 0 && v % 11 == 0 && s[0] >= 'a' && s[0] <= 'z')
                text[at] = (char)(text[at] - 'a' + 'A');
            at += sl;
        }
        text[at++] = r % 17 == 0 ? ',' : r % 29 == 0 ? '.' : ' ';
        if (r % 17 == 0 || r % 29 == 0)
            text[at++] = r % 31 == 0 ? '\n' : ' ';
    }
    text[at] = '\0';
    *len = at;
    return text;
}

static char *learn_text(const char *const *parts, const size_t *lens, size_t n_parts,
                        size_t size, size_t *len)
{
    el_vocab_trainer *t = NULL;
    ck_assert_int_eq(el_vocab_trainer_create(&t), ELECTRA_OK);
    for (size_t i = 0; i < n_parts; i++)
        ck_assert_int_eq(el_vocab_trainer_feed(t, parts[i], lens[i], "part"), ELECTRA_OK);
    char *vocab;
    struct el_vocab_build_params p = {size, 1000, 2};
    ck_assert_int_eq(el_vocab_trainer_learn(t, &p, &vocab, len, NULL), ELECTRA_OK);
    el_vocab_trainer_free(t);
    return vocab;
}

/* The same word counts give the same file, whatever the order of the
 * input, and learning twice from one trainer gives the same file. */
START_TEST(deterministic)
{
    size_t la, lb;
    char *a = synthetic_corpus(20000, 1, &la);
    char *b = synthetic_corpus(20000, 2, &lb);
    const char *ab[] = {a, b}, *ba[] = {b, a};
    size_t lab[] = {la, lb}, lba[] = {lb, la};
    size_t n1, n2;
    char *v1 = learn_text(ab, lab, 2, 400, &n1);
    char *v2 = learn_text(ba, lba, 2, 400, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert(memcmp(v1, v2, n1) == 0);

    el_vocab_trainer *t = NULL;
    ck_assert_int_eq(el_vocab_trainer_create(&t), ELECTRA_OK);
    ck_assert_int_eq(el_vocab_trainer_feed(t, a, la, "a"), ELECTRA_OK);
    ck_assert_int_eq(el_vocab_trainer_feed(t, b, lb, "b"), ELECTRA_OK);
    struct el_vocab_build_params p = {400, 1000, 2};
    char *v3, *v4;
    size_t n3, n4;
    ck_assert_int_eq(el_vocab_trainer_learn(t, &p, &v3, &n3, NULL), ELECTRA_OK);
    ck_assert_int_eq(el_vocab_trainer_learn(t, &p, &v4, &n4, NULL), ELECTRA_OK);
    ck_assert(n3 == n1 && memcmp(v3, v1, n1) == 0);
    ck_assert(n4 == n1 && memcmp(v4, v1, n1) == 0);
    el_vocab_trainer_free(t);
    el_free(v1);
    el_free(v2);
    el_free(v3);
    el_free(v4);
    free(a);
    free(b);
}
END_TEST

/* Written to a file and loaded as any vocab.txt: no [UNK] on its own
 * corpus, fewer pieces per word as the vocabulary grows, every token
 * distinct. */
START_TEST(learned_vocab_tokenizes_its_corpus)
{
    size_t len;
    char *corpus = synthetic_corpus(30000, 7, &len);
    const char *dir = make_temp_dir("vocab-build");
    char path[4200];
    double previous = 1e9;
    const size_t sizes[] = {160, 300, 600};
    for (size_t k = 0; k < 3; k++) {
        size_t vlen;
        const char *parts[] = {corpus};
        char *vocab = learn_text(parts, &len, 1, sizes[k], &vlen);
        snprintf(path, sizeof path, "%s/vocab-%zu.txt", dir, sizes[k]);
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(vocab, 1, vlen, f), vlen);
        fclose(f);
        el_free(vocab);

        electra_tokenizer *t = NULL;
        ck_assert_int_eq(electra_tokenizer_load(path, NULL, &t), ELECTRA_OK);
        ck_assert_uint_eq(electra_tokenizer_vocab_size(t), sizes[k]);
        /* Distinct tokens: each id maps back to itself. */
        for (int32_t id = 0; id < (int32_t)sizes[k]; id++) {
            const char *tok = electra_tokenizer_id_to_token(t, id);
            ck_assert_int_eq(electra_tokenizer_token_to_id(t, tok, strlen(tok)), id);
        }
        struct el_vocab_coverage c = {0};
        ck_assert_int_eq(el_vocab_coverage_add(t, corpus, len, "corpus", &c), ELECTRA_OK);
        ck_assert_uint_eq(c.unknown, 0);
        ck_assert_uint_ge(c.words, 30000);
        double per_word = (double)c.pieces / (double)c.words;
        ck_assert_msg(per_word < previous, "size %zu: %.3f pieces per word", sizes[k], per_word);
        previous = per_word;
        electra_tokenizer_free(t);
        remove(path);
    }
    ck_assert(previous < 1.5);
    remove(dir);
    free(corpus);
}
END_TEST

/* ---- the same merges as recounting every pair every time ---- */

struct naive {
    el_strtab words;
    uint64_t counts[1 << 16];
};

static electra_status naive_count(void *ctx, const char *word, size_t len, size_t nchars)
{
    struct naive *n = ctx;
    uint32_t index;
    ck_assert_int_eq(el_strtab_intern(&n->words, word, len, &index, NULL), ELECTRA_OK);
    ck_assert_uint_lt(index, 1 << 16);
    n->counts[index]++;
    return ELECTRA_OK;
}

struct naive_char {
    uint64_t weight;
    int32_t cp;
    char utf8[5];
};

static int naive_by_weight(const void *x, const void *y)
{
    const struct naive_char *a = x, *b = y;
    if (a->weight != b->weight)
        return a->weight > b->weight ? -1 : 1;
    return (a->cp > b->cp) - (a->cp < b->cp);
}

static int naive_by_cp(const void *x, const void *y)
{
    const struct naive_char *a = x, *b = y;
    return (a->cp > b->cp) - (a->cp < b->cp);
}

static int32_t naive_token(el_strtab *vocab, const char *s, size_t len)
{
    uint32_t id;
    ck_assert_int_eq(el_strtab_intern(vocab, s, len, &id, NULL), ELECTRA_OK);
    return (int32_t)id;
}

/* Textbook WordPiece training with the same layout and tie rule, every
 * pair recounted from scratch before each merge. */
static char *naive_learn(const char *text, size_t n, size_t size, size_t limit, uint64_t min_freq)
{
    struct naive *nv = calloc(1, sizeof *nv);
    el_strtab_init(&nv->words);
    electra_tokenizer *t = uncased_specials_only();
    el_tokenize_scratch s = {0};
    ck_assert_int_eq(el_pretokenize(t, text, n, &s, naive_count, nv), ELECTRA_OK);
    el_tokenize_scratch_free(&s);
    electra_tokenizer_free(t);

    static struct naive_char chars[4096];
    size_t n_chars = 0;
    for (uint32_t w = 0; w < nv->words.count; w++) {
        size_t len;
        const char *word = el_strtab_str(&nv->words, w, &len);
        for (size_t p = 0, cl; p < len; p += cl) {
            int32_t cp = el_utf8_decode((const unsigned char *)word + p, &cl);
            size_t k = 0;
            while (k < n_chars && chars[k].cp != cp)
                k++;
            if (k == n_chars) {
                ck_assert_uint_lt(n_chars, 4096);
                chars[n_chars].cp = cp;
                chars[n_chars].weight = 0;
                memcpy(chars[n_chars].utf8, word + p, cl);
                chars[n_chars++].utf8[cl] = '\0';
            }
            chars[k].weight += nv->counts[w];
        }
    }
    qsort(chars, n_chars, sizeof *chars, naive_by_weight);
    size_t kept = n_chars < limit ? n_chars : limit;
    qsort(chars, kept, sizeof *chars, naive_by_cp);

    el_strtab vocab;
    el_strtab_init(&vocab);
    char buf[256];
    naive_token(&vocab, "[PAD]", 5);
    for (int i = 0; i < 99; i++)
        naive_token(&vocab, buf, (size_t)sprintf(buf, "[unused%d]", i));
    naive_token(&vocab, "[UNK]", 5);
    naive_token(&vocab, "[CLS]", 5);
    naive_token(&vocab, "[SEP]", 5);
    naive_token(&vocab, "[MASK]", 6);
    for (size_t k = 0; k < kept; k++)
        naive_token(&vocab, chars[k].utf8, strlen(chars[k].utf8));
    for (size_t k = 0; k < kept; k++)
        naive_token(&vocab, buf, (size_t)sprintf(buf, "##%s", chars[k].utf8));

    /* Words as symbol ids; those with a character left out are skipped. */
    int32_t (*sym)[128] = calloc(nv->words.count, sizeof *sym);
    size_t *len_of = calloc(nv->words.count, sizeof *len_of);
    for (uint32_t w = 0; w < nv->words.count; w++) {
        size_t len;
        const char *word = el_strtab_str(&nv->words, w, &len);
        for (size_t p = 0, cl; p < len; p += cl) {
            el_utf8_decode((const unsigned char *)word + p, &cl);
            size_t m = (size_t)sprintf(buf, "%s%.*s", p ? "##" : "", (int)cl, word + p);
            int64_t id = el_strtab_find(&vocab, buf, m);
            if (id < 0) {
                len_of[w] = 0;
                break;
            }
            ck_assert_uint_lt(len_of[w], 128);
            sym[w][len_of[w]++] = (int32_t)id;
        }
    }
    while (vocab.count < size) {
        uint64_t best = 0;
        int32_t ba = -1, bb = -1;
        /* Every distinct pair, counted over all words. */
        for (uint32_t w = 0; w < nv->words.count; w++)
            for (size_t i = 0; i + 1 < len_of[w]; i++) {
                int32_t a = sym[w][i], b = sym[w][i + 1];
                uint64_t c = 0;
                /* Every adjacent occurrence counts, overlapping ones too
                 * (HF's windows): "aaaa" has (##a, ##a) twice. */
                for (uint32_t v = 0; v < nv->words.count; v++)
                    for (size_t j = 0; j + 1 < len_of[v]; j++)
                        if (sym[v][j] == a && sym[v][j + 1] == b)
                            c += nv->counts[v];
                if (c > best || (c == best && (a < ba || (a == ba && b < bb)))) {
                    best = c;
                    ba = a;
                    bb = b;
                }
            }
        if (best == 0 || best < min_freq)
            break;
        size_t la, lb;
        const char *sa = el_strtab_str(&vocab, (uint32_t)ba, &la);
        const char *sb = el_strtab_str(&vocab, (uint32_t)bb, &lb);
        size_t m = (size_t)sprintf(buf, "%.*s%.*s", (int)la, sa, (int)lb - 2, sb + 2);
        int32_t made = naive_token(&vocab, buf, m);
        for (uint32_t w = 0; w < nv->words.count; w++) {
            size_t out = 0;
            for (size_t i = 0; i < len_of[w]; i++) {
                if (i + 1 < len_of[w] && sym[w][i] == ba && sym[w][i + 1] == bb) {
                    sym[w][out++] = made;
                    i++;
                } else {
                    sym[w][out++] = sym[w][i];
                }
            }
            len_of[w] = out;
        }
    }
    size_t total = vocab.pool_len + vocab.count + 1;
    char *result = malloc(total), *at = result;
    for (uint32_t i = 0; i < vocab.count; i++) {
        size_t len;
        const char *tok = el_strtab_str(&vocab, i, &len);
        memcpy(at, tok, len);
        at += len;
        *at++ = '\n';
    }
    *at = '\0';
    el_strtab_free(&vocab);
    el_strtab_free(&nv->words);
    free(sym);
    free(len_of);
    free(nv);
    return result;
}

START_TEST(incremental_equals_recount)
{
    size_t len;
    char *corpus = synthetic_corpus(3000, 11, &len);
    /* A few pairs that overlap themselves and tokens made twice. */
    const char extra[] = " aaaa aaaa aaaaa aaaaa abab abab ababab abc abc bcd bcd abcd abcd ";
    corpus = realloc(corpus, len + sizeof extra);
    memcpy(corpus + len, extra, sizeof extra);
    len += sizeof extra - 1;
    const struct {
        size_t size, limit;
        uint64_t min_freq;
    } runs[] = {{260, 1000, 2}, {300, 12, 1}, {1000, 1000, 3}};
    for (size_t r = 0; r < sizeof runs / sizeof *runs; r++) {
        el_vocab_trainer *t = NULL;
        ck_assert_int_eq(el_vocab_trainer_create(&t), ELECTRA_OK);
        ck_assert_int_eq(el_vocab_trainer_feed(t, corpus, len, "c"), ELECTRA_OK);
        char *fast;
        size_t flen;
        struct el_vocab_build_params p = {runs[r].size, runs[r].limit, runs[r].min_freq};
        ck_assert_int_eq(el_vocab_trainer_learn(t, &p, &fast, &flen, NULL), ELECTRA_OK);
        char *slow = naive_learn(corpus, len, runs[r].size, runs[r].limit, runs[r].min_freq);
        ck_assert_msg(strcmp(fast, slow) == 0, "run %zu differs:\n%s\n---\n%s", r,
                      fast + strlen(fast) - (strlen(fast) > 600 ? 600 : strlen(fast)),
                      slow + strlen(slow) - (strlen(slow) > 600 ? 600 : strlen(slow)));
        el_free(fast);
        free(slow);
        el_vocab_trainer_free(t);
    }
    free(corpus);
}
END_TEST

START_TEST(coverage_counts)
{
    /* Vocabulary: specials, a b ##a ##b ab; "ab ba, c" -> ab | b ##a | , | c:
     * 4 words, 5 pieces ("," and "c" are [UNK] whole). */
    char vocab[2048];
    size_t at = 0;
    at += (size_t)sprintf(vocab + at, "[PAD]\n");
    for (int i = 0; i < 99; i++)
        at += (size_t)sprintf(vocab + at, "[unused%d]\n", i);
    at += (size_t)sprintf(vocab + at, "[UNK]\n[CLS]\n[SEP]\n[MASK]\na\nb\n##a\n##b\nab\n");
    struct el_tokenizer_settings s;
    el_tokenizer_settings_init(&s);
    electra_tokenizer *t = NULL;
    ck_assert_int_eq(el_tokenizer_from_vocab_text(vocab, at, "v", &s, NULL, &t), ELECTRA_OK);
    el_tokenizer_settings_free(&s);
    struct el_vocab_coverage c = {1, 1, 1};
    const char text[] = "ab ba, c\n\nAB";
    ck_assert_int_eq(el_vocab_coverage_add(t, text, sizeof text - 1, "t", &c), ELECTRA_OK);
    ck_assert_uint_eq(c.words, 1 + 4 + 1);
    ck_assert_uint_eq(c.pieces, 1 + 5 + 1);
    ck_assert_uint_eq(c.unknown, 1 + 2);
    /* Invalid UTF-8 names the line; the counts stay. */
    ck_assert_int_eq(el_vocab_coverage_add(t, "ab\nb\xc3", 5, "t.txt", &c),
                     ELECTRA_ERR_INVALID_UTF8);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "t.txt: line 2"));
    ck_assert_uint_eq(c.words, 6);
    electra_tokenizer_free(t);
}
END_TEST

/* ---- bad input ---- */

START_TEST(missing_file)
{
    el_vocab_trainer *t = NULL;
    ck_assert_int_eq(el_vocab_trainer_create(&t), ELECTRA_OK);
    ck_assert_int_eq(el_vocab_trainer_feed_file(t, "/nonexistent/corpus.txt"), ELECTRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "/nonexistent/corpus.txt"));
    el_vocab_trainer_free(t);
}
END_TEST

START_TEST(invalid_utf8)
{
    el_vocab_trainer *t = NULL;
    ck_assert_int_eq(el_vocab_trainer_create(&t), ELECTRA_OK);
    const char text[] = "fine\nstill fine\nbad \xe2\x82 here\n";
    ck_assert_int_eq(el_vocab_trainer_feed(t, text, sizeof text - 1, "corpus.txt"),
                     ELECTRA_ERR_INVALID_UTF8);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "corpus.txt: line 3"));
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "byte 20"));
    el_vocab_trainer_free(t);
}
END_TEST

START_TEST(size_too_small)
{
    electra_status st;
    /* 104 specials + 2 x 3 characters = 110 at least. */
    learn_tail("abc", 109, 1000, 2, &st, NULL);
    ck_assert_int_eq(st, ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "110 at least"));
    learn_tail("abc", 110, 1000, 2, &st, NULL);
    ck_assert_int_eq(st, ELECTRA_OK);
    /* Fewer characters kept make room. */
    learn_tail("abc", 108, 2, 2, &st, NULL);
    ck_assert_int_eq(st, ELECTRA_OK);
}
END_TEST

START_TEST(empty_corpus)
{
    struct el_vocab_build_stats stats;
    electra_status st;
    ck_assert_str_eq(learn_tail(" \n\t ", 200, 1000, 2, &st, &stats), "");
    ck_assert_int_eq(st, ELECTRA_OK);
    ck_assert_uint_eq(stats.tokens, EL_VOCAB_BUILD_SPECIALS);
    ck_assert_uint_eq(stats.words, 0);
}
END_TEST

/* ---- allocation failures ---- */

/* The 1st, 2nd, ... allocation fails in turn: each time a clean
 * ELECTRA_ERR_NOMEM and nothing left allocated, until all succeed. */
START_TEST(allocation_failures)
{
    const char text[] = "Caf\xc3\xa9 caf\xc3\xa9 au lait, \xe4\xb8\xad\xe6\x96\x87 lait lait "
                        "aaaa aaaa the then there the then";
    chaos_install();
    int k;
    for (k = 0;; k++) {
        chaos_arm(k);
        long live = chaos_live();
        el_vocab_trainer *t = NULL;
        char *vocab = NULL;
        size_t len;
        struct el_vocab_build_params p = {150, 1000, 1};
        electra_status st = el_vocab_trainer_create(&t);
        if (st == ELECTRA_OK)
            st = el_vocab_trainer_feed(t, text, sizeof text - 1, "t");
        if (st == ELECTRA_OK)
            st = el_vocab_trainer_learn(t, &p, &vocab, &len, NULL);
        el_free(vocab);
        el_vocab_trainer_free(t);
        ck_assert_msg(chaos_live() == live, "allocation %d failing: %ld blocks leaked", k,
                      chaos_live() - live);
        if (!chaos_fired()) {
            ck_assert_int_eq(st, ELECTRA_OK);
            break;
        }
        ck_assert_msg(st == ELECTRA_ERR_NOMEM, "allocation %d failing: %d %s", k, st,
                      electra_last_error());
    }
    chaos_remove();
    ck_assert_int_gt(k, 20);
}
END_TEST

/* A trainer whose feeding ran out of memory still learns from what it
 * counted. */
START_TEST(usable_after_failure)
{
    chaos_install();
    el_vocab_trainer *t = NULL;
    ck_assert_int_eq(el_vocab_trainer_create(&t), ELECTRA_OK);
    ck_assert_int_eq(el_vocab_trainer_feed(t, "ab ab", 5, "t"), ELECTRA_OK);
    electra_status st = ELECTRA_OK;
    char words[4096];
    size_t at = 0;
    for (int i = 0; i < 400; i++)
        at += (size_t)snprintf(words + at, sizeof words - at, "w%d ", i);
    for (long k = 0; k < 40 && st == ELECTRA_OK; k++) {
        chaos_arm(k);
        st = el_vocab_trainer_feed(t, words, at, "t");
    }
    chaos_arm(-1);
    ck_assert_int_eq(st, ELECTRA_ERR_NOMEM);
    char *vocab;
    size_t len;
    struct el_vocab_build_params p = {1000, 1000, 2};
    ck_assert_int_eq(el_vocab_trainer_learn(t, &p, &vocab, &len, NULL), ELECTRA_OK);
    ck_assert_ptr_nonnull(strstr(vocab, "\nab\n"));
    el_free(vocab);
    el_vocab_trainer_free(t);
    chaos_remove();
}
END_TEST

Suite *make_vocab_build_suite(void)
{
    Suite *s = suite_create("vocab_build");
    TCase *tc = tcase_create("pretokenize");
    tcase_add_test(tc, pretokenize_words);
    tcase_add_test(tc, pretokenize_sink_error_stops);
    suite_add_tcase(s, tc);
    tc = tcase_create("learn");
    tcase_add_test(tc, merges_by_hand);
    tcase_add_test(tc, overlapping_pairs);
    tcase_add_test(tc, stopping_rules);
    tcase_add_test(tc, ties_go_to_lower_ids);
    tcase_add_test(tc, alphabet_limit);
    tcase_add_test(tc, special_ids);
    tcase_add_test(tc, deterministic);
    tcase_add_test(tc, learned_vocab_tokenizes_its_corpus);
    tcase_add_test(tc, incremental_equals_recount);
    tcase_add_test(tc, coverage_counts);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, missing_file);
    tcase_add_test(tc, invalid_utf8);
    tcase_add_test(tc, size_too_small);
    tcase_add_test(tc, empty_corpus);
    tcase_add_test(tc, allocation_failures);
    tcase_add_test(tc, usable_after_failure);
    suite_add_tcase(s, tc);
    return s;
}
