/* check_unicode.c - strict UTF-8 and the Unicode facts of Python 3.11
 * (unicodedata 14.0) that the tokenizer relies on. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "unicode.h"
#include "utf8.h"

START_TEST(utf8_accepts_every_valid_form)
{
    static const char *const ok[] = {
        "", "plain ascii text, longer than eight bytes", "\x7F", "\xC2\x80", "\xDF\xBF",
        "\xE0\xA0\x80", "\xED\x9F\xBF" /* U+D7FF */, "\xEE\x80\x80" /* U+E000 */,
        "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF" /* U+10FFFF */,
        "na\xC3\xAFve caf\xC3\xA9 \xF0\x9F\x98\x80 \xE5\x8C\x97",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        ck_assert_uint_eq(el_utf8_check(ok[i], strlen(ok[i])), strlen(ok[i]));
    /* Embedded NUL is valid UTF-8. */
    ck_assert_uint_eq(el_utf8_check("a\0b", 3), 3);
}
END_TEST

START_TEST(utf8_rejects_at_the_first_bad_byte)
{
    static const struct {
        const char *s;
        size_t at;
    } bad[] = {
        {"\x80", 0},                       {"abc\xBF", 3},
        {"\xC0\x80", 0},                   {"\xC1\xBF", 0},
        {"\xE0\x9F\xBF", 0},               {"\xED\xA0\x80", 0},
        {"\xED\xBF\xBF", 0},               {"\xF0\x8F\xBF\xBF", 0},
        {"\xF4\x90\x80\x80", 0},           {"\xF5\x80\x80\x80", 0},
        {"\xFE", 0},                       {"\xFF", 0},
        {"\xE2\x82\x41", 0},               {"\xF0\x9F\x98\x41", 0},
        {"0123456789abcdef\xC3", 16},      {"0123456789abcdef\xC3(", 16},
        {"\xC3\xA9\xE2\x82", 2},           {"aaaaaaa\xC3\xA9 \xF0\x9F\x98", 10},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(el_utf8_check(bad[i].s, strlen(bad[i].s)) == bad[i].at, "case %zu", i);
}
END_TEST

START_TEST(utf8_decode_encode_round_trip)
{
    const int32_t cps[] = {0, 0x41, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF,
                           0x10000, 0x1F600, 0x10FFFF};
    for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
        char buf[4];
        size_t n = el_utf8_encode(cps[i], buf), len;
        ck_assert_uint_eq(el_utf8_check(buf, n), n);
        ck_assert_int_eq(el_utf8_decode((const unsigned char *)buf, &len), cps[i]);
        ck_assert_uint_eq(len, n);
    }
}
END_TEST

/* The code point tables describe Unicode 14.0 on top of utf8proc 15.0/15.1:
 * newer data would assign more code points than the table masks. */
START_TEST(unicode_data_is_a_known_version)
{
    const char *v = el_uni_data_version();
    ck_assert_msg(strcmp(v, "14.0.0") == 0 || strcmp(v, "15.0.0") == 0 || strcmp(v, "15.1.0") == 0,
                  "utf8proc has Unicode %s: extend assigned_after_14 in lib/unicode.c with the "
                  "code points assigned since 15.1 to keep Python 3.11's view",
                  v);
}
END_TEST

START_TEST(unicode_14_view)
{
    /* Assigned in 15.0: unassigned (Cn) here, as in Python 3.11. */
    const int32_t later[] = {0x1FA75, 0x1FA77, 0x31350, 0x323AF, 0x0CF3, 0x2B739, 0x1E4D0};
    for (size_t i = 0; i < sizeof later / sizeof later[0]; i++) {
        ck_assert(!el_uni_assigned14(later[i]));
        ck_assert_str_eq(el_uni_category(later[i]), "Cn");
        ck_assert(el_uni_is_removed(later[i]));
    }
    const int32_t old[] = {0x1FA74, 0x1FA78, 0x2B738, 0x4E00, 0x41, 0xE000, 0x1F600};
    for (size_t i = 0; i < sizeof old / sizeof old[0]; i++)
        ck_assert(el_uni_assigned14(old[i]));
    ck_assert(!el_uni_assigned14(0x378));
    ck_assert(!el_uni_assigned14(0x110000));
    ck_assert_str_eq(el_uni_category(0x41), "Lu");
    ck_assert_str_eq(el_uni_category(0x301), "Mn");
    ck_assert_str_eq(el_uni_category(0x166D), "So");
}
END_TEST

START_TEST(unicode_lowercase_is_pythons)
{
    int32_t out[2];
    ck_assert_int_eq(el_uni_lower(0x130, out), 2); /* İ -> i + combining dot */
    ck_assert_int_eq(out[0], 0x69);
    ck_assert_int_eq(out[1], 0x307);
    const int32_t pairs[][2] = {{'A', 'a'},       {'z', 'z'},         {0x1E9E, 0xDF},
                                {0x3A3, 0x3C3},   {0x212A, 'k'},      {0x212B, 0xE5},
                                {0x1C5, 0x1C6},   {0x10400, 0x10428}, {'1', '1'},
                                {0x3C2, 0x3C2}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        ck_assert_int_eq(el_uni_lower(pairs[i][0], out), 1);
        ck_assert_int_eq(out[0], pairs[i][1]);
    }
}
END_TEST

