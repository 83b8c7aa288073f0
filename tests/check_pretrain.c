/* check_pretrain.c - the pre-training pair and step: model shapes, the
 * joint store and its views (embeddings shared, or the whole encoder
 * tied), the combined loss and the shared
 * embeddings' gradient (against each model run alone), data-parallel
 * steps against one thread, bit-exact resume,
 * the exported model directories and their sizes read back, error
 * paths, and that it learns. */
#include <cJSON.h>
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pretrain.h"
#include "pretrain_util.h"
#include "testutil.h"
#include "train_model.h"

START_TEST(test_configs)
{
    el_pretrain_options o;
    el_pretrain_options_default(&o);
    el_config d, g;
    ck_assert_int_eq(el_pretrain_configs(&o, 30522, 0, &d, &g), ELECTRA_OK);
    /* electra-small and get_generator_config(0.25, 1.0). */
    ck_assert_int_eq(d.head, ELECTRA_HEAD_PRETRAINING);
    ck_assert_int_eq(d.hidden_size, 256);
    ck_assert_int_eq(d.num_layers, 12);
    ck_assert_int_eq(d.num_heads, 4);
    ck_assert_int_eq(d.intermediate_size, 1024);
    ck_assert_int_eq(d.embedding_size, 128);
    ck_assert_int_eq(g.head, ELECTRA_HEAD_MASKED_LM);
    ck_assert_int_eq(g.hidden_size, 64);
    ck_assert_int_eq(g.num_layers, 12);
    ck_assert_int_eq(g.num_heads, 1);
    ck_assert_int_eq(g.intermediate_size, 256);
    ck_assert_int_eq(g.embedding_size, 128);
    ck_assert_int_eq(g.max_positions, 512);
    ck_assert_str_eq(g.architecture, "ElectraForMaskedLM");
    o.gen_fraction = 1.0;
    o.gen_layer_fraction = 0.5;
    ck_assert_int_eq(el_pretrain_configs(&o, 30522, 0, &d, &g), ELECTRA_OK);
    ck_assert_int_eq(g.hidden_size, 256);
    ck_assert_int_eq(g.num_heads, 4);
    ck_assert_int_eq(g.num_layers, 6);
    /* Impossible settings name themselves. */
    el_pretrain_options bad = o;
    bad.disc_heads = 3;
    ck_assert_int_eq(el_pretrain_configs(&bad, 100, 0, &d, &g), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "3 heads"));
    bad = o;
    bad.disc_hidden = 200;
    bad.gen_fraction = 1.0; /* 200 / 64 = 3 heads for 200: impossible */
    bad.disc_heads = 4;
    ck_assert_int_eq(el_pretrain_configs(&bad, 100, 0, &d, &g), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "generator"));
    bad = o;
    bad.seq_len = 600;
    ck_assert_int_eq(el_pretrain_configs(&bad, 100, 0, &d, &g), ELECTRA_ERR_INVALID_ARGUMENT);
    bad = o;
    bad.gen_fraction = 0.001;
    ck_assert_int_eq(el_pretrain_configs(&bad, 100, 0, &d, &g), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(el_pretrain_configs(&o, 100, 100, &d, &g), ELECTRA_ERR_INVALID_ARGUMENT);
}
END_TEST

/* A pre-training pair's stores (tied or not) beside a store of each
 * model alone, all from test_pretrain_options. */
struct pair_stores {
    el_config dc, gc;
    el_param_store *joint, *gv, *dv, *g_alone, *d_alone;
};

static void pair_stores_create(struct pair_stores *ps, int tied)
{
    el_pretrain_options o;
    test_pretrain_options(&o);
    o.tie_generator = tied;
    ck_assert_int_eq(el_pretrain_configs(&o, TEST_VOCAB, 0, &ps->dc, &ps->gc), ELECTRA_OK);
    ck_assert_int_eq(el_param_store_init_pretraining(&ps->dc, &ps->gc, tied, 0.02, 1, &ps->joint,
                                                     &ps->gv, &ps->dv),
                     ELECTRA_OK);
    ck_assert_int_eq(el_param_store_init(&ps->gc, 0.02, 1, &ps->g_alone), ELECTRA_OK);
    ck_assert_int_eq(el_param_store_init(&ps->dc, 0.02, 1, &ps->d_alone), ELECTRA_OK);
}

static void pair_stores_free(struct pair_stores *ps)
{
    el_param_store_free(ps->gv);
    el_param_store_free(ps->dv);
    el_param_store_free(ps->joint);
    el_param_store_free(ps->g_alone);
    el_param_store_free(ps->d_alone);
}

/* The views hold exactly the tensors a store of each model alone holds,
 * in the same order and shapes; the embeddings are one memory. */
START_TEST(test_pair_store)
{
    struct pair_stores ps;
    pair_stores_create(&ps, 0);
    const el_config dc = ps.dc, gc = ps.gc;
    el_param_store *joint = ps.joint, *gv = ps.gv, *dv = ps.dv;
    el_param_store *g_alone = ps.g_alone, *d_alone = ps.d_alone;
    const el_param_store *pairs[2][2] = {{gv, g_alone}, {dv, d_alone}};
    for (int k = 0; k < 2; k++) {
        const el_param_store *view = pairs[k][0], *alone = pairs[k][1];
        ck_assert_uint_eq(view->n_params, alone->n_params);
        for (size_t i = 0; i < view->n_params; i++) {
            ck_assert_str_eq(view->params[i].name, alone->params[i].name);
            ck_assert_uint_eq(view->params[i].count, alone->params[i].count);
            ck_assert_uint_eq(view->params[i].shape[0], alone->params[i].shape[0]);
        }
    }
    ck_assert_ptr_eq(gv->w.word, dv->w.word);
    ck_assert_ptr_eq(gv->w.dword, joint->w.dword);
    ck_assert_ptr_eq(gv->w.pos, dv->w.pos);
    ck_assert_ptr_eq(gv->w.emb_ln.gain, dv->w.emb_ln.gain);
    ck_assert_ptr_ne(gv->w.layers[0].qkv.w, dv->w.layers[0].qkv.w);
    /* embeddings_project only where the width differs from E = 16. */
    ck_assert(!gv->w.has_projection && dv->w.has_projection);
    size_t shared = (size_t)TEST_VOCAB * 16 + 32 * 16 + 2 * 16 + 2 * 16;
    ck_assert_uint_eq(joint->total, g_alone->total + d_alone->total - shared);
    /* Every float belongs to exactly one tensor of the joint store; the
     * generator's own tensors are "generator."-prefixed there. */
    size_t sum = 0, gen_own = 0;
    for (size_t i = 0; i < joint->n_params; i++) {
        sum += joint->params[i].count;
        gen_own += strncmp(joint->params[i].name, "generator.", 10) == 0;
    }
    ck_assert_uint_eq(sum, joint->total);
    ck_assert_uint_eq(gen_own, gv->n_params - 5);
    ck_assert_ptr_nonnull(el_param_store_find(joint, "generator.generator_lm_head.bias"));
    ck_assert_ptr_nonnull(el_param_store_find(gv, "generator_lm_head.bias"));
    /* Mismatched pairs are refused. */
    el_config g2 = gc;
    g2.embedding_size = 8;
    el_param_store *j2 = NULL, *a2 = NULL, *b2 = NULL;
    ck_assert_int_eq(el_param_store_init_pretraining(&dc, &g2, 0, 0.02, 1, &j2, &a2, &b2),
                     ELECTRA_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "embedding_size"));
    ck_assert_int_eq(el_param_store_init_pretraining(&gc, &dc, 0, 0.02, 1, &j2, &a2, &b2),
                     ELECTRA_ERR_CONFIG);
    ck_assert_ptr_null(j2);
    pair_stores_free(&ps);
}
END_TEST

