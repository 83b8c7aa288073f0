/* check_model_errors.c - bad model directories and bad forward inputs get
 * the documented status and a message naming the problem. */
#include <check.h>
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"
#include "safetensors_write.h"
#include "tensor_set.h"
#include "testutil.h"

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* A copy of tiny-discriminator whose config has `patch` (a JSON object)
 * merged in and whose weights are edited: drop removes a tensor, extra
 * adds a copy of the first one under a new name, reshape gives one a
 * transposed shape. */
struct edit {
    const char *patch, *drop, *extra, *reshape;
};

static const char *make_model(const struct edit *e)
{
    const char *dir = make_temp_dir("model");
    char *cfg_text = read_file(fixture_path("models/tiny-discriminator/config.json"), NULL);
    cJSON *cfg = cJSON_Parse(cfg_text);
    free(cfg_text);
    if (e->patch) {
        cJSON *patch = cJSON_Parse(e->patch), *item;
        ck_assert_ptr_nonnull(patch);
        cJSON_ArrayForEach(item, patch)
        {
            cJSON_DeleteItemFromObjectCaseSensitive(cfg, item->string);
            cJSON_AddItemToObject(cfg, item->string, cJSON_Duplicate(item, 1));
        }
        cJSON_Delete(patch);
    }
    char *out = cJSON_Print(cfg);
    write_text(dir, "config.json", out);
    free(out);
    cJSON_Delete(cfg);

    el_tensor_set *set;
    ck_assert_int_eq(el_tensor_set_create(&set), ELECTRA_OK);
    ck_assert_int_eq(el_load_safetensors(set, fixture_path("models/tiny-discriminator/model.safetensors")),
                     ELECTRA_OK);
    size_t n = el_tensor_set_count(set), k = 0;
    el_tensor *ts = calloc(n + 1, sizeof *ts);
    for (size_t i = 0; i < n; i++) {
        el_tensor t = *el_tensor_set_at(set, i);
        if (e->drop && strcmp(t.name, e->drop) == 0)
            continue;
        if (e->reshape && strcmp(t.name, e->reshape) == 0 && t.ndim == 2) {
            int64_t d = t.shape[0];
            t.shape[0] = t.shape[1];
            t.shape[1] = d;
        }
        ts[k++] = t;
    }
    if (e->extra) {
        ts[k] = ts[0];
        ts[k++].name = (char *)e->extra;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    ck_assert_int_eq(el_safetensors_write(path, ts, k), ELECTRA_OK);
    free(ts);
    el_tensor_set_free(set);
    return dir;
}

static void expect_load_error(const struct edit *e, electra_status want, const char *needle)
{
    REQUIRE_FIXTURES();
    const char *dir = make_model(e);
    electra_model *m = (electra_model *)0x1;
    electra_status s = electra_model_load(dir, NULL, &m);
    ck_assert_msg(s == want, "status %s, want %s (%s)", electra_status_string(s),
                  electra_status_string(want), electra_last_error());
    ck_assert_ptr_eq(m, (electra_model *)0x1); /* out untouched on failure */
    ck_assert_msg(strstr(electra_last_error(), needle), "message '%s' lacks '%s'",
                  electra_last_error(), needle);
}

START_TEST(missing_tensor_is_named)
{
    struct edit e = {.drop = "electra.encoder.layer.1.output.dense.bias"};
    expect_load_error(&e, ELECTRA_ERR_MISSING_TENSOR, "electra.encoder.layer.1.output.dense.bias");
}
END_TEST

START_TEST(wrong_shape_is_named)
{
    struct edit e = {.reshape = "electra.encoder.layer.0.intermediate.dense.weight"};
    expect_load_error(&e, ELECTRA_ERR_SHAPE, "electra.encoder.layer.0.intermediate.dense.weight");
}
END_TEST

START_TEST(unexpected_tensor_is_named)
{
    struct edit e = {.extra = "discriminator_predictions.extra.bias"};
    expect_load_error(&e, ELECTRA_ERR_UNEXPECTED_TENSOR, "discriminator_predictions.extra.bias");
}
END_TEST

START_TEST(head_weights_for_a_bare_model_are_unexpected)
{
    struct edit e = {.patch = "{\"architectures\": [\"ElectraModel\"]}"};
    expect_load_error(&e, ELECTRA_ERR_UNEXPECTED_TENSOR, "discriminator_predictions");
}
END_TEST

START_TEST(head_model_needs_its_head)
{
    struct edit e = {.patch = "{\"architectures\": [\"ElectraForTokenClassification\"]}"};
    expect_load_error(&e, ELECTRA_ERR_MISSING_TENSOR, "classifier.weight");
}
END_TEST

static const struct {
    const char *patch;
    electra_status status;
    const char *needle;
} bad_configs[] = {
    {"{\"hidden_size\": \"big\"}", ELECTRA_ERR_CONFIG, "hidden_size"},
    {"{\"num_hidden_layers\": 1000000000000}", ELECTRA_ERR_CONFIG, "num_hidden_layers"},
    {"{\"num_hidden_layers\": 0}", ELECTRA_ERR_CONFIG, "num_hidden_layers"},
    {"{\"num_attention_heads\": 3}", ELECTRA_ERR_CONFIG, "multiple"},
    {"{\"hidden_act\": \"mish\"}", ELECTRA_ERR_UNSUPPORTED, "mish"},
    {"{\"position_embedding_type\": \"relative_key\"}", ELECTRA_ERR_UNSUPPORTED, "relative_key"},
    {"{\"architectures\": [\"ElectraForMultipleChoice\"]}", ELECTRA_ERR_UNSUPPORTED,
     "ElectraForMultipleChoice"},
    {"{\"architectures\": \"ElectraModel\"}", ELECTRA_ERR_CONFIG, "architectures"},
    {"{\"model_type\": \"bert\"}", ELECTRA_ERR_UNSUPPORTED, "bert"},
    {"{\"layer_norm_eps\": -1}", ELECTRA_ERR_CONFIG, "layer_norm_eps"},
    {"{\"vocab_size\": 2.5}", ELECTRA_ERR_CONFIG, "vocab_size"},
    {"{\"id2label\": {\"0\": \"a\", \"2\": \"b\"}}", ELECTRA_ERR_CONFIG, "id2label"},
    {"{\"max_position_embeddings\": 64}", ELECTRA_ERR_SHAPE, "position_embeddings"},
};

START_TEST(bad_config_is_refused)
{
    struct edit e = {.patch = bad_configs[_i].patch};
    expect_load_error(&e, bad_configs[_i].status, bad_configs[_i].needle);
}
END_TEST

START_TEST(unknown_config_fields_are_ignored)
{
    REQUIRE_FIXTURES();
    struct edit e = {.patch = "{\"some_future_field\": {\"x\": [1, 2]}, \"use_cache\": \"odd\"}"};
    const char *dir = make_model(&e);
    electra_model *m = NULL;
    ck_assert_int_eq(electra_model_load(dir, NULL, &m), ELECTRA_OK);
    ck_assert_int_eq(electra_model_info(m, ELECTRA_INFO_HEAD), ELECTRA_HEAD_PRETRAINING);
    electra_model_free(m);
}
END_TEST

START_TEST(missing_directory_and_weights)
{
    electra_model *m = NULL;
    ck_assert_int_eq(electra_model_load("/nonexistent/model", NULL, &m), ELECTRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "/nonexistent/model"));
    ck_assert_int_eq(electra_model_load(NULL, NULL, &m), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_model_load(".", NULL, NULL), ELECTRA_ERR_INVALID_ARGUMENT);
    const char *dir = make_temp_dir("empty");
    write_text(dir, "config.json", "{}");
    ck_assert_int_eq(electra_model_load(dir, NULL, &m), ELECTRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "weights"));
    write_text(dir, "config.json", "{not json");
    ck_assert_int_eq(electra_model_load(dir, NULL, &m), ELECTRA_ERR_CONFIG);
    ck_assert_ptr_null(m);
}
END_TEST

