/* train_model.h - an ELECTRA model's forward and backward passes over a
 * parameter store: the trunk (embeddings, encoder layers) and every head
 * with its transformers loss.
 *
 * A pass keeps every activation the backward pass needs in a workspace
 * that grows to the largest batch seen and is then reused, so steady
 * training allocates nothing. Only one forward/backward pair is in
 * flight per model; the parameter store must outlive it. */
#ifndef EL_TRAIN_MODEL_H
#define EL_TRAIN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "electra.h"
#include "threadpool.h"
#include "train_gemm.h"
#include "train_params.h"

/* One batch: batch x seq tokens and the targets of the model's head.
 *   masked LM:       labels (batch x seq), -100 = not scored
 *   pre-training:    labels (batch x seq), 1 = replaced token, 0 = original;
 *                    scored where attention_mask is 1
 *   sequence class.: labels (batch) class indices, -100 = not scored
 *                    (single-label), or targets: (batch) for regression
 *                    (num_labels 1), (batch x num_labels) 0/1 for
 *                    multi-label. As transformers: config.json's
 *                    problem_type if set, else regression for one label,
 *                    single-label with labels, multi-label with targets
 *   token class.:    labels (batch x seq), -100 = not scored
 *   question answ.:  start_positions, end_positions (batch), token indices;
 *                    clamped to [0, seq], and seq itself is ignored
 * The arrays are read during the forward call only. */
typedef struct el_train_batch {
    size_t batch, seq;
    const int32_t *input_ids;
    const int32_t *attention_mask; /* NULL: attend everywhere */
    const int32_t *token_type_ids; /* NULL: all 0 */
    const int32_t *labels;
    const float *targets;
    const int32_t *start_positions, *end_positions;
} el_train_batch;

/* Probabilities as config.json records them (double, so they print back
 * as written). */
typedef struct el_train_dropout {
    double hidden;     /* hidden_dropout_prob: embeddings, after attention and FFN */
    double attention;  /* attention_probs_dropout_prob */
    double classifier; /* classifier_dropout (classification heads) */
} el_train_dropout;

/* Activations of one encoder layer (see the forward pass in
 * train_model.c). */
typedef struct el_layer_acts {
    float *qkv, *probs, *ctx;
    float *xhat1, *rstd1, *h1;
    float *pre, *act;
    float *xhat2, *rstd2, *out;
} el_layer_acts;

typedef struct el_train_model {
    el_param_store *store;
    el_threadpool *pool;
    el_train_gemm *gemm; /* the linear layers' products, on pool */
    el_train_dropout dropout;
    uint64_t seed;
    uint64_t pass;     /* forward passes so far: keys this pass's dropout */
    int training;      /* dropout applied in the last forward pass */
    size_t batch, seq, tokens;

    /* Trunk workspace for up to cap_tokens tokens of cap_seq positions. */
    void *arena;
    size_t cap_tokens, cap_seq, cap_batch;
    int32_t *ids, *mask, *types; /* copies of the batch's inputs */
    float *emb_xhat, *emb_rstd, *emb_out, *x0;
    el_layer_acts *acts;
    float *dy, *ds, *dtmp, *dinter, *dqkv, *dctx, *demb;
    float *attn_scratch;
    /* The rows of the last layer's output the head reads (the scored
     * positions of a masked LM, each row's [CLS] of a sequence
     * classifier): when subset is set, the last layer computes only
     * these n_sel rows (queries, attention output, FFN), in order, and
     * its output is compact; sel_begin[b] is batch row b's first. */
    int subset;
    int32_t *sel;
    size_t *sel_begin, n_sel;
    float *sel_x; /* the last layer's input at those rows */

    /* Head workspace (rows: tokens, batch rows or gathered positions). */
    float *head_in, *head_pre, *head_act, *head_xhat, *head_rstd, *head_out;
    float *dhead, *targets;
    int32_t *row_labels;
    size_t head_rows;

    /* Logits and their gradient, grown separately (the MLM head's are
     * gathered rows x vocab). */
    float *logits, *dlogits;
    size_t cap_logits, logit_rows, logit_cols;
} el_train_model;

electra_status el_train_model_create(el_param_store *store, el_threadpool *pool,
                                     const el_train_dropout *dropout, uint64_t seed,
                                     el_train_model **out);
void el_train_model_free(el_train_model *tm);

/* The checks el_train_model_forward makes of a batch before it changes
 * anything; errors name the bad input. */
electra_status el_train_model_check(const el_train_model *tm, const el_train_batch *b);

/* Forward pass and loss (training = 1: dropout on). The logits stay in
 * tm->logits (logit_rows x logit_cols: the masked LM head's rows are the
 * scored positions only, in order). Errors name the bad input. */
electra_status el_train_model_forward(el_train_model *tm, const el_train_batch *b, int training,
                                      double *loss);
/* Add the gradient of the last forward pass's loss into store->grad. */
void el_train_model_backward(el_train_model *tm);

/* The heads (train_heads.c), used by the passes above. */
electra_status el_train_head_check(const el_train_model *tm, const el_train_batch *b);
size_t el_train_head_logit_floats(const el_train_model *tm, const el_train_batch *b);
/* Choose the rows the head reads (tm->subset, sel...) for batch b. */
void el_train_head_select(el_train_model *tm, const el_train_batch *b);
/* hidden (compact when tm->subset) -> logits -> loss and dlogits. */
double el_train_head_forward(el_train_model *tm, const el_train_batch *b, const float *hidden);
/* dlogits -> tm->dy, the gradient of the trunk's output (written; compact
 * when tm->subset). */
void el_train_head_backward(el_train_model *tm, const float *hidden);
/* The dropout key of site `site` of the current pass. */
uint64_t el_train_model_key(const el_train_model *tm, uint64_t site);

#endif
