/* finetune_features.c - tokenizing fine-tuning examples into rows. */
#include "finetune_features.h"

#include <string.h>

#include "alloc.h"
#include "error.h"
#include "finetune_squad.h"
#include "tokenize.h"

/* What building needs besides the features. */
struct builder {
    el_ft_features *f;
    const el_ft_data *d;
    const int32_t *label_map;
    const electra_tokenizer *tok;
    size_t max_length, doc_stride;
    int32_t cls, sep;
    electra_encoding *enc;
    electra_options *opts;
    el_tokenize_scratch scratch; /* tag: one word at a time */
    el_token_list pieces;
};

static electra_status grow_array(void **p, size_t cap, size_t elem)
{
    void *q = el_realloc(*p, cap * elem);
    if (!q)
        return el_nomem("tokenizing fine-tuning data");
    *p = q;
    return ELECTRA_OK;
}

/* Room for `more` tokens in every per-token array the task uses. */
static electra_status reserve_tokens(el_ft_features *f, size_t more)
{
    if (f->count + more <= f->cap)
        return ELECTRA_OK;
    size_t cap = f->cap ? f->cap : 4096;
    while (cap < f->count + more)
        cap *= 2;
    electra_status s;
    if ((s = grow_array((void **)&f->ids, cap, sizeof *f->ids)) ||
        (s = grow_array((void **)&f->types, cap, sizeof *f->types)))
        return s;
    if (f->task == EL_FT_TAG && (s = grow_array((void **)&f->labels, cap, sizeof *f->labels)))
        return s;
    if (f->task == EL_FT_QA &&
        ((s = grow_array((void **)&f->offsets, cap, 2 * sizeof *f->offsets)) ||
         (s = grow_array((void **)&f->in_context, cap, sizeof *f->in_context))))
        return s;
    f->cap = cap;
    return ELECTRA_OK;
}

/* Open a row for example ex; its tokens are appended from f->count. */
static electra_status begin_row(el_ft_features *f, size_t example, size_t tokens)
{
    if (el_grow((void **)&f->rows, &f->rows_cap, f->n + 1, sizeof *f->rows))
        return el_nomem("tokenizing fine-tuning data");
    electra_status s = reserve_tokens(f, tokens);
    if (s)
        return s;
    f->rows[f->n] = (el_ft_feature){.example = example, .begin = f->count};
    return ELECTRA_OK;
}

static void end_row(el_ft_features *f)
{
    el_ft_feature *r = &f->rows[f->n++];
    r->len = f->count - r->begin;
    if (r->len > f->max_len)
        f->max_len = r->len;
}

static electra_status encode_failed(const struct builder *b, const el_ft_example *ex,
                                    electra_status s)
{
    return el_fail(s, "%s:%zu: %s", b->d->path, ex->line, electra_encoding_last_error(b->enc));
}

/* Copy row r of the encoding into the open row. */
static void copy_row(struct builder *b, size_t r)
{
    el_ft_features *f = b->f;
    size_t n = electra_encoding_length(b->enc, r);
    memcpy(f->ids + f->count, electra_encoding_ids(b->enc, r), n * sizeof *f->ids);
    memcpy(f->types + f->count, electra_encoding_type_ids(b->enc, r), n * sizeof *f->types);
    f->count += n;
}

static electra_status build_classify(struct builder *b, size_t i)
{
    const el_ft_example *ex = &b->d->examples[i];
    electra_options_set_int(b->opts, ELECTRA_OPT_TRUNCATION, ELECTRA_TRUNCATION_LONGEST_FIRST);
    electra_options_set_int(b->opts, ELECTRA_OPT_MAX_LENGTH, (int64_t)b->max_length);
    electra_status s = electra_tokenizer_encode(
        b->tok, el_ft_str(b->d, ex->a), ex->a.len, ex->has_pair ? el_ft_str(b->d, ex->b) : NULL,
        ex->has_pair ? ex->b.len : 0, b->opts, b->enc);
    if (s)
        return encode_failed(b, ex, s);
    if ((s = begin_row(b->f, i, electra_encoding_length(b->enc, 0))))
        return s;
    copy_row(b, 0);
    b->f->rows[b->f->n].label = b->label_map[ex->label];
    end_row(b->f);
    return ELECTRA_OK;
}

static void push(el_ft_features *f, int32_t id, int32_t label)
{
    f->ids[f->count] = id;
    f->types[f->count] = 0;
    f->labels[f->count] = label;
    f->count++;
}

