/* model.h - a loaded ELECTRA model: config, weights bound to the layers
 * that use them, and the tokenizer of its directory. Immutable after
 * el_model_load returns, so any number of contexts may share it. */
#ifndef EL_MODEL_H
#define EL_MODEL_H

#include "config.h"
#include "electra.h"
#include "linear.h"
#include "tensor_set.h"

typedef struct el_layer {
    el_linear query, key, value, attn_out, intermediate, output;
    const float *attn_ln_gain, *attn_ln_bias;
    const float *out_ln_gain, *out_ln_bias;
} el_layer;

struct electra_model {
    el_config cfg;
    el_tensor_set *weights;
    electra_tokenizer *tokenizer; /* NULL when the directory has none */
    int kernels;                  /* electra_kernels */
    const char *weight_dtype;     /* "F32", "F16", "BF16" */
    int64_t num_parameters;

    /* Embeddings (width E) and the optional projection E -> H. */
    const float *word_emb, *pos_emb, *type_emb;
    const float *emb_ln_gain, *emb_ln_bias;
    int has_projection;
    el_linear projection;
    el_layer *layers;

    /* Heads; which are set depends on cfg.head. */
    el_linear gen_dense;       /* H -> E */
    const float *gen_ln_gain, *gen_ln_bias;
    el_linear gen_lm;          /* E -> vocab, weight tied to word_emb */
    el_linear disc_dense;      /* H -> H */
    el_linear disc_predict;    /* H -> 1 */
    el_linear cls_dense;       /* H -> H */
    el_linear cls_out;         /* H -> labels */
    el_linear token_cls;       /* H -> labels */
    el_linear qa;              /* H -> 2 */
};

#endif
