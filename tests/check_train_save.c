/* check_train_save.c - saving trained models as Hugging Face directories
 * (config.json as transformers writes it, model.safetensors, tokenizer
 * files) that load back with identical outputs, the optimizer state file,
 * and their error paths. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "electra.h"
#include "fixture_model.h"
#include "fixture_training.h"
#include "json_dump.h"
#include "mapped_file.h"
#include "safetensors_write.h"
#include "testutil.h"
#include "trainer.h"

static const char *const models[] = {"tiny-generator", "tiny-discriminator", "tiny-classifier",
                                     "tiny-tagger",    "tiny-qa",            "tiny-base-model"};
#define N_MODELS (sizeof models / sizeof models[0])

/* Remove a directory made by a test (files only inside). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static const char *model_dir(const char *name)
{
    static char dir[4096];
    char rel[128];
    snprintf(rel, sizeof rel, "models/%s", name);
    snprintf(dir, sizeof dir, "%s", fixture_path(rel));
    return dir;
}

static el_trainer *trainer_for(const char *dir)
{
    electra_model *m;
    electra_status s = electra_model_load(dir, NULL, &m);
    ck_assert_msg(s == ELECTRA_OK, "%s: %s", dir, electra_last_error());
    el_param_store *store;
    ck_assert_int_eq(el_param_store_from_model(m, &store), ELECTRA_OK);
    electra_model_free(m);
    el_train_options o;
    el_train_options_default(&o);
    el_trainer *t;
    ck_assert_int_eq(el_trainer_create(store, &o, &t), ELECTRA_OK);
    return t;
}

/* The model's main output (logits, or the last hidden state of a bare
 * model) on the fixture's inputs; *count floats, malloc'ed. */
static float *forward_output(const char *dir, const fixture_inputs *in, size_t *count)
{
    electra_model *m;
    electra_status s = electra_model_load(dir, NULL, &m);
    ck_assert_msg(s == ELECTRA_OK, "%s: %s", dir, electra_last_error());
    electra_context *ctx;
    ck_assert_int_eq(electra_context_create(m, NULL, &ctx), ELECTRA_OK);
    ck_assert_int_eq(electra_forward(ctx, in->batch, in->seq, in->ids, in->mask, in->types),
                     ELECTRA_OK);
    int which = electra_model_info(m, ELECTRA_INFO_HEAD) == ELECTRA_HEAD_NONE
                    ? ELECTRA_OUTPUT_LAST_HIDDEN_STATE
                    : ELECTRA_OUTPUT_LOGITS;
    size_t shape[4], ndim, n = 1;
    ck_assert_int_eq(electra_output_shape(ctx, which, shape, &ndim), ELECTRA_OK);
    for (size_t d = 0; d < ndim; d++)
        n *= shape[d];
    float *out = malloc(n * sizeof *out);
    ck_assert_int_eq(electra_output_copy(ctx, which, out, n), ELECTRA_OK);
    electra_context_free(ctx);
    electra_model_free(m);
    *count = n;
    return out;
}

static void expect_same_file(const char *a_dir, const char *b_dir, const char *name)
{
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%s/%s", a_dir, name);
    snprintf(b, sizeof b, "%s/%s", b_dir, name);
    size_t la, lb;
    char *x = read_file(a, &la), *y = read_file(b, &lb);
    ck_assert_msg(x && y, "%s or %s missing", a, b);
    ck_assert_msg(la == lb && memcmp(x, y, la) == 0, "%s differs from %s", b, a);
    free(x);
    free(y);
}

/* Saving an untouched fixture model reproduces what transformers'
 * save_pretrained wrote (config.json and model.safetensors byte for
 * byte) and loads back with bit-identical outputs. */
