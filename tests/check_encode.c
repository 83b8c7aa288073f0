/* check_encode.c - encoding beyond the defaults: tokenizer options,
 * slow/fast probes, truncation, overflow windows (variants.jsonl), batches
 * with padding (the models' expected/inputs.json), argument errors and
 * sharing one tokenizer between threads. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "testutil.h"
#include "tok_fixtures.h"

static electra_options *new_options(void)
{
    electra_options *o = NULL;
    ck_assert_int_eq(electra_options_create(&o), ELECTRA_OK);
    return o;
}

static void set(electra_options *o, int key, int64_t value)
{
    ck_assert_int_eq(electra_options_set_int(o, key, value), ELECTRA_OK);
}

/* JSON true/false/null -> 1/0/-1 */
static int tri(const cJSON *v)
{
    return cJSON_IsTrue(v) ? 1 : cJSON_IsFalse(v) ? 0 : -1;
}

/* options and slow_fast_probe lines: BertTokenizer(vocab, do_lower_case,
 * strip_accents, tokenize_chinese_chars): tokens, ids, type ids. */
START_TEST(variants_options_and_probes)
{
    REQUIRE_FIXTURES();
    struct tok_records recs;
    tok_records_load("variants.jsonl", &recs);
    ck_assert_uint_eq(recs.count, 153);
    electra_encoding *e = NULL;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    size_t checked = 0;
    for (size_t i = 0; i < recs.count; i++) {
        const struct tok_record *r = &recs.items[i];
        const char *kind = cJSON_GetObjectItem(r->json, "kind")->valuestring;
        if (strcmp(kind, "options") != 0 && strcmp(kind, "slow_fast_probe") != 0)
            continue;
        const cJSON *opt = cJSON_GetObjectItem(r->json, "options");
        electra_options *o = new_options();
        set(o, ELECTRA_OPT_LOWERCASE, tri(cJSON_GetObjectItem(opt, "do_lower_case")));
        set(o, ELECTRA_OPT_STRIP_ACCENTS, tri(cJSON_GetObjectItem(opt, "strip_accents")));
        set(o, ELECTRA_OPT_CHINESE_CHARS, tri(cJSON_GetObjectItem(opt, "tokenize_chinese_chars")));
        electra_tokenizer *t = tok_load("tokenizer/vocab.txt", o);
        ck_assert_int_eq(electra_tokenizer_encode(t, r->text, r->text_len, NULL, 0, NULL, e),
                         ELECTRA_OK);
        size_t n = electra_encoding_length(e, 0);
        const int32_t *ids = electra_encoding_ids(e, 0);
        ck_assert_msg(tok_ints_equal(cJSON_GetObjectItem(r->json, "ids"), ids, n),
                      "variant line %zu (%s): ids %s", i + 1, r->text, tok_ints_str(ids, n));
        ck_assert_msg(tok_ints_equal(cJSON_GetObjectItem(r->json, "token_type_ids"),
                                     electra_encoding_type_ids(e, 0), n),
                      "variant line %zu: type ids", i + 1);
        ck_assert_msg(tok_pieces_equal(t, e, cJSON_GetObjectItem(r->json, "tokens"), NULL),
                      "variant line %zu (%s): tokens", i + 1, r->text);
        electra_tokenizer_free(t);
        electra_options_free(o);
        checked++;
    }
    ck_assert_uint_eq(checked, 46 + 21);
    electra_encoding_free(e);
    tok_records_free(&recs);
}
END_TEST

static int strategy(const char *name)
{
    if (strcmp(name, "longest_first") == 0)
        return ELECTRA_TRUNCATION_LONGEST_FIRST;
    if (strcmp(name, "only_first") == 0)
        return ELECTRA_TRUNCATION_ONLY_FIRST;
    ck_assert_str_eq(name, "only_second");
    return ELECTRA_TRUNCATION_ONLY_SECOND;
}

