/* train_heads.c - the heads of transformers' Electra models with their
 * losses, forward and backward (see the fixtures' architecture notes):
 *   masked LM:     dense(H->E) -> exact gelu -> LayerNorm -> tied LM head
 *                  (+ bias); cross-entropy over labelled positions only,
 *                  so the head runs on those rows alone (the others would
 *                  contribute nothing to loss or gradient)
 *   pre-training:  dense(H->H) -> hidden_act -> dense(H->1); BCE with
 *                  logits over attention_mask positions
 *   sequence:      [CLS] -> dropout -> dense -> exact gelu -> dropout ->
 *                  out_proj; CE / BCE / MSE by problem type
 *   token:         dropout -> classifier; CE ignoring -100
 *   QA:            qa_outputs(H->2) split into start/end logits; mean of
 *                  the two CE losses over positions (clamped to [0, S],
 *                  S ignored) */
#include <string.h>

#include "error.h"
#include "train_loss.h"
#include "train_model.h"
#include "train_ops.h"
#include "train_rng.h"

#define IGNORE_INDEX (-100)

/* Head dropout sites come after every layer's three. */
static uint64_t head_site(const el_train_model *tm, int k)
{
    return 1 + 3 * (uint64_t)tm->store->cfg.num_layers + (uint64_t)k;
}

static float classifier_dropout(const el_train_model *tm)
{
    return tm->training ? (float)tm->dropout.classifier : 0.0f;
}

static electra_status check_labels(const int32_t *labels, size_t n, int32_t classes,
                                   int allow_ignore, const char *what)
{
    if (!labels)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "training batch has no %s", what);
    for (size_t i = 0; i < n; i++)
        if (!(labels[i] >= 0 && labels[i] < classes) &&
            !(allow_ignore && labels[i] == IGNORE_INDEX))
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "%s[%zu] = %d is outside [0, %d)%s",
                           what, i, labels[i], classes, allow_ignore ? " and is not -100" : "");
    return ELECTRA_OK;
}

typedef enum seq_problem { SINGLE_LABEL, MULTI_LABEL, REGRESSION } seq_problem;

/* The sequence-classification loss transformers picks: problem_type when
 * config.json names one, else MSE for one label, cross-entropy for class
 * indices, BCE for float targets. */
static seq_problem sequence_problem(const el_train_model *tm, const el_train_batch *b)
{
    const el_config *c = &tm->store->cfg;
    if (!strcmp(c->problem_type, "regression"))
        return REGRESSION;
    if (!strcmp(c->problem_type, "multi_label_classification"))
        return MULTI_LABEL;
    if (!strcmp(c->problem_type, "single_label_classification"))
        return SINGLE_LABEL;
    if (c->num_labels == 1)
        return REGRESSION;
    return b->labels || !b->targets ? SINGLE_LABEL : MULTI_LABEL;
}

electra_status el_train_head_check(const el_train_model *tm, const el_train_batch *b)
{
    const el_config *c = &tm->store->cfg;
    size_t T = b->batch * b->seq;
    switch (c->head) {
    case ELECTRA_HEAD_MASKED_LM:
        return check_labels(b->labels, T, c->vocab_size, 1, "labels");
    case ELECTRA_HEAD_PRETRAINING:
        return check_labels(b->labels, T, 2, 0, "labels");
    case ELECTRA_HEAD_SEQUENCE_CLASSIFICATION: {
        seq_problem p = sequence_problem(tm, b);
        if (p == SINGLE_LABEL)
            return check_labels(b->labels, b->batch, c->num_labels, 1, "labels");
        if (!b->targets)
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                           "training batch has no targets (%s needs float targets)",
                           p == REGRESSION ? "regression" : "multi-label classification");
        return ELECTRA_OK;
    }
    case ELECTRA_HEAD_TOKEN_CLASSIFICATION:
        return check_labels(b->labels, T, c->num_labels, 1, "labels");
    case ELECTRA_HEAD_QUESTION_ANSWERING:
        /* Any position is accepted: transformers clamps them. */
        if (!b->start_positions || !b->end_positions)
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                           "training batch has no start_positions / end_positions");
        return ELECTRA_OK;
    default:
        return el_fail(ELECTRA_ERR_WRONG_HEAD,
                       "an ElectraModel without a head has no loss to train on");
    }
}

