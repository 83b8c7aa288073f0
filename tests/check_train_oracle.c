/* check_train_oracle.c - one training step of every fixture model against
 * transformers + torch (training/ oracles): the loss, the gradient of every
 * parameter, every parameter after one AdamW step, and the loss after it,
 * at the fixtures README's pass criteria:
 *   loss, loss after the step: relative 1e-5 (float32 vs float64 differ
 *     by <= 7.2e-7 absolute on losses of ~0.6-11, i.e. < 1e-7 relative)
 *   gradients: |g - expected| <= 1e-5 + 1e-4 |expected|
 *   after the step: |p - expected| <= 1e-4
 *   zero_gradient_params: |g| <= 1e-5 and |p - p0 (1 - lr wd)| <= lr */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"
#include "fixture_training.h"
#include "testutil.h"
#include "trainer.h"

static const char *const models[] = {"tiny-generator", "tiny-discriminator", "tiny-classifier",
                                     "tiny-tagger", "tiny-qa"};
#define N_MODELS (sizeof models / sizeof models[0])

#define LOSS_REL_TOL 1e-5
#define GRAD_ABS_TOL 1e-5
#define GRAD_REL_TOL 1e-4
#define STEP_TOL 1e-4

START_TEST(training_step_matches_torch)
{
    REQUIRE_FIXTURES();
    char rel[128], dir[4096];
    snprintf(rel, sizeof rel, "models/%s", models[_i]);
    snprintf(dir, sizeof dir, "%s", fixture_path(rel));
    fixture_training f;
    ck_assert_msg(fixture_training_load(dir, &f) == 0, "reading %s's training oracle", dir);
    el_trainer *t = oracle_trainer(dir, &f);
    el_param_store *s = el_trainer_params(t);
    el_train_batch b = oracle_batch(&f);

    /* Every parameter of the model is in the oracle and the reverse. */
    ck_assert_uint_eq(s->n_params, f.n_params);
    float *before = malloc(s->total * sizeof *before);
    memcpy(before, s->value, s->total * sizeof *before);

    double loss;
    el_trainer_zero_grad(t);
    electra_status st = el_trainer_accumulate(t, &b, 0, &loss);
    ck_assert_msg(st == ELECTRA_OK, "%s: %s", models[_i], el_trainer_last_error(t));
    double loss_rel = fabs(loss - f.loss) / fabs(f.loss);
    ck_assert_msg(loss_rel <= LOSS_REL_TOL, "%s: loss %.9g, expected %.9g", models[_i], loss,
                  f.loss);

    double worst_grad = 0, worst_grad_ratio = 0;
    for (size_t i = 0; i < f.n_params; i++) {
        const fixture_param *fp = &f.params[i];
        const el_param *p = el_param_store_find(s, fp->name);
        ck_assert_msg(p != NULL, "%s: no parameter %s", models[_i], fp->name);
        ck_assert_uint_eq(p->count, fp->count);
        ck_assert_uint_eq(p->shape[0], fp->shape[0]);
        const float *g = s->grad + p->offset;
        /* Assertions only on failure: Check logs every one it passes. */
        for (size_t k = 0; k < p->count; k++) {
            double e = fp->grad[k], d = fabs(g[k] - e);
            if (fp->zero_gradient) {
                if (!(fabs(g[k]) <= GRAD_ABS_TOL))
                    ck_abort_msg("%s: %s[%zu] gradient %g should be 0", models[_i], fp->name, k,
                                 g[k]);
                continue;
            }
            double bound = GRAD_ABS_TOL + GRAD_REL_TOL * fabs(e);
            if (!(d <= bound))
                ck_abort_msg("%s: grad %s[%zu] = %.9g, expected %.9g", models[_i], fp->name, k,
                             g[k], e);
            if (d > worst_grad)
                worst_grad = d;
            if (d / bound > worst_grad_ratio)
                worst_grad_ratio = d / bound;
        }
    }

    ck_assert_int_eq(el_trainer_apply(t, NULL, NULL), ELECTRA_OK);
    double worst_step = 0;
    for (size_t i = 0; i < f.n_params; i++) {
        const fixture_param *fp = &f.params[i];
        const el_param *p = el_param_store_find(s, fp->name);
        const float *v = s->value + p->offset, *p0 = before + p->offset;
        for (size_t k = 0; k < p->count; k++) {
            if (fp->zero_gradient) {
                double decayed = p0[k] * (1 - f.lr * f.weight_decay);
                if (!(fabs(v[k] - decayed) <= f.lr))
                    ck_abort_msg("%s: %s[%zu] moved by more than lr", models[_i], fp->name, k);
                continue;
            }
            double d = fabs(v[k] - fp->after[k]);
            if (!(d <= STEP_TOL))
                ck_abort_msg("%s: after step %s[%zu] = %.9g, expected %.9g", models[_i],
                             fp->name, k, v[k], fp->after[k]);
            if (d > worst_step)
                worst_step = d;
        }
    }

    double after;
    ck_assert_int_eq(el_trainer_evaluate(t, &b, &after), ELECTRA_OK);
    double after_rel = fabs(after - f.loss_after_step) / fabs(f.loss_after_step);
    ck_assert_msg(after_rel <= LOSS_REL_TOL, "%s: loss after step %.9g, expected %.9g",
                  models[_i], after, f.loss_after_step);
    printf("training oracle: %-18s loss rel %.2g | grad max |diff| %.2g (%.2g of bound) | "
           "after step %.2g | loss after rel %.2g\n",
           models[_i], loss_rel, worst_grad, worst_grad_ratio, worst_step, after_rel);
    free(before);
    el_trainer_free(t);
    fixture_training_free(&f);
}
END_TEST