/* truncation lines: the slow input_ids; where transformers logs an error
 * and returns an over-long result, ELECTRA_ERR_TRUNCATION. */
START_TEST(variants_truncation)
{
    REQUIRE_FIXTURES();
    struct tok_records recs;
    tok_records_load("variants.jsonl", &recs);
    electra_tokenizer *t = tok_load("tokenizer/vocab.txt", NULL);
    electra_encoding *e = NULL;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    size_t ok = 0, refused = 0;
    for (size_t i = 0; i < recs.count; i++) {
        const struct tok_record *r = &recs.items[i];
        if (strcmp(cJSON_GetObjectItem(r->json, "kind")->valuestring, "truncation") != 0)
            continue;
        const cJSON *opt = cJSON_GetObjectItem(r->json, "options");
        electra_options *o = new_options();
        set(o, ELECTRA_OPT_TRUNCATION,
            strategy(cJSON_GetObjectItem(opt, "truncation")->valuestring));
        set(o, ELECTRA_OPT_MAX_LENGTH, cJSON_GetObjectItem(opt, "max_length")->valueint);
        electra_status st =
            electra_tokenizer_encode(t, r->text, r->text_len, r->pair, r->pair_len, o, e);
        if (cJSON_IsString(cJSON_GetObjectItem(r->json, "logged_error"))) {
            ck_assert_msg(st == ELECTRA_ERR_TRUNCATION, "line %zu: status %d", i + 1, st);
            ck_assert_ptr_nonnull(strstr(electra_encoding_last_error(e), "MAX_LENGTH"));
            ck_assert_uint_eq(electra_encoding_rows(e), 0);
            refused++;
        } else {
            ck_assert_msg(st == ELECTRA_OK, "line %zu: %s", i + 1, electra_encoding_last_error(e));
            size_t n = electra_encoding_length(e, 0);
            const int32_t *ids = electra_encoding_ids(e, 0);
            ck_assert_msg(tok_ints_equal(cJSON_GetObjectItem(r->json, "input_ids"), ids, n),
                          "line %zu: ids %s", i + 1, tok_ints_str(ids, n));
            ck_assert_msg(tok_ints_equal(cJSON_GetObjectItem(r->json, "token_type_ids"),
                                         electra_encoding_type_ids(e, 0), n),
                          "line %zu: type ids", i + 1);
            ok++;
        }
        electra_options_free(o);
    }
    ck_assert_uint_eq(ok + refused, 45);
    ck_assert_uint_gt(refused, 0);
    electra_encoding_free(e);
    electra_tokenizer_free(t);
    tok_records_free(&recs);
}
END_TEST

/* overflow lines: one row per fast_windows entry; without RETURN_OVERFLOW
 * the slow input_ids. */
