/* context.c - contexts, the raw forward API and its outputs. */
#include "context.h"

#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "options.h"
#include "transformer_ops.h"

electra_status el_context_fail(electra_context *ctx, electra_status status)
{
    el_error_capture(ctx->error);
    return status;
}

ELECTRA_API electra_status electra_context_create(const electra_model *model,
                                                  const electra_options *options,
                                                  electra_context **out)
{
    if (!model || !out)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "electra_context_create: %s is NULL",
                       model ? "out" : "model");
    electra_context *ctx = el_calloc(1, sizeof *ctx);
    if (!ctx)
        return el_nomem("creating a context");
    ctx->model = model;
    ctx->threads = (int)el_opt_int(options, ELECTRA_OPT_THREADS);
    ctx->keep_hidden_states = (int)el_opt_int(options, ELECTRA_OPT_OUTPUT_HIDDEN_STATES);
    electra_status s = el_threadpool_create(ctx->threads, &ctx->pool);
    if (s) {
        el_free(ctx);
        return s;
    }
    *out = ctx;
    return ELECTRA_OK;
}

ELECTRA_API void electra_context_free(electra_context *context)
{
    if (!context)
        return;
    el_threadpool_free(context->pool);
    el_free_aligned(context->arena);
    electra_encoding_free(context->encoding);
    electra_options_free(context->encode_options);
    el_free(context);
}

ELECTRA_API const char *electra_context_last_error(const electra_context *context)
{
    return context ? context->error : "context is NULL";
}

/* Sizes of the arena's pieces, in elements, with overflow checks. */
struct plan {
    size_t emb, hidden, states, hxt5, inter, head, scratch, logits, ints;
};

static int mul(size_t a, size_t b, size_t *out)
{
    if (b && a > SIZE_MAX / b)
        return -1;
    *out = a * b;
    return 0;
}

/* Round up to 16 floats (64 bytes) so every piece starts aligned. */
static size_t pad16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

static int make_plan(const electra_context *ctx, size_t T, size_t scratch, size_t logit_floats,
                     struct plan *p, size_t *bytes)
{
    const el_config *c = &ctx->model->cfg;
    size_t E = (size_t)c->embedding_size, H = (size_t)c->hidden_size;
    size_t I = (size_t)c->intermediate_size, wide = H > E ? H : E;
    if (mul(T, E, &p->emb) || mul(T, H, &p->hidden) || mul(p->hidden, 5, &p->hxt5) ||
        mul(T, I, &p->inter) || mul(T, wide, &p->head) || mul(T, 3, &p->ints))
        return -1;
    p->scratch = scratch;
    p->states = 0;
    if (ctx->keep_hidden_states && mul(p->hidden, (size_t)c->num_layers + 1, &p->states))
        return -1;
    p->logits = logit_floats;
    size_t pieces[] = {p->emb, p->hidden, p->states, p->hxt5, p->inter,
                       p->head, p->scratch, p->logits, p->ints};
    size_t total = 0;
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        if (pieces[i] > SIZE_MAX / 8 - 16)
            return -1;
        size_t n = pad16(pieces[i]);
        if (total > SIZE_MAX / 8 - n)
            return -1;
        total += n;
    }
    *bytes = total * sizeof(float);
    return 0;
}

/* Attention scratch for a batch x seq part on `threads`; -1 on overflow. */
static int attention_scratch(const electra_context *ctx, size_t batch, size_t seq, int threads,
                             size_t *floats)
{
    const el_config *c = &ctx->model->cfg;
    const size_t heads = (size_t)c->num_heads;
    return el_attention_scratch_floats(ctx->model->ops, batch, seq, heads,
                                       (size_t)c->hidden_size / heads, threads, floats);
}

size_t el_context_sequence_scratch(const electra_context *ctx, size_t seq)
{
    size_t floats = 0;
    /* el_context_reserve has checked that it fits */
    (void)attention_scratch(ctx, 1, seq, 1, &floats);
    return pad16(floats);
}

