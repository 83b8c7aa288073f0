/* check_tensor_set.c - the named-tensor table and its float32 views. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "electra.h"
#include "tensor_set.h"

static el_tensor_set *new_set(void)
{
    el_tensor_set *set = NULL;
    ck_assert_int_eq(el_tensor_set_create(&set), ELECTRA_OK);
    return set;
}

START_TEST(add_find_and_refuse_duplicates)
{
    el_tensor_set *set = new_set();
    static const float data[6] = {1, 2, 3, 4, 5, 6};
    char name[32];
    /* enough names to grow the index several times */
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "layer.%d.weight", i);
        int64_t shape[2] = {2, 3};
        ck_assert_int_eq(el_tensor_set_add(set, name, EL_DTYPE_F32, 2, shape, data, sizeof data),
                         ELECTRA_OK);
    }
    ck_assert_uint_eq(el_tensor_set_count(set), 1000);
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "layer.%d.weight", i);
        const el_tensor *t = el_tensor_set_find(set, name);
        ck_assert_ptr_nonnull(t);
        ck_assert_str_eq(t->name, name);
        ck_assert_ptr_eq(t, el_tensor_set_at(set, (size_t)i));
    }
    ck_assert_ptr_null(el_tensor_set_find(set, "layer.1000.weight"));
    ck_assert_ptr_null(el_tensor_set_at(set, 1000));
    int64_t shape[1] = {6};
    ck_assert_int_eq(el_tensor_set_add(set, "layer.7.weight", EL_DTYPE_F32, 1, shape, data, 24),
                     ELECTRA_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "layer.7.weight appears twice"));
    int64_t many[EL_MAX_DIMS + 1] = {1, 1, 1, 1, 1, 1, 1, 1, 6};
    ck_assert_int_eq(el_tensor_set_add(set, "deep", EL_DTYPE_F32, EL_MAX_DIMS + 1, many, data, 24),
                     ELECTRA_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "deep has 9 dimensions"));
    ck_assert_uint_eq(el_tensor_set_count(set), 1000);
    el_tensor_set_free(set);
    el_tensor_set_free(NULL);
}
END_TEST

START_TEST(numel_and_dtype_names)
{
    el_tensor t = {.ndim = 3, .shape = {2, 3, 4}};
    ck_assert_int_eq(el_tensor_numel(&t), 24);
    t.ndim = 0;
    ck_assert_int_eq(el_tensor_numel(&t), 1);
    t.ndim = 2;
    t.shape[0] = INT64_MAX / 2;
    t.shape[1] = 3;
    ck_assert_int_eq(el_tensor_numel(&t), -1);
    t.shape[0] = -1;
    ck_assert_int_eq(el_tensor_numel(&t), -1);
    ck_assert_str_eq(el_dtype_name(EL_DTYPE_BF16), "BF16");
    ck_assert_str_eq(el_dtype_name(EL_DTYPE_I64), "I64");
    ck_assert_uint_eq(el_dtype_size(EL_DTYPE_I64), 8);
    ck_assert_uint_eq(el_dtype_size(EL_DTYPE_F16), 2);
    ck_assert_uint_eq(el_dtype_size(EL_DTYPE_BOOL), 1);
}
END_TEST

START_TEST(as_f32_in_place_or_converted)
{
    el_tensor_set *set = new_set();
    /* aligned F32: the data itself, no copy */
    static const float f[4] = {1.5f, -2, 3, 4};
    int64_t shape[1] = {4};
    ck_assert_int_eq(el_tensor_set_add(set, "f", EL_DTYPE_F32, 1, shape, f, sizeof f), ELECTRA_OK);
    const float *out = NULL;
    ck_assert_int_eq(el_tensor_as_f32(set, el_tensor_set_find(set, "f"), &out), ELECTRA_OK);
    ck_assert_ptr_eq(out, f);
    /* unaligned F32 (legacy .bin data): a copy with the same values */
    static unsigned char raw[17];
    memcpy(raw + 1, f, sizeof f);
    ck_assert_int_eq(el_tensor_set_add(set, "u", EL_DTYPE_F32, 1, shape, raw + 1, 16), ELECTRA_OK);
    ck_assert_int_eq(el_tensor_as_f32(set, el_tensor_set_find(set, "u"), &out), ELECTRA_OK);
    ck_assert_ptr_ne(out, (const void *)(raw + 1));
    ck_assert_mem_eq(out, f, sizeof f);
    /* F16 (a subnormal included) and BF16 */
    static const uint16_t h[4] = {0x3c00, 0x0001, 0xc000, 0x7bff};
    ck_assert_int_eq(el_tensor_set_add(set, "h", EL_DTYPE_F16, 1, shape, h, 8), ELECTRA_OK);
    ck_assert_int_eq(el_tensor_as_f32(set, el_tensor_set_find(set, "h"), &out), ELECTRA_OK);
    ck_assert_float_eq(out[0], 1.0f);
    ck_assert_float_eq(out[1], 5.9604644775390625e-8f);
    ck_assert_float_eq(out[2], -2.0f);
    ck_assert_float_eq(out[3], 65504.0f);
    static const uint16_t b[4] = {0x3f80, 0xc040, 0x0001, 0x4049};
    ck_assert_int_eq(el_tensor_set_add(set, "b", EL_DTYPE_BF16, 1, shape, b, 8), ELECTRA_OK);
    ck_assert_int_eq(el_tensor_as_f32(set, el_tensor_set_find(set, "b"), &out), ELECTRA_OK);
    ck_assert_float_eq(out[0], 1.0f);
    ck_assert_float_eq(out[1], -3.0f);
    ck_assert_float_eq(out[3], 3.140625f);
    /* integers are not floats; sizes must match the shape */
    static const int64_t ids[4] = {0, 1, 2, 3};
    ck_assert_int_eq(el_tensor_set_add(set, "ids", EL_DTYPE_I64, 1, shape, ids, 32), ELECTRA_OK);
    const float *untouched = f;
    ck_assert_int_eq(el_tensor_as_f32(set, el_tensor_set_find(set, "ids"), &untouched),
                     ELECTRA_ERR_UNSUPPORTED);
    ck_assert_ptr_eq(untouched, f);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "ids has dtype I64"));
    ck_assert_int_eq(el_tensor_set_add(set, "short", EL_DTYPE_F32, 1, shape, f, 12), ELECTRA_OK);
    ck_assert_int_eq(el_tensor_as_f32(set, el_tensor_set_find(set, "short"), &out),
                     ELECTRA_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "short: 12 bytes do not match"));
    el_tensor_set_free(set);
}
END_TEST

START_TEST(kept_buffers_and_format)
{
    el_tensor_set *set = new_set();
    ck_assert_str_eq(el_tensor_set_format(set), "");
    el_tensor_set_set_format(set, "pytorch zip");
    ck_assert_str_eq(el_tensor_set_format(set), "pytorch zip");
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(el_tensor_set_keep_buffer(set, el_malloc(64)), ELECTRA_OK);
    el_tensor_set_free(set); /* ASan reports the buffers if they leak */
}
END_TEST

Suite *make_tensor_set_suite(void)
{
    Suite *s = suite_create("tensor_set");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, add_find_and_refuse_duplicates);
    tcase_add_test(tc, numel_and_dtype_names);
    tcase_add_test(tc, as_f32_in_place_or_converted);
    tcase_add_test(tc, kept_buffers_and_format);
    suite_add_tcase(s, tc);
    return s;
}