/* Positions of a masked LM batch whose label is scored. */
static size_t scored_rows(const el_train_batch *b)
{
    size_t n = 0;
    for (size_t t = 0; t < b->batch * b->seq; t++)
        n += b->labels[t] != IGNORE_INDEX;
    return n;
}

size_t el_train_head_logit_floats(const el_train_model *tm, const el_train_batch *b)
{
    const el_config *c = &tm->store->cfg;
    size_t T = b->batch * b->seq;
    switch (c->head) {
    case ELECTRA_HEAD_MASKED_LM: return scored_rows(b) * (size_t)c->vocab_size;
    case ELECTRA_HEAD_PRETRAINING: return T;
    case ELECTRA_HEAD_SEQUENCE_CLASSIFICATION: return b->batch * (size_t)c->num_labels;
    case ELECTRA_HEAD_TOKEN_CLASSIFICATION: return T * (size_t)c->num_labels;
    case ELECTRA_HEAD_QUESTION_ANSWERING: return T * 2;
    default: return 0;
    }
}

void el_train_head_select(el_train_model *tm, const el_train_batch *b)
{
    size_t n = 0, S = b->seq;
    tm->subset = 0;
    switch (tm->store->cfg.head) {
    case ELECTRA_HEAD_MASKED_LM:
        for (size_t r = 0; r < b->batch; r++) {
            tm->sel_begin[r] = n;
            for (size_t p = 0; p < S; p++)
                if (b->labels[r * S + p] != IGNORE_INDEX)
                    tm->sel[n++] = (int32_t)(r * S + p);
        }
        /* With nothing scored there is no loss; keep the plain pass. */
        tm->subset = n > 0;
        break;
    case ELECTRA_HEAD_SEQUENCE_CLASSIFICATION:
        for (size_t r = 0; r < b->batch; r++) {
            tm->sel_begin[r] = n;
            tm->sel[n++] = (int32_t)(r * S);
        }
        tm->subset = S > 1;
        break;
    default:
        break;
    }
    tm->sel_begin[b->batch] = n;
    tm->n_sel = n;
}

static double masked_lm_forward(el_train_model *tm, const el_train_batch *b, const float *hidden)
{
    const el_config *c = &tm->store->cfg;
    const el_train_weights *w = &tm->store->w;
    size_t H = (size_t)c->hidden_size, E = (size_t)c->embedding_size, V = (size_t)c->vocab_size;
    /* hidden holds the scored positions only (the selected rows). */
    size_t R = tm->subset ? tm->n_sel : 0;
    for (size_t r = 0; r < R; r++)
        tm->row_labels[r] = b->labels[tm->sel[r]];
    tm->head_rows = R;
    tm->logit_rows = R;
    tm->logit_cols = V;
    if (!R)
        return 0.0;
    /* The generator head uses exact gelu whatever hidden_act says. */
    el_train_linear_forward(hidden, R, H, E, w->gen_dense.w, w->gen_dense.b, tm->head_pre,
                            tm->gemm);
    el_train_activation_forward(EL_ACT_GELU, tm->head_pre, tm->head_act, R * E, tm->pool);
    el_train_layer_norm_forward(tm->head_act, R, E, w->gen_ln.gain, w->gen_ln.bias,
                                (float)c->layer_norm_eps, tm->head_xhat, tm->head_rstd,
                                tm->head_out, tm->pool);
    el_train_linear_forward(tm->head_out, R, E, V, w->word, w->lm_bias, tm->logits, tm->gemm);
    return el_cross_entropy(tm->logits, R, V, V, 1, tm->row_labels, IGNORE_INDEX, 1.0f,
                            tm->dlogits, NULL);
}