/* Tied (untied_generator = False): the generator's view runs the
 * discriminator's encoder; only the heads are its own. */
START_TEST(test_tied_pair_store)
{
    struct pair_stores ps;
    pair_stores_create(&ps, 1);
    const el_config dc = ps.dc, gc = ps.gc;
    el_param_store *joint = ps.joint, *gv = ps.gv, *dv = ps.dv;
    const el_param_store *g_alone = ps.g_alone, *d_alone = ps.d_alone;
    ck_assert_int_eq(gc.hidden_size, dc.hidden_size);
    ck_assert_int_eq(gc.num_layers, dc.num_layers);
    ck_assert_int_eq(gc.num_heads, dc.num_heads);
    ck_assert_uint_eq(gv->n_params, g_alone->n_params);
    for (size_t i = 0; i < gv->n_params; i++) {
        ck_assert_str_eq(gv->params[i].name, g_alone->params[i].name);
        ck_assert_uint_eq(gv->params[i].count, g_alone->params[i].count);
        const el_param *d = el_param_store_find(dv, gv->params[i].name);
        int own = strncmp(gv->params[i].name, "generator_", 10) == 0;
        ck_assert_msg(own ? !d : d && d->offset == gv->params[i].offset,
                      "%s: shared with the discriminator: %d", gv->params[i].name, !own);
    }
    ck_assert(gv->w.has_projection && dv->w.has_projection);
    ck_assert_ptr_eq(gv->w.projection.w, dv->w.projection.w);
    for (int l = 0; l < dc.num_layers; l++) {
        ck_assert_ptr_eq(gv->w.layers[l].qkv.w, dv->w.layers[l].qkv.w);
        ck_assert_ptr_eq(gv->w.layers[l].out_ln.dgain, dv->w.layers[l].out_ln.dgain);
    }
    ck_assert_ptr_ne(gv->w.gen_dense.w, NULL);
    ck_assert_ptr_eq(dv->w.gen_dense.w, NULL);
    /* The joint store: the discriminator plus the generator's head. */
    const el_param *lm = el_param_store_find(joint, "generator.generator_lm_head.bias");
    const el_param *ln = el_param_store_find(joint, "generator.generator_predictions.LayerNorm.weight");
    ck_assert_ptr_nonnull(lm);
    ck_assert_ptr_nonnull(ln);
    ck_assert_ptr_null(el_param_store_find(joint, "generator.electra.encoder.layer.0.output.dense.bias"));
    size_t head = (size_t)TEST_VOCAB + 2 * 16 + (size_t)dc.hidden_size * 16 + 16;
    ck_assert_uint_eq(joint->total, d_alone->total + head);
    /* Encoders of different sizes cannot be tied. */
    el_config g2 = gc;
    g2.num_layers = 1;
    el_param_store *j2 = NULL, *a2 = NULL, *b2 = NULL;
    ck_assert_int_eq(el_param_store_init_pretraining(&dc, &g2, 1, 0.02, 1, &j2, &a2, &b2),
                     ELECTRA_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "tied generator"));
    ck_assert_ptr_null(j2);
    /* A data-parallel replica reads the joint values, writes its own
     * gradients, and has no optimizer moments; one of another shape is
     * refused. */
    ck_assert_int_eq(el_param_store_pretraining_replica(joint, &gc, 1, &j2, &a2, &b2), ELECTRA_OK);
    ck_assert_ptr_eq(j2->value, joint->value);
    ck_assert_ptr_eq(a2->w.layers[0].qkv.w, gv->w.layers[0].qkv.w);
    ck_assert_ptr_ne(a2->w.layers[0].qkv.dw, gv->w.layers[0].qkv.dw);
    ck_assert_ptr_eq(a2->w.layers[0].qkv.dw, b2->w.layers[0].qkv.dw);
    ck_assert_ptr_null(j2->m);
    el_param_store_free(a2);
    el_param_store_free(b2);
    el_param_store_free(j2);
    j2 = NULL;
    ck_assert_int_eq(el_param_store_pretraining_replica(joint, &gc, 0, &j2, &a2, &b2),
                     ELECTRA_ERR_CONFIG);
    ck_assert_ptr_null(j2);
    pair_stores_free(&ps);
}
END_TEST

/* A store of one model alone with the view's current values. */
static el_param_store *alone_copy(const el_param_store *view)
{
    el_param_store *s;
    ck_assert_int_eq(el_param_store_init(&view->cfg, 0.02, 0, &s), ELECTRA_OK);
    for (size_t i = 0; i < s->n_params; i++)
        memcpy(s->value + s->params[i].offset, view->value + view->params[i].offset,
               s->params[i].count * sizeof(float));
    return s;
}

