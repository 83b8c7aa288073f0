/* encode.c - text (and pair) to model inputs: [CLS] A [SEP] (B [SEP]),
 * truncation as the slow BertTokenizer truncates, overflow windows as the
 * fast tokenizer makes them, batch padding. */
#include <string.h>

#include "encoding.h"
#include "error.h"
#include "options.h"
#include "tokenize.h"
#include "tokenizer.h"

struct encode_options {
    int add_special;
    size_t max_length; /* 0: no limit */
    int truncation;
    size_t stride;
    int overflow;
    int padding;
    size_t multiple;
};

static void read_options(const electra_options *o, struct encode_options *x)
{
    x->add_special = (int)el_opt_int(o, ELECTRA_OPT_ADD_SPECIAL_TOKENS);
    x->max_length = (size_t)el_opt_int(o, ELECTRA_OPT_MAX_LENGTH);
    x->truncation = (int)el_opt_int(o, ELECTRA_OPT_TRUNCATION);
    x->stride = (size_t)el_opt_int(o, ELECTRA_OPT_STRIDE);
    x->overflow = (int)el_opt_int(o, ELECTRA_OPT_RETURN_OVERFLOW);
    x->padding = (int)el_opt_int(o, ELECTRA_OPT_PADDING);
    x->multiple = (size_t)el_opt_int(o, ELECTRA_OPT_PAD_TO_MULTIPLE_OF);
}

/* A slice of a sequence's tokens placed into a row. */
struct slice {
    const el_token_list *tokens; /* NULL: no such sequence */
    size_t from, to;
};

static electra_status emit_row(const electra_tokenizer *t, electra_encoding *e, size_t source,
                               const struct encode_options *o, struct slice a, struct slice b)
{
    size_t n = (a.to - a.from) + (b.tokens ? b.to - b.from : 0) + 3;
    electra_status st = el_encoding_begin_row(e, source, n);
    if (st != ELECTRA_OK)
        return st;
    int32_t cls = t->special_ids[ELECTRA_TOKEN_CLS], sep = t->special_ids[ELECTRA_TOKEN_SEP];
    const struct slice *parts[2] = {&a, &b};
    for (int s = 0; s < 2; s++) {
        const struct slice *p = parts[s];
        if (!p->tokens)
            break;
        if (s == 0 && o->add_special)
            el_encoding_push(e, cls, 0, -1, -1, 0, 0, 1);
        if (p->to > p->from) /* items is NULL before the first token */
            el_encoding_append(e, p->tokens->items + p->from, p->to - p->from, s);
        if (o->add_special)
            el_encoding_push(e, sep, s, -1, -1, 0, 0, 1);
    }
    return ELECTRA_OK;
}

static electra_status too_short(const char *strategy, size_t remove, size_t have,
                                const char *which)
{
    return el_fail(ELECTRA_ERR_TRUNCATION,
                   "truncation %s: %zu tokens must go to respect MAX_LENGTH but the %s has "
                   "only %zu",
                   strategy, remove, which, have);
}

/* RETURN_OVERFLOW: the fast tokenizer's windows. The truncated sequence is
 * cut into windows of w tokens, each starting w - stride after the last,
 * until one reaches its end; the other sequence is whole in every row. */
static electra_status emit_windows(const electra_tokenizer *t, electra_encoding *e,
                                   size_t source, const struct encode_options *o,
                                   struct slice a, struct slice b, size_t remove)
{
    if (b.tokens && o->truncation == ELECTRA_TRUNCATION_LONGEST_FIRST)
        return el_fail(ELECTRA_ERR_UNSUPPORTED,
                       "RETURN_OVERFLOW with a pair needs TRUNCATION only_first or only_second");
    bool second = o->truncation == ELECTRA_TRUNCATION_ONLY_SECOND;
    if (second && !b.tokens)
        return el_fail(ELECTRA_ERR_TRUNCATION, "truncation only_second: there is no pair");
    struct slice *cut = second ? &b : &a;
    size_t len = cut->to;
    if (len <= remove)
        return too_short(second ? "only_second" : "only_first", remove, len,
                         second ? "pair" : "text");
    size_t w = len - remove;
    if (o->stride >= w)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "STRIDE %zu must be smaller than the window of %zu tokens (MAX_LENGTH "
                       "less the special tokens and the other sequence)",
                       o->stride, w);
    for (size_t start = 0;; start += w - o->stride) {
        cut->from = start;
        cut->to = start + w < len ? start + w : len;
        electra_status st = emit_row(t, e, source, o, a, b);
        if (st != ELECTRA_OK || cut->to == len)
            return st;
    }
}