START_TEST(variants_overflow_windows)
{
    REQUIRE_FIXTURES();
    struct tok_records recs;
    tok_records_load("variants.jsonl", &recs);
    electra_tokenizer *t = tok_load("tokenizer/vocab.txt", NULL);
    electra_encoding *e = NULL;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    size_t checked = 0, windows = 0;
    for (size_t i = 0; i < recs.count; i++) {
        const struct tok_record *r = &recs.items[i];
        if (strcmp(cJSON_GetObjectItem(r->json, "kind")->valuestring, "overflow") != 0)
            continue;
        const cJSON *opt = cJSON_GetObjectItem(r->json, "options");
        electra_options *o = new_options();
        set(o, ELECTRA_OPT_TRUNCATION, ELECTRA_TRUNCATION_LONGEST_FIRST);
        set(o, ELECTRA_OPT_MAX_LENGTH, cJSON_GetObjectItem(opt, "max_length")->valueint);
        set(o, ELECTRA_OPT_STRIDE, cJSON_GetObjectItem(opt, "stride")->valueint);
        ck_assert_int_eq(electra_tokenizer_encode(t, r->text, r->text_len, NULL, 0, o, e),
                         ELECTRA_OK);
        ck_assert_uint_eq(electra_encoding_rows(e), 1);
        ck_assert(tok_ints_equal(cJSON_GetObjectItem(r->json, "input_ids"),
                                 electra_encoding_ids(e, 0), electra_encoding_length(e, 0)));
        set(o, ELECTRA_OPT_RETURN_OVERFLOW, 1);
        ck_assert_int_eq(electra_tokenizer_encode(t, r->text, r->text_len, NULL, 0, o, e),
                         ELECTRA_OK);
        const cJSON *want = cJSON_GetObjectItem(r->json, "fast_windows");
        ck_assert_uint_eq(electra_encoding_rows(e), (size_t)cJSON_GetArraySize(want));
        for (size_t w = 0; w < electra_encoding_rows(e); w++) {
            size_t n = electra_encoding_length(e, w);
            ck_assert_msg(tok_ints_equal(cJSON_GetArrayItem(want, (int)w),
                                         electra_encoding_ids(e, w), n),
                          "line %zu window %zu: %s", i + 1, w,
                          tok_ints_str(electra_encoding_ids(e, w), n));
            ck_assert_uint_eq(electra_encoding_source(e, w), 0);
            windows++;
        }
        electra_options_free(o);
        checked++;
    }
    ck_assert_uint_eq(checked, 16);
    ck_assert_uint_gt(windows, checked);
    electra_encoding_free(e);
    electra_tokenizer_free(t);
    tok_records_free(&recs);
}
END_TEST

/* Question answering windows: the question whole in every row, the
 * context cut with a stride; offsets stay those of the context. */
START_TEST(overflow_only_second_keeps_the_question)
{
    REQUIRE_FIXTURES();
    electra_tokenizer *t = tok_load("tokenizer/vocab.txt", NULL);
    electra_encoding *e = NULL, *whole = NULL;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    ck_assert_int_eq(electra_encoding_create(&whole), ELECTRA_OK);
    const char *q = "who?", *ctx = "one two three four five six seven eight nine ten";
    ck_assert_int_eq(electra_tokenizer_encode(t, ctx, strlen(ctx), NULL, 0, NULL, whole),
                     ELECTRA_OK);
    electra_options *o = new_options();
    set(o, ELECTRA_OPT_TRUNCATION, ELECTRA_TRUNCATION_ONLY_SECOND);
    set(o, ELECTRA_OPT_MAX_LENGTH, 10); /* [CLS] who ? [SEP] + 5 + [SEP] */
    set(o, ELECTRA_OPT_STRIDE, 2);
    set(o, ELECTRA_OPT_RETURN_OVERFLOW, 1);
    ck_assert_int_eq(electra_tokenizer_encode(t, q, strlen(q), ctx, strlen(ctx), o, e),
                     ELECTRA_OK);
    /* 10 context tokens, windows of 5 stepping by 3: 0-5, 3-8, 6-10 */
    ck_assert_uint_eq(electra_encoding_rows(e), 3);
    const size_t starts[] = {0, 3, 6}, lens[] = {5, 5, 4};
    for (size_t w = 0; w < 3; w++) {
        const int32_t *ids = electra_encoding_ids(e, w);
        const size_t *off = electra_encoding_offsets(e, w);
        ck_assert_uint_eq(electra_encoding_length(e, w), 5 + lens[w]);
        ck_assert_int_eq(ids[0], 101);
        ck_assert_int_eq(ids[3], 102);
        ck_assert_int_eq(electra_encoding_type_ids(e, w)[4], 1);
        for (size_t k = 0; k < lens[w]; k++) {
            ck_assert_int_eq(ids[4 + k], electra_encoding_ids(whole, 0)[1 + starts[w] + k]);
            ck_assert_uint_eq(off[2 * (4 + k)],
                              electra_encoding_offsets(whole, 0)[2 * (1 + starts[w] + k)]);
        }
        ck_assert_int_eq(ids[4 + lens[w]], 102);
    }
    /* A window smaller than the stride, and a question too long to leave
     * any room, are refused. */
    set(o, ELECTRA_OPT_STRIDE, 5);
    ck_assert_int_eq(electra_tokenizer_encode(t, q, strlen(q), ctx, strlen(ctx), o, e),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(electra_encoding_last_error(e), "STRIDE"));
    set(o, ELECTRA_OPT_STRIDE, 0);
    set(o, ELECTRA_OPT_MAX_LENGTH, 5);
    ck_assert_int_eq(electra_tokenizer_encode(t, q, strlen(q), ctx, strlen(ctx), o, e),
                     ELECTRA_ERR_TRUNCATION);
    /* Pairs with longest_first windows are not supported (transformers
     * refuses them too). */
    set(o, ELECTRA_OPT_MAX_LENGTH, 10);
    set(o, ELECTRA_OPT_TRUNCATION, ELECTRA_TRUNCATION_LONGEST_FIRST);
    ck_assert_int_eq(electra_tokenizer_encode(t, q, strlen(q), ctx, strlen(ctx), o, e),
                     ELECTRA_ERR_UNSUPPORTED);
    electra_options_free(o);
    electra_encoding_free(whole);
    electra_encoding_free(e);
    electra_tokenizer_free(t);
}
END_TEST

