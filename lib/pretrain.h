/* pretrain.h - ELECTRA pre-training (replaced-token detection) as
 * google-research/electra's run_pretraining.py does it:
 *
 *   - a generator (ElectraForMaskedLM, hidden size a fraction of the
 *     discriminator's, FFN 4x its hidden size, max(1, hidden / 64) heads)
 *     and a discriminator (ElectraForPreTraining) sharing the embedding
 *     tables and their LayerNorm (train_params.h's pre-training pair);
 *   - each step: a batch from the shuffled example stream
 *     (pretrain_data.h); 15% of each row's tokens chosen, 85% of those
 *     masked (pretrain_mask.h); the generator's MLM loss on the chosen
 *     positions; its softmax sampled there (Gumbel-max, temperature 1, no
 *     gradient) to make the discriminator's input, a token labelled
 *     replaced (1) when the sample differs from the original; the
 *     discriminator's BCE over the attended tokens;
 *     loss = gen_weight MLM + disc_weight BCE (1 and 50); one AdamW
 *     update of both models (global-norm clipping, warm-up then linear
 *     decay, no weight decay on biases and LayerNorm);
 *   - checkpoints (both models, optimizer state, stream position; every
 *     random draw is keyed by the seed and the step) from which a run
 *     continues exactly as if never stopped.
 *
 * Where it differs from google's code, on purpose: AdamW is torch's
 * (bias-corrected; google's AdamWeightDecayOptimizer is not), the decay
 * after warm-up is transformers' linear schedule (google's polynomial
 * decay counts from step 0), and positions are drawn without replacement.
 *
 *   el_pretrain_options o;  el_pretrain_options_default(&o);  (set fields)
 *   el_pretrainer *p;  el_pretrainer_create(&o, tokenizer, data, &p);
 *   [el_pretrainer_resume(p, checkpoint_dir);]
 *   while (el_pretrainer_steps(p) < o.train.total_steps)
 *       el_pretrainer_step(p, &stats);
 *   el_pretrainer_export(p, out_dir, tokenizer_dir);
 *
 * With train.threads = N > 1 each step is data parallel: the batch's rows
 * in min(N, batch) slices, each slice's passes by a pair of models of its
 * own on one thread (no thread splits a product), the slices' gradients
 * summed in a fixed order before the update. The masks and samples are
 * those of one thread (keyed by row and by position in the batch), the
 * dropout masks are the slice's own, so a run depends on N and on nothing
 * else, and resumes exactly with the same N.
 *
 * A pretrainer belongs to one thread at a time. */
#ifndef EL_PRETRAIN_H
#define EL_PRETRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "electra.h"
#include "error.h"
#include "pretrain_data.h"
#include "pretrain_mask.h"
#include "tensor_set.h"
#include "trainer.h"

typedef struct el_pretrain_options {
    /* The discriminator (electra-small's shape by default). */
    int embedding_size;    /* 128 */
    int disc_hidden;       /* 256 */
    int disc_layers;       /* 12 */
    int disc_heads;        /* 0: max(1, disc_hidden / 64) */
    int max_positions;     /* 512 */
    /* The generator: hidden = round(gen_fraction x disc_hidden) (0.25, as
     * the paper recommends; the released electra-small used 1.0),
     * layers = round(gen_layer_fraction x disc_layers) (1.0). */
    double gen_fraction, gen_layer_fraction;
    /* 1: the generator is the discriminator's encoder with its own head
     * (run_pretraining.py's untied_generator = False, the paper's "tying
     * all weights"); the fractions are then not used. 0 (google's
     * default): only the embeddings are shared. */
    int tie_generator;
    size_t batch;          /* 128 (electra-small) */
    size_t seq_len;        /* 128 */
    double gen_weight;     /* 1.0 */
    double disc_weight;    /* 50.0 */
    /* When in (0, 1): the discriminator's output bias starts at
     * logit(disc_init_replaced), the share of tokens it will see replaced,
     * instead of 0 (google's init). The trunk then need not learn that
     * constant, which small, fast-learning models otherwise do by
     * flattening every token's representation. 0: off. */
    double disc_init_replaced;
    /* Optimizer, schedule, dropout, seed and threads: lr 5e-4, eps 1e-6,
     * weight decay 0.01 (none on biases and LayerNorm), clipping 1.0,
     * warm-up 10000 steps, dropout 0.1, total_steps 0 (set it). */
    el_train_options train;
} el_pretrain_options;

void el_pretrain_options_default(el_pretrain_options *o);

/* The model options (sizes, generator fractions, tie) of the pair an
 * earlier run wrote to dir/generator and dir/discriminator; the other
 * options of *o are left as they are. A pair of sizes el_pretrain_configs
 * would not give is ELECTRA_ERR_CONFIG naming the difference. */
electra_status el_pretrain_sizes_of(const char *dir, el_pretrain_options *o);

/* The two models' configs for a vocabulary of vocab_size tokens whose
 * [PAD] is pad_id. Errors name the impossible setting. */
electra_status el_pretrain_configs(const el_pretrain_options *o, int vocab_size, int32_t pad_id,
                                   el_config *disc, el_config *gen);

/* What one step (or an evaluation) measured. */
typedef struct el_pretrain_stats {
    double loss;          /* gen_weight mlm_loss + disc_weight disc_loss */
    double mlm_loss;      /* the generator's cross-entropy on the chosen positions */
    double disc_loss;     /* the discriminator's BCE over attended tokens */
    double gen_accuracy;  /* the generator's argmax is the original token */
    double disc_accuracy; /* (logit > 0) is the label, over attended tokens */
    double replaced;      /* share of attended tokens replaced: 1 - the
                             accuracy of calling every token real */
    double grad_norm;     /* before clipping (steps only) */
    double lr;            /* the learning rate used (steps only) */
    size_t tokens;        /* attended tokens */
    size_t predictions;   /* chosen positions */
} el_pretrain_stats;