static electra_status build_tag(struct builder *b, size_t i)
{
    const el_ft_example *ex = &b->d->examples[i];
    el_ft_features *f = b->f;
    electra_status s = begin_row(f, i, b->max_length);
    if (s)
        return s;
    size_t room = b->max_length - 2; /* [CLS] and [SEP] */
    push(f, b->cls, EL_FT_IGNORE);
    for (size_t w = 0; w < ex->count && room; w++) {
        const el_ft_word *word = &b->d->words[ex->first + w];
        s = el_tokenize(b->tok, el_ft_str(b->d, word->text), word->text.len, true, &b->scratch,
                        &b->pieces);
        if (s)
            return el_fail_context(s, "%s:%zu: token %zu", b->d->path, ex->line, w);
        /* A word of no pieces (only spaces or control characters) loses
         * its tag, as with the fast tokenizer. */
        for (size_t p = 0; p < b->pieces.count && room; p++, room--)
            push(f, b->pieces.items[p].id, p == 0 ? b->label_map[word->tag] : EL_FT_IGNORE);
    }
    push(f, b->sep, EL_FT_IGNORE);
    end_row(f);
    return ELECTRA_OK;
}

/* run_qa strips the question's leading whitespace (a long run of it
 * would eat the window). */
static el_ft_span question_span(const el_ft_data *d, el_ft_span q)
{
    const char *s = el_ft_str(d, q);
    while (q.len && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
        s++;
        q.off++;
        q.len--;
    }
    return q;
}

static electra_status build_qa(struct builder *b, size_t i)
{
    const el_ft_data *d = b->d;
    const el_ft_example *ex = &d->examples[i];
    el_ft_features *f = b->f;
    el_ft_span q = question_span(d, ex->a);
    electra_options_set_int(b->opts, ELECTRA_OPT_TRUNCATION, ELECTRA_TRUNCATION_ONLY_SECOND);
    electra_options_set_int(b->opts, ELECTRA_OPT_MAX_LENGTH, (int64_t)b->max_length);
    electra_options_set_int(b->opts, ELECTRA_OPT_STRIDE, (int64_t)b->doc_stride);
    electra_options_set_int(b->opts, ELECTRA_OPT_RETURN_OVERFLOW, 1);
    electra_status s = electra_tokenizer_encode(b->tok, el_ft_str(d, q), q.len,
                                                el_ft_str(d, ex->b), ex->b.len, b->opts, b->enc);
    if (s)
        return encode_failed(b, ex, s);
    const el_ft_answer *answer = ex->count ? &d->answers[ex->first] : NULL;
    for (size_t r = 0; r < electra_encoding_rows(b->enc); r++) {
        size_t n = electra_encoding_length(b->enc, r);
        if ((s = begin_row(f, i, n)))
            return s;
        size_t at = f->count;
        const int32_t *seq = electra_encoding_sequence_ids(b->enc, r);
        memcpy(f->offsets + 2 * at, electra_encoding_offsets(b->enc, r), 2 * n * sizeof(size_t));
        for (size_t t = 0; t < n; t++)
            f->in_context[at + t] = seq[t] == 1;
        copy_row(b, r);
        el_ft_feature *row = &f->rows[f->n];
        if (answer)
            el_ft_squad_label(f->offsets + 2 * at, f->in_context + at, n, answer->start,
                              answer->start + answer->text.len, &row->start, &row->end);
        end_row(f);
    }
    return ELECTRA_OK;
}

electra_status el_ft_features_build(const el_ft_data *d, const int32_t *label_map,
                                    const electra_tokenizer *tok, size_t max_length,
                                    size_t doc_stride, el_ft_features **out)
{
    if (!d || !tok || !out || (d->task != EL_FT_QA && !label_map && d->names.count))
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_ft_features_build: NULL argument");
    if (max_length < 4)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "max length %zu leaves no room for text beside [CLS] and [SEP]",
                       max_length);
    struct builder b = {.d = d, .label_map = label_map, .tok = tok, .max_length = max_length,
                        .doc_stride = doc_stride,
                        .cls = electra_tokenizer_special_id(tok, ELECTRA_TOKEN_CLS),
                        .sep = electra_tokenizer_special_id(tok, ELECTRA_TOKEN_SEP)};
    if (b.cls < 0 || b.sep < 0)
        return el_fail(ELECTRA_ERR_FORMAT, "the vocabulary has no [CLS] or [SEP]");
    electra_status s = ELECTRA_OK;
    b.f = el_calloc(1, sizeof *b.f);
    if (!b.f)
        return el_nomem("tokenizing fine-tuning data");
    b.f->task = d->task;
    if (d->task != EL_FT_TAG && !(s = electra_encoding_create(&b.enc)))
        s = electra_options_create(&b.opts);
    for (size_t i = 0; !s && i < d->n; i++)
        s = d->task == EL_FT_CLASSIFY ? build_classify(&b, i)
            : d->task == EL_FT_TAG    ? build_tag(&b, i)
                                      : build_qa(&b, i);
    electra_encoding_free(b.enc);
    electra_options_free(b.opts);
    el_tokenize_scratch_free(&b.scratch);
    el_token_list_free(&b.pieces);
    if (s) {
        el_ft_features_free(b.f);
        return s;
    }
    *out = b.f;
    return ELECTRA_OK;
}

void el_ft_features_free(el_ft_features *f)
{
    if (!f)
        return;
    el_free(f->rows);
    el_free(f->ids);
    el_free(f->types);
    el_free(f->labels);
    el_free(f->offsets);
    el_free(f->in_context);
    el_free(f);
}