static electra_model *load_fixture(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "models/%s", name);
    electra_model *m = NULL;
    ck_assert_int_eq(electra_model_load(fixture_path(rel), NULL, &m), ELECTRA_OK);
    return m;
}

START_TEST(forward_rejects_bad_inputs)
{
    REQUIRE_FIXTURES();
    electra_model *m = load_fixture("tiny-discriminator");
    electra_context *ctx;
    ck_assert_int_eq(electra_context_create(m, NULL, &ctx), ELECTRA_OK);
    int32_t ids[4] = {101, 2000, 30522, 102}, mask[4] = {1, 1, 2, 1}, types[4] = {0, 0, 2, 0};
    ck_assert_int_eq(electra_forward(ctx, 1, 4, ids, NULL, NULL), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(electra_context_last_error(ctx), "30522"));
    ids[2] = 2001;
    ck_assert_int_eq(electra_forward(ctx, 1, 4, ids, mask, NULL), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(electra_context_last_error(ctx), "attention_mask"));
    ck_assert_int_eq(electra_forward(ctx, 1, 4, ids, NULL, types), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(electra_context_last_error(ctx), "token_type_ids"));
    ck_assert_int_eq(electra_forward(ctx, 0, 4, ids, NULL, NULL), ELECTRA_ERR_SHAPE);
    ck_assert_int_eq(electra_forward(ctx, 1, 0, ids, NULL, NULL), ELECTRA_ERR_SHAPE);
    ck_assert_int_eq(electra_forward(ctx, 1, 4, NULL, NULL, NULL), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_forward(NULL, 1, 4, ids, NULL, NULL), ELECTRA_ERR_INVALID_ARGUMENT);
    int32_t *long_ids = calloc(129, sizeof *long_ids);
    ck_assert_int_eq(electra_forward(ctx, 1, 129, long_ids, NULL, NULL), ELECTRA_ERR_TOO_LONG);
    ck_assert_int_eq(electra_forward(ctx, 1, 128, long_ids, NULL, NULL), ELECTRA_OK);
    free(long_ids);
    /* outputs: hidden states were not asked for; a buffer too small */
    size_t shape[4], ndim;
    float small[4];
    ck_assert_int_eq(electra_output_shape(ctx, ELECTRA_OUTPUT_HIDDEN_STATES, shape, &ndim),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_output_copy(ctx, ELECTRA_OUTPUT_LOGITS, small, 4),
                     ELECTRA_ERR_BUFFER_TOO_SMALL);
    ck_assert_int_eq(electra_output_copy(ctx, ELECTRA_OUTPUT_START_LOGITS, small, 4),
                     ELECTRA_ERR_WRONG_HEAD);
    ck_assert_int_eq(electra_output_shape(ctx, 99, shape, &ndim), ELECTRA_ERR_INVALID_ARGUMENT);
    /* a failed pass leaves no stale outputs behind */
    ck_assert_int_eq(electra_forward(ctx, 0, 4, ids, NULL, NULL), ELECTRA_ERR_SHAPE);
    ck_assert_int_eq(electra_output_shape(ctx, ELECTRA_OUTPUT_LOGITS, shape, &ndim),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    electra_context_free(ctx);
    electra_context_free(NULL);
    electra_model_free(m);
    electra_model_free(NULL);
}
END_TEST

START_TEST(bare_model_has_no_logits)
{
    REQUIRE_FIXTURES();
    electra_model *m = load_fixture("tiny-base-model");
    electra_context *ctx;
    ck_assert_int_eq(electra_context_create(m, NULL, &ctx), ELECTRA_OK);
    int32_t ids[3] = {101, 2000, 102};
    ck_assert_int_eq(electra_forward(ctx, 1, 3, ids, NULL, NULL), ELECTRA_OK);
    size_t shape[4], ndim;
    ck_assert_int_eq(electra_output_shape(ctx, ELECTRA_OUTPUT_LOGITS, shape, &ndim),
                     ELECTRA_ERR_WRONG_HEAD);
    ck_assert_int_eq(electra_output_shape(ctx, ELECTRA_OUTPUT_LAST_HIDDEN_STATE, shape, &ndim),
                     ELECTRA_OK);
    ck_assert_uint_eq(ndim, 3);
    ck_assert_uint_eq(shape[2], 32);
    electra_context_free(ctx);
    electra_model_free(m);
}
END_TEST

/* Kernels never split a reduction across threads, so the thread count
 * cannot change a single bit of the result. */
START_TEST(thread_count_does_not_change_results)
{
    REQUIRE_FIXTURES();
    electra_model *m = load_fixture("tiny-generator");
    float *out[3];
    for (int t = 1; t <= 3; t++) {
        electra_options *o;
        electra_options_create(&o);
        electra_options_set_int(o, ELECTRA_OPT_THREADS, t);
        electra_context *ctx;
        ck_assert_int_eq(electra_context_create(m, o, &ctx), ELECTRA_OK);
        int32_t ids[2 * 7] = {101, 1996, 103, 2003, 2307, 1012, 102,
                              101, 7592, 103, 102, 0,    0,    0};
        int32_t mask[2 * 7] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0};
        ck_assert_int_eq(electra_forward(ctx, 2, 7, ids, mask, NULL), ELECTRA_OK);
        size_t n = 2 * 7 * 30522;
        out[t - 1] = malloc(n * sizeof(float));
        ck_assert_int_eq(electra_output_copy(ctx, ELECTRA_OUTPUT_LOGITS, out[t - 1], n),
                         ELECTRA_OK);
        if (t > 1)
            ck_assert_int_eq(memcmp(out[0], out[t - 1], n * sizeof(float)), 0);
        electra_context_free(ctx);
        electra_options_free(o);
    }
    for (int t = 0; t < 3; t++)
        free(out[t]);
    electra_model_free(m);
}
END_TEST

Suite *make_model_errors_suite(void)
{
    Suite *s = suite_create("model_errors");
    TCase *tc = tcase_create("model_errors");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, missing_tensor_is_named);
    tcase_add_test(tc, wrong_shape_is_named);
    tcase_add_test(tc, unexpected_tensor_is_named);
    tcase_add_test(tc, head_weights_for_a_bare_model_are_unexpected);
    tcase_add_test(tc, head_model_needs_its_head);
    tcase_add_loop_test(tc, bad_config_is_refused, 0, sizeof bad_configs / sizeof bad_configs[0]);
    tcase_add_test(tc, unknown_config_fields_are_ignored);
    tcase_add_test(tc, missing_directory_and_weights);
    tcase_add_test(tc, forward_rejects_bad_inputs);
    tcase_add_test(tc, bare_model_has_no_logits);
    tcase_add_test(tc, thread_count_does_not_change_results);
    suite_add_tcase(s, tc);
    return s;
}
