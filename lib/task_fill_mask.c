/* task_fill_mask.c - electra_fill_mask, as transformers' fill-mask
 * pipeline: per [MASK], the top-k tokens by full-vocabulary softmax
 * probability (targets restrict the candidates without renormalising),
 * the token decoded alone and the sequence decoded with it filled in
 * (special tokens skipped only when the text has a single mask). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "options.h"
#include "task.h"

/* decode() into a growing buffer. */
static electra_status decode(const electra_tokenizer *tok, const int32_t *ids, size_t n,
                             int skip_special, char **buf, size_t *cap, size_t *len)
{
    for (;;) {
        electra_status s = electra_tokenizer_decode(tok, ids, n, skip_special, 1, *buf, *cap, len);
        if (s != ELECTRA_ERR_BUFFER_TOO_SMALL)
            return s;
        char *bigger = el_realloc(*buf, *len + 1);
        if (!bigger)
            return el_nomem("decoding fill-mask candidates");
        *buf = bigger;
        *cap = *len + 1;
    }
}

/* Candidate ids for the targets: the word itself when it is in the
 * vocabulary, else its first word piece; duplicates dropped. */
static electra_status target_ids(const electra_tokenizer *tok,
                                 const char *const *targets, size_t n_targets, int32_t **out,
                                 size_t *n_out)
{
    int32_t *ids = el_malloc_array(n_targets ? n_targets : 1, sizeof *ids);
    electra_encoding *enc = NULL;
    electra_options *o = NULL;
    electra_status s = ids ? ELECTRA_OK : el_nomem("reading fill-mask targets");
    if (!s)
        s = electra_encoding_create(&enc);
    if (!s)
        s = electra_options_create(&o);
    if (!s)
        s = electra_options_set_int(o, ELECTRA_OPT_ADD_SPECIAL_TOKENS, 0);
    size_t n = 0;
    for (size_t i = 0; !s && i < n_targets; i++) {
        if (!targets[i]) {
            s = el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "fill-mask target %zu is NULL", i);
            break;
        }
        size_t len = strlen(targets[i]);
        int32_t id = electra_tokenizer_token_to_id(tok, targets[i], len);
        if (id < 0) {
            s = electra_tokenizer_encode(tok, targets[i], len, NULL, 0, o, enc);
            if (s) {
                el_fail(s, "fill-mask target \"%s\": %s", targets[i],
                        electra_encoding_last_error(enc));
                break;
            }
            if (!electra_encoding_length(enc, 0))
                continue; /* nothing to put in the mask: transformers skips it */
            id = electra_encoding_ids(enc, 0)[0];
        }
        int seen = 0;
        for (size_t j = 0; j < n; j++)
            seen |= ids[j] == id;
        if (!seen)
            ids[n++] = id;
    }
    if (!s && n_targets && !n)
        s = el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "no fill-mask target gives a token");
    electra_encoding_free(enc);
    electra_options_free(o);
    if (s) {
        el_free(ids);
        return s;
    }
    *out = ids;
    *n_out = n;
    return ELECTRA_OK;
}

/* A candidate for sorting: its probability and token id. */
struct scored {
    float p;
    int32_t id;
};

