/* check_cpu.c - feature detection and the ELECTRA_CPU cap. Detection runs
 * once per process, so the cap tests rely on Check running each test in
 * its own child (they skip under CK_FORK=no). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "linear.h"

static int forking(void)
{
    const char *mode = getenv("CK_FORK");
    return !mode || strcmp(mode, "no") != 0;
}

/* The path the features allow, before any cap. */
static el_cpu_path uncapped_path(const el_cpu_features *f)
{
    return f->avx512_bf16 && f->amx_bf16 ? EL_CPU_AMX
           : f->avx512                   ? EL_CPU_AVX512
           : f->avx2_fma                 ? EL_CPU_AVX2
                                         : EL_CPU_REFERENCE;
}

START_TEST(features_are_consistent)
{
    const el_cpu_features *f = el_cpu_features_get();
    ck_assert_ptr_eq(f, el_cpu_features_get());
    if (f->avx512_bf16 || f->avx512_vnni)
        ck_assert(f->avx512);
    if (getenv("ELECTRA_CPU"))
        ck_assert_int_le(el_cpu_best_path(), uncapped_path(f));
    else
        ck_assert_int_eq(el_cpu_best_path(), uncapped_path(f));
    ck_assert_str_eq(el_cpu_path_name(EL_CPU_REFERENCE), "reference");
    ck_assert_str_eq(el_cpu_path_name(EL_CPU_AMX), "amx");
    if (!f->amx_bf16 && !f->amx_int8)
        ck_assert_int_eq(el_cpu_request_amx(), 0);
    ck_assert_int_eq(el_cpu_request_amx(), el_cpu_request_amx());
}
END_TEST

START_TEST(electra_cpu_reference_forces_cblas)
{
    if (!forking())
        return;
    setenv("ELECTRA_CPU", "reference", 1);
    ck_assert_int_eq(el_cpu_best_path(), EL_CPU_REFERENCE);
    const float w = 1.0f;
    el_linear l;
    ck_assert_int_eq(el_linear_init(&l, &w, NULL, 1, 1, ELECTRA_KERNELS_AUTO), ELECTRA_OK);
    ck_assert_ptr_null(l.packed);
    el_linear_release(&l);
}
END_TEST

START_TEST(electra_cpu_only_lowers_the_path)
{
    if (!forking())
        return;
    setenv("ELECTRA_CPU", "avx512", 1);
    el_cpu_path path = el_cpu_best_path();
    ck_assert_int_le(path, EL_CPU_AVX512);
    ck_assert_int_eq(path >= EL_CPU_AVX512, el_cpu_features_get()->avx512);
}
END_TEST

START_TEST(unknown_electra_cpu_is_ignored)
{
    if (!forking())
        return;
    setenv("ELECTRA_CPU", "quantum", 1);
    ck_assert_int_eq(el_cpu_best_path(), uncapped_path(el_cpu_features_get()));
}
END_TEST

Suite *make_cpu_suite(void)
{
    Suite *s = suite_create("cpu");
    TCase *tc = tcase_create("cpu");
    tcase_add_test(tc, features_are_consistent);
    tcase_add_test(tc, electra_cpu_reference_forces_cblas);
    tcase_add_test(tc, electra_cpu_only_lowers_the_path);
    tcase_add_test(tc, unknown_electra_cpu_is_ignored);
    suite_add_tcase(s, tc);
    return s;
}