electra_status el_context_reserve(electra_context *ctx, size_t batch, size_t seq,
                                  size_t logit_floats)
{
    size_t T, scratch, one;
    if (mul(batch, seq, &T))
        return el_fail(ELECTRA_ERR_SHAPE, "batch %zu x seq %zu overflows", batch, seq);
    /* Room for the whole batch split across the pool, and for its
     * sequences one per thread (forward.c's run_trunk). */
    if (attention_scratch(ctx, batch, seq, el_threadpool_size(ctx->pool), &scratch) ||
        attention_scratch(ctx, 1, seq, 1, &one) || one > SIZE_MAX - 16 ||
        mul(pad16(one), batch, &one))
        return el_fail(ELECTRA_ERR_NOMEM, "a batch of %zu x %zu tokens needs more memory than "
                                          "can be addressed", batch, seq);
    if (one > scratch)
        scratch = one;
    if (ctx->arena && T <= ctx->arena_tokens && scratch <= ctx->arena_scratch &&
        logit_floats <= ctx->arena_logit_floats)
        return ELECTRA_OK;
    size_t tokens = T > ctx->arena_tokens ? T : ctx->arena_tokens;
    if (scratch < ctx->arena_scratch)
        scratch = ctx->arena_scratch;
    size_t lf = logit_floats > ctx->arena_logit_floats ? logit_floats : ctx->arena_logit_floats;
    struct plan p;
    size_t bytes;
    if (make_plan(ctx, tokens, scratch, lf, &p, &bytes))
        return el_fail(ELECTRA_ERR_NOMEM, "a batch of %zu x %zu tokens needs more memory than "
                                          "can be addressed", batch, seq);
    void *arena = el_malloc_aligned(bytes);
    if (!arena)
        return el_fail(ELECTRA_ERR_NOMEM, "out of memory reserving %zu bytes for %zu x %zu tokens",
                       bytes, batch, seq);
    el_free_aligned(ctx->arena);
    ctx->arena = arena;
    ctx->arena_tokens = tokens;
    ctx->arena_scratch = scratch;
    ctx->arena_logit_floats = lf;
    float *f = arena;
#define CARVE(dst, n) (dst = f, f += pad16(n))
    CARVE(ctx->emb, p.emb);
    CARVE(ctx->hidden, p.hidden);
    CARVE(ctx->states, p.states);
    CARVE(ctx->qkv, p.hxt5);
    ctx->attn = ctx->qkv + 3 * p.hidden;
    ctx->tmp = ctx->attn + p.hidden;
    CARVE(ctx->inter, p.inter);
    CARVE(ctx->head, p.head);
    CARVE(ctx->attn_scratch, p.scratch);
    CARVE(ctx->logits, p.logits);
#undef CARVE
    ctx->ids = (int32_t *)f;
    ctx->mask = ctx->ids + tokens;
    ctx->types = ctx->mask + tokens;
    if (!ctx->keep_hidden_states)
        ctx->states = NULL;
    /* The shape of earlier outputs no longer describes the arena. */
    ctx->batch = ctx->seq = 0;
    return ELECTRA_OK;
}

ELECTRA_API electra_status electra_forward(electra_context *context, size_t batch, size_t seq,
                                           const int32_t *input_ids,
                                           const int32_t *attention_mask,
                                           const int32_t *token_type_ids)
{
    if (!context)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "electra_forward: context is NULL");
    context->batch = context->seq = 0;
    electra_status s =
        el_forward_trunk(context, batch, seq, input_ids, attention_mask, token_type_ids);
    if (s)
        return el_context_fail(context, s);
    el_forward_head(context);
    return ELECTRA_OK;
}

ELECTRA_API electra_status electra_forward_encoding(electra_context *context,
                                                    const electra_encoding *encoding)
{
    if (!context || !encoding)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "electra_forward_encoding: %s is NULL",
                       context ? "encoding" : "context");
    size_t batch = electra_encoding_rows(encoding);
    size_t seq = batch ? electra_encoding_length(encoding, 0) : 0;
    for (size_t r = 1; r < batch; r++)
        if (electra_encoding_length(encoding, r) != seq)
            return el_context_fail(
                context, el_fail(ELECTRA_ERR_SHAPE,
                                 "encoding rows differ in length (%zu and %zu): pad them", seq,
                                 electra_encoding_length(encoding, r)));
    size_t rows, cols;
    el_head_output_shape(context->model, batch, seq, &rows, &cols);
    electra_status s = el_context_reserve(context, batch, seq, rows * cols);
    if (s)
        return el_context_fail(context, s);
    for (size_t r = 0; r < batch; r++) {
        memcpy(context->ids + r * seq, electra_encoding_ids(encoding, r), seq * sizeof(int32_t));
        memcpy(context->mask + r * seq, electra_encoding_attention_mask(encoding, r),
               seq * sizeof(int32_t));
        memcpy(context->types + r * seq, electra_encoding_type_ids(encoding, r),
               seq * sizeof(int32_t));
    }
    return electra_forward(context, batch, seq, context->ids, context->mask, context->types);
}

