/* check_torch_bin.c - pytorch_model.bin in zip and legacy form. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"
#include "tensor_set.h"
#include "testutil.h"
#include "weights_util.h"

static el_tensor_set *load_fixture(const char *rel)
{
    return load_or_fail(el_load_torch_bin, fixture_path(rel));
}

START_TEST(zip_bin_equals_safetensors_in_place)
{
    REQUIRE_FIXTURES();
    el_tensor_set *st = load_or_fail(el_load_safetensors,
                                     fixture_path("models/tiny-classifier/model.safetensors"));
    el_tensor_set *bin = load_fixture("models/tiny-classifier/pytorch_model.bin");
    ck_assert_str_eq(el_tensor_set_format(bin), "pytorch zip");
    assert_same_tensors(st, bin, NULL);
    for (size_t i = 0; i < el_tensor_set_count(bin); i++) {
        const el_tensor *t = el_tensor_set_at(bin, i);
        /* each tensor starts its own 64-byte aligned record: used in place */
        const float *f = NULL;
        ck_assert_int_eq(el_tensor_as_f32(bin, t, &f), ELECTRA_OK);
        ck_assert_ptr_eq(f, t->data);
        ck_assert_uint_eq((uintptr_t)t->data % 64, 0);
    }
    el_tensor_set_free(st);
    el_tensor_set_free(bin);
}
END_TEST

START_TEST(legacy_bin_keeps_the_tied_head)
{
    REQUIRE_FIXTURES();
    el_tensor_set *st = load_or_fail(el_load_safetensors,
                                     fixture_path("models/tiny-generator/model.safetensors"));
    el_tensor_set *bin = load_fixture("models/tiny-generator/pytorch_model.bin");
    ck_assert_str_eq(el_tensor_set_format(bin), "pytorch legacy");
    /* the legacy file also stores generator_lm_head.weight, on the word
     * embeddings' storage */
    assert_same_tensors(st, bin, "generator_lm_head.weight");
    const el_tensor *head = el_tensor_set_find(bin, "generator_lm_head.weight");
    const el_tensor *word = el_tensor_set_find(bin, "electra.embeddings.word_embeddings.weight");
    ck_assert_ptr_eq(head->data, word->data);
    ck_assert_uint_eq(head->nbytes, word->nbytes);
    ck_assert_int_eq(head->shape[0], 30522);
    ck_assert_int_eq(head->shape[1], 32);
    /* unaligned legacy data still converts (by copy) */
    const float *f = NULL;
    ck_assert_int_eq(el_tensor_as_f32(bin, head, &f), ELECTRA_OK);
    ck_assert_mem_eq(f, el_tensor_set_find(st, "electra.embeddings.word_embeddings.weight")->data,
                     head->nbytes);
    el_tensor_set_free(st);
    el_tensor_set_free(bin);
}
END_TEST

START_TEST(legacy_position_ids_ride_along)
{
    REQUIRE_FIXTURES();
    el_tensor_set *st = load_or_fail(el_load_safetensors,
                                     fixture_path("models/tiny-discriminator/model.safetensors"));
    el_tensor_set *bin = load_fixture("models/tiny-discriminator-legacy-posids/pytorch_model.bin");
    assert_same_tensors(st, bin, "electra.embeddings.position_ids");
    const el_tensor *ids = el_tensor_set_find(bin, "electra.embeddings.position_ids");
    ck_assert_ptr_eq(ids, el_tensor_set_at(bin, 0)); /* the first key */
    ck_assert_int_eq(ids->dtype, EL_DTYPE_I64);
    ck_assert_int_eq(ids->ndim, 2);
    ck_assert_int_eq(ids->shape[0], 1);
    ck_assert_int_eq(ids->shape[1], 128);
    ck_assert_uint_eq(ids->nbytes, 128 * 8);
    for (int64_t i = 0; i < 128; i++) {
        int64_t v;
        memcpy(&v, (const unsigned char *)ids->data + 8 * i, 8);
        ck_assert_int_eq(v, i);
    }
    const float *f = NULL;
    ck_assert_int_eq(el_tensor_as_f32(bin, ids, &f), ELECTRA_ERR_UNSUPPORTED);
    el_tensor_set_free(st);
    el_tensor_set_free(bin);
}
END_TEST

static void assert_floats(const el_tensor_set *set, const char *name, const float *want, size_t n)
{
    const el_tensor *t = el_tensor_set_find(set, name);
    ck_assert_msg(t != NULL, "no tensor %s", name);
    ck_assert_int_eq(t->dtype, EL_DTYPE_F32);
    ck_assert_uint_eq(t->nbytes, n * 4);
    for (size_t i = 0; i < n; i++) {
        float v;
        memcpy(&v, (const unsigned char *)t->data + 4 * i, 4);
        ck_assert_msg(v == want[i], "%s[%zu] = %g, want %g", name, i, v, want[i]);
    }
}

