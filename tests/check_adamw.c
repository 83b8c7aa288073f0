/* check_adamw.c - AdamW against torch's update written out in double,
 * gradient clipping, the warm-up/decay schedule, google's layer-wise lr
 * decay and weight-decay exclusion as the trainer applies them. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adamw.h"
#include "electra.h"
#include "lr_schedule.h"
#include "train_params.h"
#include "trainer.h"

START_TEST(adamw_matches_torch_formula)
{
    enum { N = 7 };
    float p[N], g[N], m[N] = {0}, v[N] = {0};
    float g0[N];
    double rp[N], rm[N] = {0}, rv[N] = {0};
    for (int i = 0; i < N; i++) {
        p[i] = (float)(0.3 * i - 1);
        rp[i] = p[i];
    }
    el_adamw_hparams h = {.lr = 1e-3, .weight_decay = 0.01, .beta1 = 0.9, .beta2 = 0.999,
                          .eps = 1e-6};
    for (long step = 1; step <= 4; step++) {
        for (int i = 0; i < N; i++)
            g[i] = (float)(0.5 * sin(i + 3.0 * step)) * (i == 3 ? 1e-7f : 1.0f);
        h.step = step;
        memcpy(g0, g, sizeof g);
        el_adamw_update(p, g, m, v, N, &h);
        for (int i = 0; i < N; i++)
            ck_assert_float_eq(g[i], 0.0f);
        memcpy(g, g0, sizeof g);
        /* torch.optim.AdamW, single-tensor path, in double. */
        for (int i = 0; i < N; i++) {
            rp[i] *= 1 - h.lr * h.weight_decay;
            rm[i] = 0.9 * rm[i] + 0.1 * g[i];
            rv[i] = 0.999 * rv[i] + 0.001 * (double)g[i] * g[i];
            double denom = sqrt(rv[i]) / sqrt(1 - pow(0.999, step)) + h.eps;
            rp[i] -= h.lr / (1 - pow(0.9, step)) * rm[i] / denom;
        }
        for (int i = 0; i < N; i++) {
            ck_assert_double_eq_tol(p[i], rp[i], 1e-6);
            ck_assert_double_eq_tol(m[i], rm[i], 1e-7);
            ck_assert_double_eq_tol(v[i], rv[i], 1e-9);
        }
    }
}
END_TEST

START_TEST(schedule_is_warmup_then_linear_decay)
{
    ck_assert_double_eq(el_lr_warmup_linear(0, 10, 100), 0.0);
    ck_assert_double_eq(el_lr_warmup_linear(5, 10, 100), 0.5);
    ck_assert_double_eq(el_lr_warmup_linear(10, 10, 100), 1.0);
    ck_assert_double_eq(el_lr_warmup_linear(55, 10, 100), 0.5);
    ck_assert_double_eq(el_lr_warmup_linear(100, 10, 100), 0.0);
    ck_assert_double_eq(el_lr_warmup_linear(500, 10, 100), 0.0);
    ck_assert_double_eq(el_lr_warmup_linear(0, 0, 0), 1.0);
    ck_assert_double_eq(el_lr_warmup_linear(7, 0, 0), 1.0);
    ck_assert_double_eq(el_lr_warmup_linear(3, 4, 0), 0.75);
    ck_assert_double_eq(el_lr_warmup_linear(0, 0, 4), 1.0);
    ck_assert_double_eq(el_lr_warmup_linear(3, 0, 4), 0.25);
}
END_TEST

START_TEST(layer_scales_follow_google_electra)
{
    /* _get_layer_lrs with 12 layers and decay 0.8: the head keeps lr,
     * layer 11 (depth 12) lr 0.8^2, layer 0 0.8^13, embeddings 0.8^14. */
    ck_assert_double_eq_tol(el_lr_layer_scale(14, 12, 0.8), 1.0, 1e-15);
    ck_assert_double_eq_tol(el_lr_layer_scale(12, 12, 0.8), 0.64, 1e-15);
    ck_assert_double_eq_tol(el_lr_layer_scale(1, 12, 0.8), pow(0.8, 13), 1e-15);
    ck_assert_double_eq_tol(el_lr_layer_scale(0, 12, 0.8), pow(0.8, 14), 1e-15);
    ck_assert_double_eq(el_lr_layer_scale(0, 12, 1.0), 1.0);
}
END_TEST

