/* tokenizer.c - building a tokenizer from what the loaders read, and its
 * read-only accessors. */
#include "tokenizer.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "options.h"
#include "unicode.h"

static const char *const default_special[5] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

void el_tokenizer_settings_init(struct el_tokenizer_settings *s)
{
    memset(s, 0, sizeof *s);
    s->lowercase = s->strip_accents = s->chinese_chars = s->clean_text = -1;
    s->max_input_chars = -1;
    s->model_max_length = -1;
}

void el_tokenizer_settings_free(struct el_tokenizer_settings *s)
{
    for (int i = 0; i < 5; i++)
        el_free(s->special_text[i]);
    el_tokenizer_settings_init(s);
}

electra_status el_tokenizer_settings_name(struct el_tokenizer_settings *s, int which,
                                          const char *name, size_t len)
{
    char *copy = el_strndup(name, len);
    if (!copy)
        return el_nomem("reading special token names");
    el_free(s->special_text[which]);
    s->special_text[which] = copy;
    return ELECTRA_OK;
}

static const char *special_name(const struct el_tokenizer_settings *s, int which)
{
    return s && s->special_text[which] ? s->special_text[which] : default_special[which];
}

static int compare_literals(const void *a, const void *b)
{
    const struct el_literal *x = a, *y = b;
    if (x->len != y->len)
        return x->len > y->len ? -1 : 1; /* longest first: leftmost-longest match */
    return x->id < y->id ? -1 : x->id > y->id;
}

size_t el_tokenizer_literal_at(const electra_tokenizer *t, const char *text, size_t n, size_t p,
                               int32_t *id)
{
    for (size_t i = 0; i < t->n_literals; i++) {
        const struct el_literal *l = &t->literals[i];
        if (l->len <= n - p && memcmp(text + p, l->text, l->len) == 0) {
            if (id)
                *id = l->id;
            return l->len;
        }
    }
    return 0;
}

static electra_status add_literal(electra_tokenizer *t, const char *text, size_t len, int32_t id,
                                  bool special)
{
    if (len == 0)
        return ELECTRA_OK; /* an empty added token can never match */
    for (size_t i = 0; i < t->n_literals; i++)
        if (t->literals[i].len == len && memcmp(t->literals[i].text, text, len) == 0)
            return ELECTRA_OK;
    struct el_literal *grown =
        el_realloc(t->literals, (t->n_literals + 1) * sizeof *t->literals);
    if (!grown)
        return el_nomem("adding special tokens");
    t->literals = grown;
    char *copy = el_strndup(text, len);
    if (!copy)
        return el_nomem("adding special tokens");
    t->literals[t->n_literals++] = (struct el_literal){copy, len, id, special};
    return ELECTRA_OK;
}

static int resolve(int option, int from_files, int fallback)
{
    if (option >= 0)
        return option;
    return from_files >= 0 ? from_files : fallback;
}

/* Per-byte classes and answers for ASCII, so that the fast path never asks
 * the Unicode tables. */
static void build_ascii_tables(electra_tokenizer *t)
{
    for (int c = 0; c < 256; c++) {
        uint8_t k;
        if (c >= 0x80)
            k = EL_A_OTHER;
        else if (t->clean_text && el_uni_is_removed(c))
            k = EL_A_REMOVE;
        else if (el_uni_is_space(c))
            k = EL_A_SPACE;
        else if (el_uni_is_punct(c))
            k = EL_A_PUNCT;
        else
            k = EL_A_WORD;
        t->ascii_class[c] = k;
    }
    for (size_t i = 0; i < t->n_literals; i++) {
        unsigned char first = (unsigned char)t->literals[i].text[0];
        if (t->ascii_class[first] == EL_A_WORD)
            t->word_literals = true;
        t->ascii_class[first] |= EL_A_LITERAL;
    }
    int32_t unk = t->special_ids[ELECTRA_TOKEN_UNK];
    for (int c = 0; c < 128; c++) {
        int32_t lower[2];
        el_uni_lower(c, lower);
        t->ascii_lower[c] = (char)(t->lowercase ? lower[0] : c);
        char ch = (char)c;
        int32_t id = el_vocab_word(&t->vocab, &ch, 1);
        t->ascii_single[c] = id >= 0 && t->max_input_chars >= 1 ? id : unk;
    }
}

