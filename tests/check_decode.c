/* check_decode.c - ids back to text as the slow BertTokenizer.decode
 * (variants.jsonl "decode"), and the caller-buffer protocol. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tok_fixtures.h"

START_TEST(variants_decode)
{
    REQUIRE_FIXTURES();
    struct tok_records recs;
    tok_records_load("variants.jsonl", &recs);
    electra_tokenizer *t = tok_load("tokenizer/vocab.txt", NULL);
    size_t checked = 0;
    for (size_t i = 0; i < recs.count; i++) {
        const cJSON *j = recs.items[i].json;
        if (strcmp(cJSON_GetObjectItem(j, "kind")->valuestring, "decode") != 0)
            continue;
        const cJSON *opt = cJSON_GetObjectItem(j, "options");
        const cJSON *arr = cJSON_GetObjectItem(j, "ids");
        size_t n = (size_t)cJSON_GetArraySize(arr);
        int32_t *ids = malloc((n + 1) * sizeof *ids);
        for (size_t k = 0; k < n; k++)
            ids[k] = cJSON_GetArrayItem(arr, (int)k)->valueint;
        char buf[1024];
        size_t len = 0;
        ck_assert_int_eq(
            electra_tokenizer_decode(t, ids, n,
                                     cJSON_IsTrue(cJSON_GetObjectItem(opt, "skip_special_tokens")),
                                     cJSON_IsTrue(cJSON_GetObjectItem(
                                         opt, "clean_up_tokenization_spaces")),
                                     buf, sizeof buf, &len),
            ELECTRA_OK);
        const char *want = cJSON_GetObjectItem(j, "text")->valuestring;
        ck_assert_msg(strcmp(buf, want) == 0, "line %zu: \"%s\", want \"%s\"", i + 1, buf, want);
        ck_assert_uint_eq(len, strlen(want));
        free(ids);
        checked++;
    }
    ck_assert_uint_eq(checked, 25);
    electra_tokenizer_free(t);
    tok_records_free(&recs);
}
END_TEST

START_TEST(decode_buffer_protocol_and_edges)
{
    REQUIRE_FIXTURES();
    electra_tokenizer *t = tok_load("tokenizer/vocab.txt", NULL);
    const int32_t ids[] = {101, 7592, 1010, 2088, 999, 102}; /* [CLS] hello , world ! [SEP] */
    size_t len = 0;
    /* Asking for the size: no buffer. */
    ck_assert_int_eq(electra_tokenizer_decode(t, ids, 6, 1, 1, NULL, 0, &len),
                     ELECTRA_ERR_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(len, strlen("hello, world!"));
    char small[13];
    memset(small, 'x', sizeof small);
    ck_assert_int_eq(electra_tokenizer_decode(t, ids, 6, 1, 1, small, sizeof small, &len),
                     ELECTRA_ERR_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(len, 13);
    ck_assert_int_eq(small[0], 'x'); /* untouched */
    char buf[14];
    ck_assert_int_eq(electra_tokenizer_decode(t, ids, 6, 1, 1, buf, sizeof buf, &len), ELECTRA_OK);
    ck_assert_str_eq(buf, "hello, world!");
    /* No clean-up: spaces before punctuation stay. */
    char big[64];
    ck_assert_int_eq(electra_tokenizer_decode(t, ids, 6, 0, 0, big, sizeof big, &len), ELECTRA_OK);
    ck_assert_str_eq(big, "[CLS] hello , world ! [SEP]");
    /* Continuation pieces join; a leading one keeps its ##; unknown ids. */
    const int32_t pieces[] = {2075, 7592, 2015, -5, 30522};
    ck_assert_int_eq(electra_tokenizer_decode(t, pieces, 5, 1, 1, big, sizeof big, &len),
                     ELECTRA_OK);
    ck_assert_str_eq(big, "##ing hellos [UNK] [UNK]");
    /* Nothing to decode. */
    ck_assert_int_eq(electra_tokenizer_decode(t, NULL, 0, 1, 1, big, sizeof big, &len), ELECTRA_OK);
    ck_assert_str_eq(big, "");
    ck_assert_uint_eq(len, 0);
    /* Bad arguments. */
    ck_assert_int_eq(electra_tokenizer_decode(NULL, ids, 6, 1, 1, big, sizeof big, &len),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_tokenizer_decode(t, NULL, 6, 1, 1, big, sizeof big, &len),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_tokenizer_decode(t, ids, 6, 1, 1, big, sizeof big, NULL),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_tokenizer_decode(t, ids, 6, 1, 1, NULL, 10, &len),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    electra_tokenizer_free(t);
}
END_TEST

Suite *make_decode_suite(void)
{
    Suite *s = suite_create("decode");
    TCase *tc = tcase_create("decode");
    tcase_add_test(tc, variants_decode);
    tcase_add_test(tc, decode_buffer_protocol_and_edges);
    suite_add_tcase(s, tc);
    return s;
}