static el_config small_config(int head)
{
    el_config c = {0};
    c.head = head;
    c.vocab_size = 30;
    c.embedding_size = 4;
    c.hidden_size = 8;
    c.num_layers = 3;
    c.num_heads = 2;
    c.intermediate_size = 16;
    c.max_positions = 8;
    c.type_vocab_size = 2;
    c.layer_norm_eps = 1e-12;
    snprintf(c.hidden_act_name, sizeof c.hidden_act_name, "gelu");
    c.hidden_act = EL_ACT_GELU;
    c.num_labels = 2;
    return c;
}

START_TEST(store_names_depths_and_exemptions)
{
    el_config c = small_config(ELECTRA_HEAD_SEQUENCE_CLASSIFICATION);
    el_param_store *s;
    ck_assert_int_eq(el_param_store_init(&c, 0.02, 7, &s), ELECTRA_OK);
    const el_param *p = el_param_store_find(s, "electra.embeddings.word_embeddings.weight");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(p->depth, 0);
    ck_assert_int_eq(el_param_store_find(s, "electra.embeddings_project.weight")->depth, 0);
    ck_assert_int_eq(
        el_param_store_find(s, "electra.encoder.layer.2.output.dense.weight")->depth, 3);
    ck_assert_int_eq(el_param_store_find(s, "classifier.out_proj.bias")->depth, 5);
    ck_assert(el_param_is_decay_exempt(el_param_store_find(s, "classifier.out_proj.bias")));
    ck_assert(el_param_is_decay_exempt(
        el_param_store_find(s, "electra.encoder.layer.0.output.LayerNorm.weight")));
    ck_assert(!el_param_is_decay_exempt(
        el_param_store_find(s, "electra.encoder.layer.0.attention.self.key.weight")));
    /* Query, key and value are stacked: one (3H, H) weight. */
    const el_param *q = el_param_store_find(s, "electra.encoder.layer.1.attention.self.query.weight");
    const el_param *k = el_param_store_find(s, "electra.encoder.layer.1.attention.self.key.weight");
    const el_param *v = el_param_store_find(s, "electra.encoder.layer.1.attention.self.value.weight");
    ck_assert_uint_eq(k->offset, q->offset + 64);
    ck_assert_uint_eq(v->offset, k->offset + 64);
    ck_assert_ptr_eq(s->w.layers[1].qkv.w, s->value + q->offset);
    /* transformers' _init_weights: normal(0, range), padding row zero,
     * LayerNorm ones/zeros, zero biases. */
    const float *word = s->value + p->offset;
    for (size_t i = 0; i < 4; i++)
        ck_assert_float_eq(word[i], 0.0f);
    double sq = 0;
    for (size_t i = 4; i < p->count; i++)
        sq += word[i] * word[i];
    ck_assert_double_eq_tol(sqrt(sq / (double)(p->count - 4)), 0.02, 0.004);
    const el_param *g = el_param_store_find(s, "electra.embeddings.LayerNorm.weight");
    for (size_t i = 0; i < g->count; i++)
        ck_assert_float_eq(s->value[g->offset + i], 1.0f);
    const el_param *b = el_param_store_find(s, "classifier.dense.bias");
    for (size_t i = 0; i < b->count; i++)
        ck_assert_float_eq(s->value[b->offset + i], 0.0f);
    el_param_store_free(s);
    /* A bare model's keys have no "electra." prefix. */
    c = small_config(ELECTRA_HEAD_NONE);
    ck_assert_int_eq(el_param_store_init(&c, 0.02, 7, &s), ELECTRA_OK);
    ck_assert_ptr_nonnull(el_param_store_find(s, "embeddings.word_embeddings.weight"));
    el_param_store_free(s);
}
END_TEST

/* With zero gradients AdamW only decays: p (1 - lr scale wd) for the
 * decayed tensors, p unchanged for the exempt ones. */