START_TEST(legacy_views_strides_and_dtypes)
{
    el_tensor_set *set = load_or_fail(el_load_torch_bin, test_data("legacy_views.bin"));
    ck_assert_str_eq(el_tensor_set_format(set), "pytorch legacy");
    ck_assert_uint_eq(el_tensor_set_count(set), 10);
    /* storage "10" holds 0..5; t is the transpose of its 2x3 view,
     * gathered into a copy */
    static const float t[] = {0, 3, 1, 4, 2, 5}, row1[] = {3, 4, 5}, all[] = {0, 1, 2, 3, 4, 5},
                       param[] = {1, 3}, scalar[] = {5};
    assert_floats(set, "t", t, 6);
    ck_assert_int_eq(el_tensor_set_find(set, "t")->shape[0], 3);
    assert_floats(set, "row1", row1, 3);
    assert_floats(set, "tied_a", all, 6);
    ck_assert_ptr_eq(el_tensor_set_find(set, "tied_a")->data,
                     el_tensor_set_find(set, "tied_b")->data);
    assert_floats(set, "param", param, 2); /* offset 1, stride 2 */
    assert_floats(set, "scalar", scalar, 1);
    ck_assert_int_eq(el_tensor_set_find(set, "scalar")->ndim, 0);
    const el_tensor *empty = el_tensor_set_find(set, "empty");
    ck_assert_int_eq(empty->ndim, 2);
    ck_assert_int_eq(empty->shape[0], 0);
    ck_assert_uint_eq(empty->nbytes, 0);
    const el_tensor *ids = el_tensor_set_find(set, "ids");
    ck_assert_int_eq(ids->dtype, EL_DTYPE_I64);
    int64_t v[3];
    memcpy(v, ids->data, sizeof v);
    ck_assert(v[0] == -1 && v[1] == 0 && v[2] == (int64_t)1 << 40);
    const float *f = NULL;
    ck_assert_int_eq(el_tensor_as_f32(set, el_tensor_set_find(set, "half"), &f), ELECTRA_OK);
    ck_assert(f[0] == 1.0f && f[1] == ldexpf(1, -24));
    ck_assert_int_eq(el_tensor_as_f32(set, el_tensor_set_find(set, "bf16"), &f), ELECTRA_OK);
    ck_assert(f[0] == 1.0f && f[1] == -2.0f);
    el_tensor_set_free(set);
}
END_TEST

START_TEST(zip_variants_load_alike)
{
    static const float w[] = {1, 2, 3, 4};
    static const char *const files[] = {"zip64.bin", "no_descriptor.bin"};
    for (int i = 0; i < 2; i++) {
        el_tensor_set *set = load_or_fail(el_load_torch_bin, test_data(files[i]));
        ck_assert_str_eq(el_tensor_set_format(set), "pytorch zip");
        ck_assert_uint_eq(el_tensor_set_count(set), 1);
        assert_floats(set, "w", w, 4);
        el_tensor_set_free(set);
    }
    /* protocol 4, an OrderedDict with _metadata, torch.Size, a parameter
     * with state, byteorder "little", another archive name */
    el_tensor_set *set = load_or_fail(el_load_torch_bin, test_data("proto4.bin"));
    static const float b[] = {7, 8};
    assert_floats(set, "a", w, 4);
    ck_assert_int_eq(el_tensor_set_find(set, "a")->shape[0], 2);
    assert_floats(set, "b", b, 2);
    ck_assert_uint_eq(el_tensor_set_count(set), 2);
    el_tensor_set_free(set);
}
END_TEST

/* Every prefix of a file fails with a format error; every single-byte
 * change fails cleanly or loads tensors that lie inside the file. */
