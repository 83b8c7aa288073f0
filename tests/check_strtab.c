/* check_strtab.c - string interning: dense indices in order of first
 * sight, lookups, growth, byte strings with NULs, the empty string. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "strtab.h"

START_TEST(indices_in_order_of_first_sight)
{
    el_strtab t;
    el_strtab_init(&t);
    const char *words[] = {"the", "cat", "the", "", "sat", "cat", ""};
    const uint32_t want[] = {0, 1, 0, 2, 3, 1, 2};
    const bool fresh[] = {true, true, false, true, true, false, false};
    for (size_t i = 0; i < 7; i++) {
        uint32_t index = 99;
        bool added = !fresh[i];
        ck_assert_int_eq(el_strtab_intern(&t, words[i], strlen(words[i]), &index, &added),
                         ELECTRA_OK);
        ck_assert_uint_eq(index, want[i]);
        ck_assert(added == fresh[i]);
    }
    ck_assert_uint_eq(t.count, 4);
    ck_assert_int_eq(el_strtab_find(&t, "sat", 3), 3);
    ck_assert_int_eq(el_strtab_find(&t, "sa", 2), -1);
    ck_assert_int_eq(el_strtab_find(&t, "", 0), 2);
    size_t len;
    const char *s = el_strtab_str(&t, 1, &len);
    ck_assert_uint_eq(len, 3);
    ck_assert(memcmp(s, "cat", 3) == 0);
    el_strtab_free(&t);
}
END_TEST

START_TEST(empty_table_finds_nothing)
{
    el_strtab t;
    el_strtab_init(&t);
    ck_assert_int_eq(el_strtab_find(&t, "x", 1), -1);
    el_strtab_free(&t);
}
END_TEST

/* Many strings (tables regrown many times), some differing only after a
 * NUL byte. */
START_TEST(growth_keeps_every_string)
{
    el_strtab t;
    el_strtab_init(&t);
    char buf[32];
    for (int i = 0; i < 20000; i++) {
        int n = snprintf(buf, sizeof buf, "w%d", i);
        buf[n] = '\0';
        uint32_t index;
        ck_assert_int_eq(el_strtab_intern(&t, buf, (size_t)n + 1, &index, NULL), ELECTRA_OK);
        ck_assert_uint_eq(index, (uint32_t)i);
    }
    for (int i = 0; i < 20000; i++) {
        int n = snprintf(buf, sizeof buf, "w%d", i);
        ck_assert_int_eq(el_strtab_find(&t, buf, (size_t)n + 1), i);
        ck_assert_int_eq(el_strtab_find(&t, buf, (size_t)n), -1);
    }
    el_strtab_free(&t);
}
END_TEST

Suite *make_strtab_suite(void)
{
    Suite *s = suite_create("strtab");
    TCase *tc = tcase_create("strtab");
    tcase_add_test(tc, indices_in_order_of_first_sight);
    tcase_add_test(tc, empty_table_finds_nothing);
    tcase_add_test(tc, growth_keeps_every_string);
    suite_add_tcase(s, tc);
    return s;
}
