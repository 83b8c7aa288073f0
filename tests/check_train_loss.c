/* check_train_loss.c - the losses against direct double-precision
 * formulas, and the whole model (embeddings, layers, every head and its
 * loss) against finite differences of its own loss (central differences
 * with Richardson extrapolation), with and without dropout, plus the
 * batch checks. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train_loss.h"
#include "train_model.h"
#include "train_params.h"
#include "trainer.h"

START_TEST(cross_entropy_matches_formula)
{
    /* 3 rows of 4 classes, the second ignored. */
    float z[12] = {0.5f, -1, 2, 0.1f, 9, 9, 9, 9, -3, 0.25f, 1, 4};
    int32_t y[3] = {2, -100, 3};
    float dz[12];
    size_t n;
    double loss = el_cross_entropy(z, 3, 4, 4, 1, y, -100, 1.0f, dz, &n);
    ck_assert_uint_eq(n, 2);
    double want = 0;
    for (int r = 0; r < 3; r += 2) {
        double s = 0;
        for (int c = 0; c < 4; c++)
            s += exp(z[r * 4 + c]);
        want += log(s) - z[r * 4 + y[r]];
        for (int c = 0; c < 4; c++) {
            double g = (exp(z[r * 4 + c]) / s - (c == y[r])) / 2;
            ck_assert_double_eq_tol(dz[r * 4 + c], g, 1e-7);
        }
    }
    ck_assert_double_eq_tol(loss, want / 2, 1e-7);
    for (int c = 0; c < 4; c++)
        ck_assert_float_eq(dz[4 + c], 0.0f);
    /* Everything ignored: 0 and no gradient (torch would say NaN). */
    int32_t none[3] = {-100, -100, -100};
    ck_assert_double_eq(el_cross_entropy(z, 3, 4, 4, 1, none, -100, 1.0f, dz, &n), 0.0);
    ck_assert_uint_eq(n, 0);
    for (int i = 0; i < 12; i++)
        ck_assert_float_eq(dz[i], 0.0f);
}
END_TEST

START_TEST(bce_and_mse_match_formula)
{
    float z[4] = {-30, -0.5f, 0.75f, 40};
    float y[4] = {1, 0, 1, 0};
    int32_t mask[4] = {1, 1, 0, 1};
    float dz[4];
    size_t n;
    double loss = el_bce_with_logits(z, y, mask, 4, 1.0f, dz, &n);
    ck_assert_uint_eq(n, 3);
    double want = 0;
    for (int i = 0; i < 4; i++) {
        if (!mask[i]) {
            ck_assert_float_eq(dz[i], 0.0f);
            continue;
        }
        double s = 1 / (1 + exp(-(double)z[i]));
        /* log(1 + exp(-|z|)) form: finite even at |z| = 40. */
        want += fmax(z[i], 0) - z[i] * y[i] + log1p(exp(-fabs(z[i])));
        ck_assert_double_eq_tol(dz[i], (s - y[i]) / 3, 1e-7);
    }
    ck_assert_double_eq_tol(loss, want / 3, 1e-9);
    float p[3] = {1, 2, 3}, t[3] = {1.5f, 2, 0};
    float dp[3];
    ck_assert_double_eq_tol(el_mse(p, t, 3, 1.0f, dp), (0.25 + 0 + 9) / 3, 1e-9);
    ck_assert_double_eq_tol(dp[0], 2 * -0.5 / 3, 1e-7);
    ck_assert_double_eq_tol(dp[2], 2 * 3.0 / 3, 1e-7);
}
END_TEST

/* A small random model of each head: V=40, E=6, H=8 (so embeddings_project
 * exists), 2 layers of 2 heads, FFN 12, 3 labels (2 for QA). */
static el_config tiny_config(int head, const char *act)
{
    el_config c = {0};
    c.head = head;
    c.vocab_size = 40;
    c.embedding_size = 6;
    c.hidden_size = 8;
    c.num_layers = 2;
    c.num_heads = 2;
    c.intermediate_size = 12;
    c.max_positions = 16;
    c.type_vocab_size = 2;
    c.pad_token_id = 0;
    c.layer_norm_eps = 1e-12;
    snprintf(c.hidden_act_name, sizeof c.hidden_act_name, "%s", act);
    c.hidden_act = (el_activation)el_activation_from_name(act);
    c.num_labels = head == ELECTRA_HEAD_QUESTION_ANSWERING ? 2 : 3;
    return c;
}

