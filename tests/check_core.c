/* check_core.c - version, statuses, options, allocator hook. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "electra.h"

START_TEST(version_matches_macros)
{
    ck_assert_str_eq(electra_version_string(), ELECTRA_VERSION_STRING);
    ck_assert_int_eq(electra_version_number(), ELECTRA_VERSION_NUMBER);
    ck_assert_int_eq(ELECTRA_VERSION_NUMBER, 10000);
}
END_TEST

START_TEST(status_strings_are_distinct_and_total)
{
    for (int a = ELECTRA_OK; a <= ELECTRA_ERR_INTERNAL; a++) {
        const char *sa = electra_status_string((electra_status)a);
        ck_assert_ptr_nonnull(sa);
        ck_assert_str_ne(sa, "unknown status");
        for (int b = a + 1; b <= ELECTRA_ERR_INTERNAL; b++)
            ck_assert_str_ne(sa, electra_status_string((electra_status)b));
    }
    ck_assert_str_eq(electra_status_string((electra_status)9999), "unknown status");
    ck_assert_str_eq(electra_status_string((electra_status)-1), "unknown status");
}
END_TEST

START_TEST(options_defaults_and_ranges)
{
    electra_options *o = NULL;
    ck_assert_int_eq(electra_options_create(&o), ELECTRA_OK);
    int64_t v = 0;
    double d = 0;
    ck_assert_int_eq(electra_options_get_int(o, ELECTRA_OPT_THREADS, &v), ELECTRA_OK);
    ck_assert_int_eq(v, 1);
    ck_assert_int_eq(electra_options_get_float(o, ELECTRA_OPT_THRESHOLD, &d), ELECTRA_OK);
    ck_assert_double_eq(d, 0.5);
    ck_assert_int_eq(electra_options_set_int(o, ELECTRA_OPT_THREADS, 2), ELECTRA_OK);
    ck_assert_int_eq(electra_options_get_int(o, ELECTRA_OPT_THREADS, &v), ELECTRA_OK);
    ck_assert_int_eq(v, 2);
    /* out of range leaves the value as it was and explains */
    ck_assert_int_eq(electra_options_set_int(o, ELECTRA_OPT_THREADS, 0),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(electra_options_last_error(o), "THREADS"));
    ck_assert_int_eq(electra_options_get_int(o, ELECTRA_OPT_THREADS, &v), ELECTRA_OK);
    ck_assert_int_eq(v, 2);
    /* wrong type, unknown key, NaN */
    ck_assert_int_eq(electra_options_set_float(o, ELECTRA_OPT_THREADS, 1.0),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_options_set_int(o, 12345, 1), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_options_set_float(o, ELECTRA_OPT_THRESHOLD, 0.0 / 0.0),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_options_get_int(o, ELECTRA_OPT_THRESHOLD, &v),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    /* NULL options read as defaults; NULL out is refused */
    ck_assert_int_eq(electra_options_get_int(NULL, ELECTRA_OPT_TOP_K, &v), ELECTRA_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(electra_options_get_int(o, ELECTRA_OPT_TOP_K, NULL),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_options_set_int(NULL, ELECTRA_OPT_TOP_K, 1),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_options_create(NULL), ELECTRA_ERR_INVALID_ARGUMENT);
    electra_options_free(o);
    electra_options_free(NULL);
}
END_TEST

static int hook_calls;
static void *count_malloc(size_t n, void *u)
{
    (void)u;
    hook_calls++;
    return malloc(n);
}
static void *count_realloc(void *p, size_t n, void *u)
{
    (void)u;
    hook_calls++;
    return realloc(p, n);
}
static void count_free(void *p, void *u)
{
    (void)u;
    free(p);
}

START_TEST(allocator_hook_routes_and_restores)
{
    ck_assert_int_eq(electra_set_allocator(count_malloc, NULL, count_free, NULL),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_set_allocator(count_malloc, count_realloc, count_free, NULL),
                     ELECTRA_OK);
    hook_calls = 0;
    electra_options *o = NULL;
    ck_assert_int_eq(electra_options_create(&o), ELECTRA_OK);
    ck_assert_int_eq(hook_calls, 1);
    electra_options_free(o);
    ck_assert_int_eq(electra_set_allocator(NULL, NULL, NULL, NULL), ELECTRA_OK);
    hook_calls = 0;
    ck_assert_int_eq(electra_options_create(&o), ELECTRA_OK);
    ck_assert_int_eq(hook_calls, 0);
    electra_options_free(o);
}
END_TEST

START_TEST(checked_allocations_refuse_overflow)
{
    ck_assert_ptr_null(el_calloc(SIZE_MAX / 2, 4));
    ck_assert_ptr_null(el_malloc_array(SIZE_MAX / 8 + 1, 16));
    void *buf = NULL;
    size_t cap = 0;
    ck_assert_int_eq(el_grow(&buf, &cap, 10, 8), 0);
    ck_assert_uint_ge(cap, 10);
    ck_assert_int_eq(el_grow(&buf, &cap, SIZE_MAX / 4, 8), -1);
    ck_assert_uint_ge(cap, 10);
    el_free(buf);
    float *a = el_malloc_aligned(100);
    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq((uintptr_t)a % 64, 0);
    el_free_aligned(a);
    ck_assert_ptr_null(el_malloc_aligned(SIZE_MAX - 8));
}
END_TEST

Suite *make_core_suite(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, version_matches_macros);
    tcase_add_test(tc, status_strings_are_distinct_and_total);
    tcase_add_test(tc, options_defaults_and_ranges);
    tcase_add_test(tc, allocator_hook_routes_and_restores);
    tcase_add_test(tc, checked_allocations_refuse_overflow);
    suite_add_tcase(s, tc);
    return s;
}