/* Loss and gradients of one model alone on a batch (no dropout). */
static double alone_pass(el_param_store *s, size_t B, size_t S, const int32_t *ids,
                         const int32_t *types, const int32_t *attn, const int32_t *labels)
{
    el_train_model *tm;
    el_train_dropout none = {0, 0, 0};
    ck_assert_int_eq(el_train_model_create(s, NULL, &none, 0, &tm), ELECTRA_OK);
    el_train_batch b = {.batch = B, .seq = S, .input_ids = ids, .token_type_ids = types,
                        .attention_mask = attn, .labels = labels};
    double loss;
    ck_assert_int_eq(el_train_model_forward(tm, &b, 1, &loss), ELECTRA_OK);
    el_train_model_backward(tm);
    el_train_model_free(tm);
    return loss;
}

/* The pair's loss is MLM + 50 BCE of the two models run alone on the
 * step's inputs, and its gradient is theirs: the generator's own tensors
 * get the MLM gradient, the discriminator's 50 x the BCE gradient, the
 * shared embeddings (and, tied: _i = 1, the encoder) the sum. */
START_TEST(test_loss_and_shared_gradient)
{
    el_pretrain_options o;
    test_pretrain_options(&o);
    o.tie_generator = _i;
    o.train.dropout = (el_train_dropout){0, 0, 0};
    electra_tokenizer *tok = test_tokenizer();
    el_pretrain_data *data = test_pretrain_data(tok, &o);
    el_pretrainer *p;
    ck_assert_int_eq(el_pretrainer_create(&o, tok, data, &p), ELECTRA_OK);
    el_pretrain_stats st;
    ck_assert_int_eq(el_pretrainer_step(p, &st), ELECTRA_OK); /* weights move off init */
    ck_assert_int_eq(el_pretrainer_accumulate(p, &st), ELECTRA_OK);
    size_t B = o.batch, S = o.seq_len;
    el_param_store *gs = alone_copy(p->gen_view), *ds = alone_copy(p->disc_view);
    double mlm = alone_pass(gs, B, S, p->masked, p->types, p->attn, p->mlm_labels);
    double bce = alone_pass(ds, B, S, p->fake, p->types, p->attn, p->disc_labels);
    ck_assert_double_eq_tol(st.mlm_loss, mlm, 1e-6 * mlm);
    ck_assert_double_eq_tol(st.disc_loss, bce, 1e-6 * bce);
    ck_assert_double_eq_tol(st.loss, mlm + 50 * bce, 1e-6 * st.loss);
    ck_assert_uint_gt(st.predictions, 0);
    ck_assert(st.replaced > 0);
    /* Gradients, tensor by tensor. */
    const el_param_store *views[2] = {p->gen_view, p->disc_view}, *alone[2] = {gs, ds};
    const float *joint_grad = p->gen_view->grad;
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < views[k]->n_params; i++) {
            const el_param *vp = &views[k]->params[i];
            int shared = strncmp(vp->name, _i ? "electra." : "electra.embeddings.",
                                 _i ? 8 : 19) == 0;
            const float *g = gs->grad + gs->params[i].offset;
            const float *d = ds->grad + ds->params[i].offset;
            const float *got = joint_grad + vp->offset;
            double max_ref = 0, max_diff = 0;
            for (size_t j = 0; j < vp->count; j++) {
                double ref = shared ? (double)g[j] + 50.0 * d[j]
                             : k == 0 ? (double)(alone[0]->grad + alone[0]->params[i].offset)[j]
                                      : 50.0 * (alone[1]->grad + alone[1]->params[i].offset)[j];
                max_ref = fmax(max_ref, fabs(ref));
                max_diff = fmax(max_diff, fabs(ref - got[j]));
            }
            ck_assert_msg(max_diff <= 1e-5 * max_ref + 1e-9, "%s: %g off (largest %g)",
                          vp->name, max_diff, max_ref);
            if (shared && !strstr(vp->name, "token_type"))
                ck_assert_msg(max_ref > 0, "%s has no gradient", vp->name);
        }
    }
    /* Both losses reach the shared word table. */
    const el_param *word = el_param_store_find(gs, "electra.embeddings.word_embeddings.weight");
    double gnorm = 0, dnorm = 0;
    for (size_t j = 0; j < word->count; j++) {
        gnorm += fabs(gs->grad[word->offset + j]);
        dnorm += fabs(ds->grad[word->offset + j]);
    }
    ck_assert(gnorm > 0 && dnorm > 0);
    el_param_store_free(gs);
    el_param_store_free(ds);
    el_pretrainer_free(p);
    el_pretrain_data_free(data);
    electra_tokenizer_free(tok);
}
END_TEST

static void snapshot(el_pretrainer *p, float **value, float **m, float **v, size_t *n)
{
    const el_param_store *j = el_trainer_params(p->trainer);
    *n = j->total;
    *value = malloc(*n * sizeof(float));
    *m = malloc(*n * sizeof(float));
    *v = malloc(*n * sizeof(float));
    memcpy(*value, j->value, *n * sizeof(float));
    memcpy(*m, j->m, *n * sizeof(float));
    memcpy(*v, j->v, *n * sizeof(float));
}

/* Stopping after 3 steps, saving, and resuming in a new pretrainer gives
 * bit for bit what 6 steps in one go give (dropout on: its positions
 * are part of the state; an evaluation in between changes nothing). */