START_TEST(trainer_applies_layer_decay_and_exclusions)
{
    el_config c = small_config(ELECTRA_HEAD_SEQUENCE_CLASSIFICATION);
    el_param_store *s;
    ck_assert_int_eq(el_param_store_init(&c, 0.5, 8, &s), ELECTRA_OK);
    for (size_t i = 0; i < s->total; i++)
        s->value[i] = 1.0f + (float)(i % 7);
    el_train_options o;
    el_train_options_default(&o);
    o.lr = 0.1;
    o.weight_decay = 0.5;
    o.layer_decay = 0.5;
    o.decay_all = _i;
    el_trainer *t;
    ck_assert_int_eq(el_trainer_create(s, &o, &t), ELECTRA_OK);
    el_trainer_zero_grad(t);
    double norm, lr;
    ck_assert_int_eq(el_trainer_apply(t, &norm, &lr), ELECTRA_OK);
    ck_assert_double_eq(norm, 0.0);
    ck_assert_double_eq(lr, 0.1);
    for (size_t i = 0; i < s->n_params; i++) {
        const el_param *p = &s->params[i];
        double scale = pow(0.5, c.num_layers + 2 - p->depth);
        double factor = !_i && el_param_is_decay_exempt(p) ? 1.0 : 1 - 0.1 * scale * 0.5;
        for (size_t k = 0; k < p->count; k++)
            ck_assert_msg(fabs(s->value[p->offset + k] - (1.0 + (double)((p->offset + k) % 7)) * factor) <
                              1e-5,
                          "%s", p->name);
    }
    ck_assert_int_eq(el_trainer_step_count(t), 1);
    el_trainer_free(t);
}
END_TEST

/* clip_grad_norm_: the norm over every gradient; grads scaled by
 * max / (norm + 1e-6) when above max. */
START_TEST(trainer_clips_global_norm_and_schedules)
{
    el_config c = small_config(ELECTRA_HEAD_TOKEN_CLASSIFICATION);
    el_param_store *s;
    ck_assert_int_eq(el_param_store_init(&c, 0.02, 9, &s), ELECTRA_OK);
    el_train_options o;
    el_train_options_default(&o);
    o.lr = 1e-3;
    o.max_grad_norm = 1.0;
    o.warmup_steps = 2;
    o.total_steps = 4;
    el_trainer *t;
    ck_assert_int_eq(el_trainer_create(s, &o, &t), ELECTRA_OK);
    double want_lr[] = {0, 5e-4, 1e-3, 5e-4, 0};
    for (int step = 0; step < 5; step++) {
        for (size_t i = 0; i < s->total; i++)
            s->grad[i] = 0.5f;
        double norm, lr;
        ck_assert_int_eq(el_trainer_apply(t, &norm, &lr), ELECTRA_OK);
        ck_assert_double_eq_tol(norm, 0.5 * sqrt((double)s->total), 1e-6 * norm);
        ck_assert_double_eq_tol(lr, want_lr[step], 1e-15);
        if (step == 0) {
            /* m = (1 - b1) g_clipped after the first update. */
            double clipped = 0.5 * 1.0 / (norm + 1e-6);
            ck_assert_double_eq_tol(s->m[0], 0.1 * clipped, 1e-9);
            /* The update consumed the gradients. */
            ck_assert_float_eq(s->grad[0], 0.0f);
        }
    }
    el_trainer_free(t);
}
END_TEST

START_TEST(bad_options_are_rejected)
{
    el_config c = small_config(ELECTRA_HEAD_TOKEN_CLASSIFICATION);
    el_train_options o;
    el_trainer *t = NULL;
    for (int k = 0; k < 6; k++) {
        el_param_store *s;
        ck_assert_int_eq(el_param_store_init(&c, 0.02, 9, &s), ELECTRA_OK);
        el_train_options_default(&o);
        switch (k) {
        case 0: o.threads = 0; break;
        case 1: o.lr = -1; break;
        case 2: o.beta2 = 1.0; break;
        case 3: o.layer_decay = 0; break;
        case 4: o.warmup_steps = 5, o.total_steps = 5; break;
        default: o.dropout.attention = 1.0; break;
        }
        /* The store is freed by the failed create. */
        ck_assert_int_eq(el_trainer_create(s, &o, &t), ELECTRA_ERR_INVALID_ARGUMENT);
        ck_assert_ptr_null(t);
    }
    el_param_store *s;
    ck_assert_int_eq(el_param_store_init(&c, -1, 9, &s), ELECTRA_ERR_INVALID_ARGUMENT);
    c.head = ELECTRA_HEAD_QUESTION_ANSWERING;
    c.num_labels = 3;
    ck_assert_int_eq(el_param_store_init(&c, 0.02, 9, &s), ELECTRA_ERR_CONFIG);
}
END_TEST

