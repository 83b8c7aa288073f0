/* check_vocab.c - the vocabulary tables and WordPiece on small
 * hand-made vocabularies. */
#include <check.h>
#include <string.h>

#include "vocab.h"
#include "wordpiece.h"

static void build(el_vocab *v, const char *const *tokens, size_t n)
{
    el_vocab_builder b;
    el_vocab_builder_init(&b);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(el_vocab_builder_add(&b, tokens[i], strlen(tokens[i]), (int32_t)i),
                         ELECTRA_OK);
    memset(v, 0, sizeof *v);
    ck_assert_int_eq(el_vocab_build(&b, "##", v, "test"), ELECTRA_OK);
    el_vocab_builder_free(&b);
}

static const char *const small[] = {"[PAD]", "[UNK]", "un",    "##aff", "##able", "a",
                                    "##ff",  "aff",   "##a",   "##",    "été",    "##té",
                                    "é",     "##é",   "##b",   "b"};

START_TEST(vocab_lookups)
{
    el_vocab v;
    build(&v, small, sizeof small / sizeof small[0]);
    ck_assert_uint_eq(v.n_ids, 16);
    ck_assert_uint_eq(v.n_tokens, 16);
    ck_assert_int_eq(el_vocab_word(&v, "un", 2), 2);
    ck_assert_int_eq(el_vocab_word(&v, "##aff", 5), 3);
    ck_assert_int_eq(el_vocab_piece(&v, "aff", 3), 3);
    ck_assert_int_eq(el_vocab_piece(&v, "un", 2), -1);
    ck_assert_int_eq(el_vocab_word(&v, "xyz", 3), -1);
    ck_assert_int_eq(el_vocab_word(&v, "unaffable", 9), -1);
    ck_assert_int_eq(el_vocab_word(&v, "été", strlen("été")), 10);
    size_t len;
    ck_assert_str_eq(el_vocab_token(&v, 4, &len), "##able");
    ck_assert_uint_eq(len, 6);
    ck_assert_ptr_null(el_vocab_token(&v, 16, &len));
    ck_assert_ptr_null(el_vocab_token(&v, -1, &len));
    el_vocab_free(&v);
}
END_TEST

START_TEST(vocab_repeated_token_keeps_last_id)
{
    /* load_vocab fills a dict line by line: the last line wins, and
     * ids_to_tokens has no entry for the earlier one. */
    const char *const toks[] = {"a", "b", "a", "c"};
    el_vocab v;
    build(&v, toks, 4);
    ck_assert_int_eq(el_vocab_word(&v, "a", 1), 2);
    ck_assert_ptr_null(el_vocab_token(&v, 0, NULL));
    ck_assert_str_eq(el_vocab_token(&v, 2, NULL), "a");
    ck_assert_uint_eq(v.n_ids, 4);
    ck_assert_uint_eq(v.n_tokens, 3);
    el_vocab_free(&v);
}
END_TEST

START_TEST(vocab_refuses_bad_tables)
{
    el_vocab_builder b;
    el_vocab v = {0};
    el_vocab_builder_init(&b);
    ck_assert_int_eq(el_vocab_build(&b, "##", &v, "empty"), ELECTRA_ERR_FORMAT);
    ck_assert_int_eq(el_vocab_builder_add(&b, "x", 1, 0), ELECTRA_OK);
    ck_assert_int_eq(el_vocab_builder_add(&b, "y", 1, 0), ELECTRA_OK);
    ck_assert_int_eq(el_vocab_build(&b, "##", &v, "dup"), ELECTRA_ERR_FORMAT);
    el_vocab_builder_free(&b);
    el_vocab_builder_init(&b);
    ck_assert_int_eq(el_vocab_builder_add(&b, "x", 1, 1000000), ELECTRA_OK);
    ck_assert_int_eq(el_vocab_build(&b, "##", &v, "sparse"), ELECTRA_ERR_FORMAT);
    ck_assert_int_eq(el_vocab_builder_add(&b, "x", 1, -1), ELECTRA_ERR_FORMAT);
    el_vocab_builder_free(&b);
}
END_TEST

static size_t split(const el_vocab *v, const char *word, struct el_piece *out)
{
    /* character offsets of UTF-8 */
    uint32_t at[64];
    size_t n = 0, len = strlen(word);
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)word[i] & 0xC0) != 0x80)
            at[n++] = (uint32_t)i;
    at[n] = (uint32_t)len;
    return el_wordpiece(v, word, at, n, out);
}

START_TEST(wordpiece_greedy_longest_match)
{
    el_vocab v;
    build(&v, small, sizeof small / sizeof small[0]);
    struct el_piece p[64];
    ck_assert_uint_eq(el_wordpiece(&v, "unaffable", NULL, 9, p), 3);
    ck_assert_int_eq(p[0].id, 2);
    ck_assert_int_eq(p[1].id, 3);
    ck_assert_int_eq(p[2].id, 4);
    ck_assert_uint_eq(p[2].begin, 5);
    ck_assert_uint_eq(p[2].end, 9);
    /* Longest first: "aff" as a whole word, not "a" + "##ff". */
    ck_assert_uint_eq(el_wordpiece(&v, "aff", NULL, 3, p), 1);
    ck_assert_int_eq(p[0].id, 7);
    ck_assert_uint_eq(el_wordpiece(&v, "aaa", NULL, 3, p), 3);
    /* One part that matches nothing makes the whole word unknown. */
    ck_assert_uint_eq(el_wordpiece(&v, "unaffablez", NULL, 10, p), 0);
    ck_assert_uint_eq(el_wordpiece(&v, "z", NULL, 1, p), 0);
    /* Characters, not bytes: "été" whole, "éé" as é ##é. */
    ck_assert_uint_eq(split(&v, "été", p), 1);
    ck_assert_int_eq(p[0].id, 10);
    ck_assert_uint_eq(split(&v, "ééb", p), 3);
    ck_assert_int_eq(p[1].id, 13);
    ck_assert_uint_eq(p[1].begin, 1);
    ck_assert_uint_eq(p[2].id, 14);
    /* Longer than every token: the search starts at the longest length. */
    char longw[40];
    memset(longw, 'a', sizeof longw);
    ck_assert_uint_eq(el_wordpiece(&v, longw, NULL, sizeof longw, p), 40);
    ck_assert_int_eq(p[0].id, 5);
    ck_assert_int_eq(p[39].id, 8);
    el_vocab_free(&v);
}
END_TEST

Suite *make_vocab_suite(void)
{
    Suite *s = suite_create("vocab");
    TCase *tc = tcase_create("vocab");
    tcase_add_test(tc, vocab_lookups);
    tcase_add_test(tc, vocab_repeated_token_keeps_last_id);
    tcase_add_test(tc, vocab_refuses_bad_tables);
    tcase_add_test(tc, wordpiece_greedy_longest_match);
    suite_add_tcase(s, tc);
    return s;
}
