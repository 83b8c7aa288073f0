/* pretrain_data.c - packing tokenised text into pre-training examples
 * (build_pretraining_dataset.py's ExampleBuilder) and the shuffled stream
 * over them. */
#include "pretrain_data.h"

#include <string.h>

#include "alloc.h"
#include "error.h"
#include "mapped_file.h"

/* Lines tokenised per call of the batch encoder. */
#define LINES_PER_BATCH 512

electra_status el_pretrain_data_create(size_t max_length, int32_t cls, int32_t sep,
                                       uint64_t seed, el_pretrain_data **out)
{
    /* [CLS] a [SEP] b [SEP] needs 5; the random target is in [5, max]. */
    if (max_length < 5 || max_length > UINT32_MAX)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "pre-training sequence length %zu is not in [5, %u]", max_length,
                       UINT32_MAX);
    el_pretrain_data *d = el_calloc(1, sizeof *d);
    if (!d)
        return el_nomem("creating pre-training data");
    d->max_length = max_length;
    d->target_length = max_length;
    d->cls = cls;
    d->sep = sep;
    el_rng_seed(&d->rng, el_mix64(seed ^ 0x5bd1e9955bd1e995ull));
    if (el_grow((void **)&d->begin, &d->cap_examples, 1, sizeof *d->begin)) {
        el_free(d);
        return el_nomem("creating pre-training data");
    }
    d->begin[0] = 0;
    *out = d;
    return ELECTRA_OK;
}

void el_pretrain_data_free(el_pretrain_data *d)
{
    if (!d)
        return;
    el_free(d->tokens);
    el_free(d->begin);
    el_free(d->type0);
    el_free(d->pending);
    el_free(d->sentences);
    el_free(d);
}

/* Python's random.random() < p. */
static int chance(el_pretrain_data *d, double p)
{
    return el_rng_uniform(&d->rng) < p;
}

/* Append n tokens to the examples' token array. */
static void put(el_pretrain_data *d, const int32_t *ids, size_t n)
{
    memcpy(d->tokens + d->n_tokens, ids, n * sizeof *ids);
    d->n_tokens += n;
}

/* Copy the sentences of one segment (those whose in_a flag is `which`),
 * at most n tokens. */
static void put_segment(el_pretrain_data *d, int which, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < d->n_sentences && n; i++) {
        size_t end = d->sentences[i].end, len = end - start;
        if (d->sentences[i].in_a == which) {
            size_t k = len < n ? len : n;
            put(d, d->pending + start, k);
            n -= k;
        }
        start = end;
    }
}

/* ExampleBuilder._create_example: split the pending sentences into the
 * two segments and append the example. */
static electra_status create_example(el_pretrain_data *d)
{
    size_t max = d->max_length, n = d->n_examples;
    if (el_grow((void **)&d->begin, &d->cap_examples, n + 2, sizeof *d->begin))
        return el_nomem("packing pre-training examples");
    /* type0 grows with begin: it needs one entry less. */
    uint32_t *type0 = el_realloc(d->type0, d->cap_examples * sizeof *type0);
    if (!type0 || el_grow((void **)&d->tokens, &d->cap_tokens, d->n_tokens + max,
                          sizeof *d->tokens)) {
        if (type0)
            d->type0 = type0;
        return el_nomem("packing pre-training examples");
    }
    d->type0 = type0;
    /* A small chance of a single segment, as classification inputs are. */
    size_t first_target = chance(d, 0.1) ? SIZE_MAX : (d->target_length - 3) / 2;
    size_t a_len = 0, b_len = 0, start = 0;
    for (size_t i = 0; i < d->n_sentences; i++) {
        size_t len = d->sentences[i].end - start;
        start = d->sentences[i].end;
        /* A sentence goes to A when A is empty, when it keeps A under its
         * target, or half the time when it would not but B is still
         * empty and A short of the target; else to B. (So a short
         * sentence after one that went to B may still join A.) */
        int in_a = a_len == 0 || a_len + len < first_target ||
                   (b_len == 0 && a_len < first_target && chance(d, 0.5));
        d->sentences[i].in_a = in_a;
        if (in_a)
            a_len += len;
        else
            b_len += len;
    }
    /* Trim, counting the special tokens still to come. */
    if (a_len > max - 2)
        a_len = max - 2;
    size_t b_room = max - a_len >= 3 ? max - a_len - 3 : 0;
    if (b_len > b_room)
        b_len = b_room;
    put(d, &d->cls, 1);
    put_segment(d, 1, a_len);
    put(d, &d->sep, 1);
    if (b_len) {
        put_segment(d, 0, b_len);
        put(d, &d->sep, 1);
    }
    d->type0[n] = (uint32_t)(a_len + 2);
    d->begin[n + 1] = d->n_tokens;
    d->n_examples = n + 1;
    d->n_pending = 0;
    d->n_sentences = 0;
    /* A small chance that the next example aims shorter. */
    if (chance(d, 0.05))
        d->target_length = 5 + (size_t)(el_rng_uniform(&d->rng) * (double)(max - 4));
    else
        d->target_length = max;
    return ELECTRA_OK;
}