static void masked_lm_backward(el_train_model *tm, const float *hidden)
{
    const el_config *c = &tm->store->cfg;
    el_train_weights *w = &tm->store->w;
    size_t H = (size_t)c->hidden_size, E = (size_t)c->embedding_size, V = (size_t)c->vocab_size;
    size_t R = tm->head_rows;
    if (!R) {
        memset(tm->dy, 0, tm->tokens * H * sizeof(float));
        return;
    }
    /* The tied weight: the LM head's part of the word-embedding gradient
     * is added here, the lookups' part in the embedding backward pass. */
    el_train_linear_backward(tm->dlogits, tm->head_out, R, E, V, w->word, w->dword, w->dlm_bias,
                             tm->dhead, 0, tm->gemm);
    el_train_layer_norm_backward(tm->dhead, tm->head_xhat, tm->head_rstd, R, E, w->gen_ln.gain,
                                 w->gen_ln.dgain, w->gen_ln.dbias, tm->dhead, tm->pool);
    el_train_activation_backward(EL_ACT_GELU, tm->head_pre, tm->dhead, tm->dhead, R * E,
                                 tm->pool);
    /* The trunk's gradient, compact like its output. */
    el_train_linear_backward(tm->dhead, hidden, R, H, E, w->gen_dense.w, w->gen_dense.dw,
                             w->gen_dense.db, tm->dy, 0, tm->gemm);
}

static double discriminator_forward(el_train_model *tm, const el_train_batch *b,
                                    const float *hidden)
{
    const el_config *c = &tm->store->cfg;
    const el_train_weights *w = &tm->store->w;
    size_t H = (size_t)c->hidden_size, T = tm->tokens;
    el_train_linear_forward(hidden, T, H, H, w->disc_dense.w, w->disc_dense.b, tm->head_pre,
                            tm->gemm);
    el_train_activation_forward(c->hidden_act, tm->head_pre, tm->head_act, T * H, tm->pool);
    el_train_linear_forward(tm->head_act, T, H, 1, w->disc_predict.w, w->disc_predict.b,
                            tm->logits, tm->gemm);
    tm->logit_rows = b->batch;
    tm->logit_cols = b->seq;
    for (size_t t = 0; t < T; t++)
        tm->targets[t] = (float)b->labels[t];
    /* ElectraForPreTraining: BCE over the attention_mask == 1 positions. */
    return el_bce_with_logits(tm->logits, tm->targets, tm->mask, T, 1.0f, tm->dlogits, NULL);
}

static void discriminator_backward(el_train_model *tm, const float *hidden)
{
    const el_config *c = &tm->store->cfg;
    el_train_weights *w = &tm->store->w;
    size_t H = (size_t)c->hidden_size, T = tm->tokens;
    el_train_linear_backward(tm->dlogits, tm->head_act, T, H, 1, w->disc_predict.w,
                             w->disc_predict.dw, w->disc_predict.db, tm->dhead, 0, tm->gemm);
    el_train_activation_backward(c->hidden_act, tm->head_pre, tm->dhead, tm->dhead, T * H,
                                 tm->pool);
    el_train_linear_backward(tm->dhead, hidden, T, H, H, w->disc_dense.w, w->disc_dense.dw,
                             w->disc_dense.db, tm->dy, 0, tm->gemm);
}

