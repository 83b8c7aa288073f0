/* trainer.h - fine-tuning (and training) of an ELECTRA model: the
 * parameter store, the forward/backward passes, gradient clipping, the
 * learning-rate schedule and AdamW, driven one batch at a time.
 *
 * A command-line front end drives it like this:
 *
 *   el_param_store *store;
 *   el_param_store_from_model(model, &store);     // or el_param_store_init
 *   el_train_options o;
 *   el_train_options_default(&o);                 // then set lr, steps...
 *   el_trainer *tr;
 *   el_trainer_create(store, &o, &tr);            // takes the store
 *   for each batch: el_trainer_step(tr, &batch, &loss);
 *       (or el_trainer_zero_grad + el_trainer_accumulate xN +
 *        el_trainer_apply for gradient accumulation)
 *   el_trainer_evaluate(tr, &dev_batch, &loss);    // no dropout, no update
 *   el_trainer_save_pretrained(tr, out_dir, model_dir); // HF directory
 *   el_trainer_save_state(tr, path); el_trainer_load_state(tr, path);
 *
 * A trainer belongs to one thread at a time. Its step functions set
 * OpenBLAS's (process-wide) thread count to the trainer's. */
#ifndef EL_TRAINER_H
#define EL_TRAINER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "train_model.h"
#include "train_params.h"

typedef struct el_train_options {
    int threads;            /* 1 */
    double lr;              /* peak learning rate, 1e-4 */
    double beta1, beta2;    /* 0.9, 0.999 */
    double eps;             /* 1e-6 (ELECTRA's; torch's default is 1e-8) */
    double weight_decay;    /* 0.01 */
    int decay_all;          /* 0: no decay on biases and LayerNorm (google's
                               exclusion); 1: one group decaying everything
                               (torch's AdamW(model.parameters())) */
    double max_grad_norm;   /* 1.0; <= 0 disables clipping */
    double layer_decay;     /* 1.0 = off; google's ELECTRA fine-tuning 0.8 */
    long warmup_steps;      /* 0 */
    long total_steps;       /* 0: no decay after warm-up */
    el_train_dropout dropout; /* 0.1, 0.1, 0.1 (ElectraConfig's defaults) */
    double initializer_range; /* 0.02: recorded in the saved config.json */
    uint64_t seed;          /* dropout masks */
} el_train_options;

void el_train_options_default(el_train_options *o);

typedef struct el_trainer el_trainer;

/* Takes ownership of store (freed with the trainer, and on failure). */
electra_status el_trainer_create(el_param_store *store, const el_train_options *o,
                                 el_trainer **out);
void el_trainer_free(el_trainer *t);
const char *el_trainer_last_error(const el_trainer *t);

/* Record the thread's last error in the trainer; returns s. */
electra_status el_trainer_fail(el_trainer *t, electra_status s);

el_param_store *el_trainer_params(el_trainer *t);
const el_train_options *el_trainer_options(const el_trainer *t);
el_train_model *el_trainer_model(el_trainer *t);
long el_trainer_step_count(const el_trainer *t);

/* One training step: zero the gradients, forward with dropout, loss,
 * backward, clip, schedule, AdamW. */
electra_status el_trainer_step(el_trainer *t, const el_train_batch *b, double *loss);

/* The pieces of a step. accumulate adds this batch's gradients (of its
 * own mean loss) to those already there; training = 0 runs without
 * dropout (transformers' eval mode). apply clips, takes the scheduled
 * learning rate and updates, consuming the gradients (they are zero
 * afterwards); it reports the gradient norm before clipping and the base
 * learning rate used. */
void el_trainer_zero_grad(el_trainer *t);
electra_status el_trainer_accumulate(el_trainer *t, const el_train_batch *b, int training,
                                     double *loss);
electra_status el_trainer_apply(el_trainer *t, double *grad_norm, double *lr);

/* Tell the trainer that gradients were added to its store by passes run
 * outside el_trainer_accumulate (a second model over the same store), so
 * that el_trainer_zero_grad clears them. */
void el_trainer_mark_gradients(el_trainer *t);

/* The loss of a batch without dropout and without touching gradients. */
electra_status el_trainer_evaluate(el_trainer *t, const el_train_batch *b, double *loss);

/* Optimizer state (train_state.c): see the file format there. */
void el_trainer_restore_counters(el_trainer *t, long steps, uint64_t dropout_seed,
                                 uint64_t dropout_pass);
electra_status el_trainer_save_state(el_trainer *t, const char *path);
electra_status el_trainer_load_state(el_trainer *t, const char *path);

/* Write a Hugging Face model directory (train_save.c). */
electra_status el_trainer_save_pretrained(el_trainer *t, const char *dir,
                                          const char *tokenizer_dir);
/* The same for any store (a view of a pre-training pair): config.json
 * from its config and o (dropout, initializer_range), its tensors, and the
 * tokenizer files of tokenizer_dir (NULL: none). */
electra_status el_save_pretrained(const el_param_store *s, const el_train_options *o,
                                  const char *dir, const char *tokenizer_dir);

#endif