electra_status el_pretrain_data_add_sentence(el_pretrain_data *d, const int32_t *ids, size_t n)
{
    if (el_grow((void **)&d->pending, &d->cap_pending, d->n_pending + n + 1, sizeof *d->pending) ||
        el_grow((void **)&d->sentences, &d->cap_sentences, d->n_sentences + 1,
                sizeof *d->sentences))
        return el_nomem("packing pre-training examples");
    memcpy(d->pending + d->n_pending, ids, n * sizeof *ids);
    d->n_pending += n;
    d->sentences[d->n_sentences++].end = d->n_pending;
    if (d->n_pending >= d->target_length)
        return create_example(d);
    return ELECTRA_OK;
}

electra_status el_pretrain_data_end_document(el_pretrain_data *d)
{
    /* add_line(""): an example only when some tokens are pending. */
    if (d->n_pending == 0) {
        d->n_sentences = 0;
        return ELECTRA_OK;
    }
    return create_example(d);
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\f' && s[i] != '\v')
            return 0;
    return 1;
}

struct line_batch {
    const char *text[LINES_PER_BATCH];
    size_t len[LINES_PER_BATCH];
    int is_blank[LINES_PER_BATCH];
    size_t n;
};

/* Tokenise the batch's non-blank lines at once, then feed every line in
 * order. */
static electra_status feed(el_pretrain_data *d, const electra_tokenizer *tok,
                           const electra_options *opts, electra_encoding *enc,
                           struct line_batch *lb, size_t *line_no, const char *what)
{
    const char *texts[LINES_PER_BATCH];
    size_t lens[LINES_PER_BATCH], n = 0;
    for (size_t i = 0; i < lb->n; i++)
        if (!lb->is_blank[i]) {
            texts[n] = lb->text[i];
            lens[n++] = lb->len[i];
        }
    electra_status s = ELECTRA_OK;
    if (n && (s = electra_tokenizer_encode_batch(tok, n, texts, lens, NULL, NULL, opts, enc)))
        return el_fail_context(s, "tokenising %s near line %zu", what, *line_no + 1);
    size_t row = 0;
    for (size_t i = 0; !s && i < lb->n; i++, (*line_no)++) {
        if (lb->is_blank[i]) {
            s = el_pretrain_data_end_document(d);
        } else {
            s = el_pretrain_data_add_sentence(d, electra_encoding_ids(enc, row),
                                              electra_encoding_length(enc, row));
            row++;
        }
    }
    lb->n = 0;
    return s;
}