electra_status el_tokenizer_create(el_vocab *vocab, const struct el_literal *literals,
                                   size_t n_literals, const struct el_tokenizer_settings *s,
                                   const electra_options *options, electra_tokenizer **out)
{
    electra_tokenizer *t = el_calloc(1, sizeof *t);
    if (!t) {
        el_vocab_free(vocab);
        return el_nomem("creating the tokenizer");
    }
    t->vocab = *vocab;
    memset(vocab, 0, sizeof *vocab);
    t->lowercase = resolve((int)el_opt_int(options, ELECTRA_OPT_LOWERCASE), s->lowercase, 1);
    /* strip_accents unset (None/null) follows lowercasing, as in BertTokenizer. */
    t->strip_accents = resolve((int)el_opt_int(options, ELECTRA_OPT_STRIP_ACCENTS),
                               s->strip_accents, t->lowercase);
    t->chinese_chars =
        resolve((int)el_opt_int(options, ELECTRA_OPT_CHINESE_CHARS), s->chinese_chars, 1);
    t->clean_text = s->clean_text != 0;
    t->max_input_chars = s->max_input_chars >= 0 ? (size_t)s->max_input_chars : 100;
    t->model_max_length = s->model_max_length;

    electra_status st = ELECTRA_OK;
    for (int i = 0; i < 5; i++) {
        const char *name = special_name(s, i);
        t->special_ids[i] = -1;
        for (size_t k = 0; k < n_literals; k++)
            if (strcmp(literals[k].text, name) == 0)
                t->special_ids[i] = literals[k].id;
        if (t->special_ids[i] < 0)
            t->special_ids[i] = el_vocab_word(&t->vocab, name, strlen(name));
    }
    const char *unk = special_name(s, ELECTRA_TOKEN_UNK);
    t->unk_text = el_strndup(unk, strlen(unk));
    if (!t->unk_text)
        st = el_nomem("creating the tokenizer");
    else if (t->special_ids[ELECTRA_TOKEN_UNK] < 0)
        st = el_fail(ELECTRA_ERR_FORMAT,
                     "the vocabulary has no unknown token %s (needed for words it cannot "
                     "cover)",
                     unk);
    if (st == ELECTRA_OK && literals) {
        for (size_t k = 0; k < n_literals && st == ELECTRA_OK; k++)
            st = add_literal(t, literals[k].text, literals[k].len, literals[k].id,
                             literals[k].special);
    } else if (st == ELECTRA_OK) {
        /* vocab.txt: transformers adds the special tokens as added tokens. */
        for (int i = 0; i < 5 && st == ELECTRA_OK; i++)
            if (t->special_ids[i] >= 0)
                st = add_literal(t, special_name(s, i), strlen(special_name(s, i)),
                                 t->special_ids[i], true);
    }
    if (st != ELECTRA_OK) {
        electra_tokenizer_free(t);
        return st;
    }
    if (t->n_literals > 1)
        qsort(t->literals, t->n_literals, sizeof *t->literals, compare_literals);
    build_ascii_tables(t);
    *out = t;
    return ELECTRA_OK;
}

ELECTRA_API void electra_tokenizer_free(electra_tokenizer *tokenizer)
{
    if (!tokenizer)
        return;
    el_vocab_free(&tokenizer->vocab);
    for (size_t i = 0; i < tokenizer->n_literals; i++)
        el_free(tokenizer->literals[i].text);
    el_free(tokenizer->literals);
    el_free(tokenizer->unk_text);
    el_free(tokenizer);
}

ELECTRA_API size_t electra_tokenizer_vocab_size(const electra_tokenizer *tokenizer)
{
    return tokenizer ? tokenizer->vocab.n_ids : 0;
}

ELECTRA_API int32_t electra_tokenizer_token_to_id(const electra_tokenizer *tokenizer,
                                                  const char *token, size_t length)
{
    if (!tokenizer || (!token && length))
        return -1;
    for (size_t i = 0; i < tokenizer->n_literals; i++)
        if (tokenizer->literals[i].len == length &&
            memcmp(tokenizer->literals[i].text, token, length) == 0)
            return tokenizer->literals[i].id;
    return length ? el_vocab_word(&tokenizer->vocab, token, length)
                  : el_vocab_word(&tokenizer->vocab, "", 0);
}

ELECTRA_API const char *electra_tokenizer_id_to_token(const electra_tokenizer *tokenizer,
                                                      int32_t id)
{
    return tokenizer ? el_vocab_token(&tokenizer->vocab, id, NULL) : NULL;
}

ELECTRA_API int32_t electra_tokenizer_special_id(const electra_tokenizer *tokenizer, int which)
{
    if (!tokenizer || which < ELECTRA_TOKEN_PAD || which > ELECTRA_TOKEN_MASK)
        return -1;
    return tokenizer->special_ids[which];
}

int64_t el_tokenizer_model_max_length(const electra_tokenizer *t)
{
    return t ? t->model_max_length : -1;
}

bool el_tokenizer_is_continuation(const electra_tokenizer *t, int32_t id)
{
    size_t len;
    const char *tok = t ? el_vocab_token(&t->vocab, id, &len) : NULL;
    return tok && len > t->vocab.prefix_len &&
           memcmp(tok, t->vocab.prefix, t->vocab.prefix_len) == 0;
}
