/* check_safetensors.c - model.safetensors, shards, F16/BF16 files. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"
#include "half.h"
#include "tensor_set.h"
#include "testutil.h"
#include "weights_util.h"

static el_tensor_set *load_model(const char *dir)
{
    char rel[256];
    snprintf(rel, sizeof rel, "models/%s/model.safetensors", dir);
    return load_or_fail(el_load_safetensors, fixture_path(rel));
}

START_TEST(every_fixture_file_loads_in_place)
{
    REQUIRE_FIXTURES();
    static const struct {
        const char *dir;
        size_t count;
        el_dtype dtype;
        int64_t emb; /* embedding size E */
    } models[] = {
        {"tiny-generator", 44, EL_DTYPE_F32, 32},   {"tiny-discriminator", 41, EL_DTYPE_F32, 32},
        {"tiny-classifier", 43, EL_DTYPE_F32, 8},   {"tiny-tagger", 41, EL_DTYPE_F32, 16},
        {"tiny-qa", 41, EL_DTYPE_F32, 16},          {"tiny-base-model", 39, EL_DTYPE_F32, 16},
        {"tiny-generator-f16", 44, EL_DTYPE_F16, 32}, {"tiny-generator-bf16", 44, EL_DTYPE_BF16, 32},
    };
    for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) {
        el_tensor_set *set = load_model(models[m].dir);
        ck_assert_uint_eq(el_tensor_set_count(set), models[m].count);
        ck_assert_str_eq(el_tensor_set_format(set), "safetensors");
        const char *word = strcmp(models[m].dir, "tiny-base-model") == 0
                               ? "embeddings.word_embeddings.weight"
                               : "electra.embeddings.word_embeddings.weight";
        const el_tensor *w = el_tensor_set_find(set, word);
        ck_assert_msg(w != NULL, "%s lacks %s", models[m].dir, word);
        ck_assert_int_eq(w->ndim, 2);
        ck_assert_int_eq(w->shape[0], 30522);
        ck_assert_int_eq(w->shape[1], models[m].emb);
        for (size_t i = 0; i < el_tensor_set_count(set); i++) {
            const el_tensor *t = el_tensor_set_at(set, i);
            ck_assert_int_eq(t->dtype, models[m].dtype);
            ck_assert_uint_eq(t->nbytes, (size_t)el_tensor_numel(t) * el_dtype_size(t->dtype));
            const float *f = NULL;
            ck_assert_int_eq(el_tensor_as_f32(set, t, &f), ELECTRA_OK);
            /* F32 data is used where it lies in the mapping: no copy */
            if (t->dtype == EL_DTYPE_F32)
                ck_assert_ptr_eq(f, t->data);
        }
        /* the tied LM head is not stored */
        ck_assert_ptr_null(el_tensor_set_find(set, "generator_lm_head.weight"));
        el_tensor_set_free(set);
    }
}
END_TEST

START_TEST(shards_hold_the_discriminator)
{
    REQUIRE_FIXTURES();
    el_tensor_set *one = load_model("tiny-discriminator");
    el_tensor_set *sharded = load_or_fail(
        el_load_safetensors_index,
        fixture_path("models/tiny-discriminator-sharded/model.safetensors.index.json"));
    ck_assert_str_eq(el_tensor_set_format(sharded), "sharded safetensors");
    assert_same_tensors(one, sharded, NULL);
    el_tensor_set_free(one);
    el_tensor_set_free(sharded);
}
END_TEST

/* Whether the 16-bit value stored is the float32 weight rounded to
 * nearest: no neighbour of it is closer. */
static int is_nearest(uint16_t stored, float want, float (*widen)(uint16_t))
{
    double err = fabs((double)widen(stored) - want);
    for (int step = -1; step <= 1; step += 2) {
        uint16_t n = (uint16_t)(stored + step);
        if ((n & 0x7fffu) == 0 || (n ^ stored) & 0x8000u)
            continue; /* crossing zero changes sign */
        float v = widen(n);
        if (isfinite(v) && fabs((double)v - want) < err)
            return 0;
    }
    return 1;
}

