/* forward.c - ElectraModel and its heads, as transformers 4.34 computes
 * them in eval mode (see the fixtures' architecture notes). */
#include <string.h>

#include "context.h"
#include "transformer_ops.h"

/* LayerNorm(word[id] + type[tt] + position[pos]) for every token. */
static void embed(electra_context *ctx, size_t batch, size_t seq, const int32_t *ids,
                  const int32_t *types)
{
    const electra_model *m = ctx->model;
    const el_embedding_args a = {.word = m->word_emb,
                                 .type = m->type_emb,
                                 .pos = m->pos_emb,
                                 .gain = m->emb_ln_gain,
                                 .bias = m->emb_ln_bias,
                                 .eps = (float)m->cfg.layer_norm_eps,
                                 .n = (size_t)m->cfg.embedding_size,
                                 .ids = ids,
                                 .types = types,
                                 .batch = batch,
                                 .seq = seq};
    el_embed(m->ops, &a, ctx->emb, ctx->pool);
}

/* One post-LN BERT layer from x into out (which may be x). */
static void layer_forward(electra_context *ctx, const el_layer *L, const float *x, float *out,
                          size_t batch, size_t seq, const int32_t *mask)
{
    const electra_model *m = ctx->model;
    const el_config *c = &m->cfg;
    size_t T = batch * seq, H = (size_t)c->hidden_size, heads = (size_t)c->num_heads;
    float eps = (float)c->layer_norm_eps;
    el_linear_forward(&L->qkv, x, T, ctx->qkv, EL_ACT_NONE, NULL, ctx->pool);
    const el_self_attention attention = {.q = ctx->qkv,
                                         .k = ctx->qkv + H,
                                         .v = ctx->qkv + 2 * H,
                                         .ld = 3 * H,
                                         .out = ctx->attn,
                                         .batch = batch,
                                         .seq = seq,
                                         .heads = heads,
                                         .head_dim = H / heads,
                                         .mask = mask};
    el_attention(m->ops, &attention, ctx->attn_scratch, ctx->pool);
    el_linear_forward(&L->attn_out, ctx->attn, T, ctx->tmp, EL_ACT_NONE, x, ctx->pool);
    el_layer_norm(m->ops, ctx->tmp, ctx->tmp, T, H, L->attn_ln_gain, L->attn_ln_bias, eps,
                  ctx->pool);
    el_linear_forward(&L->intermediate, ctx->tmp, T, ctx->inter, c->hidden_act, NULL, ctx->pool);
    el_linear_forward(&L->output, ctx->inter, T, out, EL_ACT_NONE, ctx->tmp, ctx->pool);
    el_layer_norm(m->ops, out, out, T, H, L->out_ln_gain, L->out_ln_bias, eps, ctx->pool);
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
    if (s || (s = el_context_reserve(ctx, batch, seq, rows * cols)))
        return s;
    size_t T = batch * seq, H = (size_t)m->cfg.hidden_size;
    embed(ctx, batch, seq, ids, types);
    float *x = ctx->keep_hidden_states ? ctx->states : ctx->hidden;
    if (m->has_projection)
        el_linear_forward(&m->projection, ctx->emb, T, x, EL_ACT_NONE, NULL, ctx->pool);
    else
        memcpy(x, ctx->emb, T * H * sizeof *x);
    for (int i = 0; i < m->cfg.num_layers; i++) {
        float *out = ctx->keep_hidden_states ? ctx->states + (size_t)(i + 1) * T * H : x;
        layer_forward(ctx, &m->layers[i], x, out, batch, seq, mask);
        x = out;
    }
    if (ctx->keep_hidden_states)
        memcpy(ctx->hidden, x, T * H * sizeof *x);
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
