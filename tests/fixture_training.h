/* fixture_training.h - a fixture model's training oracle: the batch with
 * its labels (expected/inputs.json) and training/manifest.json with the
 * gradient and after-step files of every parameter. */
#ifndef FIXTURE_TRAINING_H
#define FIXTURE_TRAINING_H

#include <stddef.h>
#include <stdint.h>

#include "trainer.h"

typedef struct fixture_param {
    char name[128];
    size_t ndim, shape[2], count;
    float *grad, *after;  /* count floats each */
    int zero_gradient;    /* listed in zero_gradient_params */
} fixture_param;

typedef struct fixture_training {
    size_t batch, seq;
    int32_t *ids, *mask, *types;
    int32_t *labels;                 /* batch x seq or batch; NULL for QA */
    int32_t *start_positions, *end_positions; /* QA only */
    double loss, loss_after_step;
    double lr, beta1, beta2, eps, weight_decay;
    fixture_param *params;
    size_t n_params;
} fixture_training;

/* model_dir's oracle; 0 on success. */
int fixture_training_load(const char *model_dir, fixture_training *out);
void fixture_training_free(fixture_training *f);

/* A trainer over the model in dir with the oracle's optimizer: one group
 * decaying everything, no clipping, no schedule, no dropout (aborts the
 * test on failure). */
el_trainer *oracle_trainer(const char *dir, const fixture_training *f);
/* The oracle's batch (pointing into f). */
el_train_batch oracle_batch(const fixture_training *f);

#endif