START_TEST(f16_and_bf16_widen_to_the_rounded_f32_weights)
{
    REQUIRE_FIXTURES();
    el_tensor_set *f32 = load_model("tiny-generator");
    static const struct {
        const char *dir;
        el_dtype dtype;
        double max_error; /* README, "derived_from.cast_effect_on_weights" */
    } kinds[] = {{"tiny-generator-f16", EL_DTYPE_F16, 0.0004807710647583008},
                 {"tiny-generator-bf16", EL_DTYPE_BF16, 0.0038945674896240234}};
    for (int k = 0; k < 2; k++) {
        el_tensor_set *half = load_model(kinds[k].dir);
        float (*widen)(uint16_t) = kinds[k].dtype == EL_DTYPE_F16 ? el_f16_to_f32 : el_bf16_to_f32;
        double max_error = 0;
        size_t subnormals = 0, word_subnormals = 0;
        ck_assert_uint_eq(el_tensor_set_count(half), el_tensor_set_count(f32));
        for (size_t i = 0; i < el_tensor_set_count(half); i++) {
            const el_tensor *h = el_tensor_set_at(half, i);
            const el_tensor *w = el_tensor_set_find(f32, h->name);
            ck_assert_ptr_nonnull(w);
            ck_assert_int_eq(h->dtype, kinds[k].dtype);
            ck_assert_int_eq(el_tensor_numel(h), el_tensor_numel(w));
            const float *wide = NULL;
            ck_assert_int_eq(el_tensor_as_f32(half, h, &wide), ELECTRA_OK);
            const float *want = w->data;
            size_t wrong = 0;
            int is_word = strcmp(h->name, "electra.embeddings.word_embeddings.weight") == 0;
            for (int64_t e = 0; e < el_tensor_numel(h); e++) {
                uint16_t bits;
                memcpy(&bits, (const unsigned char *)h->data + 2 * e, 2);
                double err = fabs((double)wide[e] - want[e]);
                if (err > max_error)
                    max_error = err;
                /* BF16: torch's rounding is exactly el_f32_to_bf16 */
                wrong += wide[e] != widen(bits) ||
                         (kinds[k].dtype == EL_DTYPE_BF16 ? bits != el_f32_to_bf16(want[e])
                                                          : !is_nearest(bits, want[e], widen));
                int sub = (bits & 0x7c00u) == 0 && (bits & 0x3ffu) != 0;
                subnormals += sub;
                if (is_word)
                    word_subnormals += sub;
            }
            ck_assert_msg(wrong == 0, "%s: %zu values are not the rounded weights", h->name,
                          wrong);
        }
        ck_assert_msg(fabs(max_error - kinds[k].max_error) < 1e-12,
                      "%s: largest rounding error %.17g, README %.17g", kinds[k].dir, max_error,
                      kinds[k].max_error);
        /* README: 600 subnormal halves, 273 in the word embeddings. That
         * counts the model's parameters, where the tied LM head repeats
         * the word embeddings; the file stores them once: 600 - 273. */
        if (kinds[k].dtype == EL_DTYPE_F16) {
            ck_assert_uint_eq(word_subnormals, 273);
            ck_assert_uint_eq(subnormals, 600 - 273);
        }
        el_tensor_set_free(half);
    }
    el_tensor_set_free(f32);
}
END_TEST

START_TEST(small_file_values)
{
    el_tensor_set *set = load_or_fail(el_load_safetensors, test_data("small.safetensors"));
    ck_assert_uint_eq(el_tensor_set_count(set), 3);
    const el_tensor *a = el_tensor_set_find(set, "a");
    ck_assert_int_eq(a->ndim, 2);
    ck_assert_int_eq(a->shape[1], 2);
    static const float fa[4] = {1, 2, 3, 4};
    ck_assert_mem_eq(a->data, fa, 16);
    const float *b = NULL;
    ck_assert_int_eq(el_tensor_as_f32(set, el_tensor_set_find(set, "b"), &b), ELECTRA_OK);
    ck_assert_float_eq(b[0], 1.0f);
    ck_assert_float_eq(b[1], -ldexpf(1, -24));
    const el_tensor *c = el_tensor_set_find(set, "c");
    ck_assert_int_eq(c->dtype, EL_DTYPE_I64);
    int64_t v;
    memcpy(&v, c->data, 8);
    ck_assert_int_eq(v, 77);
    ck_assert_ptr_null(el_tensor_set_find(set, "__metadata__"));
    el_tensor_set_free(set);
}
END_TEST