/* Where an output lives and its shape; ELECTRA_OK or a status. */
static electra_status locate_output(const electra_context *ctx, int which, const float **data,
                                    size_t shape[4], size_t *ndim, size_t *stride)
{
    const el_config *c = &ctx->model->cfg;
    size_t B = ctx->batch, S = ctx->seq;
    if (!B)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "no forward pass has run in this context");
    *stride = 1;
    switch (which) {
    case ELECTRA_OUTPUT_LAST_HIDDEN_STATE:
        *data = ctx->hidden;
        *ndim = 3, shape[0] = B, shape[1] = S, shape[2] = (size_t)c->hidden_size;
        return ELECTRA_OK;
    case ELECTRA_OUTPUT_EMBEDDING_OUTPUT:
        *data = ctx->emb;
        *ndim = 3, shape[0] = B, shape[1] = S, shape[2] = (size_t)c->embedding_size;
        return ELECTRA_OK;
    case ELECTRA_OUTPUT_HIDDEN_STATES:
        if (!ctx->keep_hidden_states)
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                           "hidden states need ELECTRA_OPT_OUTPUT_HIDDEN_STATES on the context");
        *data = ctx->states;
        *ndim = 4, shape[0] = (size_t)c->num_layers + 1, shape[1] = B, shape[2] = S,
        shape[3] = (size_t)c->hidden_size;
        return ELECTRA_OK;
    case ELECTRA_OUTPUT_LOGITS:
        if (c->head == ELECTRA_HEAD_NONE)
            return el_fail(ELECTRA_ERR_WRONG_HEAD, "a bare ElectraModel has no logits");
        *data = ctx->logits;
        if (c->head == ELECTRA_HEAD_SEQUENCE_CLASSIFICATION)
            *ndim = 2, shape[0] = B, shape[1] = ctx->logit_cols;
        else if (c->head == ELECTRA_HEAD_PRETRAINING)
            *ndim = 2, shape[0] = B, shape[1] = S;
        else
            *ndim = 3, shape[0] = B, shape[1] = S, shape[2] = ctx->logit_cols;
        return ELECTRA_OK;
    case ELECTRA_OUTPUT_START_LOGITS:
    case ELECTRA_OUTPUT_END_LOGITS:
        if (c->head != ELECTRA_HEAD_QUESTION_ANSWERING)
            return el_fail(ELECTRA_ERR_WRONG_HEAD, "start/end logits need a question-answering "
                                                   "model");
        *data = ctx->logits + (which == ELECTRA_OUTPUT_END_LOGITS);
        *stride = 2;
        *ndim = 2, shape[0] = B, shape[1] = S;
        return ELECTRA_OK;
    default:
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "unknown output %d", which);
    }
}

ELECTRA_API electra_status electra_output_shape(const electra_context *context, int which,
                                                size_t shape[4], size_t *ndim)
{
    if (!context || !shape || !ndim)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "electra_output_shape: NULL argument");
    const float *data;
    size_t stride, sh[4], nd;
    electra_status s = locate_output(context, which, &data, sh, &nd, &stride);
    if (s)
        return s;
    memcpy(shape, sh, nd * sizeof *sh);
    *ndim = nd;
    return ELECTRA_OK;
}

ELECTRA_API electra_status electra_output_copy(const electra_context *context, int which,
                                               float *buffer, size_t count)
{
    if (!context || !buffer)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "electra_output_copy: NULL argument");
    const float *data;
    size_t stride, sh[4], nd;
    electra_status s = locate_output(context, which, &data, sh, &nd, &stride);
    if (s)
        return s;
    size_t n = 1;
    for (size_t i = 0; i < nd; i++)
        n *= sh[i];
    if (count < n)
        return el_fail(ELECTRA_ERR_BUFFER_TOO_SMALL, "output needs %zu floats, buffer has %zu", n,
                       count);
    if (stride == 1)
        memcpy(buffer, data, n * sizeof *buffer);
    else
        for (size_t i = 0; i < n; i++)
            buffer[i] = data[i * stride];
    return ELECTRA_OK;
}
