/* forward.c - ElectraModel and its heads, as transformers 4.34 computes
 * them in eval mode (see the fixtures' architecture notes). */
#include <stdint.h>
#include <string.h>

#include "context.h"
#include "transformer_ops.h"

/* The trunk runs on parts of the batch: rows [b0, b0 + batch) of it,
 * in the matching rows of the context's buffers, with their own attention
 * scratch and pool (NULL: the calling thread alone). */
typedef struct trunk_part {
    size_t b0, batch, seq;
    float *scratch;
    el_threadpool *pool;
} trunk_part;

/* LayerNorm(word[id] + type[tt] + position[pos]) for every token. */
static void embed(electra_context *ctx, const trunk_part *p, const int32_t *ids,
                  const int32_t *types)
{
    const electra_model *m = ctx->model;
    const size_t r0 = p->b0 * p->seq;
    const el_embedding_args a = {.word = m->word_emb,
                                 .type = m->type_emb,
                                 .pos = m->pos_emb,
                                 .gain = m->emb_ln_gain,
                                 .bias = m->emb_ln_bias,
                                 .eps = (float)m->cfg.layer_norm_eps,
                                 .n = (size_t)m->cfg.embedding_size,
                                 .ids = ids + r0,
                                 .types = types ? types + r0 : NULL,
                                 .batch = p->batch,
                                 .seq = p->seq};
    el_embed(m->ops, &a, ctx->emb + r0 * a.n, p->pool);
}

/* One post-LN BERT layer from x into out (which may be x): the part's
 * rows of both. */
static void layer_forward(electra_context *ctx, const trunk_part *p, const el_layer *L,
                          const float *x, float *out, const int32_t *mask)
{
    const electra_model *m = ctx->model;
    const el_config *c = &m->cfg;
    const size_t T = p->batch * p->seq, r0 = p->b0 * p->seq;
    const size_t H = (size_t)c->hidden_size, heads = (size_t)c->num_heads;
    const float eps = (float)c->layer_norm_eps;
    float *qkv = ctx->qkv + r0 * 3 * H, *attn = ctx->attn + r0 * H, *tmp = ctx->tmp + r0 * H;
    float *inter = ctx->inter + r0 * (size_t)c->intermediate_size;
    el_threadpool *pool = p->pool;
    el_linear_forward(&L->qkv, x, T, qkv, EL_ACT_NONE, NULL, pool);
    const el_self_attention attention = {.q = qkv,
                                         .k = qkv + H,
                                         .v = qkv + 2 * H,
                                         .ld = 3 * H,
                                         .out = attn,
                                         .batch = p->batch,
                                         .seq = p->seq,
                                         .heads = heads,
                                         .head_dim = H / heads,
                                         .mask = mask ? mask + r0 : NULL};
    el_attention(m->ops, &attention, p->scratch, pool);
    el_linear_forward(&L->attn_out, attn, T, tmp, EL_ACT_NONE, x, pool);
    el_layer_norm(m->ops, tmp, tmp, T, H, L->attn_ln_gain, L->attn_ln_bias, eps, pool);
    el_linear_forward(&L->intermediate, tmp, T, inter, c->hidden_act, NULL, pool);
    el_linear_forward(&L->output, inter, T, out, EL_ACT_NONE, tmp, pool);
    el_layer_norm(m->ops, out, out, T, H, L->out_ln_gain, L->out_ln_bias, eps, pool);
}

/* Embeddings and every layer for the part's rows, into ctx->hidden (or
 * ctx->states, layer by layer). */
static void trunk_forward(electra_context *ctx, const trunk_part *p, size_t total_tokens,
                          const int32_t *ids, const int32_t *mask, const int32_t *types)
{
    const electra_model *m = ctx->model;
    const size_t T = p->batch * p->seq, r0 = p->b0 * p->seq, H = (size_t)m->cfg.hidden_size;
    embed(ctx, p, ids, types);
    const float *emb = ctx->emb + r0 * (size_t)m->cfg.embedding_size;
    float *x = (ctx->keep_hidden_states ? ctx->states : ctx->hidden) + r0 * H;
    if (m->has_projection)
        el_linear_forward(&m->projection, emb, T, x, EL_ACT_NONE, NULL, p->pool);
    else
        memcpy(x, emb, T * H * sizeof *x);
    for (int i = 0; i < m->cfg.num_layers; i++) {
        float *out = ctx->keep_hidden_states
                         ? ctx->states + ((size_t)(i + 1) * total_tokens + r0) * H
                         : x;
        layer_forward(ctx, p, &m->layers[i], x, out, mask);
        x = out;
    }
    if (ctx->keep_hidden_states)
        memcpy(ctx->hidden + r0 * H, x, T * H * sizeof *x);
}