START_TEST(every_truncation_and_byte_change_fails_cleanly)
{
    size_t len = 0;
    char *bytes = read_file(test_data("small.safetensors"), &len);
    ck_assert_ptr_nonnull(bytes);
    const char *dir = make_temp_dir("safetensors");
    for (size_t cut = 0; cut < len; cut++) {
        const char *p = write_temp(dir, "cut.safetensors", bytes, cut);
        ck_assert_int_eq(load_status(el_load_safetensors, p), ELECTRA_ERR_FORMAT);
    }
    /* any single byte changed: a clean status, and in-bounds tensors when
     * it still loads (touch_all reads them all under ASan) */
    static const unsigned char values[] = {0x00, 0x01, 0x7f, 0xff, '"', '9', ']', '-'};
    for (size_t at = 0; at < len; at++)
        for (size_t v = 0; v < sizeof values; v++) {
            char *copy = malloc(len);
            memcpy(copy, bytes, len);
            copy[at] = (char)values[v];
            const char *p = write_temp(dir, "flip.safetensors", copy, len);
            el_tensor_set *set = NULL;
            el_tensor_set_create(&set);
            if (el_load_safetensors(set, p) == ELECTRA_OK)
                touch_all(set);
            el_tensor_set_free(set);
            free(copy);
        }
    free(bytes);
}
END_TEST

START_TEST(fixture_truncated_in_each_section)
{
    REQUIRE_FIXTURES();
    size_t len = 0;
    char *bytes = read_file(fixture_path("models/tiny-classifier/model.safetensors"), &len);
    ck_assert_ptr_nonnull(bytes);
    uint64_t header = 0;
    for (int i = 7; i >= 0; i--)
        header = header << 8 | (unsigned char)bytes[i];
    const struct {
        size_t cut;
        const char *message;
    } cuts[] = {
        {0, "too short for a safetensors file"},
        {7, "too short for a safetensors file"},
        {8, "is past the end of the 8-byte file"},
        {8 + header - 1, "is past the end"},
        {8 + header, "ends at byte"},
        {8 + header + 1000, "(file truncated?)"},
        {len - 1, "(file truncated?)"},
    };
    const char *dir = make_temp_dir("safetensors");
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        const char *p = write_temp(dir, "cut.safetensors", bytes, cuts[i].cut);
        ck_assert_int_eq(load_status(el_load_safetensors, p), ELECTRA_ERR_FORMAT);
        ck_assert_msg(strstr(electra_last_error(), cuts[i].message),
                      "cut at %zu: \"%s\" lacks \"%s\"", cuts[i].cut, electra_last_error(),
                      cuts[i].message);
    }
    free(bytes);
}
END_TEST

START_TEST(allocation_failures_are_clean)
{
    ck_assert_int_gt(assert_clean_alloc_failures(el_load_safetensors, test_data("small.safetensors")),
                     3);
    REQUIRE_FIXTURES();
    assert_clean_alloc_failures(
        el_load_safetensors_index,
        fixture_path("models/tiny-discriminator-sharded/model.safetensors.index.json"));
}
END_TEST

START_TEST(missing_files_are_io_errors)
{
    ck_assert_int_eq(load_status(el_load_safetensors, "/nonexistent/model.safetensors"),
                     ELECTRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "cannot open /nonexistent/model"));
    const char *dir = make_temp_dir("safetensors");
    ck_assert_int_eq(load_status(el_load_safetensors, dir), ELECTRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "is not a regular file"));
    ck_assert_int_eq(load_status(el_load_safetensors_index, "/nonexistent/x.index.json"),
                     ELECTRA_ERR_IO);
}
END_TEST

Suite *make_safetensors_suite(void)
{
    Suite *s = suite_create("safetensors");
    TCase *tc = tcase_create("fixtures");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_fixture_file_loads_in_place);
    tcase_add_test(tc, shards_hold_the_discriminator);
    tcase_add_test(tc, f16_and_bf16_widen_to_the_rounded_f32_weights);
    tcase_add_test(tc, fixture_truncated_in_each_section);
    suite_add_tcase(s, tc);
    tc = tcase_create("crafted");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, small_file_values);
    tcase_add_test(tc, every_truncation_and_byte_change_fails_cleanly);
    tcase_add_test(tc, allocation_failures_are_clean);
    tcase_add_test(tc, missing_files_are_io_errors);
    suite_add_tcase(s, tc);
    return s;
}