static double sequence_forward(el_train_model *tm, const el_train_batch *b, const float *hidden)
{
    const el_config *c = &tm->store->cfg;
    const el_train_weights *w = &tm->store->w;
    size_t H = (size_t)c->hidden_size, B = tm->batch, L = (size_t)c->num_labels;
    float p = classifier_dropout(tm);
    /* [CLS] of each row: hidden is compact (one row each) unless seq is 1,
     * where it is every row anyway. */
    memcpy(tm->head_in, hidden, B * H * sizeof(float));
    el_dropout_apply(tm->head_in, B * H, p, el_train_model_key(tm, head_site(tm, 0)), 0);
    el_train_linear_forward(tm->head_in, B, H, H, w->cls_dense.w, w->cls_dense.b, tm->head_pre,
                            tm->gemm);
    /* ElectraClassificationHead uses exact gelu whatever hidden_act says. */
    el_train_activation_forward(EL_ACT_GELU, tm->head_pre, tm->head_act, B * H, tm->pool);
    el_dropout_apply(tm->head_act, B * H, p, el_train_model_key(tm, head_site(tm, 1)), 0);
    el_train_linear_forward(tm->head_act, B, H, L, w->cls_out.w, w->cls_out.b, tm->logits,
                            tm->gemm);
    tm->logit_rows = B;
    tm->logit_cols = L;
    switch (sequence_problem(tm, b)) {
    case REGRESSION:
        /* MSELoss(logits.squeeze(), labels.squeeze()). */
        return el_mse(tm->logits, b->targets, B * L, 1.0f, tm->dlogits);
    case MULTI_LABEL:
        return el_bce_with_logits(tm->logits, b->targets, NULL, B * L, 1.0f, tm->dlogits, NULL);
    default:
        return el_cross_entropy(tm->logits, B, L, L, 1, b->labels, IGNORE_INDEX, 1.0f,
                                tm->dlogits, NULL);
    }
}

static void sequence_backward(el_train_model *tm)
{
    const el_config *c = &tm->store->cfg;
    el_train_weights *w = &tm->store->w;
    size_t H = (size_t)c->hidden_size, B = tm->batch, L = (size_t)c->num_labels;
    float p = classifier_dropout(tm);
    el_train_linear_backward(tm->dlogits, tm->head_act, B, H, L, w->cls_out.w, w->cls_out.dw,
                             w->cls_out.db, tm->dhead, 0, tm->gemm);
    el_dropout_apply(tm->dhead, B * H, p, el_train_model_key(tm, head_site(tm, 1)), 0);
    el_train_activation_backward(EL_ACT_GELU, tm->head_pre, tm->dhead, tm->dhead, B * H,
                                 tm->pool);
    el_train_linear_backward(tm->dhead, tm->head_in, B, H, H, w->cls_dense.w, w->cls_dense.dw,
                             w->cls_dense.db, tm->dy, 0, tm->gemm);
    el_dropout_apply(tm->dy, B * H, p, el_train_model_key(tm, head_site(tm, 0)), 0);
}

/* The token-classification input: hidden itself, or a dropped copy. */
static const float *token_input(el_train_model *tm, const float *hidden)
{
    size_t n = tm->tokens * (size_t)tm->store->cfg.hidden_size;
    if (classifier_dropout(tm) <= 0)
        return hidden;
    memcpy(tm->head_in, hidden, n * sizeof(float));
    el_dropout_apply(tm->head_in, n, classifier_dropout(tm),
                     el_train_model_key(tm, head_site(tm, 0)), 0);
    return tm->head_in;
}

static double token_forward(el_train_model *tm, const el_train_batch *b, const float *hidden)
{
    const el_config *c = &tm->store->cfg;
    const el_train_weights *w = &tm->store->w;
    size_t H = (size_t)c->hidden_size, T = tm->tokens, L = (size_t)c->num_labels;
    el_train_linear_forward(token_input(tm, hidden), T, H, L, w->token_cls.w, w->token_cls.b,
                            tm->logits, tm->gemm);
    tm->logit_rows = T;
    tm->logit_cols = L;
    return el_cross_entropy(tm->logits, T, L, L, 1, b->labels, IGNORE_INDEX, 1.0f, tm->dlogits,
                            NULL);
}

