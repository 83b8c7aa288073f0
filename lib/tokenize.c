/* tokenize.c - BertTokenizer.tokenize with byte spans.
 *
 * The slow tokenizer's order of operations (transformers 4.34.1):
 *  1. added tokens ([CLS], [MASK], ...) are cut out of the raw text;
 *  2. the rest is lowercased one character at a time (str.lower());
 *  3. cleaning drops U+0000, U+FFFD and C* characters, maps whitespace to
 *     spaces; 4. CJK ideographs get spaces around them; 5. NFC;
 *  6. split on whitespace; 7. per word: accent stripping (NFD, drop Mn);
 *  8. punctuation split; 9. WordPiece.
 * Steps 2-6 act character by character except NFC, which never joins
 * across whitespace, so a whitespace-delimited word can be finished on its
 * own. With stripping on, NFC followed by NFD equals NFD, so NFC is only
 * computed when accents are kept.
 *
 * Fast path: a word made only of ASCII letters, digits and symbols needs
 * none of the Unicode steps. It is tokenized straight from the bytes; a
 * word that turns out to hold anything else (a non-ASCII byte, a control
 * character) is rolled back and redone by the general path.
 *
 * Spans follow the fast tokenizer's offsets: a token covers its characters'
 * original bytes, from the first to the last (characters produced by one
 * original character share its span; dropped ones at a token's edge belong
 * to no token). */
#include "tokenize.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "alloc.h"
#include "error.h"
#include "unicode.h"
#include "utf8.h"
#include "wordpiece.h"

struct run {
    const electra_tokenizer *t;
    const char *text;
    size_t n;
    el_tokenize_scratch *s;
    el_token_list *out;   /* NULL when words go to the sink */
    el_word_sink sink;    /* el_pretokenize: receives the words instead */
    void *sink_ctx;
    int32_t word; /* index of the next word */
};

void el_tokenize_scratch_free(el_tokenize_scratch *s)
{
    el_free(s->word);
    el_free(s->norm);
    el_free(s->bytes);
    el_free(s->char_at);
    el_free(s->pieces);
    memset(s, 0, sizeof *s);
}

void el_token_list_free(el_token_list *l)
{
    el_free(l->items);
    memset(l, 0, sizeof *l);
}

static electra_status reserve_tokens(el_token_list *l, size_t more)
{
    if (l->cap - l->count >= more)
        return ELECTRA_OK;
    if (more > SIZE_MAX - l->count ||
        el_grow((void **)&l->items, &l->cap, l->count + more, sizeof *l->items) != 0)
        return el_nomem("tokenizing");
    return ELECTRA_OK;
}

static inline electra_status push_token(el_token_list *l, int32_t id, int32_t word, size_t begin,
                                        size_t end)
{
    if (l->count == l->cap && reserve_tokens(l, 1) != ELECTRA_OK)
        return ELECTRA_ERR_NOMEM;
    l->items[l->count++] = (struct el_token){id, word, begin, end};
    return ELECTRA_OK;
}

static electra_status reserve(void **buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return ELECTRA_OK;
    if (el_grow(buf, cap, need, elem) != 0)
        return el_nomem("tokenizing");
    return ELECTRA_OK;
}

/* WordPiece over one punctuation-free word (or one punctuation character)
 * and emission of its pieces; span(i, j) gives the original bytes of the
 * word's characters [i, j). */
struct word_view {
    const char *bytes;      /* normalized UTF-8 */
    const uint32_t *char_at; /* NULL: one byte per character */
    size_t nchars;
    /* ASCII words: original offset of character 0; else the characters. */
    size_t origin;
    const struct el_char *chars;
};