/* The models' expected/inputs.json: a batch encoded by transformers with
 * truncation to 64 and padding to the longest row. */
static void check_model_batch(const char *model, int truncation)
{
    char rel[256];
    snprintf(rel, sizeof rel, "models/%s/expected/inputs.json", model);
    char *json = read_file(fixture_path(rel), NULL);
    ck_assert_ptr_nonnull(json);
    cJSON *root = cJSON_Parse(json);
    free(json);
    ck_assert_ptr_nonnull(root);
    const cJSON *texts = cJSON_GetObjectItem(root, "texts");
    size_t count = (size_t)cJSON_GetArraySize(texts);
    const char **tx = calloc(count, sizeof *tx), **px = calloc(count, sizeof *px);
    size_t *tl = calloc(count, sizeof *tl), *pl = calloc(count, sizeof *pl);
    for (size_t i = 0; i < count; i++) {
        const cJSON *item = cJSON_GetArrayItem(texts, (int)i);
        tx[i] = cJSON_GetObjectItem(item, "text")->valuestring;
        tl[i] = strlen(tx[i]);
        const cJSON *p = cJSON_GetObjectItem(item, "pair");
        px[i] = cJSON_IsString(p) ? p->valuestring : NULL;
        pl[i] = px[i] ? strlen(px[i]) : 0;
    }
    snprintf(rel, sizeof rel, "models/%s", model);
    electra_tokenizer *t = tok_load(rel, NULL);
    electra_encoding *e = NULL;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    electra_options *o = new_options();
    set(o, ELECTRA_OPT_TRUNCATION, truncation);
    set(o, ELECTRA_OPT_MAX_LENGTH, cJSON_GetObjectItem(root, "max_length")->valueint);
    set(o, ELECTRA_OPT_PADDING, ELECTRA_PADDING_LONGEST);
    ck_assert_int_eq(electra_tokenizer_encode_batch(t, count, tx, tl, px, pl, o, e), ELECTRA_OK);
    ck_assert_uint_eq(electra_encoding_rows(e), count);
    const char *keys[] = {"input_ids", "attention_mask", "token_type_ids"};
    for (size_t r = 0; r < count; r++) {
        size_t n = electra_encoding_length(e, r);
        const int32_t *got[] = {electra_encoding_ids(e, r), electra_encoding_attention_mask(e, r),
                                electra_encoding_type_ids(e, r)};
        for (int k = 0; k < 3; k++)
            ck_assert_msg(tok_ints_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(root, keys[k]),
                                                            (int)r),
                                         got[k], n),
                          "%s row %zu: %s %s", model, r, keys[k], tok_ints_str(got[k], n));
        ck_assert_uint_eq(electra_encoding_source(e, r), r);
    }
    electra_options_free(o);
    electra_encoding_free(e);
    electra_tokenizer_free(t);
    free(tx);
    free(px);
    free(tl);
    free(pl);
    cJSON_Delete(root);
}

