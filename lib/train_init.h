/* train_init.h - starting a training run from a model directory: what its
 * config.json says about training (dropout, initializer_range), and a
 * parameter store that keeps a loaded model's trunk under a new head.
 * Shared by fine-tuning and any driver that changes a model's head. */
#ifndef EL_TRAIN_INIT_H
#define EL_TRAIN_INIT_H

#include <stdint.h>

#include "config.h"
#include "electra.h"
#include "train_model.h"
#include "train_params.h"

/* dir/config.json's hidden_dropout_prob, attention_probs_dropout_prob,
 * classifier_dropout (null: the hidden one, as ElectraClassificationHead)
 * and initializer_range, with ElectraConfig's defaults (0.1, 0.1, null,
 * 0.02) for absent fields. A value of the wrong type or out of range
 * ([0, 1) for dropout, >= 0 for the range) is ELECTRA_ERR_CONFIG. */
electra_status el_train_config_read(const char *dir, el_train_dropout *dropout,
                                    double *initializer_range);

/* A store for cfg (its head and labels) whose embeddings and encoder are
 * copies of model's and whose head is new, as from_pretrained() builds a
 * head the checkpoint lacks: normal(0, initializer_range) weights, zero
 * biases, drawn from seed. cfg's trunk sizes must be model's. */
electra_status el_param_store_from_trunk(const electra_model *model, const el_config *cfg,
                                         double initializer_range, uint64_t seed,
                                         el_param_store **out);

#endif
