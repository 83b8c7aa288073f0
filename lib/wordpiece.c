/* wordpiece.c - greedy longest-match WordPiece over the vocabulary tables. */
#include "wordpiece.h"

static inline size_t byte_at(const uint32_t *char_at, size_t i)
{
    return char_at ? char_at[i] : i;
}

size_t el_wordpiece(const el_vocab *v, const char *word, const uint32_t *char_at, size_t nchars,
                    struct el_piece *out)
{
    size_t count = 0;
    size_t start = 0;
    while (start < nchars) {
        const struct el_vocab_table *table = start == 0 ? &v->words : &v->pieces;
        size_t first = byte_at(char_at, start);
        /* Substrings longer than the longest key cannot match: start below. */
        size_t end = nchars;
        if (byte_at(char_at, end) - first > table->max_key_len) {
            if (!char_at)
                end = start + table->max_key_len;
            else
                while (end > start && char_at[end] - first > table->max_key_len)
                    end--;
        }
        int32_t id = -1;
        for (; end > start; end--) {
            id = el_vocab_find(v, table, word + first, byte_at(char_at, end) - first);
            if (id >= 0)
                break;
        }
        if (id < 0)
            return 0;
        out[count++] = (struct el_piece){id, (uint32_t)start, (uint32_t)end};
        start = end;
    }
    return count;
}
