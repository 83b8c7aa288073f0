/* tokenizer.h - the loaded BERT WordPiece tokenizer (internal layout) and
 * what other library modules may ask of it. A tokenizer never changes after
 * loading; all per-call state lives in an electra_encoding. */
#ifndef EL_TOKENIZER_H
#define EL_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "electra.h"
#include "vocab.h"

/* Class of an ASCII byte for the fast path (non-ASCII bytes: EL_A_OTHER).
 * EL_A_LITERAL is or-ed in when the byte may start an added-token literal. */
enum el_ascii_class {
    EL_A_WORD = 0,   /* letter or digit: part of a word */
    EL_A_PUNCT = 1,  /* ASCII symbol: a word of its own */
    EL_A_SPACE = 2,  /* separates words */
    EL_A_REMOVE = 3, /* control character dropped by cleaning */
    EL_A_OTHER = 4,  /* not ASCII: the general path decides */
    EL_A_LITERAL = 0x80
};

/* An added token ([CLS], [MASK], ...), matched verbatim in the raw text
 * before any normalization, as transformers' added-tokens trie does. */
struct el_literal {
    char *text;
    size_t len;
    int32_t id;
    bool special; /* dropped by decode(skip_special_tokens) */
};

struct electra_tokenizer {
    el_vocab vocab;
    bool lowercase;     /* do_lower_case */
    bool strip_accents; /* NFD + drop Mn per word */
    bool chinese_chars; /* isolate CJK ideographs */
    bool clean_text;    /* drop controls, map whitespace to spaces */
    size_t max_input_chars; /* longer words are [UNK] (100) */
    int32_t special_ids[5]; /* electra_special_token -> id, -1 if absent */
    char *unk_text;         /* what decode writes for an unknown id */
    struct el_literal *literals; /* longest first */
    size_t n_literals;
    int64_t model_max_length; /* tokenizer_config.json, -1 if none */
    bool word_literals;       /* an added token starts with a letter or digit */
    uint8_t ascii_class[256];
    char ascii_lower[128];
    int32_t ascii_single[128]; /* id of the one-character word c ([UNK] if none) */
};

/* What the loaders collect before the tokenizer is built: -1 = not said. */
struct el_tokenizer_settings {
    int lowercase, strip_accents, chinese_chars, clean_text;
    long long max_input_chars;
    int64_t model_max_length;
    char *special_text[5]; /* names of pad, unk, cls, sep, mask (owned) */
};

void el_tokenizer_settings_init(struct el_tokenizer_settings *s);
void el_tokenizer_settings_free(struct el_tokenizer_settings *s);
/* Replace one special token name (copied). */
electra_status el_tokenizer_settings_name(struct el_tokenizer_settings *s, int which,
                                          const char *name, size_t len);

/* Finish a tokenizer from its vocabulary (taken over, also on failure),
 * its added tokens (copied; NULL/0 = the special tokens found in the
 * vocabulary) and settings; options override the settings. */
electra_status el_tokenizer_create(el_vocab *vocab, const struct el_literal *literals,
                                   size_t n_literals, const struct el_tokenizer_settings *s,
                                   const electra_options *options, electra_tokenizer **out);

/* Loaders from memory (the fuzz targets use them too); what names the
 * source in messages. */
electra_status el_tokenizer_from_vocab_text(const char *data, size_t len, const char *what,
                                            struct el_tokenizer_settings *s,
                                            const electra_options *options,
                                            electra_tokenizer **out);
electra_status el_tokenizer_from_json_text(const char *data, size_t len, const char *what,
                                           struct el_tokenizer_settings *s,
                                           const electra_options *options,
                                           electra_tokenizer **out);

/* The longest added token starting at text[p] (length, and its id in *id),
 * or 0. */
size_t el_tokenizer_literal_at(const electra_tokenizer *t, const char *text, size_t n, size_t p,
                               int32_t *id);

/* Whether id is a continuation piece ("##ing"): the word-piece test that
 * token-classification aggregation needs. */
bool el_tokenizer_is_continuation(const electra_tokenizer *t, int32_t id);

/* model_max_length from tokenizer_config.json; -1 when none was given
 * (or it was the "very large" placeholder transformers writes). */
int64_t el_tokenizer_model_max_length(const electra_tokenizer *t);

#endif