/* Most probable first, ties to the lower id, NaN after every number. */
static int by_probability(const void *a, const void *b)
{
    const struct scored *x = a, *y = b;
    int xn = isnan(x->p), yn = isnan(y->p);
    if (xn != yn)
        return xn - yn;
    if (!xn && x->p != y->p)
        return x->p > y->p ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* Beyond this many, the k best are found by sorting every candidate
 * (O(n log n)) rather than by insertion into the best so far (O(n k)):
 * TOP_K may ask for the whole vocabulary. */
#define INSERTION_MAX_K 64

/* Indices (into cand, or the vocabulary when cand is NULL) of the k most
 * probable candidates, best first; ties go to the lower token id. order
 * has room for n_cand entries when k > INSERTION_MAX_K. */
static void top_k(const float *probs, const int32_t *cand, size_t n_cand, size_t k,
                  int32_t *best, struct scored *order)
{
    if (k > INSERTION_MAX_K) {
        for (size_t c = 0; c < n_cand; c++) {
            int32_t id = cand ? cand[c] : (int32_t)c;
            order[c] = (struct scored){probs[id], id};
        }
        qsort(order, n_cand, sizeof *order, by_probability);
        for (size_t c = 0; c < k; c++)
            best[c] = order[c].id;
        return;
    }
    size_t have = 0;
    for (size_t c = 0; c < n_cand; c++) {
        int32_t id = cand ? cand[c] : (int32_t)c;
        float p = probs[id];
        if (have == k && !(p > probs[best[k - 1]] ||
                           (p == probs[best[k - 1]] && id < best[k - 1])))
            continue;
        size_t j = have < k ? have++ : k - 1;
        while (j > 0 && (p > probs[best[j - 1]] || (p == probs[best[j - 1]] && id < best[j - 1]))) {
            best[j] = best[j - 1];
            j--;
        }
        best[j] = id;
    }
}

struct fill {
    electra_context *ctx;
    const electra_tokenizer *tok;
    electra_result *r;
    size_t seq, n_masks;
    size_t *mask_rows;
    int32_t *cand;
    size_t n_cand;
    int32_t *best, *ids;
    struct scored *order; /* candidates, for a large k */
    float *probs; /* vocab */
    char *buf;
    size_t cap;
};

static electra_status fill_one_mask(struct fill *f, size_t m, float *logits, size_t k)
{
    const electra_encoding *e = f->ctx->encoding;
    size_t V = (size_t)f->ctx->model->cfg.vocab_size, pos = f->mask_rows[m];
    float *raw = logits + m * V;
    float *probs = f->probs;
    memcpy(probs, raw, V * sizeof *probs);
    el_softmax(probs, V);
    top_k(probs, f->cand, f->cand ? f->n_cand : V, k, f->best, f->order);
    const int32_t *ids = electra_encoding_ids(e, 0);
    const size_t *offsets = electra_encoding_offsets(e, 0);
    for (size_t c = 0; c < k; c++) {
        int32_t id = f->best[c];
        size_t n = 0, len;
        electra_status s = decode(f->tok, &id, 1, 0, &f->buf, &f->cap, &len);
        if (s)
            return s;
        char *token = el_strndup(f->buf, len);
        if (!token)
            return el_nomem("building fill-mask results");
        for (size_t i = 0; i < f->seq; i++)
            if (ids[i] != electra_tokenizer_special_id(f->tok, ELECTRA_TOKEN_PAD))
                f->ids[n++] = i == pos ? id : ids[i];
        s = decode(f->tok, f->ids, n, f->n_masks == 1, &f->buf, &f->cap, &len);
        el_item it = {.group = (int)m, .id = id, .start = offsets[2 * pos],
                      .end = offsets[2 * pos + 1], .score = probs[id], .logit = raw[id]};
        if (!s)
            s = el_result_add(f->r, &it, token, strlen(token), f->buf, len);
        el_free(token);
        if (s)
            return s;
    }
    return ELECTRA_OK;
}

ELECTRA_API electra_status electra_fill_mask(electra_context *context, const char *text,
                                             size_t text_length, const char *const *targets,
                                             size_t target_count, const electra_options *options,
                                             electra_result **out)
{
    electra_status s = el_task_begin(context, ELECTRA_HEAD_MASKED_LM, "fill-mask", text,
                                     text_length, out);
    if (s)
        return s;
    if (target_count && !targets)
        return el_context_fail(context, el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                                                "fill-mask: targets is NULL"));
    struct fill f = {.ctx = context};
    s = el_result_create(&f.r);
    if (!s)
        s = el_task_tokenizer(context, &f.tok);
    if (!s && target_count)
        s = target_ids(f.tok, targets, target_count, &f.cand, &f.n_cand);
    if (!s)
        s = el_task_encode(context, text, text_length, NULL, 0, options);
    if (!s) {
        const electra_encoding *e = context->encoding;
        f.seq = electra_encoding_length(e, 0);
        const int32_t *ids = electra_encoding_ids(e, 0);
        int32_t mask_id = electra_tokenizer_special_id(f.tok, ELECTRA_TOKEN_MASK);
        f.mask_rows = el_malloc_array(f.seq, sizeof *f.mask_rows);
        f.ids = el_malloc_array(f.seq, sizeof *f.ids);
        if (!f.mask_rows || !f.ids)
            s = el_nomem("filling masks");
        for (size_t i = 0; !s && i < f.seq; i++)
            if (ids[i] == mask_id)
                f.mask_rows[f.n_masks++] = i;
        if (!s && !f.n_masks)
            s = el_fail(ELECTRA_ERR_NO_MASK, "the text has no [MASK] token");
    }
    if (!s)
        s = el_task_forward_trunk(context);
    if (!s) {
        size_t k = (size_t)el_opt_int(options, ELECTRA_OPT_TOP_K);
        size_t pool = f.cand ? f.n_cand : (size_t)context->model->cfg.vocab_size;
        if (!k)
            k = 5; /* transformers' default */
        if (k > pool)
            k = pool;
        f.best = el_malloc_array(k, sizeof *f.best);
        f.probs = el_malloc_array((size_t)context->model->cfg.vocab_size, sizeof *f.probs);
        if (k > INSERTION_MAX_K)
            f.order = el_malloc_array(pool, sizeof *f.order);
        if (!f.best || !f.probs || (k > INSERTION_MAX_K && !f.order))
            s = el_nomem("filling masks");
        else
            el_forward_mlm_rows(context, f.mask_rows, f.n_masks, context->logits);
        for (size_t m = 0; !s && m < f.n_masks; m++)
            s = fill_one_mask(&f, m, context->logits, k);
    }
    el_free(f.mask_rows);
    el_free(f.ids);
    el_free(f.cand);
    el_free(f.best);
    el_free(f.order);
    el_free(f.probs);
    el_free(f.buf);
    return el_task_end(context, s, f.r, out);
}