static void word_span(const struct word_view *w, size_t i, size_t j, size_t *begin, size_t *end)
{
    if (!w->chars) {
        *begin = w->origin + i;
        *end = w->origin + j;
        return;
    }
    size_t b = w->chars[i].begin, e = w->chars[i].end;
    for (size_t k = i + 1; k < j; k++) {
        if (w->chars[k].begin < b)
            b = w->chars[k].begin;
        if (w->chars[k].end > e)
            e = w->chars[k].end;
    }
    *begin = b;
    *end = e;
}

static electra_status emit_word(struct run *r, const struct word_view *w)
{
    const electra_tokenizer *t = r->t;
    if (r->sink) {
        if (w->nchars > t->max_input_chars)
            return ELECTRA_OK; /* [UNK] whole: WordPiece never sees it */
        size_t len = w->char_at ? w->char_at[w->nchars] : w->nchars;
        return r->sink(r->sink_ctx, w->bytes, len, w->nchars);
    }
    int32_t word = r->word++;
    size_t begin, end;
    if (w->nchars <= t->max_input_chars) {
        if (reserve((void **)&r->s->pieces, &r->s->pieces_cap, w->nchars,
                    sizeof *r->s->pieces) != ELECTRA_OK)
            return ELECTRA_ERR_NOMEM;
        size_t np = el_wordpiece(&t->vocab, w->bytes, w->char_at, w->nchars, r->s->pieces);
        if (np > 0) {
            if (reserve_tokens(r->out, np) != ELECTRA_OK)
                return ELECTRA_ERR_NOMEM;
            for (size_t i = 0; i < np; i++) {
                const struct el_piece *p = &r->s->pieces[i];
                word_span(w, p->begin, p->end, &begin, &end);
                r->out->items[r->out->count++] = (struct el_token){p->id, word, begin, end};
            }
            return ELECTRA_OK;
        }
    }
    word_span(w, 0, w->nchars, &begin, &end);
    return push_token(r->out, t->special_ids[ELECTRA_TOKEN_UNK], word, begin, end);
}

/* ---- fast path: ASCII words ------------------------------------------- */

/* An ASCII symbol: a word of one character. */
static electra_status emit_punct(struct run *r, unsigned char c, size_t at)
{
    if (r->sink) {
        char ch = (char)c;
        return r->t->max_input_chars >= 1 ? r->sink(r->sink_ctx, &ch, 1, 1) : ELECTRA_OK;
    }
    return push_token(r->out, r->t->ascii_single[c], r->word++, at, at + 1);
}

/* Whether the fast path can finish the word at p without rolling back:
 * nothing but ASCII words, symbols and added tokens up to whitespace. A
 * sink cannot take back words, so el_pretokenize asks first. */
static bool fast_path_certain(const struct run *r, size_t p)
{
    const uint8_t *cls = r->t->ascii_class;
    for (size_t q = p; q < r->n; q++) {
        unsigned k = cls[(unsigned char)r->text[q]] & ~EL_A_LITERAL;
        if (k == EL_A_SPACE)
            break;
        if (k == EL_A_OTHER || k == EL_A_REMOVE)
            return false;
    }
    return true;
}

/* End of the run of word characters (letters, digits) starting at q. SSE2
 * takes 16 bytes at a time while they are all letters or digits; the class
 * table settles the rest (and any other byte it counts as a word byte, e.g.
 * controls when cleaning is off, or letters that may start an added token). */
static size_t word_run(const electra_tokenizer *t, const unsigned char *text, size_t q, size_t n)
{
    const uint8_t *cls = t->ascii_class;
    size_t e = q;
#if defined(__SSE2__)
    if (!t->word_literals) {
        const __m128i case_bit = _mm_set1_epi8(0x20);
        const __m128i a = _mm_set1_epi8('a' - 1), z = _mm_set1_epi8('z' + 1);
        const __m128i d0 = _mm_set1_epi8('0' - 1), d9 = _mm_set1_epi8('9' + 1);
        while (n - e >= 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(text + e));
            __m128i l = _mm_or_si128(x, case_bit); /* A-Z to a-z (bytes >= 0x80 stay negative) */
            __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(l, a), _mm_cmplt_epi8(l, z));
            __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, d0), _mm_cmplt_epi8(x, d9));
            unsigned mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(alpha, digit));
            if (mask != 0xFFFF) {
                e += (size_t)__builtin_ctz(~mask);
                break;
            }
            e += 16;
        }
    }