START_TEST(test_resume_exact)
{
    el_pretrain_options o;
    test_pretrain_options(&o);
    o.tie_generator = _i & 1;
    o.train.threads = 1 + (_i >> 1); /* 2: data parallel */
    electra_tokenizer *tok = test_tokenizer();
    el_pretrain_data *data = test_pretrain_data(tok, &o);
    el_pretrainer *p;
    el_pretrain_stats straight[6], resumed[6];
    ck_assert_int_eq(el_pretrainer_create(&o, tok, data, &p), ELECTRA_OK);
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(el_pretrainer_step(p, &straight[i]), ELECTRA_OK);
    float *v1, *m1, *s1, *v2, *m2, *s2;
    size_t n1, n2;
    snapshot(p, &v1, &m1, &s1, &n1);
    uint64_t consumed = el_pretrainer_examples_consumed(p);
    el_pretrainer_free(p);

    const char *dir = make_temp_dir("pretrain-resume");
    char ck[4200];
    snprintf(ck, sizeof ck, "%s/checkpoint", dir);
    ck_assert_int_eq(el_pretrainer_create(&o, tok, data, &p), ELECTRA_OK);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(el_pretrainer_step(p, &resumed[i]), ELECTRA_OK);
    el_pretrain_stats ev;
    ck_assert_int_eq(el_pretrainer_evaluate(p, data, 2, &ev), ELECTRA_OK); /* changes nothing */
    ck_assert_int_eq(el_pretrainer_save(p, ck, NULL), ELECTRA_OK);
    el_pretrainer_free(p);
    ck_assert_int_eq(el_pretrainer_create(&o, tok, data, &p), ELECTRA_OK);
    ck_assert_int_eq(el_pretrainer_resume(p, ck), ELECTRA_OK);
    ck_assert_int_eq(el_pretrainer_steps(p), 3);
    for (int i = 3; i < 6; i++)
        ck_assert_int_eq(el_pretrainer_step(p, &resumed[i]), ELECTRA_OK);
    snapshot(p, &v2, &m2, &s2, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert_mem_eq(v1, v2, n1 * sizeof(float));
    ck_assert_mem_eq(m1, m2, n1 * sizeof(float));
    ck_assert_mem_eq(s1, s2, n1 * sizeof(float));
    ck_assert_mem_eq(straight, resumed, sizeof straight);
    ck_assert_uint_eq(el_pretrainer_examples_consumed(p), consumed);
    el_pretrainer_free(p);

    /* A checkpoint of another run is refused, and nothing changes. */
    el_pretrain_options other = o;
    other.batch = 2;
    ck_assert_int_eq(el_pretrainer_create(&other, tok, data, &p), ELECTRA_OK);
    ck_assert_int_eq(el_pretrainer_resume(p, ck), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(el_pretrainer_last_error(p), "batch size"));
    ck_assert_int_eq(el_pretrainer_steps(p), 0);
    ck_assert_uint_eq(el_pretrainer_examples_consumed(p), 0);
    el_pretrainer_free(p);
    other = o;
    other.tie_generator = !o.tie_generator;
    ck_assert_int_eq(el_pretrainer_create(&other, tok, data, &p), ELECTRA_OK);
    ck_assert_int_eq(el_pretrainer_resume(p, ck), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(el_pretrainer_last_error(p), "tie_generator"));
    el_pretrainer_free(p);
    other = o;
    other.disc_hidden = 64;
    other.gen_fraction = 0.25; /* the same tensors, other shapes */
    ck_assert_int_eq(el_pretrainer_create(&other, tok, data, &p), ELECTRA_OK);
    float *before = malloc(el_pretrainer_total_parameters(p) * sizeof(float));
    memcpy(before, p->gen_view->value, el_pretrainer_total_parameters(p) * sizeof(float));
    ck_assert_int_eq(el_pretrainer_resume(p, ck), ELECTRA_ERR_SHAPE);
    ck_assert_mem_eq(before, p->gen_view->value,
                     el_pretrainer_total_parameters(p) * sizeof(float));
    ck_assert_int_eq(el_pretrainer_resume(p, "/nonexistent/checkpoint"), ELECTRA_ERR_IO);
    free(before);
    el_pretrainer_free(p);
    /* A damaged state file. */
    char state[4300];
    snprintf(state, sizeof state, "%s/pretrain_state.json", ck);
    FILE *f = fopen(state, "w");
    fputs("{\"format\": \"libelectra-pretrain-state\", \"step\": -1}", f);
    fclose(f);
    ck_assert_int_eq(el_pretrainer_create(&o, tok, data, &p), ELECTRA_OK);
    ck_assert_int_eq(el_pretrainer_resume(p, ck), ELECTRA_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(el_pretrainer_last_error(p), "pretrain_state.json"));
    el_pretrainer_free(p);

    free(v1);
    free(m1);
    free(s1);
    free(v2);
    free(m2);
    free(s2);
    el_pretrain_data_free(data);
    electra_tokenizer_free(tok);
}
END_TEST

/* el_pretrain_sizes_of(dir) gives back the options that made the pair
 * in dir: the same two configs, tied or not. */
static void assert_sizes_read_back(const char *dir, const el_pretrain_options *o)
{
    el_pretrain_options back;
    el_pretrain_options_default(&back);
    back.seq_len = o->seq_len; /* not a model option: not read back */
    ck_assert_int_eq(el_pretrain_sizes_of(dir, &back), ELECTRA_OK);
    ck_assert_int_eq(back.tie_generator, o->tie_generator);
    el_config want[2], got[2];
    ck_assert_int_eq(el_pretrain_configs(o, TEST_VOCAB, 0, &want[0], &want[1]), ELECTRA_OK);
    ck_assert_int_eq(el_pretrain_configs(&back, TEST_VOCAB, 0, &got[0], &got[1]), ELECTRA_OK);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(got[i].embedding_size, want[i].embedding_size);
        ck_assert_int_eq(got[i].hidden_size, want[i].hidden_size);
        ck_assert_int_eq(got[i].num_layers, want[i].num_layers);
        ck_assert_int_eq(got[i].num_heads, want[i].num_heads);
        ck_assert_int_eq(got[i].max_positions, want[i].max_positions);
        el_config_free(&want[i]);
        el_config_free(&got[i]);
    }
}

/* tmp/odd: out's pair with the discriminator's feed-forward width
 * changed in its config.json, which electra pretrain would not give. */