/* Sequences at least this long run on their own (below, the products
 * of one sequence are too short to keep the weights' stream busy). */
#define SEQ_APART_MIN 64

/* How many rows of the batch run one sequence per thread: whole rounds
 * of the pool (the rest runs as one part split across it). On disc 8x128
 * with 2 threads this takes 9 % less CPU time than splitting every
 * product across the pool (no waits at the ~100 joins of a pass); on one
 * thread, one sequence after the other was 5 % slower than the whole
 * batch at once (each sequence streams all the weights again). */
static size_t rows_apart(size_t batch, size_t seq, int threads)
{
    if (threads < 2 || seq < SEQ_APART_MIN)
        return 0;
    return batch - batch % (size_t)threads;
}

struct apart_job {
    electra_context *ctx;
    size_t seq, total_tokens, scratch_floats;
    const int32_t *ids, *mask, *types;
};

static void sequence_apart(void *arg, size_t b)
{
    const struct apart_job *j = arg;
    const trunk_part p = {b, 1, j->seq, j->ctx->attn_scratch + b * j->scratch_floats, NULL};
    trunk_forward(j->ctx, &p, j->total_tokens, j->ids, j->mask, j->types);
}

/* The batch's trunk. With several threads, long sequences run whole, one
 * per thread: nothing to synchronise inside them, and a sequence's
 * activations stay in its core's cache from layer to layer. The rows left
 * over run split across the pool. Every part computes each row as the
 * whole batch would (the bits of a product depend only on its length), so
 * the outputs do not depend on the split or the thread count. */
static void run_trunk(electra_context *ctx, size_t batch, size_t seq, const int32_t *ids,
                      const int32_t *mask, const int32_t *types)
{
    const size_t apart = rows_apart(batch, seq, el_threadpool_size(ctx->pool));
    if (apart) {
        struct apart_job j = {ctx, seq, batch * seq, el_context_sequence_scratch(ctx, seq),
                              ids, mask, types};
        el_parallel_for(ctx->pool, apart, sequence_apart, &j);
    }
    if (apart < batch) {
        const trunk_part p = {apart, batch - apart, seq, ctx->attn_scratch, ctx->pool};
        trunk_forward(ctx, &p, batch * seq, ids, mask, types);
    }
}

static electra_status check_inputs(electra_context *ctx, size_t batch, size_t seq,
                                   const int32_t *ids, const int32_t *mask,
                                   const int32_t *types)
{
    const el_config *c = &ctx->model->cfg;
    if (!ids)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "input_ids is NULL");
    if (batch == 0 || seq == 0)
        return el_fail(ELECTRA_ERR_SHAPE, "batch (%zu) and seq (%zu) must be at least 1", batch,
                       seq);
    if (seq > (size_t)c->max_positions)
        return el_fail(ELECTRA_ERR_TOO_LONG,
                       "sequence of %zu tokens is longer than the model's %d positions", seq,
                       c->max_positions);
    /* No buffer holds that many ids: refuse before reading any. */
    if (batch > SIZE_MAX / seq)
        return el_fail(ELECTRA_ERR_SHAPE, "batch %zu x seq %zu overflows", batch, seq);
    for (size_t t = 0; t < batch * seq; t++) {
        if (ids[t] < 0 || ids[t] >= c->vocab_size)
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                           "input_ids[%zu][%zu] = %d is outside the vocabulary [0, %d)",
                           t / seq, t % seq, ids[t], c->vocab_size);
        if (types && (types[t] < 0 || types[t] >= c->type_vocab_size))
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                           "token_type_ids[%zu][%zu] = %d is outside [0, %d)", t / seq, t % seq,
                           types[t], c->type_vocab_size);
        if (mask && mask[t] != 0 && mask[t] != 1)
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                           "attention_mask[%zu][%zu] = %d is not 0 or 1", t / seq, t % seq,
                           mask[t]);
    }
    return ELECTRA_OK;
}

electra_status el_forward_trunk(electra_context *ctx, size_t batch, size_t seq,
                                const int32_t *ids, const int32_t *mask, const int32_t *types)
{
    const electra_model *m = ctx->model;
    electra_status s = check_inputs(ctx, batch, seq, ids, mask, types);
    size_t rows, cols;
    el_head_output_shape(m, batch, seq, &rows, &cols);
    if (!s && cols && rows > SIZE_MAX / cols)
        s = el_fail(ELECTRA_ERR_SHAPE, "batch %zu x seq %zu: the head's output overflows", batch,
                    seq);
    if (s || (s = el_context_reserve(ctx, batch, seq, rows * cols)))
        return s;
    run_trunk(ctx, batch, seq, ids, mask, types);
    ctx->batch = batch;
    ctx->seq = seq;
    ctx->logit_rows = rows;
    ctx->logit_cols = cols;
    return ELECTRA_OK;
}