static size_t allocations;

static void *counting_malloc(size_t n, void *user)
{
    (void)user;
    allocations++;
    return malloc(n);
}

static void *counting_realloc(void *p, size_t n, void *user)
{
    (void)user;
    allocations++;
    return realloc(p, n);
}

static void counting_free(void *p, void *user)
{
    (void)user;
    free(p);
}

/* Once its workspace has grown to a batch shape, a step allocates
 * nothing; a larger batch grows it and a smaller one reuses it. */
START_TEST(warm_steps_allocate_nothing)
{
    ck_assert_int_eq(electra_set_allocator(counting_malloc, counting_realloc, counting_free, NULL),
                     ELECTRA_OK);
    el_config c = small_config(ELECTRA_HEAD_TOKEN_CLASSIFICATION);
    el_param_store *s;
    ck_assert_int_eq(el_param_store_init(&c, 0.5, 10, &s), ELECTRA_OK);
    el_train_options o;
    el_train_options_default(&o);
    el_trainer *t;
    ck_assert_int_eq(el_trainer_create(s, &o, &t), ELECTRA_OK);
    int32_t ids[16] = {1, 5, 7, 2, 3, 9, 4, 2, 1, 6, 6, 8, 2, 2, 3, 1};
    int32_t labels[16] = {0, 1, -100, 1, 0, 0, 1, -100, 1, 1, 0, 0, 1, 0, -100, 1};
    el_train_batch small = {.batch = 2, .seq = 4, .input_ids = ids, .labels = labels};
    el_train_batch large = {.batch = 2, .seq = 8, .input_ids = ids, .labels = labels};
    double before, after;
    ck_assert_int_eq(el_trainer_evaluate(t, &small, &before), ELECTRA_OK);
    ck_assert_int_eq(el_trainer_step(t, &small, NULL), ELECTRA_OK);
    allocations = 0;
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(el_trainer_step(t, &small, NULL), ELECTRA_OK);
    ck_assert_uint_eq(allocations, 0);
    ck_assert_int_eq(el_trainer_step(t, &large, NULL), ELECTRA_OK);
    ck_assert_uint_gt(allocations, 0);
    allocations = 0;
    ck_assert_int_eq(el_trainer_evaluate(t, &small, &before), ELECTRA_OK);
    ck_assert_int_eq(el_trainer_evaluate(t, &large, NULL), ELECTRA_OK);
    ck_assert_int_eq(el_trainer_evaluate(t, &small, &after), ELECTRA_OK);
    ck_assert_uint_eq(allocations, 0);
    ck_assert_double_eq(before, after);
    el_trainer_free(t);
    electra_set_allocator(NULL, NULL, NULL, NULL);
}
END_TEST

Suite *make_adamw_suite(void)
{
    Suite *s = suite_create("adamw");
    TCase *tc = tcase_create("optimizer");
    tcase_add_test(tc, adamw_matches_torch_formula);
    tcase_add_test(tc, schedule_is_warmup_then_linear_decay);
    tcase_add_test(tc, layer_scales_follow_google_electra);
    tcase_add_test(tc, store_names_depths_and_exemptions);
    tcase_add_loop_test(tc, trainer_applies_layer_decay_and_exclusions, 0, 2);
    tcase_add_test(tc, trainer_clips_global_norm_and_schedules);
    tcase_add_test(tc, bad_options_are_rejected);
    tcase_add_test(tc, warm_steps_allocate_nothing);
    suite_add_tcase(s, tc);
    return s;
}