static void assert_odd_ffn_refused(const char *tmp, const char *out)
{
    char odd[4200], disc[4300], path[4400], target[4400];
    snprintf(odd, sizeof odd, "%s/odd", tmp);
    snprintf(disc, sizeof disc, "%s/discriminator", odd);
    ck_assert_int_eq(mkdir(odd, 0777), 0);
    ck_assert_int_eq(mkdir(disc, 0777), 0);
    snprintf(path, sizeof path, "%s/generator", odd);
    snprintf(target, sizeof target, "%s/generator", out);
    ck_assert_int_eq(symlink(target, path), 0);
    snprintf(path, sizeof path, "%s/model.safetensors", disc);
    snprintf(target, sizeof target, "%s/discriminator/model.safetensors", out);
    ck_assert_int_eq(symlink(target, path), 0);
    snprintf(target, sizeof target, "%s/discriminator/config.json", out);
    char *text = read_file(target, NULL);
    cJSON *cfg = text ? cJSON_Parse(text) : NULL;
    ck_assert_ptr_nonnull(cfg);
    cJSON_ReplaceItemInObject(cfg, "intermediate_size", cJSON_CreateNumber(100));
    char *edited = cJSON_Print(cfg);
    snprintf(path, sizeof path, "%s/config.json", disc);
    FILE *f = fopen(path, "w");
    ck_assert(f && fputs(edited, f) >= 0 && fclose(f) == 0);
    el_pretrain_options o;
    el_pretrain_options_default(&o);
    ck_assert_int_eq(el_pretrain_sizes_of(odd, &o), ELECTRA_ERR_CONFIG);
    ck_assert_msg(strstr(electra_last_error(), "odd/discriminator: hidden 32, 2 layers, 1 heads, "
                                               "FFN 100, gelu: electra pretrain gives hidden 32, "
                                               "2 layers, 1 heads, FFN 128"),
                  "%s", electra_last_error());
    free(edited);
    cJSON_Delete(cfg);
    free(text);
}

/* An untied generator as wide and deep as the discriminator is not taken
 * for a tied one; a pair that is not a generator and a discriminator,
 * or no pair, is refused. */
START_TEST(test_sizes_of)
{
    el_pretrain_options o;
    test_pretrain_options(&o);
    o.disc_heads = 1; /* the generator's rule gives 32 / 64 -> 1 head too */
    o.gen_fraction = 1.0;
    electra_tokenizer *tok = test_tokenizer();
    el_pretrain_data *data = test_pretrain_data(tok, &o);
    el_pretrainer *p;
    ck_assert_int_eq(el_pretrainer_create(&o, tok, data, &p), ELECTRA_OK);
    const char *tmp = make_temp_dir("pretrain-sizes");
    char out[4200], swapped[4200], link[4400], target[4400];
    snprintf(out, sizeof out, "%s/out", tmp);
    ck_assert_int_eq(el_pretrainer_export(p, out, NULL), ELECTRA_OK);
    assert_sizes_read_back(out, &o);

    snprintf(swapped, sizeof swapped, "%s/swapped", tmp);
    ck_assert_int_eq(mkdir(swapped, 0777), 0);
    const char *names[2][2] = {{"generator", "discriminator"}, {"discriminator", "generator"}};
    for (int i = 0; i < 2; i++) {
        snprintf(link, sizeof link, "%s/%s", swapped, names[i][0]);
        snprintf(target, sizeof target, "%s/%s", out, names[i][1]);
        ck_assert_int_eq(symlink(target, link), 0);
    }
    el_pretrain_options back = o;
    ck_assert_int_eq(el_pretrain_sizes_of(swapped, &back), ELECTRA_ERR_CONFIG);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "swapped: a pre-training pair is an ElectraForPreTraining"));
    assert_odd_ffn_refused(tmp, out);
    ck_assert_int_eq(el_pretrain_sizes_of("/nonexistent/run", &back), ELECTRA_ERR_IO);
    ck_assert_int_eq(el_pretrain_sizes_of(NULL, &back), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(el_pretrain_sizes_of(out, NULL), ELECTRA_ERR_INVALID_ARGUMENT);
    el_pretrainer_free(p);
    el_pretrain_data_free(data);
    electra_tokenizer_free(tok);
}
END_TEST

/* A new run started from an exported pair has its weights and a fresh
 * optimizer; a run of other shapes, or one already under way, is refused
 * and keeps its own weights. */