void el_head_output_shape(const electra_model *m, size_t batch, size_t seq, size_t *rows,
                          size_t *cols)
{
    size_t T = batch * seq;
    switch (m->cfg.head) {
    case ELECTRA_HEAD_MASKED_LM: *rows = T, *cols = (size_t)m->cfg.vocab_size; break;
    case ELECTRA_HEAD_PRETRAINING: *rows = T, *cols = 1; break;
    case ELECTRA_HEAD_SEQUENCE_CLASSIFICATION: *rows = batch, *cols = (size_t)m->cfg.num_labels; break;
    case ELECTRA_HEAD_TOKEN_CLASSIFICATION: *rows = T, *cols = (size_t)m->cfg.num_labels; break;
    case ELECTRA_HEAD_QUESTION_ANSWERING: *rows = T, *cols = 2; break;
    default: *rows = 0, *cols = 0; break;
    }
}

void el_forward_head(electra_context *ctx)
{
    const electra_model *m = ctx->model;
    size_t T = ctx->batch * ctx->seq, H = (size_t)m->cfg.hidden_size;
    switch (m->cfg.head) {
    case ELECTRA_HEAD_MASKED_LM:
        /* The generator head uses exact gelu whatever hidden_act says. */
        el_linear_forward(&m->gen_dense, ctx->hidden, T, ctx->head, EL_ACT_GELU, NULL, ctx->pool);
        el_layer_norm(m->ops, ctx->head, ctx->head, T, (size_t)m->cfg.embedding_size,
                      m->gen_ln_gain, m->gen_ln_bias, (float)m->cfg.layer_norm_eps, ctx->pool);
        el_linear_forward(&m->gen_lm, ctx->head, T, ctx->logits, EL_ACT_NONE, NULL, ctx->pool);
        break;
    case ELECTRA_HEAD_PRETRAINING:
        el_linear_forward(&m->disc_dense, ctx->hidden, T, ctx->head, m->cfg.hidden_act, NULL,
                          ctx->pool);
        el_linear_forward(&m->disc_predict, ctx->head, T, ctx->logits, EL_ACT_NONE, NULL,
                          ctx->pool);
        break;
    case ELECTRA_HEAD_SEQUENCE_CLASSIFICATION:
        /* [CLS] of each row -> dense -> exact gelu -> out_proj. */
        for (size_t b = 0; b < ctx->batch; b++)
            memcpy(ctx->tmp + b * H, ctx->hidden + b * ctx->seq * H, H * sizeof(float));
        el_linear_forward(&m->cls_dense, ctx->tmp, ctx->batch, ctx->head, EL_ACT_GELU, NULL,
                          ctx->pool);
        el_linear_forward(&m->cls_out, ctx->head, ctx->batch, ctx->logits, EL_ACT_NONE, NULL,
                          ctx->pool);
        break;
    case ELECTRA_HEAD_TOKEN_CLASSIFICATION:
        el_linear_forward(&m->token_cls, ctx->hidden, T, ctx->logits, EL_ACT_NONE, NULL,
                          ctx->pool);
        break;
    case ELECTRA_HEAD_QUESTION_ANSWERING:
        el_linear_forward(&m->qa, ctx->hidden, T, ctx->logits, EL_ACT_NONE, NULL, ctx->pool);
        break;
    default:
        break;
    }
}

void el_forward_mlm_rows(electra_context *ctx, const size_t *rows, size_t n, float *out)
{
    const electra_model *m = ctx->model;
    size_t H = (size_t)m->cfg.hidden_size;
    for (size_t i = 0; i < n; i++)
        memcpy(ctx->tmp + i * H, ctx->hidden + rows[i] * H, H * sizeof(float));
    el_linear_forward(&m->gen_dense, ctx->tmp, n, ctx->head, EL_ACT_GELU, NULL, ctx->pool);
    el_layer_norm(m->ops, ctx->head, ctx->head, n, (size_t)m->cfg.embedding_size,
                  m->gen_ln_gain, m->gen_ln_bias, (float)m->cfg.layer_norm_eps, ctx->pool);
    el_linear_forward(&m->gen_lm, ctx->head, n, out, EL_ACT_NONE, NULL, ctx->pool);
}