/* Every parameter random of order 0.5 (LayerNorm gains around 1), so no
 * gradient is trivially small. */
static el_param_store *random_store(const el_config *c, uint64_t seed)
{
    el_param_store *s;
    ck_assert_int_eq(el_param_store_init(c, 0.5, seed, &s), ELECTRA_OK);
    for (size_t i = 0; i < s->n_params; i++) {
        el_param *p = &s->params[i];
        float *x = s->value + p->offset;
        for (size_t k = 0; k < p->count; k++) {
            float u = (float)((k * 2654435761u + i * 40503u + seed) % 1000) / 1000.0f - 0.5f;
            if (p->kind == EL_PARAM_NORM_GAIN)
                x[k] = 1.0f + 0.4f * u;
            else if (p->kind != EL_PARAM_WEIGHT && p->kind != EL_PARAM_EMBEDDING)
                x[k] = 0.4f * u;
        }
    }
    return s;
}

#define MB 2
#define MS 6
struct model_case {
    el_train_model *tm;
    el_train_batch b;
    uint64_t pass;
    int training;
};

static double model_loss(struct model_case *mc)
{
    double loss;
    /* Replay the same pass number: the same dropout masks. */
    mc->tm->pass = mc->pass;
    ck_assert_int_eq(el_train_model_forward(mc->tm, &mc->b, mc->training, &loss), ELECTRA_OK);
    return loss;
}

static double central(struct model_case *mc, float *x, float h)
{
    float keep = *x;
    *x = keep + h;
    double up = model_loss(mc);
    *x = keep - h;
    double down = model_loss(mc);
    *x = keep;
    return (up - down) / (2.0 * h);
}

/* Central differences at h and h/2 combined to cancel the h^2 term: the
 * model is stiff enough (LayerNorms of width 6, weights of order 0.5)
 * that plain differences need a step where float rounding dominates. */
static double richardson(struct model_case *mc, float *x)
{
    const float h = 1e-2f;
    return (4 * central(mc, x, h / 2) - central(mc, x, h)) / 3;
}