START_TEST(test_init_from)
{
    el_pretrain_options o;
    test_pretrain_options(&o);
    o.tie_generator = _i;
    electra_tokenizer *tok = test_tokenizer();
    el_pretrain_data *data = test_pretrain_data(tok, &o);
    el_pretrainer *p;
    el_pretrain_stats st;
    ck_assert_int_eq(el_pretrainer_create(&o, tok, data, &p), ELECTRA_OK);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(el_pretrainer_step(p, &st), ELECTRA_OK);
    char out[4200];
    snprintf(out, sizeof out, "%s/out", make_temp_dir("pretrain-init"));
    ck_assert_int_eq(el_pretrainer_export(p, out, NULL), ELECTRA_OK);
    assert_sizes_read_back(out, &o);
    float *trained, *m, *v, *fresh, *m2, *v2;
    size_t n, n2;
    snapshot(p, &trained, &m, &v, &n);
    free(m);
    free(v);
    el_pretrainer_free(p);

    el_pretrain_options other = o;
    other.train.seed = o.train.seed + 1; /* other random weights to replace */
    ck_assert_int_eq(el_pretrainer_create(&other, tok, data, &p), ELECTRA_OK);
    ck_assert_int_eq(el_pretrainer_init_from(p, out), ELECTRA_OK);
    snapshot(p, &fresh, &m2, &v2, &n2);
    ck_assert_uint_eq(n, n2);
    ck_assert_mem_eq(trained, fresh, n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        ck_assert(m2[i] == 0 && v2[i] == 0);
    ck_assert_int_eq(el_pretrainer_steps(p), 0);
    ck_assert_uint_eq(el_pretrainer_examples_consumed(p), 0);
    ck_assert_int_eq(el_pretrainer_step(p, &st), ELECTRA_OK);
    ck_assert(isfinite(st.loss));
    /* Under way: the optimizer's moments would no longer fit the weights. */
    ck_assert_int_eq(el_pretrainer_init_from(p, out), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(el_pretrainer_last_error(p), "not 0"));
    ck_assert_int_eq(el_pretrainer_init_from(p, NULL), ELECTRA_ERR_INVALID_ARGUMENT);
    free(fresh);
    free(m2);
    free(v2);
    el_pretrainer_free(p);

    other = o;
    other.disc_hidden = 64;
    other.gen_fraction = 0.25; /* the same tensors, other shapes */
    ck_assert_int_eq(el_pretrainer_create(&other, tok, data, &p), ELECTRA_OK);
    size_t total = el_pretrainer_total_parameters(p);
    float *before = malloc(total * sizeof(float));
    memcpy(before, p->gen_view->value, total * sizeof(float));
    ck_assert_int_eq(el_pretrainer_init_from(p, out), ELECTRA_ERR_SHAPE);
    ck_assert_ptr_nonnull(strstr(el_pretrainer_last_error(p), "starting from"));
    ck_assert_msg(strstr(el_pretrainer_last_error(p), "/model.safetensors: tensor"), "%s",
                  el_pretrainer_last_error(p));
    ck_assert_int_eq(el_pretrainer_init_from(p, "/nonexistent/run"), ELECTRA_ERR_IO);
    ck_assert_mem_eq(before, p->gen_view->value, total * sizeof(float));
    free(before);
    el_pretrainer_free(p);
    free(trained);
    el_pretrain_data_free(data);
    electra_tokenizer_free(tok);
}
END_TEST

/* The exported directories load as Hugging Face models whose outputs are
 * the trained models' own. */
START_TEST(test_export)
{
    el_pretrain_options o;
    test_pretrain_options(&o);
    electra_tokenizer *tok = test_tokenizer();
    el_pretrain_data *data = test_pretrain_data(tok, &o);
    el_pretrainer *p;
    ck_assert_int_eq(el_pretrainer_create(&o, tok, data, &p), ELECTRA_OK);
    el_pretrain_stats st;
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(el_pretrainer_step(p, &st), ELECTRA_OK);
    const char *tmp = make_temp_dir("pretrain-export");
    char dir[4096], tokdir[4200], out[4200], path[4300];
    snprintf(dir, sizeof dir, "%s", tmp);
    snprintf(tokdir, sizeof tokdir, "%s/tokenizer", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    ck_assert_int_eq(el_pretrain_write_tokenizer(test_vocab_file(dir), tokdir, 32), ELECTRA_OK);
    ck_assert_int_eq(el_pretrainer_export(p, out, tokdir), ELECTRA_OK);

    /* The discriminator's logits on a batch, from the library's inference
     * path over the saved directory and from the training pass. */
    snprintf(path, sizeof path, "%s/discriminator", out);
    electra_model *m;
    ck_assert_msg(electra_model_load(path, NULL, &m) == ELECTRA_OK, "%s", electra_last_error());
    ck_assert_int_eq(electra_model_info(m, ELECTRA_INFO_HEAD), ELECTRA_HEAD_PRETRAINING);
    ck_assert_int_eq(electra_model_info(m, ELECTRA_INFO_VOCAB_SIZE), TEST_VOCAB);
    ck_assert_int_eq(electra_model_info(m, ELECTRA_INFO_HIDDEN_SIZE), 32);
    size_t B = o.batch, S = o.seq_len, T = B * S;
    int32_t *ids = malloc(T * sizeof *ids), *types = malloc(T * sizeof *ids);
    int32_t *attn = malloc(T * sizeof *ids), *labels = calloc(T, sizeof *ids);
    for (size_t r = 0; r < B; r++)
        el_pretrain_data_example(data, r, ids + r * S, types + r * S, attn + r * S);
    electra_context *ctx;
    ck_assert_int_eq(electra_context_create(m, NULL, &ctx), ELECTRA_OK);
    ck_assert_int_eq(electra_forward(ctx, B, S, ids, attn, types), ELECTRA_OK);
    float *logits = malloc(T * sizeof *logits);
    ck_assert_int_eq(electra_output_copy(ctx, ELECTRA_OUTPUT_LOGITS, logits, T), ELECTRA_OK);
    el_train_model *tm;
    el_train_dropout none = {0, 0, 0};
    ck_assert_int_eq(el_train_model_create(p->disc_view, NULL, &none, 0, &tm), ELECTRA_OK);
    el_train_batch b = {.batch = B, .seq = S, .input_ids = ids, .token_type_ids = types,
                        .attention_mask = attn, .labels = labels};
    double loss;
    ck_assert_int_eq(el_train_model_forward(tm, &b, 0, &loss), ELECTRA_OK);
    for (size_t t = 0; t < T; t++)
        if (attn[t])
            ck_assert_msg(fabsf(logits[t] - tm->logits[t]) < 1e-4f, "token %zu: %g vs %g", t,
                          logits[t], tm->logits[t]);
    el_train_model_free(tm);
    free(logits);
    electra_context_free(ctx);
    electra_model_free(m);

    /* The generator: a masked LM with the tokenizer, fill-mask runs. */
    snprintf(path, sizeof path, "%s/generator", out);
    ck_assert_msg(electra_model_load(path, NULL, &m) == ELECTRA_OK, "%s", electra_last_error());
    ck_assert_int_eq(electra_model_info(m, ELECTRA_INFO_HEAD), ELECTRA_HEAD_MASKED_LM);
    ck_assert_int_eq(electra_model_info(m, ELECTRA_INFO_HIDDEN_SIZE), 16);
    ck_assert_int_eq(electra_model_info(m, ELECTRA_INFO_NUM_PARAMETERS),
                     (int64_t)el_pretrainer_parameters(p, 1));
    const char *files[] = {"config.json", "model.safetensors", "vocab.txt",
                           "tokenizer_config.json", "special_tokens_map.json"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/generator/%s", out, files[i]);
        ck_assert_msg(access(path, R_OK) == 0, "%s missing", path);
    }
    snprintf(path, sizeof path, "%s/generator/tokenizer_config.json", out);
    char *text = read_file(path, NULL);
    ck_assert_ptr_nonnull(strstr(text, "\"do_lower_case\": true"));
    ck_assert_ptr_nonnull(strstr(text, "\"tokenizer_class\": \"ElectraTokenizer\""));
    free(text);
    electra_model_free(m);
    free(ids);
    free(types);
    free(attn);
    free(labels);
    ck_assert_int_eq(el_pretrain_write_tokenizer("/nonexistent/vocab.txt", tokdir, 32),
                     ELECTRA_ERR_IO);
    el_pretrainer_free(p);
    el_pretrain_data_free(data);
    electra_tokenizer_free(tok);
}
END_TEST

START_TEST(test_errors)
{
    el_pretrain_options o;
    test_pretrain_options(&o);
    o.train.threads = 1 + _i; /* 2: data parallel */
    electra_tokenizer *tok = test_tokenizer();
    el_pretrain_data *data = test_pretrain_data(tok, &o);
    el_pretrainer *p = NULL;
    el_pretrain_options bad = o;
    bad.seq_len = 12; /* the data is of 16 */
    ck_assert_int_eq(el_pretrainer_create(&bad, tok, data, &p), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(p);
    bad = o;
    bad.batch = 0;
    ck_assert_int_eq(el_pretrainer_create(&bad, tok, data, &p), ELECTRA_ERR_INVALID_ARGUMENT);
    bad = o;
    bad.train.lr = -1;
    ck_assert_int_eq(el_pretrainer_create(&bad, tok, data, &p), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(p);
    bad = o;
    bad.disc_init_replaced = 1;
    ck_assert_int_eq(el_pretrainer_create(&bad, tok, data, &p), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(el_pretrainer_create(&o, tok, data, &p), ELECTRA_OK);
    size_t T = o.batch * o.seq_len;
    int32_t *ids = calloc(T, sizeof *ids), *types = calloc(T, sizeof *ids);
    int32_t *attn = calloc(T, sizeof *ids);
    for (size_t t = 0; t < T; t++) {
        ids[t] = 150;
        attn[t] = 1;
    }
    ids[5] = TEST_VOCAB;
    el_pretrain_stats st;
    ck_assert_int_eq(el_pretrainer_step_batch(p, ids, types, attn, &st),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(el_pretrainer_last_error(p), "input_ids[0][5]"));
    ids[5] = 150;
    types[3 * o.seq_len + 7] = 2; /* in the last slice when data parallel */
    ck_assert_int_eq(el_pretrainer_step_batch(p, ids, types, attn, &st),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(el_pretrainer_last_error(p), "token_type_ids[3][7]"));
    ck_assert_int_eq(el_pretrainer_steps(p), 0);
    types[3 * o.seq_len + 7] = 0;
    ck_assert_int_eq(el_pretrainer_step_batch(p, ids, types, attn, &st), ELECTRA_OK);
    ck_assert_int_eq(el_pretrainer_steps(p), 1);
    ck_assert_uint_eq(el_pretrainer_examples_consumed(p), 0);
    /* Evaluation needs examples of the run's length. */
    el_pretrain_data *other;
    ck_assert_int_eq(el_pretrain_data_create(8, 101, 102, 0, &other), ELECTRA_OK);
    ck_assert_int_eq(el_pretrainer_evaluate(p, other, 1, &st), ELECTRA_ERR_INVALID_ARGUMENT);
    el_pretrain_data_free(other);
    free(ids);
    free(types);
    free(attn);
    el_pretrainer_free(p);
    el_pretrain_data_free(data);
    electra_tokenizer_free(tok);
}
END_TEST

/* Data parallel (threads 2 and 3 over 4 rows: slices of 2 + 2 and
 * 1 + 1 + 2) with dropout off: the same masks and samples as one thread,
 * so the same counts and, up to the order of float sums, the same losses
 * and gradients, tied or not (_i). */
START_TEST(test_data_parallel_matches)
{
    el_pretrain_options o;
    test_pretrain_options(&o);
    o.tie_generator = _i;
    o.train.dropout = (el_train_dropout){0, 0, 0};
    electra_tokenizer *tok = test_tokenizer();
    el_pretrain_data *data = test_pretrain_data(tok, &o);
    el_pretrainer *one, *many;
    el_pretrain_stats a, b;
    ck_assert_int_eq(el_pretrainer_create(&o, tok, data, &one), ELECTRA_OK);
    ck_assert_int_eq(el_pretrainer_step(one, &a), ELECTRA_OK);
    ck_assert_int_eq(el_pretrainer_accumulate(one, &a), ELECTRA_OK);
    const el_param_store *j1 = el_trainer_params(one->trainer);
    for (int threads = 2; threads <= 3; threads++) {
        o.train.threads = threads;
        ck_assert_int_eq(el_pretrainer_create(&o, tok, data, &many), ELECTRA_OK);
        ck_assert_uint_eq(many->n_replicas, (size_t)threads);
        ck_assert_int_eq(el_pretrainer_step(many, &b), ELECTRA_OK);
        const el_param_store *j2 = el_trainer_params(many->trainer);
        /* One update from the same start: the same weights, nearly. */
        double max_diff = 0;
        for (size_t i = 0; i < j1->total; i++)
            max_diff = fmax(max_diff, fabs((double)j1->value[i] - j2->value[i]));
        ck_assert_msg(max_diff < 1e-6, "weights after one step differ by %g", max_diff);
        ck_assert_int_eq(el_pretrainer_accumulate(many, &b), ELECTRA_OK);
        ck_assert_uint_eq(a.predictions, b.predictions);
        ck_assert_uint_eq(a.tokens, b.tokens);
        ck_assert_double_eq(a.replaced, b.replaced);
        ck_assert_double_eq(a.gen_accuracy, b.gen_accuracy);
        ck_assert_double_eq(a.disc_accuracy, b.disc_accuracy);
        ck_assert_double_eq_tol(a.mlm_loss, b.mlm_loss, 1e-6 * a.mlm_loss);
        ck_assert_double_eq_tol(a.disc_loss, b.disc_loss, 1e-6 * a.disc_loss);
        for (size_t i = 0; i < j1->n_params; i++) {
            const el_param *pa = &j1->params[i];
            const float *g1 = j1->grad + pa->offset, *g2 = j2->grad + pa->offset;
            double max_ref = 0, diff = 0;
            for (size_t x = 0; x < pa->count; x++) {
                max_ref = fmax(max_ref, fabs(g1[x]));
                diff = fmax(diff, fabs((double)g1[x] - g2[x]));
            }
            ck_assert_msg(diff <= 1e-5 * max_ref + 1e-9, "%s: %g off (largest %g), %d threads",
                          pa->name, diff, max_ref, threads);
        }
        el_pretrainer_free(many);
    }
    el_pretrainer_free(one);
    el_pretrain_data_free(data);
    electra_tokenizer_free(tok);
}
END_TEST

/* The discriminator's output bias starts at 0 (google's init), or at
 * logit(q) when asked; nothing else changes. */
START_TEST(test_disc_init_replaced)
{
    el_pretrain_options o;
    test_pretrain_options(&o);
    electra_tokenizer *tok = test_tokenizer();
    el_pretrain_data *data = test_pretrain_data(tok, &o);
    el_pretrainer *plain, *primed;
    ck_assert_int_eq(el_pretrainer_create(&o, tok, data, &plain), ELECTRA_OK);
    o.disc_init_replaced = 0.15;
    ck_assert_int_eq(el_pretrainer_create(&o, tok, data, &primed), ELECTRA_OK);
    const el_param_store *a = el_pretrainer_discriminator(plain);
    const el_param_store *b = el_pretrainer_discriminator(primed);
    const el_param *bias =
        el_param_store_find(a, "discriminator_predictions.dense_prediction.bias");
    ck_assert_ptr_nonnull(bias);
    ck_assert_uint_eq(a->total, b->total);
    for (size_t i = 0; i < a->total; i++) {
        if (i == bias->offset) {
            ck_assert_float_eq(a->value[i], 0.0f);
            ck_assert_float_eq_tol(b->value[i], log(0.15 / 0.85), 1e-6);
        } else {
            ck_assert_msg(a->value[i] == b->value[i], "value %zu differs", i);
        }
    }
    el_pretrainer_free(primed);
    el_pretrainer_free(plain);
    el_pretrain_data_free(data);
    electra_tokenizer_free(tok);
}
END_TEST

static double mean(const double *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

/* The entropy of the best constant guess of a share q of replaced tokens. */
static double constant_guess_bce(double q)
{
    return -(q * log(q) + (1 - q) * log(1 - q));
}

/* 600 steps of the toy recipe at lr 1e-2 without dropout (gen_weight as
 * given), the per-step losses in mlm and disc, and the held-out figures
 * before and after; evaluation must leave the run alone. */
static void learning_run(double gen_weight, double mlm[600], double disc[600],
                         el_pretrain_stats *before, el_pretrain_stats *after)
{
    el_pretrain_options o;
    test_pretrain_options(&o);
    o.batch = 16;
    o.gen_weight = gen_weight;
    o.train.lr = 1e-2;
    o.train.total_steps = 600;
    o.train.warmup_steps = 20;
    o.train.dropout = (el_train_dropout){0, 0, 0};
    electra_tokenizer *tok = test_tokenizer();
    el_pretrain_data *data = test_pretrain_data(tok, &o);
    el_pretrainer *p;
    ck_assert_int_eq(el_pretrainer_create(&o, tok, data, &p), ELECTRA_OK);
    el_pretrain_stats st;
    ck_assert_int_eq(el_pretrainer_evaluate(p, data, 4, before), ELECTRA_OK);
    for (int i = 0; i < 600; i++) {
        ck_assert_int_eq(el_pretrainer_step(p, &st), ELECTRA_OK);
        ck_assert(isfinite(st.loss) && st.grad_norm > 0);
        mlm[i] = st.mlm_loss;
        disc[i] = st.disc_loss;
    }
    ck_assert_int_eq(el_pretrainer_steps(p), 600);
    uint64_t consumed = el_pretrainer_examples_consumed(p);
    ck_assert_int_eq(el_pretrainer_evaluate(p, data, 4, after), ELECTRA_OK);
    ck_assert_uint_eq(el_pretrainer_examples_consumed(p), consumed);
    ck_assert_int_eq(el_pretrainer_steps(p), 600);
    el_pretrainer_free(p);
    el_pretrain_data_free(data);
    electra_tokenizer_free(tok);
}

/* The generator learns to predict masked tokens far above chance (the
 * corpus's lines repeat one word). It then fills nearly every masked
 * position right, which leaves the discriminator almost nothing to find,
 * so its figures are not asserted here but in test_disc_learns. */
START_TEST(test_learns)
{
    double mlm[600], disc[600];
    el_pretrain_stats before, after;
    learning_run(1.0, mlm, disc, &before, &after);
    ck_assert_msg(mean(mlm + 570, 30) < 0.6 * mean(mlm, 30), "MLM loss %g -> %g",
                  mean(mlm, 30), mean(mlm + 570, 30));
    ck_assert_msg(after.gen_accuracy > 0.2 && before.gen_accuracy < 0.05,
                  "generator accuracy %g -> %g (chance 1/%d)", before.gen_accuracy,
                  after.gen_accuracy, TEST_VOCAB);
}
END_TEST

/* With the generator left untrained (gen_weight 0) about one token in
 * eight is replaced by a word unlike its neighbours: the discriminator
 * learns to find them, far below the best constant guess's BCE and far
 * above the all-real guess's accuracy (the CPU paths, with and without
 * OPENBLAS_CORETYPE=Haswell, give 0.11 to 0.37 of the constant guess's BCE
 * and 0.97 to 0.99 accuracy against 0.87: the bars leave room for their
 * rounding, which steers each run its own way). */
START_TEST(test_disc_learns)
{
    double mlm[600], disc[600];
    el_pretrain_stats before, after;
    learning_run(0.0, mlm, disc, &before, &after);
    double prior = constant_guess_bce(after.replaced);
    ck_assert_msg(after.replaced > 0.05, "replaced share %g", after.replaced);
    ck_assert_msg(mean(disc + 570, 30) < 0.5 * mean(disc, 30), "BCE %g -> %g", mean(disc, 30),
                  mean(disc + 570, 30));
    ck_assert_msg(after.disc_loss < 0.5 * prior, "discriminator BCE %g, constant guess %g",
                  after.disc_loss, prior);
    ck_assert_msg(after.disc_accuracy > 1 - after.replaced + 0.05,
                  "discriminator accuracy %g, all-real %g", after.disc_accuracy,
                  1 - after.replaced);
}
END_TEST

Suite *make_pretrain_suite(void)
{
    Suite *s = suite_create("pretrain");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_configs);
    tcase_add_test(tc, test_pair_store);
    tcase_add_test(tc, test_tied_pair_store);
    tcase_add_loop_test(tc, test_loss_and_shared_gradient, 0, 2);
    tcase_add_loop_test(tc, test_resume_exact, 0, 4);
    tcase_add_loop_test(tc, test_init_from, 0, 2);
    tcase_add_test(tc, test_export);
    tcase_add_test(tc, test_sizes_of);
    tcase_add_loop_test(tc, test_errors, 0, 2);
    tcase_add_loop_test(tc, test_data_parallel_matches, 0, 2);
    tcase_add_test(tc, test_disc_init_replaced);
    tcase_add_test(tc, test_learns);
    tcase_add_test(tc, test_disc_learns);
    suite_add_tcase(s, tc);
    return s;
}