/* The gradients with 2 threads agree with 1 thread's within float
 * rounding (the BLAS and the reductions may split sums differently). */
START_TEST(training_gradients_threads_agree)
{
    REQUIRE_FIXTURES();
    char path[4096];
    snprintf(path, sizeof path, "%s", fixture_path("models/tiny-generator"));
    fixture_training f;
    ck_assert_int_eq(fixture_training_load(path, &f), 0);
    el_train_batch b = oracle_batch(&f);
    el_trainer *one = oracle_trainer(path, &f);
    electra_model *model;
    ck_assert_int_eq(electra_model_load(path, NULL, &model), ELECTRA_OK);
    el_param_store *store;
    ck_assert_int_eq(el_param_store_from_model(model, &store), ELECTRA_OK);
    electra_model_free(model);
    el_train_options o = *el_trainer_options(one);
    o.threads = 2;
    el_trainer *two;
    ck_assert_int_eq(el_trainer_create(store, &o, &two), ELECTRA_OK);
    double l1, l2;
    el_trainer_zero_grad(one);
    el_trainer_zero_grad(two);
    ck_assert_int_eq(el_trainer_accumulate(one, &b, 0, &l1), ELECTRA_OK);
    ck_assert_int_eq(el_trainer_accumulate(two, &b, 0, &l2), ELECTRA_OK);
    ck_assert_double_eq_tol(l1, l2, 1e-6 * l1);
    const el_param_store *s1 = el_trainer_params(one), *s2 = el_trainer_params(two);
    for (size_t i = 0; i < s1->total; i++)
        if (!(fabsf(s1->grad[i] - s2->grad[i]) <= 1e-6f + 1e-5f * fabsf(s1->grad[i])))
            ck_abort_msg("gradient %zu: %g vs %g", i, s1->grad[i], s2->grad[i]);
    el_trainer_free(one);
    el_trainer_free(two);
    fixture_training_free(&f);
}
END_TEST

Suite *make_train_oracle_suite(void)
{
    Suite *s = suite_create("train_oracle");
    TCase *tc = tcase_create("oracle");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, training_step_matches_torch, 0, N_MODELS);
    tcase_add_test(tc, training_gradients_threads_agree);
    suite_add_tcase(s, tc);
    return s;
}