/* The pretrainer's state, shared by pretrain.c and pretrain_checkpoint.c. */
typedef struct el_pretrainer {
    el_pretrain_options opt;
    el_trainer *trainer;   /* owns the pair's joint store; its model is the
                              discriminator */
    el_param_store *gen_view, *disc_view;
    el_train_model *gen;   /* the generator, on the trainer's pool */
    const el_pretrain_data *data;
    el_pretrain_stream stream;
    el_mask_config mask;
    /* batch x seq: the stream's rows, the generator's input and labels,
     * the discriminator's input and labels */
    int32_t *ids, *types, *attn, *masked, *mlm_labels, *fake, *disc_labels;
    int32_t *positions, *sampled, *scratch; /* batch x seq each */
    /* Data parallelism (threads > 1): each step's rows in n_replicas
     * slices, each run by a pair of models of its own on one of the
     * trainer's threads (pretrain.c). */
    struct el_pretrain_replica *replicas;
    size_t n_replicas;
    char error[EL_ERRMSG_SIZE];
} el_pretrainer;

/* A pretrainer with freshly initialised models for tokenizer's vocabulary
 * over data's examples (both must outlive it; data's sequence length is
 * o->seq_len). */
electra_status el_pretrainer_create(const el_pretrain_options *o,
                                    const electra_tokenizer *tokenizer,
                                    const el_pretrain_data *data, el_pretrainer **out);
void el_pretrainer_free(el_pretrainer *p);
const char *el_pretrainer_last_error(const el_pretrainer *p);

/* Updates done so far. */
long el_pretrainer_steps(const el_pretrainer *p);
/* Examples read from the stream so far. */
uint64_t el_pretrainer_examples_consumed(const el_pretrainer *p);
/* Parameters of each model (shared embeddings counted in both) and of
 * the pair. */
size_t el_pretrainer_parameters(const el_pretrainer *p, int generator);
size_t el_pretrainer_total_parameters(const el_pretrainer *p);
/* The two models' views (train_params.h). */
el_param_store *el_pretrainer_generator(el_pretrainer *p);
el_param_store *el_pretrainer_discriminator(el_pretrainer *p);

/* One training step on the next batch of the stream. */
electra_status el_pretrainer_step(el_pretrainer *p, el_pretrain_stats *stats);
/* The forward and backward passes of a step on the next batch, its
 * gradients added to those already there (no update): the stats of
 * el_pretrainer_step without grad_norm and lr. el_pretrainer_step is
 * this, after clearing the gradients, and then an update. */
electra_status el_pretrainer_accumulate(el_pretrainer *p, el_pretrain_stats *stats);
/* One training step on the caller's batch (batch x seq_len ids, token
 * types and attention mask) instead; the stream does not move. */
electra_status el_pretrainer_step_batch(el_pretrainer *p, const int32_t *ids,
                                        const int32_t *types, const int32_t *attn,
                                        el_pretrain_stats *stats);

/* The same measurements without dropout or updates on `batches` batches
 * of another set of examples (read in order from example 0, wrapping),
 * with fixed masking and sampling keys. The run is left as it was
 * (stream, step, dropout streams): training goes on as without it. */
electra_status el_pretrainer_evaluate(el_pretrainer *p, const el_pretrain_data *data,
                                      size_t batches, el_pretrain_stats *stats);

/* Checkpoints (pretrain_checkpoint.c): dir/generator and
 * dir/discriminator (model directories with tokenizer_dir's files),
 * dir/optimizer.safetensors (el_trainer_save_state of the pair) and
 * dir/pretrain_state.json (step, stream position, generator dropout
 * position, seed, batch and sequence length, number of examples). dir is
 * created if needed. */
electra_status el_pretrainer_save(el_pretrainer *p, const char *dir, const char *tokenizer_dir);
/* Restore a checkpoint of a run with the same options and data: the
 * weights, the optimizer, the stream and the dropout positions. Fails,
 * changing nothing that matters, on a checkpoint of another shape, batch,
 * sequence length, seed or corpus. */
electra_status el_pretrainer_resume(el_pretrainer *p, const char *dir);
/* Start a new run (step 0) from the weights of an earlier one: the
 * generator and discriminator directories under dir, as
 * el_pretrainer_export or el_pretrainer_save write them, of this run's
 * shapes. The optimizer, schedule and stream start afresh (continued
 * pre-training, e.g. on text of a new domain). Fails, changing nothing,
 * on missing files or other shapes. */
electra_status el_pretrainer_init_from(el_pretrainer *p, const char *dir);
/* dir/name/model.safetensors (name "generator" or "discriminator") read
 * into a new *set, which the caller frees, also when this fails. */
electra_status el_pretrain_read_model(const char *dir, const char *name, el_tensor_set **set);
/* The two models as Hugging Face directories: out/generator
 * (ElectraForMaskedLM) and out/discriminator (ElectraForPreTraining). */
electra_status el_pretrainer_export(el_pretrainer *p, const char *out,
                                    const char *tokenizer_dir);

/* A tokenizer directory for the models: dir/vocab.txt (a copy of
 * vocab_path), tokenizer_config.json and special_tokens_map.json as
 * transformers writes them for an uncased ElectraTokenizer with
 * model_max_length max_length. dir is created if needed. */
electra_status el_pretrain_write_tokenizer(const char *vocab_path, const char *dir,
                                           int max_length);

#endif
