/* train_params.h - the trainable parameters of an ELECTRA model.
 *
 * One flat float buffer each for the values, the gradients and AdamW's two
 * moments, all laid out alike, plus a table naming every tensor with its
 * Hugging Face state-dict key. A store is created by copying a loaded
 * model's weights (never aliasing them: a loaded model is read-only and
 * shared) or freshly initialised as transformers' _init_weights does.
 * The typed view (el_train_weights) points each layer's tensors into the
 * buffers; the query, key and value weights (and their biases) are laid
 * out back to back so they act as one (3H, H) linear. */
#ifndef EL_TRAIN_PARAMS_H
#define EL_TRAIN_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "electra.h"

/* How transformers initialises a tensor. */
typedef enum el_param_kind {
    EL_PARAM_WEIGHT,    /* Linear weight: normal(0, initializer_range) */
    EL_PARAM_EMBEDDING, /* as WEIGHT, with the padding row zeroed */
    EL_PARAM_BIAS,      /* zeros */
    EL_PARAM_NORM_GAIN, /* ones */
    EL_PARAM_NORM_BIAS  /* zeros */
} el_param_kind;

typedef struct el_param {
    char name[112];    /* state-dict key */
    int ndim;          /* 1 or 2 */
    size_t shape[2];   /* shape[1] = 1 for 1-D */
    size_t offset;     /* into the flat buffers */
    size_t count;
    el_param_kind kind;
    /* google-research/electra's depth for layer-wise lr decay: 0 for the
     * embeddings (and embeddings_project), 1 + i for encoder layer i,
     * num_layers + 2 for the task head. */
    int depth;
} el_param;

typedef struct el_train_linear {
    float *w, *b;   /* (out, in), (out) */
    float *dw, *db;
    size_t in, out;
} el_train_linear;

typedef struct el_train_norm {
    float *gain, *bias, *dgain, *dbias;
    size_t n;
} el_train_norm;

typedef struct el_train_layer {
    el_train_linear qkv; /* query, key, value stacked: (3H, H) */
    el_train_linear attn_out, intermediate, output;
    el_train_norm attn_ln, out_ln;
} el_train_layer;

typedef struct el_train_weights {
    float *word, *pos, *type;    /* (V, E), (P, E), (types, E) */
    float *dword, *dpos, *dtype;
    el_train_norm emb_ln;
    int has_projection;
    el_train_linear projection;
    el_train_layer *layers;
    /* Heads: the ones of the config's head are set. The LM head's weight
     * is word (tied), so only its bias is here. */
    el_train_linear gen_dense;
    el_train_norm gen_ln;
    float *lm_bias, *dlm_bias;
    el_train_linear disc_dense, disc_predict;
    el_train_linear cls_dense, cls_out;
    el_train_linear token_cls;
    el_train_linear qa;
} el_train_weights;

typedef struct el_param_store {
    el_config cfg; /* a copy, owned */
    el_param *params;
    size_t n_params;
    size_t total;  /* floats in each buffer */
    float *value, *grad, *m, *v;
    el_train_weights w;
    int borrowed; /* a view: the buffers belong to another store */
    int shared_values; /* a replica: value is another store's; m, v NULL */
} el_param_store;

/* A store with a copy of a loaded model's weights (its head and config
 * included); grads and moments zero. */
electra_status el_param_store_from_model(const electra_model *model, el_param_store **out);
/* A store for cfg (copied) initialised as transformers does:
 * normal(0, initializer_range) weights and embeddings (padding row 0),
 * zero biases, LayerNorm ones / zeros. seed fixes the draw. */
electra_status el_param_store_init(const el_config *cfg, double initializer_range,
                                   uint64_t seed, el_param_store **out);
void el_param_store_free(el_param_store *store);

/* What the two models of a pre-training pair must be to share their
 * embeddings: an ElectraForPreTraining and an ElectraForMaskedLM that
 * agree on vocab_size, embedding_size, max_position_embeddings,
 * type_vocab_size, pad_token_id and layer_norm_eps. */
electra_status el_pretraining_pair_check(const el_config *disc, const el_config *gen);

/* ELECTRA pre-training's two models (google-research/electra's
 * run_pretraining.py): a discriminator (disc: ElectraForPreTraining) and
 * a generator (gen: ElectraForMaskedLM) sharing one word, position and
 * token-type table and the embedding LayerNorm, so both losses' gradients
 * land in the same tensors; each keeps its own embeddings_project (when
 * its hidden size differs from embedding_size), encoder and head, and the
 * generator's output layer is tied to the shared word table.
 *
 * *joint holds every tensor once and is what the optimizer updates: the
 * discriminator's under their Hugging Face keys, the generator's own
 * under "generator." + key; its cfg and typed view are the
 * discriminator's. *gen_view and *disc_view present each model as a store
 * of its own (its cfg, its typed view, its tensors under their Hugging
 * Face keys, the shared ones included) over the joint store's buffers:
 * train an el_train_model on them, save them as model directories. Free
 * the views before the joint store. Initialised as el_param_store_init
 * does; the configs must agree on vocab_size, embedding_size,
 * max_position_embeddings, type_vocab_size, pad_token_id and
 * layer_norm_eps.
 *
 * tied = 1 shares the encoder too (embeddings_project and every layer:
 * run_pretraining.py's untied_generator = False), which needs the two
 * configs to agree on the encoder's sizes; only the heads are then the
 * generator's own. */
electra_status el_param_store_init_pretraining(const el_config *disc, const el_config *gen,
                                               int tied, double initializer_range, uint64_t seed,
                                               el_param_store **joint,
                                               el_param_store **gen_view,
                                               el_param_store **disc_view);

/* A replica of a pre-training pair's joint store for data-parallel
 * passes: a joint store and views as above, reading joint's values (it
 * never writes them) with a zeroed gradient buffer of its own and no
 * optimizer moments. gen and tied must be those joint was made with.
 * Free the views before the replica, the replica before joint. */
electra_status el_param_store_pretraining_replica(const el_param_store *joint,
                                                  const el_config *gen, int tied,
                                                  el_param_store **replica,
                                                  el_param_store **gen_view,
                                                  el_param_store **disc_view);

/* NULL when absent. */
const el_param *el_param_store_find(const el_param_store *store, const char *name);

/* Whether google's recipe exempts a tensor from weight decay (its name
 * contains "LayerNorm", "layer_norm" or "bias"). */
int el_param_is_decay_exempt(const el_param *p);

#endif
