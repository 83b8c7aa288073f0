/* encoding.h - the electra_encoding handle (rows of tokens with ids, type
 * ids, masks, sequence ids, word ids and byte offsets) and what other
 * library modules (tasks: fill-mask, tagging, question answering) may read
 * from it beyond the public accessors. */
#ifndef EL_ENCODING_H
#define EL_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "electra.h"
#include "error.h"
#include "tokenize.h"

struct electra_encoding {
    /* rows */
    size_t rows, rows_cap;
    size_t *row_start, *row_len, *row_source;
    /* tokens of all rows, back to back */
    size_t count, cap;
    int32_t *ids, *type_ids, *attention, *special, *sequence, *word;
    size_t *offsets; /* 2 per token */
    /* per-call scratch: the tokens of text and pair, tokenizer buffers */
    el_token_list seq[2];
    el_tokenize_scratch scratch;
    bool general_path_only; /* tests: never take the ASCII fast path */
    char error[EL_ERRMSG_SIZE];
};

/* Index of the pre-tokenized word (whitespace- and punctuation-split, the
 * fast tokenizer's word_ids) each token of a row came from, counted per
 * sequence from 0; -1 for inserted [CLS]/[SEP] and padding. NULL for a
 * row out of range. An added token typed in the text is a word of its own. */
const int32_t *el_encoding_word_ids(const electra_encoding *e, size_t row);

/* Tests and benchmarks: 1 forces every word through the general Unicode
 * path (the results must not change). */
void el_encoding_set_general_path(electra_encoding *e, int on);

/* Building rows (encode.c): empty the encoding; start a row for input
 * source; append one token to the open row (sequence -1 = inserted
 * special); pad every row to length with token pad_id. */
void el_encoding_reset(electra_encoding *e);
electra_status el_encoding_begin_row(electra_encoding *e, size_t source, size_t max_tokens);
void el_encoding_push(electra_encoding *e, int32_t id, int32_t type_id, int32_t sequence,
                      int32_t word, size_t begin, size_t end, int special);
/* Append count tokens of sequence seq (also their type id) to the open row. */
void el_encoding_append(electra_encoding *e, const struct el_token *tokens, size_t count,
                        int32_t seq);
electra_status el_encoding_pad(electra_encoding *e, size_t length, int32_t pad_id);

#endif
