/* model.h - a loaded ELECTRA model: config, weights bound to the layers
 * that use them, and the tokenizer of its directory. Immutable after
 * el_model_load returns, so any number of contexts may share it. */
#ifndef EL_MODEL_H
#define EL_MODEL_H

#include "config.h"
#include "electra.h"
#include "linear.h"
#include "tensor_set.h"
#include "transformer_ops.h"

typedef struct el_layer {
    /* query, key and value as the checkpoint has them (unprepared: for
     * reading the weights, e.g. to train from them); the forward pass runs
     * qkv, the three stacked into one (3H, H) linear whose output rows are
     * [q | k | v]. */
    el_linear query, key, value;
    el_linear qkv;
    float *qkv_weight; /* owned; NULL once packed (the kernel keeps its copy) */
    float *qkv_bias;   /* owned */
    el_linear attn_out, intermediate, output;
    const float *attn_ln_gain, *attn_ln_bias;
    const float *out_ln_gain, *out_ln_bias;
} el_layer;

struct electra_model {
    el_config cfg;
    el_tensor_set *weights;
    electra_tokenizer *tokenizer; /* NULL when the directory has none */
    int kernels;                  /* electra_kernels */
    int precision;                /* electra_precision of the linears */
    el_ops_path ops;              /* kernels of the non-matmul ops */
    const char *weight_dtype;     /* "F32", "F16", "BF16" */
    int64_t num_parameters;

    /* Embeddings (width E) and the optional projection E -> H. */
    const float *word_emb, *pos_emb, *type_emb;
    const float *emb_ln_gain, *emb_ln_bias;
    int has_projection;
    el_linear projection;
    el_layer *layers;
    el_linear_arena packed; /* the kernels' copies of the linears' weights */

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