static void sweep(const char *name)
{
    size_t len = 0;
    char *bytes = read_file(test_data(name), &len);
    ck_assert_ptr_nonnull(bytes);
    const char *dir = make_temp_dir("torch_bin");
    for (size_t cut = 0; cut < len; cut++) {
        const char *p = write_temp(dir, "cut.bin", bytes, cut);
        electra_status s = load_status(el_load_torch_bin, p);
        ck_assert_msg(s == ELECTRA_ERR_FORMAT, "%s cut at %zu: %d %s", name, cut, s,
                      electra_last_error());
    }
    static const unsigned char values[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    for (size_t at = 0; at < len; at++)
        for (size_t v = 0; v < sizeof values; v++) {
            char saved = bytes[at];
            bytes[at] = (char)values[v];
            const char *p = write_temp(dir, "flip.bin", bytes, len);
            bytes[at] = saved;
            el_tensor_set *set = NULL;
            el_tensor_set_create(&set);
            if (el_load_torch_bin(set, p) == ELECTRA_OK)
                touch_all(set);
            el_tensor_set_free(set);
        }
    free(bytes);
}

START_TEST(every_truncation_and_byte_change_is_safe)
{
    sweep("legacy_views.bin");
    sweep("proto4.bin");
    sweep("zip64.bin");
}
END_TEST

START_TEST(legacy_fixture_truncated_in_each_section)
{
    REQUIRE_FIXTURES();
    size_t len = 0;
    char *bytes =
        read_file(fixture_path("models/tiny-discriminator-legacy-posids/pytorch_model.bin"), &len);
    ck_assert_ptr_nonnull(bytes);
    /* pickles end at 15, 21, 137, 5313 and 5993; then position_ids'
     * storage is the 34th of the key list */
    const struct {
        size_t cut;
        const char *message;
    } cuts[] = {
        {0, "not a PyTorch file"},
        {1, "magic number: pickle byte 0 (PROTO): pickle truncated"},
        {14, "magic number: pickle ends without STOP"},
        {15, "protocol version: pickle ends without STOP after 0 bytes"},
        {100, "sys info: pickle byte"},
        {137, "state dict: pickle ends without STOP after 0 bytes"},
        {3000, "state dict: pickle"},
        {5313, "storage keys: pickle ends without STOP after 0 bytes"},
        {5993, "file truncated before the element count of storage '626073872'"},
        {5997, "file truncated before the element count of storage '626073872'"},
        {6001, "storage '626073872' is truncated"},
        {len - 1, "is truncated: "},
    };
    const char *dir = make_temp_dir("torch_bin");
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        const char *p = write_temp(dir, "cut.bin", bytes, cuts[i].cut);
        ck_assert_int_eq(load_status(el_load_torch_bin, p), ELECTRA_ERR_FORMAT);
        ck_assert_msg(strstr(electra_last_error(), cuts[i].message),
                      "cut at %zu: \"%s\" lacks \"%s\"", cuts[i].cut, electra_last_error(),
                      cuts[i].message);
    }
    free(bytes);
}
END_TEST

START_TEST(zip_fixture_truncated_or_damaged)
{
    REQUIRE_FIXTURES();
    size_t len = 0;
    char *bytes = read_file(fixture_path("models/tiny-classifier/pytorch_model.bin"), &len);
    ck_assert_ptr_nonnull(bytes);
    const char *dir = make_temp_dir("torch_bin");
    static const size_t cuts[] = {4, 100, 4847, 500000, 1065000};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        const char *p = write_temp(dir, "cut.bin", bytes, cuts[i]);
        ck_assert_int_eq(load_status(el_load_torch_bin, p), ELECTRA_ERR_FORMAT);
        ck_assert_ptr_nonnull(strstr(electra_last_error(), i ? "no end-of-central-directory record"
                                                             : "too short for a zip archive"));
    }
    /* rename storage "0" to "1" in the word embeddings' persistent id:
     * storage 1 is then declared with two sizes */
    char *copy = malloc(len);
    memcpy(copy, bytes, len);
    static const char pid[] = "X\x01\x00\x00\x00" "0q\x05";
    char *at = NULL;
    for (size_t i = 0; i + sizeof pid - 1 <= 4847 && !at; i++)
        if (memcmp(copy + i, pid, sizeof pid - 1) == 0)
            at = copy + i;
    ck_assert_ptr_nonnull(at);
    at[5] = '1';
    const char *p = write_temp(dir, "key.bin", copy, len);
    ck_assert_int_eq(load_status(el_load_torch_bin, p), ELECTRA_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "is declared as FloatStorage of 244176"));
    free(copy);
    free(bytes);
}
END_TEST

START_TEST(allocation_failures_are_clean)
{
    ck_assert_int_gt(assert_clean_alloc_failures(el_load_torch_bin, test_data("legacy_views.bin")),
                     50);
    ck_assert_int_gt(assert_clean_alloc_failures(el_load_torch_bin, test_data("proto4.bin")), 50);
}
END_TEST

START_TEST(not_torch_files)
{
    ck_assert_int_eq(load_status(el_load_torch_bin, "/nonexistent/pytorch_model.bin"),
                     ELECTRA_ERR_IO);
    const char *dir = make_temp_dir("torch_bin");
    ck_assert_int_eq(load_status(el_load_torch_bin, write_temp(dir, "empty.bin", "", 0)),
                     ELECTRA_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "not a PyTorch file"));
    ck_assert_int_eq(load_status(el_load_torch_bin, write_temp(dir, "pk.bin", "PK\3\4", 4)),
                     ELECTRA_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "too short for a zip archive"));
}
END_TEST

Suite *make_torch_bin_suite(void)
{
    Suite *s = suite_create("torch_bin");
    TCase *tc = tcase_create("fixtures");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, zip_bin_equals_safetensors_in_place);
    tcase_add_test(tc, legacy_bin_keeps_the_tied_head);
    tcase_add_test(tc, legacy_position_ids_ride_along);
    tcase_add_test(tc, legacy_fixture_truncated_in_each_section);
    tcase_add_test(tc, zip_fixture_truncated_or_damaged);
    suite_add_tcase(s, tc);
    tc = tcase_create("crafted");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, legacy_views_strides_and_dtypes);
    tcase_add_test(tc, zip_variants_load_alike);
    tcase_add_test(tc, every_truncation_and_byte_change_is_safe);
    tcase_add_test(tc, allocation_failures_are_clean);
    tcase_add_test(tc, not_torch_files);
    suite_add_tcase(s, tc);
    return s;
}