START_TEST(saved_model_matches_source)
{
    REQUIRE_FIXTURES();
    char src[4096];
    snprintf(src, sizeof src, "%s", model_dir(models[_i]));
    el_trainer *t = trainer_for(src);
    char out[4096];
    snprintf(out, sizeof out, "%s", make_temp_dir("train-save"));
    electra_status s = el_trainer_save_pretrained(t, out, src);
    ck_assert_msg(s == ELECTRA_OK, "%s", el_trainer_last_error(t));
    expect_same_file(src, out, "config.json");
    expect_same_file(src, out, "model.safetensors");
    expect_same_file(src, out, "vocab.txt");
    expect_same_file(src, out, "tokenizer_config.json");
    expect_same_file(src, out, "special_tokens_map.json");
    fixture_inputs in;
    ck_assert_int_eq(fixture_inputs_load(src, &in), 0);
    size_t n1, n2;
    float *a = forward_output(src, &in, &n1), *b = forward_output(out, &in, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert_mem_eq(a, b, n1 * sizeof *a);
    free(a);
    free(b);
    fixture_inputs_free(&in);
    el_trainer_free(t);
    remove_dir(out);
}
END_TEST

/* After training, the saved model gives the trainer's own logits. */
START_TEST(trained_model_reloads_with_its_logits)
{
    REQUIRE_FIXTURES();
    char src[4096];
    snprintf(src, sizeof src, "%s", model_dir("tiny-classifier"));
    fixture_training f;
    ck_assert_int_eq(fixture_training_load(src, &f), 0);
    el_trainer *t = trainer_for(src);
    el_train_batch b = oracle_batch(&f);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(el_trainer_step(t, &b, NULL), ELECTRA_OK);
    double loss;
    ck_assert_int_eq(el_trainer_evaluate(t, &b, &loss), ELECTRA_OK);
    const el_train_model *tm = el_trainer_model(t);
    char out[4096];
    snprintf(out, sizeof out, "%s", make_temp_dir("train-trained"));
    ck_assert_int_eq(el_trainer_save_pretrained(t, out, src), ELECTRA_OK);
    fixture_inputs in = {f.batch, f.seq, f.ids, f.mask, f.types, NULL, NULL};
    size_t n;
    float *logits = forward_output(out, &in, &n);
    ck_assert_uint_eq(n, tm->logit_rows * tm->logit_cols);
    for (size_t i = 0; i < n; i++)
        ck_assert_float_eq_tol(logits[i], tm->logits[i], 1e-5);
    free(logits);
    el_trainer_free(t);
    fixture_training_free(&f);
    remove_dir(out);
}
END_TEST

/* Stopping after 2 steps and resuming from the saved model and optimizer
 * state gives exactly the run that did not stop (dropout included). */
START_TEST(optimizer_state_resumes_exactly)
{
    REQUIRE_FIXTURES();
    char src[4096];
    snprintf(src, sizeof src, "%s", model_dir("tiny-tagger"));
    fixture_training f;
    ck_assert_int_eq(fixture_training_load(src, &f), 0);
    el_train_batch b = oracle_batch(&f);
    el_trainer *a = trainer_for(src);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(el_trainer_step(a, &b, NULL), ELECTRA_OK);
    char out[4096];
    snprintf(out, sizeof out, "%s", make_temp_dir("train-resume"));
    char state[4200];
    snprintf(state, sizeof state, "%s/optimizer.safetensors", out);
    ck_assert_int_eq(el_trainer_save_pretrained(a, out, src), ELECTRA_OK);
    ck_assert_int_eq(el_trainer_save_state(a, state), ELECTRA_OK);
    el_trainer *r = trainer_for(out);
    electra_status s = el_trainer_load_state(r, state);
    ck_assert_msg(s == ELECTRA_OK, "%s", el_trainer_last_error(r));
    ck_assert_int_eq(el_trainer_step_count(r), 2);
    double la, lr;
    ck_assert_int_eq(el_trainer_step(a, &b, &la), ELECTRA_OK);
    ck_assert_int_eq(el_trainer_step(r, &b, &lr), ELECTRA_OK);
    ck_assert_double_eq(la, lr);
    const el_param_store *pa = el_trainer_params(a), *pr = el_trainer_params(r);
    ck_assert_mem_eq(pa->value, pr->value, pa->total * sizeof(float));
    ck_assert_mem_eq(pa->m, pr->m, pa->total * sizeof(float));
    ck_assert_mem_eq(pa->v, pr->v, pa->total * sizeof(float));

    /* Another model's state does not fit; nothing is changed. */
    el_trainer *other = trainer_for(model_dir("tiny-qa"));
    s = el_trainer_load_state(other, state);
    ck_assert_int_ne(s, ELECTRA_OK);
    ck_assert_ptr_nonnull(strstr(el_trainer_last_error(other), "optimizer state"));
    ck_assert_int_eq(el_trainer_step_count(other), 0);
    char missing[4300];
    snprintf(missing, sizeof missing, "%s/none.safetensors", out);
    ck_assert_int_eq(el_trainer_load_state(other, missing), ELECTRA_ERR_IO);
    /* A model file is not an optimizer state. */
    char weights[4300];
    snprintf(weights, sizeof weights, "%s/model.safetensors", out);
    ck_assert_int_eq(el_trainer_load_state(r, weights), ELECTRA_ERR_MISSING_TENSOR);
    el_trainer_free(other);
    el_trainer_free(a);
    el_trainer_free(r);
    fixture_training_free(&f);
    remove_dir(out);
}
END_TEST

START_TEST(state_with_extra_tensor_is_rejected)
{
    el_config c = {0};
    c.head = ELECTRA_HEAD_PRETRAINING;
    c.vocab_size = 10, c.embedding_size = 4, c.hidden_size = 4, c.num_layers = 1;
    c.num_heads = 1, c.intermediate_size = 8, c.max_positions = 8, c.type_vocab_size = 2;
    c.layer_norm_eps = 1e-12, c.num_labels = 2;
    snprintf(c.hidden_act_name, sizeof c.hidden_act_name, "gelu");
    el_train_options o;
    el_train_options_default(&o);
    el_param_store *s1, *s2;
    ck_assert_int_eq(el_param_store_init(&c, 0.02, 1, &s1), ELECTRA_OK);
    c.num_layers = 2; /* a larger model's state has tensors the small one lacks */
    ck_assert_int_eq(el_param_store_init(&c, 0.02, 1, &s2), ELECTRA_OK);
    el_trainer *small, *big;
    ck_assert_int_eq(el_trainer_create(s1, &o, &small), ELECTRA_OK);
    ck_assert_int_eq(el_trainer_create(s2, &o, &big), ELECTRA_OK);
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s", make_temp_dir("train-extra"));
    snprintf(path, sizeof path, "%s/big.safetensors", dir);
    ck_assert_int_eq(el_trainer_save_state(big, path), ELECTRA_OK);
    ck_assert_int_eq(el_trainer_load_state(small, path), ELECTRA_ERR_UNEXPECTED_TENSOR);
    ck_assert_ptr_nonnull(strstr(el_trainer_last_error(small), "encoder.layer.1"));
    el_trainer_free(small);
    el_trainer_free(big);
    remove_dir(dir);
}
END_TEST

/* A freshly initialised classifier with named labels saves a directory
 * that transformers' format readers (and ours) accept. */
START_TEST(fresh_model_saves_and_loads)
{
    el_config c = {0};
    c.head = ELECTRA_HEAD_SEQUENCE_CLASSIFICATION;
    c.vocab_size = 50, c.embedding_size = 8, c.hidden_size = 16, c.num_layers = 2;
    c.num_heads = 2, c.intermediate_size = 32, c.max_positions = 16, c.type_vocab_size = 2;
    c.layer_norm_eps = 1e-12, c.num_labels = 3;
    snprintf(c.hidden_act_name, sizeof c.hidden_act_name, "gelu_new");
    c.hidden_act = EL_ACT_GELU_TANH;
    char *names[3] = {"négatif", "neutral", "positive"};
    c.labels = names;
    el_param_store *s;
    ck_assert_int_eq(el_param_store_init(&c, 0.02, 3, &s), ELECTRA_OK);
    el_train_options o;
    el_train_options_default(&o);
    o.dropout.classifier = 0.2;
    o.initializer_range = 0.02;
    el_trainer *t;
    ck_assert_int_eq(el_trainer_create(s, &o, &t), ELECTRA_OK);
    char out[4096];
    snprintf(out, sizeof out, "%s", make_temp_dir("train-fresh"));
    ck_assert_int_eq(el_trainer_save_pretrained(t, out, NULL), ELECTRA_OK);
    char path[4200];
    snprintf(path, sizeof path, "%s/config.json", out);
    char *text = read_file(path, NULL);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(strstr(text, "\"classifier_dropout\": 0.2,\n"));
    ck_assert_ptr_nonnull(strstr(text, "\"0\": \"n\\u00e9gatif\""));
    ck_assert_ptr_nonnull(strstr(text, "\"hidden_act\": \"gelu_new\",\n"));
    ck_assert_ptr_nonnull(strstr(text, "\"architectures\": [\n    \"ElectraForSequenceClassification\"\n  ],"));
    free(text);
    electra_model *m;
    electra_status st = electra_model_load(out, NULL, &m);
    ck_assert_msg(st == ELECTRA_OK, "%s", electra_last_error());
    ck_assert_int_eq(electra_model_info(m, ELECTRA_INFO_NUM_LABELS), 3);
    electra_model_free(m);
    /* Saving where no directory can be made fails cleanly. */
    char bad[4300];
    snprintf(bad, sizeof bad, "%s/config.json/sub", out);
    ck_assert_int_eq(el_trainer_save_pretrained(t, bad, NULL), ELECTRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(el_trainer_last_error(t), "saving the model"));
    el_trainer_free(t);
    remove_dir(out);
}
END_TEST

START_TEST(floats_print_as_python_repr)
{
    static const struct {
        double x;
        const char *text;
    } cases[] = {{0.1, "0.1"},       {1e-12, "1e-12"},  {0.02, "0.02"},   {2.0, "2.0"},
                 {0.0, "0.0"},       {-1.5, "-1.5"},    {1e-5, "1e-05"},  {0.0001, "0.0001"},
                 {123456.789, "123456.789"}, {1e16, "1e+16"}, {1e15, "1000000000000000.0"},
                 {3.0517578125e-05, "3.0517578125e-05"}, {1.0 / 3, "0.3333333333333333"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        el_json_float(cases[i].x, buf);
        ck_assert_str_eq(buf, cases[i].text);
    }
}
END_TEST

/* Both writers go through PATH.part: a missing directory, or a directory
 * where the file should go, gives ELECTRA_ERR_IO naming the path and
 * leaves neither the file nor the .part behind. */
START_TEST(failed_writes_leave_nothing)
{
    const char *made = make_temp_dir("write_fail");
    char dir[4096], missing[4200], path[4200], part[4300];
    snprintf(dir, sizeof dir, "%s", made);
    snprintf(missing, sizeof missing, "%s/no/such/dir", dir);
    ck_assert_int_eq(el_write_file(missing, "a.json", "{}", 2), ELECTRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "cannot write"));
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "no/such/dir/a.json"));

    /* The target exists as a directory: the rename fails after a good write. */
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    const float w[2] = {1, 2};
    el_tensor t = {.name = "w", .dtype = EL_DTYPE_F32, .ndim = 1, .shape = {2}, .data = w,
                   .nbytes = sizeof w};
    ck_assert_int_eq(el_safetensors_write(path, &t, 1), ELECTRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "model.safetensors"));
    snprintf(part, sizeof part, "%s.part", path);
    ck_assert_int_ne(access(part, F_OK), 0);
    ck_assert_int_eq(el_write_file(dir, "model.safetensors", "x", 1), ELECTRA_ERR_IO);
    ck_assert_int_ne(access(part, F_OK), 0);
    rmdir(path);

    /* And the same calls succeed where they can. */
    ck_assert_int_eq(el_safetensors_write(path, &t, 1), ELECTRA_OK);
    ck_assert_int_ne(access(part, F_OK), 0);
    ck_assert_int_eq(access(path, F_OK), 0);
    remove_dir(dir);
}
END_TEST

Suite *make_train_save_suite(void)
{
    Suite *s = suite_create("train_save");
    TCase *tc = tcase_create("save");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, saved_model_matches_source, 0, N_MODELS);
    tcase_add_test(tc, trained_model_reloads_with_its_logits);
    tcase_add_test(tc, optimizer_state_resumes_exactly);
    tcase_add_test(tc, state_with_extra_tensor_is_rejected);
    tcase_add_test(tc, fresh_model_saves_and_loads);
    tcase_add_test(tc, floats_print_as_python_repr);
    tcase_add_test(tc, failed_writes_leave_nothing);
    suite_add_tcase(s, tc);
    return s;
}
