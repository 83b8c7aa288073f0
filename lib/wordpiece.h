/* wordpiece.h - BERT's WordPiece: greedy longest-match-first split of one
 * word into vocabulary pieces, continuation pieces carrying the prefix. */
#ifndef EL_WORDPIECE_H
#define EL_WORDPIECE_H

#include <stddef.h>
#include <stdint.h>

#include "vocab.h"

/* A piece: vocabulary id and the characters [begin, end) of the word it
 * covers. */
struct el_piece {
    int32_t id;
    uint32_t begin, end;
};

/* Split word (normalized UTF-8 holding nchars characters; char_at
 * gives the byte offset of each character and the end, nchars + 1 entries,
 * or is NULL when every character is one byte) into at most nchars pieces.
 * Returns the number of pieces, or 0 when some part matches nothing: then,
 * as BertTokenizer does, the whole word is [UNK]. The caller handles the
 * max_input_chars_per_word limit. */
size_t el_wordpiece(const el_vocab *v, const char *word, const uint32_t *char_at, size_t nchars,
                    struct el_piece *out);

#endif
