/* encoding.c - the electra_encoding handle: storage and accessors. Its
 * buffers only grow, so encoding again with similar inputs allocates
 * nothing. */
#include "encoding.h"

#include <string.h>

#include "alloc.h"

ELECTRA_API electra_status electra_encoding_create(electra_encoding **out)
{
    if (!out)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "electra_encoding_create: out is NULL");
    electra_encoding *e = el_calloc(1, sizeof *e);
    if (!e)
        return el_nomem("creating an encoding");
    *out = e;
    return ELECTRA_OK;
}

ELECTRA_API void electra_encoding_free(electra_encoding *e)
{
    if (!e)
        return;
    el_free(e->row_start);
    el_free(e->row_len);
    el_free(e->row_source);
    el_free(e->ids);
    el_free(e->type_ids);
    el_free(e->attention);
    el_free(e->special);
    el_free(e->sequence);
    el_free(e->word);
    el_free(e->offsets);
    el_token_list_free(&e->seq[0]);
    el_token_list_free(&e->seq[1]);
    el_tokenize_scratch_free(&e->scratch);
    el_free(e);
}

ELECTRA_API const char *electra_encoding_last_error(const electra_encoding *e)
{
    return e ? e->error : "encoding is NULL";
}

void el_encoding_set_general_path(electra_encoding *e, int on)
{
    e->general_path_only = on != 0;
}

void el_encoding_reset(electra_encoding *e)
{
    e->rows = 0;
    e->count = 0;
}

/* Grow every token array to hold need tokens (all or none). */
static int reserve_tokens(electra_encoding *e, size_t need)
{
    if (need <= e->cap)
        return 0;
    size_t cap = e->cap ? e->cap : 64;
    while (cap < need) {
        if (cap > SIZE_MAX / 4)
            return -1;
        cap *= 2;
    }
    int32_t **arrays[] = {&e->ids, &e->type_ids, &e->attention, &e->special, &e->sequence,
                          &e->word};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
        int32_t *p = el_realloc(*arrays[i], cap * sizeof(int32_t));
        if (!p)
            return -1;
        *arrays[i] = p;
    }
    size_t *o = cap <= SIZE_MAX / (2 * sizeof(size_t)) ? el_realloc(e->offsets, 2 * cap * sizeof(size_t)) : NULL;
    if (!o)
        return -1;
    e->offsets = o;
    e->cap = cap;
    return 0;
}

electra_status el_encoding_begin_row(electra_encoding *e, size_t source, size_t max_tokens)
{
    if (e->rows == e->rows_cap) {
        size_t cap = e->rows_cap ? 2 * e->rows_cap : 8;
        size_t *s = el_realloc(e->row_start, cap * sizeof *s);
        if (s)
            e->row_start = s;
        size_t *l = s ? el_realloc(e->row_len, cap * sizeof *l) : NULL;
        if (l)
            e->row_len = l;
        size_t *src = l ? el_realloc(e->row_source, cap * sizeof *src) : NULL;
        if (!src)
            return el_nomem("adding an encoding row");
        e->row_source = src;
        e->rows_cap = cap;
    }
    /* One spare token: an empty row still gets non-NULL arrays. */
    if (max_tokens >= SIZE_MAX - e->count || reserve_tokens(e, e->count + max_tokens + 1) != 0)
        return el_nomem("adding an encoding row");
    e->row_start[e->rows] = e->count;
    e->row_len[e->rows] = 0;
    e->row_source[e->rows] = source;
    e->rows++;
    return ELECTRA_OK;
}

void el_encoding_push(electra_encoding *e, int32_t id, int32_t type_id, int32_t sequence,
                      int32_t word, size_t begin, size_t end, int special)
{
    size_t i = e->count++;
    e->ids[i] = id;
    e->type_ids[i] = type_id;
    e->attention[i] = 1;
    e->special[i] = special;
    e->sequence[i] = sequence;
    e->word[i] = word;
    e->offsets[2 * i] = begin;
    e->offsets[2 * i + 1] = end;
    e->row_len[e->rows - 1]++;
}