/* Tokenize one input and append its row(s). */
static electra_status encode_one(const electra_tokenizer *t, electra_encoding *e, size_t source,
                                 const char *text, size_t text_len, const char *pair,
                                 size_t pair_len, const struct encode_options *o)
{
    bool fast = !e->general_path_only;
    electra_status st = el_tokenize(t, text ? text : "", text_len, fast, &e->scratch, &e->seq[0]);
    if (st != ELECTRA_OK)
        return el_fail_context(st, "text");
    if (pair) {
        st = el_tokenize(t, pair, pair_len, fast, &e->scratch, &e->seq[1]);
        if (st != ELECTRA_OK)
            return el_fail_context(st, "pair");
    }
    struct slice a = {&e->seq[0], 0, e->seq[0].count};
    struct slice b = {pair ? &e->seq[1] : NULL, 0, pair ? e->seq[1].count : 0};
    size_t la = a.to, lb = b.to;
    size_t total = la + lb + (o->add_special ? (pair ? 3 : 2) : 0);
    if (o->truncation == ELECTRA_TRUNCATION_NONE || o->max_length == 0 ||
        total <= o->max_length)
        return emit_row(t, e, source, o, a, b);
    size_t remove = total - o->max_length;
    if (o->overflow)
        return emit_windows(t, e, source, o, a, b, remove);
    /* transformers' truncate_sequences (slow): only_* cut the last tokens of
     * one sequence and refuse (log an error, truncate nothing) when it has
     * no more than that many; longest_first takes one token at a time from
     * the longer, from the pair on a tie. Where the slow tokenizer would
     * return a result longer than MAX_LENGTH, this is an error instead. */
    if (o->truncation == ELECTRA_TRUNCATION_LONGEST_FIRST && pair) {
        if (remove > la + lb)
            return too_short("longest_first", remove, la + lb, "text and pair together");
        for (size_t i = 0; i < remove; i++) {
            if (a.to > b.to)
                a.to--;
            else
                b.to--;
        }
    } else if (o->truncation == ELECTRA_TRUNCATION_ONLY_SECOND) {
        if (!pair)
            return el_fail(ELECTRA_ERR_TRUNCATION, "truncation only_second: there is no pair");
        if (lb <= remove)
            return too_short("only_second", remove, lb, "pair");
        b.to = lb - remove;
    } else { /* only_first, or longest_first of a single text */
        if (la <= remove)
            return too_short(o->truncation == ELECTRA_TRUNCATION_ONLY_FIRST ? "only_first"
                                                                             : "longest_first",
                             remove, la, "text");
        a.to = la - remove;
    }
    return emit_row(t, e, source, o, a, b);
}

static electra_status pad_rows(const electra_tokenizer *t, electra_encoding *e,
                               const struct encode_options *o)
{
    if (o->padding == ELECTRA_PADDING_NONE)
        return ELECTRA_OK;
    size_t target = 0;
    if (o->padding == ELECTRA_PADDING_LONGEST) {
        for (size_t r = 0; r < e->rows; r++)
            if (e->row_len[r] > target)
                target = e->row_len[r];
    } else {
        if (o->max_length == 0)
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "PADDING_MAX_LENGTH needs MAX_LENGTH");
        target = o->max_length;
    }
    if (o->multiple > 0 && target % o->multiple)
        target = (target / o->multiple + 1) * o->multiple;
    int32_t pad = t->special_ids[ELECTRA_TOKEN_PAD];
    if (pad < 0)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "padding asked for but the vocabulary has no padding token");
    return el_encoding_pad(e, target, pad);
}

static electra_status encode_all(const electra_tokenizer *t, size_t count,
                                 const char *const *texts, const size_t *text_lengths,
                                 const char *const *pairs, const size_t *pair_lengths,
                                 const electra_options *options, electra_encoding *e)
{
    struct encode_options o;
    read_options(options, &o);
    if (o.add_special && (t->special_ids[ELECTRA_TOKEN_CLS] < 0 ||
                          t->special_ids[ELECTRA_TOKEN_SEP] < 0))
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "ADD_SPECIAL_TOKENS: the vocabulary lacks the [CLS] or [SEP] token");
    el_encoding_reset(e);
    for (size_t i = 0; i < count; i++) {
        const char *pair = pairs ? pairs[i] : NULL;
        if (!texts[i] && text_lengths[i])
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "input %zu: text is NULL", i);
        electra_status st = encode_one(t, e, i, texts[i], text_lengths[i], pair,
                                       pair ? pair_lengths[i] : 0, &o);
        if (st != ELECTRA_OK)
            return count > 1 ? el_fail_context(st, "input %zu", i) : st;
    }
    return pad_rows(t, e, &o);
}

static electra_status finish(electra_encoding *e, electra_status st)
{
    if (st != ELECTRA_OK) {
        el_encoding_reset(e);
        el_error_capture(e->error);
    }
    return st;
}

ELECTRA_API electra_status electra_tokenizer_encode(const electra_tokenizer *tokenizer,
                                                    const char *text, size_t text_length,
                                                    const char *pair, size_t pair_length,
                                                    const electra_options *options,
                                                    electra_encoding *encoding)
{
    if (!tokenizer || !encoding || (!text && text_length)) {
        electra_status st =
            el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "electra_tokenizer_encode: %s is NULL",
                    !tokenizer ? "tokenizer" : !encoding ? "encoding" : "text");
        return encoding ? finish(encoding, st) : st;
    }
    /* A NULL pair is no pair; an empty one (any pointer, length 0) is a pair. */
    const char *texts[1] = {text ? text : ""};
    const char *pairs[1] = {pair};
    return finish(encoding, encode_all(tokenizer, 1, texts, &text_length, pairs, &pair_length,
                                       options, encoding));
}

ELECTRA_API electra_status electra_tokenizer_encode_batch(
    const electra_tokenizer *tokenizer, size_t count, const char *const *texts,
    const size_t *text_lengths, const char *const *pairs, const size_t *pair_lengths,
    const electra_options *options, electra_encoding *encoding)
{
    if (!tokenizer || !encoding || (count && (!texts || !text_lengths)) ||
        (pairs && count && !pair_lengths)) {
        const char *what = !tokenizer      ? "tokenizer"
                           : !encoding     ? "encoding"
                           : !texts        ? "texts"
                           : !text_lengths ? "text_lengths"
                                           : "pair_lengths";
        electra_status st = el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                                    "electra_tokenizer_encode_batch: %s is NULL", what);
        return encoding ? finish(encoding, st) : st;
    }
    return finish(encoding, encode_all(tokenizer, count, texts, text_lengths, pairs,
                                       pair_lengths, options, encoding));
}