#endif
    for (;;) {
        while (e < n && cls[text[e]] == EL_A_WORD)
            e++;
        if (e < n && cls[text[e]] == (EL_A_WORD | EL_A_LITERAL) &&
            !el_tokenizer_literal_at(t, (const char *)text, n, e, NULL)) {
            e++;
            continue;
        }
        return e;
    }
}

/* ASCII lowercasing of a word run, 8 bytes at a time: adding 0x3F (0x25)
 * to a byte below 0x80 sets its bit 7 exactly when it is >= 'A' (> 'Z'),
 * without a carry into the next byte. Bytes after the run (up to the next
 * multiple of 8, where readable) are converted too, as garbage: a carry out
 * of one of them only reaches bytes after it. dst has room for len + 8. */
static void ascii_lower(const electra_tokenizer *t, const char *src, char *dst, size_t len,
                        size_t readable)
{
    size_t i = 0;
    for (; i < len && readable - i >= 8; i += 8) {
        uint64_t w;
        memcpy(&w, src + i, 8);
        uint64_t upper = (w + 0x3F3F3F3F3F3F3F3Full) & ~(w + 0x2525252525252525ull) &
                         0x8080808080808080ull;
        w |= upper >> 2;
        memcpy(dst + i, &w, 8);
    }
    for (; i < len; i++)
        dst[i] = t->ascii_lower[(unsigned char)src[i]];
}

/* Letters and digits [q, e) of the text: one word for WordPiece. Most are
 * a vocabulary word as they stand: one lookup. */
static electra_status ascii_run(struct run *r, size_t q, size_t e)
{
    const electra_tokenizer *t = r->t;
    size_t len = e - q;
    const char *bytes = r->text + q;
    if (len <= t->max_input_chars) {
        if (t->lowercase) {
            if (reserve((void **)&r->s->bytes, &r->s->bytes_cap, len + 8, 1) != ELECTRA_OK)
                return ELECTRA_ERR_NOMEM;
            ascii_lower(t, bytes, r->s->bytes, len, r->n - q);
            bytes = r->s->bytes;
        }
        if (!r->sink) { /* a sink takes whole words, not ids */
            int32_t id = el_vocab_word(&t->vocab, bytes, len);
            if (id >= 0)
                return push_token(r->out, id, r->word++, q, e);
        }
    }
    struct word_view w = {bytes, NULL, len, q, NULL};
    return emit_word(r, &w);
}

/* Tokenize the whitespace-delimited word starting at p if it is plain
 * ASCII; *end gets where it stops (whitespace, an added token, the end).
 * *done is false when the word needs the general path (the caller rolls
 * back what was emitted). */
static electra_status fast_word(struct run *r, size_t p, size_t *end, bool *done)
{
    const electra_tokenizer *t = r->t;
    const unsigned char *text = (const unsigned char *)r->text;
    const uint8_t *cls = t->ascii_class;
    size_t n = r->n, q = p;
    while (q < n) {
        unsigned c = text[q];
        unsigned k = cls[c];
        if (k & EL_A_LITERAL) {
            if (el_tokenizer_literal_at(t, r->text, n, q, NULL))
                break;
            k &= ~EL_A_LITERAL;
        }
        if (k == EL_A_WORD) {
            size_t e = word_run(t, text, q + 1, n);
            if (e < n && (cls[text[e]] == EL_A_OTHER || cls[text[e]] == EL_A_REMOVE)) {
                *done = false;
                return ELECTRA_OK;
            }
            electra_status st = ascii_run(r, q, e);
            if (st != ELECTRA_OK)
                return st;
            q = e;
        } else if (k == EL_A_PUNCT) {
            electra_status st = emit_punct(r, (unsigned char)c, q);
            if (st != ELECTRA_OK)
                return st;
            q++;
        } else if (k == EL_A_SPACE) {
            break;
        } else {
            *done = false;
            return ELECTRA_OK;
        }
    }
    *end = q;
    *done = true;
    return ELECTRA_OK;
}

