/* tokenize.h - one text to word pieces: BertTokenizer.tokenize (added
 * tokens, lowercasing, cleaning, CJK isolation, NFC, whitespace split,
 * accent stripping, punctuation split, WordPiece) with, for each piece, its
 * byte span in the caller's text and the index of the word it came from. */
#ifndef EL_TOKENIZE_H
#define EL_TOKENIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tokenizer.h"

struct el_token {
    int32_t id;
    int32_t word;        /* pre-tokenized word, counted from 0 */
    size_t begin, end;   /* bytes [begin, end) of the original text */
};

typedef struct el_token_list {
    struct el_token *items;
    size_t count, cap;
} el_token_list;

/* A character of the word being normalized, with the original bytes it
 * came from. */
struct el_char {
    int32_t cp;
    size_t begin, end;
};

/* Buffers reused from call to call (they live in the encoding). */
typedef struct el_tokenize_scratch {
    struct el_char *word, *norm;
    size_t word_cap, norm_cap;
    char *bytes; /* UTF-8 of a word, or the lowercased ASCII word */
    size_t bytes_cap;
    uint32_t *char_at;
    size_t char_at_cap;
    struct el_piece *pieces;
    size_t pieces_cap;
} el_tokenize_scratch;

void el_tokenize_scratch_free(el_tokenize_scratch *s);
void el_token_list_free(el_token_list *l);

/* Tokenize text[0..n) into out (replacing its content). Invalid UTF-8
 * gives ELECTRA_ERR_INVALID_UTF8 naming the byte offset. allow_fast = false
 * forces the general Unicode path for every word (tests compare the two). */
electra_status el_tokenize(const electra_tokenizer *t, const char *text, size_t n,
                           bool allow_fast, el_tokenize_scratch *s, el_token_list *out);

/* Receives one normalized word: len bytes of UTF-8 holding nchars
 * characters (valid until the sink returns). A status other than
 * ELECTRA_OK stops el_pretokenize, which returns it. */
typedef electra_status (*el_word_sink)(void *ctx, const char *word, size_t len, size_t nchars);

/* The normalizer and pre-tokenizer without WordPiece: hands sink, in
 * order, every word el_tokenize would split into pieces. Added tokens are
 * skipped, and so are words longer than max_input_chars (el_tokenize makes
 * them [UNK] whole). What a vocabulary is learned from. */
electra_status el_pretokenize(const electra_tokenizer *t, const char *text, size_t n,
                              el_tokenize_scratch *s, el_word_sink sink, void *ctx);

#endif