static void token_backward(el_train_model *tm, const float *hidden)
{
    const el_config *c = &tm->store->cfg;
    el_train_weights *w = &tm->store->w;
    size_t H = (size_t)c->hidden_size, T = tm->tokens, L = (size_t)c->num_labels;
    float p = classifier_dropout(tm);
    el_train_linear_backward(tm->dlogits, p > 0 ? tm->head_in : hidden, T, H, L, w->token_cls.w,
                             w->token_cls.dw, w->token_cls.db, tm->dy, 0, tm->gemm);
    el_dropout_apply(tm->dy, T * H, p, el_train_model_key(tm, head_site(tm, 0)), 0);
}

static double qa_forward(el_train_model *tm, const el_train_batch *b, const float *hidden)
{
    const el_config *c = &tm->store->cfg;
    const el_train_weights *w = &tm->store->w;
    size_t H = (size_t)c->hidden_size, T = tm->tokens, S = tm->seq, B = tm->batch;
    el_train_linear_forward(hidden, T, H, 2, w->qa.w, w->qa.b, tm->logits, tm->gemm);
    tm->logit_rows = T;
    tm->logit_cols = 2;
    /* transformers clamps positions to [0, S] and ignores S. */
    int32_t *start = tm->row_labels, *end = tm->row_labels + B;
    for (size_t r = 0; r < B; r++) {
        int32_t s = b->start_positions[r], e = b->end_positions[r];
        start[r] = s < 0 ? 0 : (size_t)s > S ? (int32_t)S : s;
        end[r] = e < 0 ? 0 : (size_t)e > S ? (int32_t)S : e;
    }
    /* Row r's start logits are logits[(r S + s) 2 + 0]: S classes two
     * floats apart; the end logits are the odd entries. */
    double ls = el_cross_entropy(tm->logits, B, S, 2 * S, 2, start, (int32_t)S, 0.5f,
                                 tm->dlogits, NULL);
    double le = el_cross_entropy(tm->logits + 1, B, S, 2 * S, 2, end, (int32_t)S, 0.5f,
                                 tm->dlogits + 1, NULL);
    return (ls + le) / 2;
}

static void qa_backward(el_train_model *tm, const float *hidden)
{
    el_train_weights *w = &tm->store->w;
    size_t H = (size_t)tm->store->cfg.hidden_size;
    el_train_linear_backward(tm->dlogits, hidden, tm->tokens, H, 2, w->qa.w, w->qa.dw, w->qa.db,
                             tm->dy, 0, tm->gemm);
}

double el_train_head_forward(el_train_model *tm, const el_train_batch *b, const float *hidden)
{
    switch (tm->store->cfg.head) {
    case ELECTRA_HEAD_MASKED_LM: return masked_lm_forward(tm, b, hidden);
    case ELECTRA_HEAD_PRETRAINING: return discriminator_forward(tm, b, hidden);
    case ELECTRA_HEAD_SEQUENCE_CLASSIFICATION: return sequence_forward(tm, b, hidden);
    case ELECTRA_HEAD_TOKEN_CLASSIFICATION: return token_forward(tm, b, hidden);
    case ELECTRA_HEAD_QUESTION_ANSWERING: return qa_forward(tm, b, hidden);
    default: return 0.0;
    }
}

void el_train_head_backward(el_train_model *tm, const float *hidden)
{
    switch (tm->store->cfg.head) {
    case ELECTRA_HEAD_MASKED_LM: masked_lm_backward(tm, hidden); break;
    case ELECTRA_HEAD_PRETRAINING: discriminator_backward(tm, hidden); break;
    case ELECTRA_HEAD_SEQUENCE_CLASSIFICATION: sequence_backward(tm); break;
    case ELECTRA_HEAD_TOKEN_CLASSIFICATION: token_backward(tm, hidden); break;
    case ELECTRA_HEAD_QUESTION_ANSWERING: qa_backward(tm, hidden); break;
    default: break;
    }
}