/* ---- general path ------------------------------------------------------ */

static int32_t ccc(int32_t cp)
{
    return cp < 0x300 ? 0 : el_uni_ccc(cp);
}

/* Canonical ordering: a stable sort of each run of non-starters by
 * combining class. */
static void canonical_order(struct el_char *c, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        int32_t cc = ccc(c[i].cp);
        if (cc == 0)
            continue;
        struct el_char x = c[i];
        size_t j = i;
        while (j > 0 && ccc(c[j - 1].cp) > cc) {
            c[j] = c[j - 1];
            j--;
        }
        c[j] = x;
    }
}

/* Canonical composition (the second half of NFC) in place; a composite
 * covers the bytes of both characters it was made from. */
static size_t canonical_compose(struct el_char *c, size_t n)
{
    if (n == 0)
        return 0;
    size_t out = 1;
    long starter = ccc(c[0].cp) == 0 ? 0 : -1;
    int32_t last = -1; /* class of the last kept character after the starter */
    for (size_t i = 1; i < n; i++) {
        struct el_char x = c[i];
        int32_t cc = ccc(x.cp);
        if (starter >= 0 && x.cp >= 0x300 && (last == -1 || (last != 0 && last < cc))) {
            int32_t comp = el_uni_compose(c[starter].cp, x.cp);
            if (comp >= 0) {
                struct el_char *s = &c[starter];
                s->cp = comp;
                if (x.begin < s->begin)
                    s->begin = x.begin;
                if (x.end > s->end)
                    s->end = x.end;
                continue;
            }
        }
        if (cc == 0) {
            starter = (long)out;
            last = -1;
        } else {
            last = cc;
        }
        c[out++] = x;
    }
    return out;
}

/* Steps 5 and 7 for one word: NFD (+ drop Mn) when stripping accents, NFC
 * otherwise. Reads s->word[0..n), writes s->norm; returns its length. */
static electra_status normalize_word(struct run *r, size_t n, size_t *count)
{
    el_tokenize_scratch *s = r->s;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const struct el_char *c = &s->word[i];
        int32_t d[EL_UNI_MAX_DECOMP];
        int k = c->cp < 0xC0 ? (d[0] = c->cp, 1) : el_uni_decompose(c->cp, d);
        if (reserve((void **)&s->norm, &s->norm_cap, m + (size_t)k, sizeof *s->norm) !=
            ELECTRA_OK)
            return ELECTRA_ERR_NOMEM;
        for (int j = 0; j < k; j++)
            s->norm[m++] = (struct el_char){d[j], c->begin, c->end};
    }
    canonical_order(s->norm, m);
    if (r->t->strip_accents) {
        size_t kept = 0;
        for (size_t i = 0; i < m; i++)
            if (!el_uni_is_nonspacing_mark(s->norm[i].cp))
                s->norm[kept++] = s->norm[i];
        m = kept;
    } else {
        m = canonical_compose(s->norm, m);
    }
    *count = m;
    return ELECTRA_OK;
}

