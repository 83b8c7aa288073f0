/* check_tokenize.c - conformance of tokenization with transformers'
 * BertTokenizer (cases.jsonl: tokens, ids, type ids) through every way of
 * loading it, the fast tokenizer's offsets (offsets.jsonl), word ids, and
 * the ASCII fast path against the general Unicode path. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "testutil.h"
#include "tok_fixtures.h"

/* Encode r with opts; fail the test with the case's text on error. */
static void encode_record(const electra_tokenizer *t, const struct tok_record *r,
                          const electra_options *opts, electra_encoding *e, size_t line)
{
    electra_status st =
        electra_tokenizer_encode(t, r->text, r->text_len, r->pair, r->pair_len, opts, e);
    ck_assert_msg(st == ELECTRA_OK, "case %zu (%s): %s", line, r->text,
                  electra_encoding_last_error(e));
    ck_assert_uint_eq(electra_encoding_rows(e), 1);
}

/* All 350 cases: ids, token type ids and word pieces. */
static void check_cases(const char *tokenizer_path)
{
    REQUIRE_FIXTURES();
    struct tok_records cases;
    tok_records_load("cases.jsonl", &cases);
    ck_assert_uint_eq(cases.count, 350);
    electra_tokenizer *t = tok_load(tokenizer_path, NULL);
    electra_encoding *e = NULL;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    size_t passed = 0;
    for (size_t i = 0; i < cases.count; i++) {
        const struct tok_record *r = &cases.items[i];
        encode_record(t, r, NULL, e, i + 1);
        size_t n = electra_encoding_length(e, 0);
        const int32_t *ids = electra_encoding_ids(e, 0);
        ck_assert_msg(tok_ints_equal(cJSON_GetObjectItem(r->json, "ids"), ids, n),
                      "case %zu (%s): ids %s", i + 1, r->text, tok_ints_str(ids, n));
        ck_assert_msg(tok_ints_equal(cJSON_GetObjectItem(r->json, "token_type_ids"),
                                     electra_encoding_type_ids(e, 0), n),
                      "case %zu (%s): token type ids", i + 1, r->text);
        ck_assert_msg(tok_pieces_equal(t, e, cJSON_GetObjectItem(r->json, "tokens"),
                                   cJSON_GetObjectItem(r->json, "pair_tokens")),
                      "case %zu (%s): tokens", i + 1, r->text);
        passed++;
    }
    ck_assert_uint_eq(passed, 350);
    electra_encoding_free(e);
    electra_tokenizer_free(t);
    tok_records_free(&cases);
}

START_TEST(cases_with_vocab_txt)
{
    check_cases("tokenizer/vocab.txt");
}
END_TEST

START_TEST(cases_with_tokenizer_json)
{
    check_cases("tokenizer/tokenizer.json");
}
END_TEST

START_TEST(cases_with_model_directory)
{
    check_cases("models/tiny-generator");
}
END_TEST

/* offsets.jsonl: where the fast ids equal the slow ones, the special-token
 * mask, sequence ids and byte offsets equal the fast tokenizer's. */
START_TEST(offsets_match_fast_tokenizer)
{
    REQUIRE_FIXTURES();
    struct tok_records recs;
    tok_records_load("offsets.jsonl", &recs);
    ck_assert_uint_eq(recs.count, 350);
    electra_tokenizer *t = tok_load("tokenizer/vocab.txt", NULL);
    electra_encoding *e = NULL;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    size_t compared = 0;
    for (size_t i = 0; i < recs.count; i++) {
        const struct tok_record *r = &recs.items[i];
        if (!cJSON_IsTrue(cJSON_GetObjectItem(r->json, "slow_ids_equal")))
            continue;
        encode_record(t, r, NULL, e, i + 1);
        size_t n = electra_encoding_length(e, 0);
        ck_assert_msg(tok_ints_equal(cJSON_GetObjectItem(r->json, "ids"),
                                     electra_encoding_ids(e, 0), n),
                      "record %zu: ids", i + 1);
        ck_assert_msg(tok_ints_equal(cJSON_GetObjectItem(r->json, "token_type_ids"),
                                     electra_encoding_type_ids(e, 0), n),
                      "record %zu: type ids", i + 1);
        ck_assert_msg(tok_ints_equal(cJSON_GetObjectItem(r->json, "special_tokens_mask"),
                                     electra_encoding_special_tokens_mask(e, 0), n),
                      "record %zu: special tokens mask", i + 1);
        const int32_t *seq = electra_encoding_sequence_ids(e, 0);
        const cJSON *want_seq = cJSON_GetObjectItem(r->json, "sequence_ids");
        for (size_t k = 0; k < n; k++) {
            const cJSON *w = cJSON_GetArrayItem(want_seq, (int)k);
            ck_assert_int_eq(seq[k], cJSON_IsNull(w) ? -1 : w->valueint);
        }
        const size_t *off = electra_encoding_offsets(e, 0);
        ck_assert_msg(tok_offsets_equal(cJSON_GetObjectItem(r->json, "offsets"), off, n),
                      "record %zu (%s): offsets differ", i + 1, r->text);
        compared++;
    }
    ck_assert_uint_eq(compared, 350); /* all shared cases agree (README) */
    electra_encoding_free(e);
    electra_tokenizer_free(t);
    tok_records_free(&recs);
}
END_TEST