START_TEST(model_batches_match_transformers)
{
    REQUIRE_FIXTURES();
    const char *models[] = {"tiny-generator", "tiny-discriminator", "tiny-classifier",
                            "tiny-tagger", "tiny-base-model"};
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
        check_model_batch(models[i], ELECTRA_TRUNCATION_LONGEST_FIRST);
    check_model_batch("tiny-qa", ELECTRA_TRUNCATION_ONLY_SECOND);
}
END_TEST

START_TEST(padding_rows)
{
    REQUIRE_FIXTURES();
    electra_tokenizer *t = tok_load("tokenizer/vocab.txt", NULL);
    electra_encoding *e = NULL;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    const char *texts[] = {"hello world", "a", NULL, "the quick brown fox jumps"};
    const size_t lens[] = {11, 1, 0, 25};
    const char *pairs[] = {NULL, "b", NULL, NULL};
    const size_t plens[] = {0, 1, 0, 0};
    electra_options *o = new_options();
    /* No padding: rows keep their lengths; the NULL text is empty. */
    ck_assert_int_eq(electra_tokenizer_encode_batch(t, 4, texts, lens, pairs, plens, o, e),
                     ELECTRA_OK);
    ck_assert_uint_eq(electra_encoding_rows(e), 4);
    ck_assert_uint_eq(electra_encoding_length(e, 0), 4);
    ck_assert_uint_eq(electra_encoding_length(e, 1), 5);
    ck_assert_uint_eq(electra_encoding_length(e, 2), 2);
    ck_assert_uint_eq(electra_encoding_length(e, 3), 7);
    /* Longest, rounded up to a multiple of 8. */
    set(o, ELECTRA_OPT_PADDING, ELECTRA_PADDING_LONGEST);
    set(o, ELECTRA_OPT_PAD_TO_MULTIPLE_OF, 8);
    ck_assert_int_eq(electra_tokenizer_encode_batch(t, 4, texts, lens, pairs, plens, o, e),
                     ELECTRA_OK);
    for (size_t r = 0; r < 4; r++)
        ck_assert_uint_eq(electra_encoding_length(e, r), 8);
    const int32_t *ids = electra_encoding_ids(e, 1);
    const int32_t want[] = {101, 1037, 102, 1038, 102, 0, 0, 0};
    ck_assert_msg(memcmp(ids, want, sizeof want) == 0, "%s", tok_ints_str(ids, 8));
    for (size_t k = 5; k < 8; k++) {
        ck_assert_int_eq(electra_encoding_attention_mask(e, 1)[k], 0);
        ck_assert_int_eq(electra_encoding_type_ids(e, 1)[k], 0);
        ck_assert_int_eq(electra_encoding_special_tokens_mask(e, 1)[k], 1);
        ck_assert_int_eq(electra_encoding_sequence_ids(e, 1)[k], -1);
        ck_assert_int_eq(el_encoding_word_ids(e, 1)[k], -1);
        ck_assert_uint_eq(electra_encoding_offsets(e, 1)[2 * k + 1], 0);
    }
    ck_assert_int_eq(electra_encoding_type_ids(e, 1)[4], 1);
    ck_assert_int_eq(electra_encoding_attention_mask(e, 1)[4], 1);
    /* Max length with truncation; the multiple applies on top. */
    set(o, ELECTRA_OPT_PADDING, ELECTRA_PADDING_MAX_LENGTH);
    set(o, ELECTRA_OPT_PAD_TO_MULTIPLE_OF, 0);
    set(o, ELECTRA_OPT_MAX_LENGTH, 6);
    set(o, ELECTRA_OPT_TRUNCATION, ELECTRA_TRUNCATION_LONGEST_FIRST);
    ck_assert_int_eq(electra_tokenizer_encode_batch(t, 4, texts, lens, pairs, plens, o, e),
                     ELECTRA_OK);
    for (size_t r = 0; r < 4; r++)
        ck_assert_uint_eq(electra_encoding_length(e, r), 6);
    ck_assert_int_eq(electra_encoding_ids(e, 3)[5], 102);
    /* Without MAX_LENGTH, PADDING_MAX_LENGTH has no target. */
    set(o, ELECTRA_OPT_MAX_LENGTH, 0);
    ck_assert_int_eq(electra_tokenizer_encode_batch(t, 4, texts, lens, pairs, plens, o, e),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    electra_options_free(o);
    electra_encoding_free(e);
    electra_tokenizer_free(t);
}
END_TEST

START_TEST(without_special_tokens)
{
    REQUIRE_FIXTURES();
    electra_tokenizer *t = tok_load("tokenizer/vocab.txt", NULL);
    electra_encoding *e = NULL;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    electra_options *o = new_options();
    set(o, ELECTRA_OPT_ADD_SPECIAL_TOKENS, 0);
    ck_assert_int_eq(electra_tokenizer_encode(t, "Hi there", 8, "x", 1, o, e), ELECTRA_OK);
    const int32_t want[] = {7632, 2045, 1060};
    ck_assert_uint_eq(electra_encoding_length(e, 0), 3);
    ck_assert(memcmp(electra_encoding_ids(e, 0), want, sizeof want) == 0);
    ck_assert_int_eq(electra_encoding_type_ids(e, 0)[2], 1);
    ck_assert_int_eq(electra_encoding_special_tokens_mask(e, 0)[0], 0);
    /* Nothing at all: an empty row with usable (non-NULL) arrays. */
    ck_assert_int_eq(electra_tokenizer_encode(t, NULL, 0, NULL, 0, o, e), ELECTRA_OK);
    ck_assert_uint_eq(electra_encoding_rows(e), 1);
    ck_assert_uint_eq(electra_encoding_length(e, 0), 0);
    ck_assert_ptr_nonnull(electra_encoding_ids(e, 0));
    /* Truncation counts no special tokens then. */
    set(o, ELECTRA_OPT_MAX_LENGTH, 1);
    set(o, ELECTRA_OPT_TRUNCATION, ELECTRA_TRUNCATION_ONLY_FIRST);
    ck_assert_int_eq(electra_tokenizer_encode(t, "Hi there", 8, NULL, 0, o, e), ELECTRA_OK);
    ck_assert_uint_eq(electra_encoding_length(e, 0), 1);
    ck_assert_int_eq(electra_encoding_ids(e, 0)[0], 7632);
    /* An empty pair is still a pair. */
    set(o, ELECTRA_OPT_ADD_SPECIAL_TOKENS, 1);
    set(o, ELECTRA_OPT_TRUNCATION, ELECTRA_TRUNCATION_NONE);
    ck_assert_int_eq(electra_tokenizer_encode(t, "a", 1, "", 0, o, e), ELECTRA_OK);
    ck_assert_uint_eq(electra_encoding_length(e, 0), 4);
    electra_options_free(o);
    electra_encoding_free(e);
    electra_tokenizer_free(t);
}
END_TEST

START_TEST(bad_arguments_and_invalid_utf8)
{
    REQUIRE_FIXTURES();
    electra_tokenizer *t = tok_load("tokenizer/vocab.txt", NULL);
    electra_encoding *e = NULL;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    ck_assert_int_eq(electra_encoding_create(NULL), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_tokenizer_encode(NULL, "a", 1, NULL, 0, NULL, e),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(electra_encoding_last_error(e), "tokenizer"));
    ck_assert_int_eq(electra_tokenizer_encode(t, "a", 1, NULL, 0, NULL, NULL),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_tokenizer_encode(t, NULL, 3, NULL, 0, NULL, e),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_tokenizer_encode(t, "a", 1, NULL, 2, NULL, e), ELECTRA_OK);
    ck_assert_int_eq(electra_tokenizer_encode_batch(t, 2, NULL, NULL, NULL, NULL, NULL, e),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    const char *texts[] = {"a", "b"};
    const size_t lens[] = {1, 1};
    ck_assert_int_eq(electra_tokenizer_encode_batch(t, 2, texts, lens, texts, NULL, NULL, e),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_tokenizer_encode_batch(t, 0, NULL, NULL, NULL, NULL, NULL, e),
                     ELECTRA_OK);
    ck_assert_uint_eq(electra_encoding_rows(e), 0);
    /* Accessors out of range. */
    ck_assert_uint_eq(electra_encoding_length(e, 0), 0);
    ck_assert_ptr_null(electra_encoding_ids(e, 0));
    ck_assert_ptr_null(electra_encoding_offsets(e, 3));
    ck_assert_uint_eq(electra_encoding_rows(NULL), 0);
    ck_assert_str_eq(electra_encoding_last_error(NULL), "encoding is NULL");

    /* Invalid UTF-8: the message names the byte offset. */
    static const struct {
        const char *text;
        size_t len, at;
    } bad[] = {
        {"ab\xC0\xAF", 4, 2},          /* overlong "/" */
        {"\xE0\x80\xAF", 3, 0},        /* overlong, 3 bytes */
        {"xy\xED\xA0\x80z", 6, 2},     /* surrogate U+D800 */
        {"\xF4\x90\x80\x80", 4, 0},    /* above U+10FFFF */
        {"abc\xE2\x82", 5, 3},         /* truncated */
        {"a\x80", 2, 1},               /* lone continuation */
        {"hello \xFF", 7, 6},          /* never valid */
        {"\xF0\x9F\x98", 3, 0},        /* truncated 4-byte */
        {"ok \xC3\xA9 \xC3", 7, 6},    /* valid then truncated */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(electra_tokenizer_encode(t, bad[i].text, bad[i].len, NULL, 0, NULL, e),
                         ELECTRA_ERR_INVALID_UTF8);
        char want[64];
        snprintf(want, sizeof want, "at byte %zu", bad[i].at);
        ck_assert_msg(strstr(electra_encoding_last_error(e), want), "case %zu: %s", i,
                      electra_encoding_last_error(e));
        ck_assert_uint_eq(electra_encoding_rows(e), 0);
    }
    ck_assert_int_eq(electra_tokenizer_encode(t, "ok", 2, "\xC3", 1, NULL, e),
                     ELECTRA_ERR_INVALID_UTF8);
    ck_assert_ptr_nonnull(strstr(electra_encoding_last_error(e), "pair"));
    const char *bt[] = {"fine", "\xE9t\xE9"};
    const size_t bl[] = {4, 3};
    ck_assert_int_eq(electra_tokenizer_encode_batch(t, 2, bt, bl, NULL, NULL, NULL, e),
                     ELECTRA_ERR_INVALID_UTF8);
    ck_assert_ptr_nonnull(strstr(electra_encoding_last_error(e), "input 1"));
    /* Embedded NUL is text, not an end: removed like a control. */
    ck_assert_int_eq(electra_tokenizer_encode(t, "a\0b", 3, NULL, 0, NULL, e), ELECTRA_OK);
    ck_assert_int_eq(electra_encoding_ids(e, 0)[1], 11113); /* "ab" */
    electra_encoding_free(e);
    electra_tokenizer_free(t);
}
END_TEST

struct thread_job {
    const electra_tokenizer *t;
    const struct tok_records *cases;
    size_t mismatches;
    size_t tokens;
};

/* Every thread encodes all cases with its own encoding and compares with
 * the ids of the fixtures. */
static void *encode_all_cases(void *arg)
{
    struct thread_job *job = arg;
    electra_encoding *e = NULL;
    if (electra_encoding_create(&e) != ELECTRA_OK) {
        job->mismatches++;
        return NULL;
    }
    for (int round = 0; round < 5; round++)
        for (size_t i = 0; i < job->cases->count; i++) {
            const struct tok_record *r = &job->cases->items[i];
            if (electra_tokenizer_encode(job->t, r->text, r->text_len, r->pair, r->pair_len,
                                         NULL, e) != ELECTRA_OK ||
                !tok_ints_equal(cJSON_GetObjectItem(r->json, "ids"), electra_encoding_ids(e, 0),
                                electra_encoding_length(e, 0)))
                job->mismatches++;
            job->tokens += electra_encoding_length(e, 0);
        }
    electra_encoding_free(e);
    return NULL;
}

START_TEST(one_tokenizer_many_threads)
{
    REQUIRE_FIXTURES();
    struct tok_records cases;
    tok_records_load("cases.jsonl", &cases);
    electra_tokenizer *t = tok_load("tokenizer/vocab.txt", NULL);
    enum { THREADS = 4 };
    pthread_t th[THREADS];
    struct thread_job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (struct thread_job){t, &cases, 0, 0};
        ck_assert_int_eq(pthread_create(&th[i], NULL, encode_all_cases, &jobs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        ck_assert_uint_eq(jobs[i].mismatches, 0);
        ck_assert_uint_eq(jobs[i].tokens, jobs[0].tokens);
    }
    electra_tokenizer_free(t);
    tok_records_free(&cases);
}
END_TEST

/* Once an encoding has seen an input, encoding it again allocates nothing. */
static size_t allocations;
static void *counting_malloc(size_t n, void *u)
{
    (void)u;
    allocations++;
    return malloc(n);
}
static void *counting_realloc(void *p, size_t n, void *u)
{
    (void)u;
    allocations++;
    return realloc(p, n);
}
static void counting_free(void *p, void *u)
{
    (void)u;
    free(p);
}

START_TEST(warm_encoding_does_not_allocate)
{
    REQUIRE_FIXTURES();
    electra_tokenizer *t = tok_load("tokenizer/vocab.txt", NULL);
    electra_encoding *e = NULL;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    const char *text = "Crème brûlée, 北京 and naïve ΟΔΟΣ: the quick brown fox [MASK]!";
    electra_options *o = new_options();
    set(o, ELECTRA_OPT_PADDING, ELECTRA_PADDING_MAX_LENGTH);
    set(o, ELECTRA_OPT_MAX_LENGTH, 64);
    ck_assert_int_eq(electra_tokenizer_encode(t, text, strlen(text), text, 6, o, e), ELECTRA_OK);
    ck_assert_int_eq(electra_set_allocator(counting_malloc, counting_realloc, counting_free, NULL),
                     ELECTRA_OK);
    allocations = 0;
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(electra_tokenizer_encode(t, text, strlen(text), text, 6, o, e),
                         ELECTRA_OK);
    ck_assert_int_eq(electra_set_allocator(NULL, NULL, NULL, NULL), ELECTRA_OK);
    ck_assert_uint_eq(allocations, 0);
    electra_options_free(o);
    electra_encoding_free(e);
    electra_tokenizer_free(t);
}
END_TEST

Suite *make_encode_suite(void)
{
    Suite *s = suite_create("encode");
    TCase *tc = tcase_create("variants");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, variants_options_and_probes);
    tcase_add_test(tc, variants_truncation);
    tcase_add_test(tc, variants_overflow_windows);
    tcase_add_test(tc, overflow_only_second_keeps_the_question);
    tcase_add_test(tc, model_batches_match_transformers);
    suite_add_tcase(s, tc);
    tc = tcase_create("api");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, padding_rows);
    tcase_add_test(tc, without_special_tokens);
    tcase_add_test(tc, bad_arguments_and_invalid_utf8);
    tcase_add_test(tc, one_tokenizer_many_threads);
    tcase_add_test(tc, warm_encoding_does_not_allocate);
    suite_add_tcase(s, tc);
    return s;
}