/* UTF-8 of norm[i..j) into s->bytes with character offsets in s->char_at. */
static electra_status encode_chars(el_tokenize_scratch *s, const struct el_char *c, size_t i,
                                   size_t j)
{
    size_t nc = j - i;
    if (reserve((void **)&s->bytes, &s->bytes_cap, 4 * nc, 1) != ELECTRA_OK ||
        reserve((void **)&s->char_at, &s->char_at_cap, nc + 1, sizeof *s->char_at) !=
            ELECTRA_OK)
        return ELECTRA_ERR_NOMEM;
    size_t b = 0;
    for (size_t k = 0; k < nc; k++) {
        s->char_at[k] = (uint32_t)b;
        b += el_utf8_encode(c[i + k].cp, s->bytes + b);
    }
    s->char_at[nc] = (uint32_t)b;
    return ELECTRA_OK;
}

static electra_status emit_chars(struct run *r, size_t i, size_t j)
{
    el_tokenize_scratch *s = r->s;
    size_t nc = j - i;
    if (nc <= r->t->max_input_chars && encode_chars(s, s->norm, i, j) != ELECTRA_OK)
        return ELECTRA_ERR_NOMEM;
    /* Over-long words become [UNK] without WordPiece: no bytes needed. */
    struct word_view w = {s->bytes, s->char_at, nc, 0, s->norm + i};
    return emit_word(r, &w);
}

/* BasicTokenizer keeps a word equal to a special token whole (never_split):
 * possible when cleaning or accent stripping made one, e.g. "[MA\u200bSK]"
 * with lowercasing off. */
static bool is_special_word(const electra_tokenizer *t, const el_tokenize_scratch *s, size_t m)
{
    for (size_t i = 0; i < t->n_literals; i++) {
        const struct el_literal *l = &t->literals[i];
        if (l->special && l->len >= m && l->len <= 4 * m && s->char_at[m] == l->len &&
            memcmp(s->bytes, l->text, l->len) == 0)
            return true;
    }
    return false;
}

/* Steps 5-9 for the word in s->word[0..n). */
static electra_status finish_word(struct run *r, size_t n)
{
    size_t m;
    if (normalize_word(r, n, &m) != ELECTRA_OK)
        return ELECTRA_ERR_NOMEM;
    if (m == 0)
        return ELECTRA_OK;
    el_tokenize_scratch *s = r->s;
    if (r->t->n_literals) {
        if (encode_chars(s, s->norm, 0, m) != ELECTRA_OK)
            return ELECTRA_ERR_NOMEM;
        if (is_special_word(r->t, s, m))
            return r->sink ? ELECTRA_OK : emit_chars(r, 0, m);
    }
    size_t i = 0;
    while (i < m) {
        size_t j = i + 1;
        if (!el_uni_is_punct(s->norm[i].cp))
            while (j < m && !el_uni_is_punct(s->norm[j].cp))
                j++;
        electra_status st = emit_chars(r, i, j);
        if (st != ELECTRA_OK)
            return st;
        i = j;
    }
    return ELECTRA_OK;
}

static electra_status push_char(el_tokenize_scratch *s, size_t *n, int32_t cp, size_t begin,
                                size_t end)
{
    if (reserve((void **)&s->word, &s->word_cap, *n + 1, sizeof *s->word) != ELECTRA_OK)
        return ELECTRA_ERR_NOMEM;
    s->word[(*n)++] = (struct el_char){cp, begin, end};
    return ELECTRA_OK;
}

/* Steps 2-4 and 6 from p: gathers one word (skipping whitespace and
 * removed characters before it) and finishes it; a CJK ideograph is a word
 * of its own. Stops at whitespace, an added token or the end; *end gets
 * the position reached (always past p). */