START_TEST(model_gradients_match_finite_differences)
{
    static const int heads[] = {ELECTRA_HEAD_MASKED_LM, ELECTRA_HEAD_PRETRAINING,
                                ELECTRA_HEAD_SEQUENCE_CLASSIFICATION,
                                ELECTRA_HEAD_TOKEN_CLASSIFICATION,
                                ELECTRA_HEAD_QUESTION_ANSWERING};
    /* 0-4: each head; 5-9: again with dropout (and tanh GELU); 10, 11:
     * sequence regression and multi-label classification. */
    int head = _i < 10 ? heads[_i % 5] : ELECTRA_HEAD_SEQUENCE_CLASSIFICATION;
    int training = _i >= 5 && _i < 10;
    el_config c = tiny_config(head, training ? "gelu_new" : "gelu");
    if (_i == 10)
        c.num_labels = 1;
    if (_i == 11)
        snprintf(c.problem_type, sizeof c.problem_type, "multi_label_classification");
    el_param_store *s = random_store(&c, (uint64_t)_i + 1);
    el_train_dropout drop = {training ? 0.2 : 0, training ? 0.15 : 0, training ? 0.25 : 0};
    el_train_model *tm;
    ck_assert_int_eq(el_train_model_create(s, NULL, &drop, 99, &tm), ELECTRA_OK);
    /* Row 1 is padded after 4 tokens; the pad id only appears there (a
     * finite difference of the pad row would otherwise see the lookups
     * that padding_idx leaves out). */
    int32_t ids[MB * MS] = {2, 5, 9, 33, 7, 3, 2, 11, 39, 3, 0, 0};
    int32_t mask[MB * MS] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
    int32_t types[MB * MS] = {0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0};
    int32_t mlm[MB * MS] = {-100, 4, -100, 17, -100, -100, -100, 0, 39, -100, -100, -100};
    int32_t rtd[MB * MS] = {0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0};
    int32_t tags[MB * MS] = {-100, 2, 0, 1, 1, -100, -100, 0, 2, -100, -100, -100};
    int32_t cls[MB] = {2, 0};
    int32_t start[MB] = {2, 6}, end[MB] = {4, 9}; /* row 1: ignored, then clamped to S */
    float targets[MB * 3] = {0.5f, 1, 0, 1, 0, 1}; /* regression: the first 2 */
    struct model_case mc = {.tm = tm, .pass = 5, .training = training};
    mc.b = (el_train_batch){.batch = MB, .seq = MS, .input_ids = ids, .attention_mask = mask,
                            .token_type_ids = types, .start_positions = start,
                            .end_positions = end, .targets = targets};
    mc.b.labels = head == ELECTRA_HEAD_MASKED_LM          ? mlm
                  : head == ELECTRA_HEAD_PRETRAINING      ? rtd
                  : head == ELECTRA_HEAD_TOKEN_CLASSIFICATION ? tags
                                                          : cls;
    memset(s->grad, 0, s->total * sizeof(float));
    double loss = model_loss(&mc);
    el_train_model_backward(tm);
    float *analytic = malloc(s->total * sizeof(float));
    memcpy(analytic, s->grad, s->total * sizeof(float));
    double worst = 0;
    size_t checked = 0;
    for (size_t i = 0; i < s->n_params; i++) {
        const el_param *p = &s->params[i];
        /* A spread of entries of every tensor (all of the small ones; of
         * the word embeddings the rows the batch uses and the pad row). */
        for (size_t k = 0; k < p->count; k += p->count > 64 ? 7 : 1) {
            size_t at = k;
            if (p->kind == EL_PARAM_EMBEDDING) {
                static const size_t rows[] = {0, 2, 5, 11, 39};
                if (k / p->shape[1] >= sizeof rows / sizeof rows[0])
                    break;
                at = rows[k / p->shape[1]] * p->shape[1] + k % p->shape[1];
            }
            double numeric = richardson(&mc, s->value + p->offset + at);
            double g = analytic[p->offset + at];
            /* Float noise of the loss (~1e-7 of it, so larger for the
             * regression's loss of ~20) over the steps, and what
             * Richardson leaves: ~1e-4 here; a wrong gradient is off by
             * tens of percent. */
            double bound = 5e-4 * fmax(1.0, loss) + 5e-3 * fabs(numeric);
            ck_assert_msg(fabs(g - numeric) <= bound,
                          "head %d dropout %d: %s[%zu] analytic %.7g, finite difference %.7g",
                          head, training, p->name, at, g, numeric);
            if (fabs(g - numeric) / bound > worst)
                worst = fabs(g - numeric) / bound;
            checked++;
        }
    }
    printf("finite differences: model head %d%s: %zu entries, worst %.2f of bound\n", head,
           training ? " with dropout" : _i == 10 ? " regression" : _i == 11 ? " multi-label" : "",
           checked, worst);
    free(analytic);
    el_train_model_free(tm);
    el_param_store_free(s);
}
END_TEST

/* padding_idx: lookups of the pad id give its row no gradient, even at
 * attended positions; other rows' do. */
START_TEST(padding_row_gets_no_lookup_gradient)
{
    el_config c = tiny_config(ELECTRA_HEAD_PRETRAINING, "gelu");
    el_param_store *s = random_store(&c, 3);
    el_train_dropout drop = {0, 0, 0};
    el_train_model *tm;
    ck_assert_int_eq(el_train_model_create(s, NULL, &drop, 1, &tm), ELECTRA_OK);
    int32_t ids[4] = {2, 0, 0, 7}, labels[4] = {0, 1, 0, 1};
    el_train_batch b = {.batch = 1, .seq = 4, .input_ids = ids, .labels = labels};
    memset(s->grad, 0, s->total * sizeof(float));
    ck_assert_int_eq(el_train_model_forward(tm, &b, 0, NULL), ELECTRA_OK);
    el_train_model_backward(tm);
    size_t E = (size_t)c.embedding_size;
    double pad = 0, used = 0;
    for (size_t i = 0; i < E; i++) {
        pad += fabs(s->w.dword[0 * E + i]);
        used += fabs(s->w.dword[7 * E + i]);
    }
    ck_assert_double_eq(pad, 0.0);
    ck_assert_double_gt(used, 0.0);
    el_train_model_free(tm);
    el_param_store_free(s);
}
END_TEST