electra_status el_pretrain_data_add_text(el_pretrain_data *d, const electra_tokenizer *tokenizer,
                                         const char *text, size_t len, const char *what)
{
    if (!d || !tokenizer || (!text && len))
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_pretrain_data_add_text: NULL argument");
    electra_options *opts = NULL;
    electra_encoding *enc = NULL;
    struct line_batch *lb = el_calloc(1, sizeof *lb);
    electra_status s = lb ? electra_options_create(&opts) : el_nomem("reading pre-training text");
    if (!s)
        s = electra_options_set_int(opts, ELECTRA_OPT_ADD_SPECIAL_TOKENS, 0);
    if (!s)
        s = electra_encoding_create(&enc);
    size_t line_no = 0, p = 0;
    while (!s && p < len) {
        const char *nl = memchr(text + p, '\n', len - p);
        size_t end = nl ? (size_t)(nl - text) : len;
        lb->text[lb->n] = text + p;
        lb->len[lb->n] = end - p;
        lb->is_blank[lb->n] = blank(text + p, end - p);
        if (++lb->n == LINES_PER_BATCH)
            s = feed(d, tokenizer, opts, enc, lb, &line_no, what);
        p = end + 1;
    }
    if (!s && lb->n)
        s = feed(d, tokenizer, opts, enc, lb, &line_no, what);
    if (!s)
        s = el_pretrain_data_end_document(d);
    electra_encoding_free(enc);
    electra_options_free(opts);
    el_free(lb);
    return s;
}

electra_status el_pretrain_data_add_file(el_pretrain_data *d, const electra_tokenizer *tokenizer,
                                         const char *path)
{
    if (!path)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_pretrain_data_add_file: NULL path");
    void *addr;
    size_t size;
    electra_status s = el_map_file(path, &addr, &size);
    if (s)
        return s;
    s = el_pretrain_data_add_text(d, tokenizer, addr, size, path);
    el_unmap_file(addr, size);
    return s;
}

void el_pretrain_data_example(const el_pretrain_data *d, size_t i, int32_t *ids, int32_t *types,
                              int32_t *mask)
{
    size_t b = d->begin[i], n = d->begin[i + 1] - b, a = d->type0[i];
    for (size_t t = 0; t < d->max_length; t++) {
        ids[t] = t < n ? d->tokens[b + t] : 0;
        types[t] = t < n && t >= a;
        mask[t] = t < n;
    }
}

/* The permutation of `epoch`: Fisher-Yates from a generator keyed by the
 * seed and the epoch. */
static void shuffle(el_pretrain_stream *s, uint64_t epoch)
{
    size_t n = s->data->n_examples;
    el_rng rng;
    el_rng_seed(&rng, el_mix64(s->seed ^ 0x243f6a8885a308d3ull) + el_mix64(epoch));
    for (size_t i = 0; i < n; i++)
        s->order[i] = (uint32_t)i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(el_rng_uniform(&rng) * (double)i);
        uint32_t t = s->order[i - 1];
        s->order[i - 1] = s->order[j];
        s->order[j] = t;
    }
    s->epoch = epoch;
}

electra_status el_pretrain_stream_init(el_pretrain_stream *s, const el_pretrain_data *data,
                                       uint64_t seed, uint64_t consumed)
{
    if (!s || !data)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_pretrain_stream_init: NULL argument");
    if (data->n_examples == 0)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                       "the pre-training text gave no examples (is it empty?)");
    if (data->n_examples > UINT32_MAX)
        return el_fail(ELECTRA_ERR_UNSUPPORTED, "%zu pre-training examples are too many",
                       data->n_examples);
    uint32_t *order = el_malloc_array(data->n_examples, sizeof *order);
    if (!order)
        return el_nomem("shuffling pre-training examples");
    *s = (el_pretrain_stream){.data = data, .seed = seed, .consumed = consumed, .order = order};
    shuffle(s, consumed / data->n_examples);
    return ELECTRA_OK;
}

void el_pretrain_stream_release(el_pretrain_stream *s)
{
    if (s) {
        el_free(s->order);
        s->order = NULL;
    }
}

void el_pretrain_stream_seek(el_pretrain_stream *s, uint64_t consumed)
{
    s->consumed = consumed;
    shuffle(s, consumed / s->data->n_examples);
}

void el_pretrain_stream_next(el_pretrain_stream *s, size_t batch, int32_t *ids, int32_t *types,
                             int32_t *mask)
{
    size_t n = s->data->n_examples, S = s->data->max_length;
    for (size_t r = 0; r < batch; r++, s->consumed++) {
        uint64_t epoch = s->consumed / n;
        if (epoch != s->epoch)
            shuffle(s, epoch);
        el_pretrain_data_example(s->data, s->order[s->consumed % n], ids + r * S, types + r * S,
                                 mask + r * S);
    }
}