static electra_status general_word(struct run *r, size_t p, size_t *end)
{
    const electra_tokenizer *t = r->t;
    const unsigned char *text = (const unsigned char *)r->text;
    el_tokenize_scratch *s = r->s;
    size_t n = 0, q = p;
    while (q < r->n) {
        if (q > p && (t->ascii_class[text[q]] & EL_A_LITERAL) &&
            el_tokenizer_literal_at(t, r->text, r->n, q, NULL))
            break;
        size_t len;
        int32_t cp = el_utf8_decode(text + q, &len);
        int32_t lower[2];
        int nl = 1;
        lower[0] = cp;
        if (t->lowercase)
            nl = el_uni_lower(cp, lower);
        for (int i = 0; i < nl; i++) {
            int32_t x = lower[i];
            if (t->clean_text && el_uni_is_removed(x))
                continue;
            if (el_uni_is_space(x)) {
                if (n == 0)
                    continue;
                *end = q + len;
                return finish_word(r, n);
            }
            if (t->chinese_chars && el_uni_is_cjk(x)) {
                electra_status st = n > 0 ? finish_word(r, n) : ELECTRA_OK;
                if (st != ELECTRA_OK)
                    return st;
                n = 0;
                if (push_char(s, &n, x, q, q + len) != ELECTRA_OK)
                    return ELECTRA_ERR_NOMEM;
                *end = q + len;
                return finish_word(r, n);
            }
            if (push_char(s, &n, x, q, q + len) != ELECTRA_OK)
                return ELECTRA_ERR_NOMEM;
        }
        q += len;
    }
    *end = q;
    return n > 0 ? finish_word(r, n) : ELECTRA_OK;
}

/* ---- driver ------------------------------------------------------------ */

static electra_status run_text(struct run *r, bool allow_fast)
{
    const electra_tokenizer *t = r->t;
    const char *text = r->text;
    size_t n = r->n;
    const uint8_t *cls = t->ascii_class;
    size_t p = 0;
    while (p < n) {
        unsigned k = cls[(unsigned char)text[p]];
        if (k & EL_A_LITERAL) {
            int32_t id;
            size_t len = el_tokenizer_literal_at(t, text, n, p, &id);
            if (len) {
                if (!r->sink && push_token(r->out, id, r->word++, p, p + len) != ELECTRA_OK)
                    return ELECTRA_ERR_NOMEM;
                p += len;
                continue;
            }
            k &= ~EL_A_LITERAL; /* an added token may start with a space */
        }
        if (k == EL_A_SPACE) {
            p++;
            continue;
        }
        if (allow_fast && (!r->sink || fast_path_certain(r, p))) {
            size_t mark = r->out ? r->out->count : 0;
            int32_t mark_word = r->word;
            size_t end;
            bool done;
            electra_status st = fast_word(r, p, &end, &done);
            if (st != ELECTRA_OK)
                return st;
            if (done) {
                p = end;
                continue;
            }
            if (r->out)
                r->out->count = mark;
            r->word = mark_word;
        }
        electra_status st = general_word(r, p, &p);
        if (st != ELECTRA_OK)
            return st;
    }
    return ELECTRA_OK;
}

static electra_status check_text(const char *text, size_t n)
{
    if (n > INT32_MAX) /* word indices and piece offsets are 32-bit */
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "a text of %zu bytes: at most %d", n,
                       INT32_MAX);
    size_t bad = el_utf8_check(text, n);
    if (bad < n)
        return el_fail(ELECTRA_ERR_INVALID_UTF8, "invalid UTF-8 at byte %zu (0x%02x)", bad,
                       (unsigned char)text[bad]);
    return ELECTRA_OK;
}

electra_status el_tokenize(const electra_tokenizer *t, const char *text, size_t n,
                           bool allow_fast, el_tokenize_scratch *s, el_token_list *out)
{
    out->count = 0;
    electra_status st = check_text(text, n);
    if (st != ELECTRA_OK)
        return st;
    struct run r = {t, text, n, s, out, NULL, NULL, 0};
    return run_text(&r, allow_fast);
}

electra_status el_pretokenize(const electra_tokenizer *t, const char *text, size_t n,
                              el_tokenize_scratch *s, el_word_sink sink, void *ctx)
{
    electra_status st = check_text(text, n);
    if (st != ELECTRA_OK)
        return st;
    struct run r = {t, text, n, s, NULL, sink, ctx, 0};
    return run_text(&r, true);
}