/* Array by array: simple loops the compiler vectorizes. */
void el_encoding_append(electra_encoding *e, const struct el_token *tokens, size_t count,
                        int32_t seq)
{
    size_t at = e->count;
    for (size_t i = 0; i < count; i++)
        e->ids[at + i] = tokens[i].id;
    for (size_t i = 0; i < count; i++)
        e->word[at + i] = tokens[i].word;
    for (size_t i = 0; i < count; i++) {
        e->offsets[2 * (at + i)] = tokens[i].begin;
        e->offsets[2 * (at + i) + 1] = tokens[i].end;
    }
    for (size_t i = 0; i < count; i++) {
        e->type_ids[at + i] = seq;
        e->sequence[at + i] = seq;
        e->attention[at + i] = 1;
        e->special[at + i] = 0;
    }
    e->count += count;
    e->row_len[e->rows - 1] += count;
}

/* Rows move towards the end (each only grows), so the last moves first. */
electra_status el_encoding_pad(electra_encoding *e, size_t length, int32_t pad_id)
{
    size_t total = 0;
    for (size_t r = 0; r < e->rows; r++) {
        size_t len = e->row_len[r] > length ? e->row_len[r] : length;
        if (len > SIZE_MAX - total)
            return el_nomem("padding");
        total += len;
    }
    if (reserve_tokens(e, total) != 0)
        return el_nomem("padding");
    size_t end = total;
    for (size_t r = e->rows; r-- > 0;) {
        size_t len = e->row_len[r];
        size_t padded = len > length ? len : length;
        size_t from = e->row_start[r], to = end - padded;
        if (to != from) {
            int32_t *arrays[] = {e->ids, e->type_ids, e->attention, e->special, e->sequence,
                                 e->word};
            for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++)
                memmove(arrays[a] + to, arrays[a] + from, len * sizeof(int32_t));
            memmove(e->offsets + 2 * to, e->offsets + 2 * from, 2 * len * sizeof(size_t));
        }
        /* Padding as transformers pads: [PAD], type 0, mask 0, and 1 in the
         * special-tokens mask (both its tokenizers mark padding special). */
        for (size_t i = to + len; i < to + padded; i++) {
            e->ids[i] = pad_id;
            e->type_ids[i] = 0;
            e->attention[i] = 0;
            e->special[i] = 1;
            e->sequence[i] = -1;
            e->word[i] = -1;
            e->offsets[2 * i] = 0;
            e->offsets[2 * i + 1] = 0;
        }
        e->row_start[r] = to;
        e->row_len[r] = padded;
        end = to;
    }
    e->count = total;
    return ELECTRA_OK;
}

static bool row_ok(const electra_encoding *e, size_t row)
{
    return e && row < e->rows;
}

ELECTRA_API size_t electra_encoding_rows(const electra_encoding *e)
{
    return e ? e->rows : 0;
}

ELECTRA_API size_t electra_encoding_length(const electra_encoding *e, size_t row)
{
    return row_ok(e, row) ? e->row_len[row] : 0;
}

#define ROW_ARRAY(name, field)                                                                   \
    ELECTRA_API const int32_t *name(const electra_encoding *e, size_t row)                       \
    {                                                                                            \
        return row_ok(e, row) ? e->field + e->row_start[row] : NULL;                             \
    }

ROW_ARRAY(electra_encoding_ids, ids)
ROW_ARRAY(electra_encoding_type_ids, type_ids)
ROW_ARRAY(electra_encoding_attention_mask, attention)
ROW_ARRAY(electra_encoding_special_tokens_mask, special)
ROW_ARRAY(electra_encoding_sequence_ids, sequence)

const int32_t *el_encoding_word_ids(const electra_encoding *e, size_t row)
{
    return row_ok(e, row) ? e->word + e->row_start[row] : NULL;
}

ELECTRA_API const size_t *electra_encoding_offsets(const electra_encoding *e, size_t row)
{
    return row_ok(e, row) ? e->offsets + 2 * e->row_start[row] : NULL;
}

ELECTRA_API size_t electra_encoding_source(const electra_encoding *e, size_t row)
{
    return row_ok(e, row) ? e->row_source[row] : 0;
}