START_TEST(unicode_character_classes)
{
    const int32_t removed[] = {0, 0xFFFD, 0x200B, 0x200D, 0xAD, 0xFEFF, 0x0B, 0x0C, 0x85, 0x7F,
                               0xE000, 0xF0000, 0x378, 0x180E};
    for (size_t i = 0; i < sizeof removed / sizeof removed[0]; i++)
        ck_assert_msg(el_uni_is_removed(removed[i]), "U+%04X", (unsigned)removed[i]);
    const int32_t kept[] = {'\t', '\n', '\r', ' ', 'a', 0x2028, 0x2029, 0xA0, 0x3000, 0x301};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        ck_assert_msg(!el_uni_is_removed(kept[i]), "U+%04X", (unsigned)kept[i]);
    const int32_t spaces[] = {' ', '\t', '\n', '\r', 0x0B, 0x0C, 0x1C, 0x1F, 0x85, 0xA0,
                              0x1680, 0x2000, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
    for (size_t i = 0; i < sizeof spaces / sizeof spaces[0]; i++)
        ck_assert_msg(el_uni_is_space(spaces[i]), "U+%04X", (unsigned)spaces[i]);
    const int32_t not_spaces[] = {0x200B, 0x180E, 0xFEFF, 'a', 0x1B};
    for (size_t i = 0; i < sizeof not_spaces / sizeof not_spaces[0]; i++)
        ck_assert(!el_uni_is_space(not_spaces[i]));
    const int32_t punct[] = {'!', '$', '+', '<', '`', '^', '~', '|', 0xBF, 0x2014, 0x3001,
                             0xFF01, 0x61D, 0x2E52};
    for (size_t i = 0; i < sizeof punct / sizeof punct[0]; i++)
        ck_assert_msg(el_uni_is_punct(punct[i]), "U+%04X", (unsigned)punct[i]);
    const int32_t not_punct[] = {'a', '0', ' ', 0xA9, 0x166D, 0x20AC, 0x2E5E};
    for (size_t i = 0; i < sizeof not_punct / sizeof not_punct[0]; i++)
        ck_assert_msg(!el_uni_is_punct(not_punct[i]), "U+%04X", (unsigned)not_punct[i]);
    const int32_t cjk[] = {0x4E00, 0x9FFF, 0x3400, 0x20000, 0x2B820, 0x2CEAF, 0xF900, 0x2FA1F};
    for (size_t i = 0; i < sizeof cjk / sizeof cjk[0]; i++)
        ck_assert(el_uni_is_cjk(cjk[i]));
    const int32_t not_cjk[] = {0x3042, 0xAC00, 0x3001, 0xFF21, 0x2CEB0, 0x31350};
    for (size_t i = 0; i < sizeof not_cjk / sizeof not_cjk[0]; i++)
        ck_assert(!el_uni_is_cjk(not_cjk[i]));
    ck_assert(el_uni_is_nonspacing_mark(0x301));
    ck_assert(el_uni_is_nonspacing_mark(0xFE0F));
    ck_assert(el_uni_is_nonspacing_mark(0x111C9)); /* Mn in 14.0 */
    ck_assert(!el_uni_is_nonspacing_mark(0x1734)); /* Mc */
    ck_assert(!el_uni_is_nonspacing_mark('a'));
}
END_TEST

START_TEST(unicode_decomposition_and_composition)
{
    int32_t d[EL_UNI_MAX_DECOMP];
    ck_assert_int_eq(el_uni_decompose(0xC5, d), 2);
    ck_assert_int_eq(d[0], 'A');
    ck_assert_int_eq(d[1], 0x30A);
    ck_assert_int_eq(el_uni_decompose(0x212B, d), 2); /* singleton, then decomposed */
    ck_assert_int_eq(d[0], 'A');
    ck_assert_int_eq(el_uni_decompose(0xD55C, d), 3); /* 한 -> ᄒ ᅡ ᆫ */
    ck_assert_int_eq(d[0], 0x1112);
    ck_assert_int_eq(d[2], 0x11AB);
    ck_assert_int_eq(el_uni_decompose(0x1F82, d), 4);
    ck_assert_int_eq(el_uni_decompose(0xFB01, d), 1); /* ﬁ: compatibility only */
    ck_assert_int_eq(el_uni_decompose(0x1FA75, d), 1);
    ck_assert_int_eq(el_uni_compose('A', 0x30A), 0xC5);
    ck_assert_int_eq(el_uni_compose('<', 0x338), 0x226E);
    ck_assert_int_eq(el_uni_compose(0x1100, 0x1161), 0xAC00);
    ck_assert_int_eq(el_uni_compose(0xAC00, 0x11A8), 0xAC01);
    ck_assert_int_eq(el_uni_compose(0x915, 0x93C), -1); /* U+0958 is a composition exclusion */
    ck_assert_int_eq(el_uni_compose('a', 'b'), -1);
    ck_assert_int_eq(el_uni_ccc(0x301), 230);
    ck_assert_int_eq(el_uni_ccc(0x316), 220);
    ck_assert_int_eq(el_uni_ccc('a'), 0);
}
END_TEST

Suite *make_unicode_suite(void)
{
    Suite *s = suite_create("unicode");
    TCase *tc = tcase_create("utf8");
    tcase_add_test(tc, utf8_accepts_every_valid_form);
    tcase_add_test(tc, utf8_rejects_at_the_first_bad_byte);
    tcase_add_test(tc, utf8_decode_encode_round_trip);
    suite_add_tcase(s, tc);
    tc = tcase_create("unicode");
    tcase_add_test(tc, unicode_data_is_a_known_version);
    tcase_add_test(tc, unicode_14_view);
    tcase_add_test(tc, unicode_lowercase_is_pythons);
    tcase_add_test(tc, unicode_character_classes);
    tcase_add_test(tc, unicode_decomposition_and_composition);
    suite_add_tcase(s, tc);
    return s;
}