START_TEST(bad_batches_are_rejected)
{
    el_config c = tiny_config(ELECTRA_HEAD_TOKEN_CLASSIFICATION, "gelu");
    el_param_store *s = random_store(&c, 4);
    el_train_options o;
    el_train_options_default(&o);
    el_trainer *t;
    ck_assert_int_eq(el_trainer_create(s, &o, &t), ELECTRA_OK);
    int32_t ids[4] = {1, 2, 3, 4}, labels[4] = {0, 1, -100, 2};
    el_train_batch b = {.batch = 1, .seq = 4, .input_ids = ids, .labels = labels};
    ck_assert_int_eq(el_trainer_step(t, &b, NULL), ELECTRA_OK);
    labels[1] = 3; /* num_labels is 3 */
    ck_assert_int_eq(el_trainer_step(t, &b, NULL), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(el_trainer_last_error(t), "labels[1] = 3"));
    labels[1] = 1;
    ids[2] = 40;
    ck_assert_int_eq(el_trainer_step(t, &b, NULL), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(el_trainer_last_error(t), "input_ids[0][2] = 40"));
    ids[2] = 3;
    b.labels = NULL;
    ck_assert_int_eq(el_trainer_step(t, &b, NULL), ELECTRA_ERR_INVALID_ARGUMENT);
    b.labels = labels;
    b.seq = 17; /* max_positions 16 */
    ck_assert_int_eq(el_trainer_step(t, &b, NULL), ELECTRA_ERR_TOO_LONG);
    b.seq = 0;
    ck_assert_int_eq(el_trainer_step(t, &b, NULL), ELECTRA_ERR_SHAPE);
    el_trainer_free(t);

    /* A bare model has nothing to train on. */
    c = tiny_config(ELECTRA_HEAD_NONE, "gelu");
    ck_assert_int_eq(el_trainer_create(random_store(&c, 5), &o, &t), ELECTRA_OK);
    b.seq = 4;
    ck_assert_int_eq(el_trainer_step(t, &b, NULL), ELECTRA_ERR_WRONG_HEAD);
    el_trainer_free(t);
}
END_TEST

/* Which sequence loss runs, as transformers picks it: class indices
 * (-100 ignored) give cross-entropy, float targets BCE, one label MSE. */
START_TEST(sequence_loss_is_chosen_as_transformers_does)
{
    el_config c = tiny_config(ELECTRA_HEAD_SEQUENCE_CLASSIFICATION, "gelu");
    if (_i == 2)
        c.num_labels = 1;
    el_param_store *s = random_store(&c, 12);
    el_train_dropout drop = {0, 0, 0};
    el_train_model *tm;
    ck_assert_int_eq(el_train_model_create(s, NULL, &drop, 1, &tm), ELECTRA_OK);
    int32_t ids[6] = {2, 4, 6, 8, 10, 12}, labels[2] = {-100, 2};
    float targets[6] = {1, 0, 1, 0, 0, 1};
    el_train_batch b = {.batch = 2, .seq = 3, .input_ids = ids};
    if (_i == 0)
        b.labels = labels;
    else
        b.targets = targets;
    double loss;
    ck_assert_int_eq(el_train_model_forward(tm, &b, 0, &loss), ELECTRA_OK);
    const float *z = tm->logits;
    double want = 0;
    if (_i == 0) { /* row 0 ignored */
        double sum = exp(z[3]) + exp(z[4]) + exp(z[5]);
        want = log(sum) - z[5];
    } else if (_i == 1) {
        for (int i = 0; i < 6; i++)
            want += (fmax(z[i], 0) - z[i] * targets[i] + log1p(exp(-fabs(z[i])))) / 6;
    } else {
        want = ((z[0] - 1.0) * (z[0] - 1.0) + (z[1] - 0.0) * (z[1] - 0.0)) / 2;
    }
    ck_assert_double_eq_tol(loss, want, 1e-6 * (1 + fabs(want)));
    el_train_model_free(tm);
    el_param_store_free(s);
}
END_TEST

Suite *make_train_loss_suite(void)
{
    Suite *s = suite_create("train_loss");
    TCase *tc = tcase_create("losses");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, cross_entropy_matches_formula);
    tcase_add_test(tc, bce_and_mse_match_formula);
    tcase_add_loop_test(tc, model_gradients_match_finite_differences, 0, 12);
    tcase_add_test(tc, padding_row_gets_no_lookup_gradient);
    tcase_add_test(tc, bad_batches_are_rejected);
    tcase_add_loop_test(tc, sequence_loss_is_chosen_as_transformers_does, 0, 3);
    suite_add_tcase(s, tc);
    return s;
}