START_TEST(word_ids_count_pre_tokenized_words)
{
    REQUIRE_FIXTURES();
    electra_tokenizer *t = tok_load("tokenizer/vocab.txt", NULL);
    electra_encoding *e = NULL;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    /* [CLS] hello , un ##aff ##able x [MASK] y [SEP] | b ' s [SEP] */
    const char *text = "Hello, unaffable x[MASK]y", *pair = "b's";
    ck_assert_int_eq(electra_tokenizer_encode(t, text, strlen(text), pair, 3, NULL, e),
                     ELECTRA_OK);
    const int32_t want[] = {-1, 0, 1, 2, 2, 2, 3, 4, 5, -1, 0, 1, 2, -1};
    size_t n = electra_encoding_length(e, 0);
    ck_assert_uint_eq(n, sizeof want / sizeof want[0]);
    const int32_t *w = el_encoding_word_ids(e, 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(w[i] == want[i], "token %zu: word %d, want %d", i, w[i], want[i]);
    ck_assert_ptr_null(el_encoding_word_ids(e, 1));
    /* The typed [MASK] is an ordinary token of its sequence. */
    ck_assert_int_eq(electra_encoding_ids(e, 0)[7], 103);
    ck_assert_int_eq(electra_encoding_special_tokens_mask(e, 0)[7], 0);
    ck_assert_int_eq(electra_encoding_sequence_ids(e, 0)[7], 0);
    ck_assert_uint_eq(electra_encoding_offsets(e, 0)[14], 18);
    ck_assert_uint_eq(electra_encoding_offsets(e, 0)[15], 24);
    electra_encoding_free(e);
    electra_tokenizer_free(t);
}
END_TEST

/* Encode text both ways; everything but nothing must differ. */
static void assert_paths_agree(const electra_tokenizer *t, electra_encoding *fast,
                               electra_encoding *general, const char *text, size_t len,
                               const char *what)
{
    electra_status s1 = electra_tokenizer_encode(t, text, len, NULL, 0, NULL, fast);
    electra_status s2 = electra_tokenizer_encode(t, text, len, NULL, 0, NULL, general);
    ck_assert_int_eq(s1, s2);
    if (s1 != ELECTRA_OK)
        return;
    size_t n = electra_encoding_length(fast, 0);
    ck_assert_msg(n == electra_encoding_length(general, 0), "%s: %zu vs %zu tokens", what, n,
                  electra_encoding_length(general, 0));
    ck_assert_msg(memcmp(electra_encoding_ids(fast, 0), electra_encoding_ids(general, 0),
                         n * sizeof(int32_t)) == 0,
                  "%s: ids differ", what);
    ck_assert_msg(memcmp(el_encoding_word_ids(fast, 0), el_encoding_word_ids(general, 0),
                         n * sizeof(int32_t)) == 0,
                  "%s: word ids differ", what);
    ck_assert_msg(memcmp(electra_encoding_offsets(fast, 0), electra_encoding_offsets(general, 0),
                         2 * n * sizeof(size_t)) == 0,
                  "%s: offsets differ", what);
}

static void paths_agree_on_cases(const char *tokenizer_path, const electra_options *opts)
{
    struct tok_records cases;
    tok_records_load("cases.jsonl", &cases);
    electra_tokenizer *t = tok_load(tokenizer_path, opts);
    electra_encoding *fast = NULL, *general = NULL;
    ck_assert_int_eq(electra_encoding_create(&fast), ELECTRA_OK);
    ck_assert_int_eq(electra_encoding_create(&general), ELECTRA_OK);
    el_encoding_set_general_path(general, 1);
    for (size_t i = 0; i < cases.count; i++)
        assert_paths_agree(t, fast, general, cases.items[i].text, cases.items[i].text_len,
                           cases.items[i].text);
    /* ASCII corner cases of the fast path: controls inside words, symbols
     * glued to letters, bracket literals, long words. */
    static const char *const extra[] = {
        "ab\x01" "cd", "[MASK", "[MASK]]", "x[[MASK]y", "a\x7f" "b", "<\xcc\xb8 =", "e\xcc\x81!",
        "hello\tworld\r\n", "\x0b\x0c", "[UNK][SEP]", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,b",
        "\x1c\x1d\x1e\x1f" "a", "A.B.C", "don't", "[MA\xe2\x80\x8bSK]",
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        assert_paths_agree(t, fast, general, extra[i], strlen(extra[i]), extra[i]);
    electra_encoding_free(fast);
    electra_encoding_free(general);
    electra_tokenizer_free(t);
    tok_records_free(&cases);
}

START_TEST(fast_path_matches_general_path_on_cases)
{
    REQUIRE_FIXTURES();
    paths_agree_on_cases("tokenizer/vocab.txt", NULL);
    electra_options *o = NULL;
    ck_assert_int_eq(electra_options_create(&o), ELECTRA_OK);
    ck_assert_int_eq(electra_options_set_int(o, ELECTRA_OPT_LOWERCASE, 0), ELECTRA_OK);
    paths_agree_on_cases("tokenizer/vocab.txt", o);
    ck_assert_int_eq(electra_options_set_int(o, ELECTRA_OPT_LOWERCASE, 1), ELECTRA_OK);
    ck_assert_int_eq(electra_options_set_int(o, ELECTRA_OPT_STRIP_ACCENTS, 0), ELECTRA_OK);
    paths_agree_on_cases("tokenizer/vocab.txt", o);
    electra_options_free(o);
}
END_TEST

/* The benchmark corpus (or, without it, the system's license texts),
 * paragraph by paragraph: the two paths must give identical results. */
START_TEST(fast_path_matches_general_path_on_corpus)
{
    REQUIRE_FIXTURES();
    const char *env = getenv("ELECTRA_BENCH_CORPUS");
    const char *path = env && *env ? env : "/tmp/perf/corpus.txt";
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text) {
        /* Debian always ships these: plain English with some symbols. */
        const char *dir = "/usr/share/common-licenses";
        DIR *d = opendir(dir);
        if (!d) {
            fprintf(stderr, "*** SKIPPED fast_path_matches_general_path_on_corpus: no %s and "
                            "no %s ***\n",
                    path, dir);
            return;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            size_t n;
            char *part = de->d_name[0] != '.' ? read_file(p, &n) : NULL;
            if (part) {
                text = realloc(text, len + n + 2);
                ck_assert_ptr_nonnull(text);
                memcpy(text + len, part, n);
                len += n;
                text[len++] = '\n';
                free(part);
            }
        }
        closedir(d);
        ck_assert_ptr_nonnull(text);
        path = dir;
    }
    electra_tokenizer *t = tok_load("tokenizer/vocab.txt", NULL);
    electra_encoding *fast = NULL, *general = NULL;
    ck_assert_int_eq(electra_encoding_create(&fast), ELECTRA_OK);
    ck_assert_int_eq(electra_encoding_create(&general), ELECTRA_OK);
    el_encoding_set_general_path(general, 1);
    size_t pieces = 0, tokens = 0;
    for (size_t p = 0; p < len;) {
        size_t e = p;
        while (e < len && !(text[e] == '\n' && e + 1 < len && text[e + 1] == '\n'))
            e++;
        char what[64];
        snprintf(what, sizeof what, "%s at byte %zu", path, p);
        assert_paths_agree(t, fast, general, text + p, e - p, what);
        tokens += electra_encoding_length(fast, 0);
        pieces++;
        p = e + 2;
    }
    fprintf(stderr, "fast vs general path: %zu paragraphs, %zu tokens of %s agree\n", pieces,
            tokens, path);
    ck_assert_uint_gt(tokens, 1000);
    electra_encoding_free(fast);
    electra_encoding_free(general);
    electra_tokenizer_free(t);
    free(text);
}
END_TEST

Suite *make_tokenize_suite(void)
{
    Suite *s = suite_create("tokenize");
    TCase *tc = tcase_create("conformance");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, cases_with_vocab_txt);
    tcase_add_test(tc, cases_with_tokenizer_json);
    tcase_add_test(tc, cases_with_model_directory);
    tcase_add_test(tc, offsets_match_fast_tokenizer);
    tcase_add_test(tc, word_ids_count_pre_tokenized_words);
    tcase_add_test(tc, fast_path_matches_general_path_on_cases);
    tcase_add_test(tc, fast_path_matches_general_path_on_corpus);
    suite_add_tcase(s, tc);
    return s;
}
