/* context.h - per-caller state: thread pool, scratch arena, and the
 * outputs of the last forward pass. */
#ifndef EL_CONTEXT_H
#define EL_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "model.h"
#include "threadpool.h"

struct electra_context {
    const electra_model *model;
    el_threadpool *pool;
    int threads;
    int keep_hidden_states;
    char error[EL_ERRMSG_SIZE];

    /* Shape of the last successful forward pass (0 = none yet). */
    size_t batch, seq;
    /* Rows of the head's output (tokens, or batch for classification). */
    size_t logit_rows, logit_cols;

    /* Scratch carved from one aligned block, sized for arena_tokens tokens,
     * arena_scratch floats of attention scratch and arena_logit_floats of
     * head output; it grows and is never shrunk, so a forward pass
     * allocates nothing once a context has seen its shape. */
    void *arena;
    size_t arena_tokens, arena_scratch, arena_logit_floats;
    float *emb;      /* T x E embedding output */
    float *hidden;   /* T x H last hidden state */
    float *states;   /* (layers + 1) x T x H, when keep_hidden_states */
    float *qkv;      /* T x 3H: each token's query, key, value */
    float *attn, *tmp; /* T x H */
    float *inter;    /* T x I */
    float *head;     /* T x max(H, E) head intermediate */
    float *attn_scratch;
    float *logits;
    int32_t *ids, *mask, *types; /* batch x seq copies for encodings */

    /* Tasks: the tokenizer's output and the options it is called with,
     * created on first use and reused. */
    electra_encoding *encoding;
    electra_options *encode_options;
};

/* Make sure the arena holds a batch x seq pass with logit_floats floats
 * of head output. */
electra_status el_context_reserve(electra_context *ctx, size_t batch, size_t seq,
                                  size_t logit_floats);
/* Floats of attention scratch one sequence of seq tokens needs on one
 * thread (a multiple of 16, so that consecutive ones stay aligned); the
 * arena holds batch of them after each other as well. */
size_t el_context_sequence_scratch(const electra_context *ctx, size_t seq);
/* Validate inputs and run the trunk (embeddings + layers) into
 * ctx->emb / ctx->hidden (/ ctx->states). */
electra_status el_forward_trunk(electra_context *ctx, size_t batch, size_t seq,
                                const int32_t *ids, const int32_t *mask, const int32_t *types);
/* Run the model's head on the trunk output into ctx->logits. */
void el_forward_head(electra_context *ctx);
/* The generator head on chosen token rows only (fill-mask needs just the
 * [MASK] positions): n x vocab logits into out. */
void el_forward_mlm_rows(electra_context *ctx, const size_t *rows, size_t n, float *out);
/* The head's output size for a batch x seq pass (rows x cols); 0 x 0 for
 * a bare model. */
void el_head_output_shape(const electra_model *m, size_t batch, size_t seq, size_t *rows,
                          size_t *cols);
/* Record a failure in the context and return it. */
electra_status el_context_fail(electra_context *ctx, electra_status status);

#endif
