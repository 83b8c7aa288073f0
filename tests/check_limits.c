/* check_limits.c - inputs at the edges, with the results doc/limits.md
 * promises: empty text, 10 MB of text, 10,000 masks, sequences past the
 * model's positions, batches of 0 and 10,000, TOP_K up to INT32_MAX, long
 * question-answering contexts. Calls run under an allocator that refuses
 * any single allocation above a cap: 64 MB, or 16 bytes per byte of text
 * for the 10 MB text (the tokenizer keeps some 40 bytes per token, in
 * arrays that double as they grow). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"
#include "testutil.h"

#define BIG_ALLOC ((size_t)64 << 20)

static size_t cap_bytes, refused;

static void *capped_malloc(size_t n, void *user)
{
    (void)user;
    if (n > cap_bytes) {
        refused = n > refused ? n : refused;
        return NULL;
    }
    return malloc(n);
}

static void *capped_realloc(void *p, size_t n, void *user)
{
    (void)user;
    if (n > cap_bytes) {
        refused = n > refused ? n : refused;
        return NULL;
    }
    return realloc(p, n);
}

static void plain_free(void *p, void *user)
{
    (void)user;
    free(p);
}

/* Refuse single allocations above limit bytes; 0: no cap. */
static void cap_allocations(size_t limit)
{
    refused = 0;
    cap_bytes = limit;
    if (limit)
        electra_set_allocator(capped_malloc, capped_realloc, plain_free, NULL);
    else
        electra_set_allocator(NULL, NULL, NULL, NULL);
}

static electra_model *model;
static electra_context *ctx;

static void open_model(const char *name)
{
    char rel[128];
    snprintf(rel, sizeof rel, "models/%s", name);
    ck_assert_int_eq(electra_model_load(fixture_path(rel), NULL, &model), ELECTRA_OK);
    ck_assert_int_eq(electra_context_create(model, NULL, &ctx), ELECTRA_OK);
}

static void close_model(void)
{
    electra_context_free(ctx);
    electra_model_free(model);
    ctx = NULL;
    model = NULL;
}

static electra_options *options(int key, int64_t value)
{
    electra_options *o;
    ck_assert_int_eq(electra_options_create(&o), ELECTRA_OK);
    ck_assert_int_eq(electra_options_set_int(o, key, value), ELECTRA_OK);
    return o;
}

/* n bytes of English-like text (about one token per 4 bytes). */
static char *long_text(size_t n)
{
    static const char words[] = "the quick brown fox jumps over a lazy dog. ";
    char *t = malloc(n + 1);
    ck_assert_ptr_nonnull(t);
    for (size_t i = 0; i < n; i++)
        t[i] = words[i % (sizeof words - 1)];
    t[n] = '\0';
    return t;
}

/* ---- empty text ------------------------------------------------------- */

START_TEST(empty_text)
{
    REQUIRE_FIXTURES();
    electra_result *r = NULL;
    electra_encoding *e;
    open_model("tiny-generator");
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    /* encode: just [CLS] [SEP] */
    ck_assert_int_eq(electra_tokenizer_encode(electra_model_tokenizer(model), "", 0, NULL, 0,
                                              NULL, e),
                     ELECTRA_OK);
    ck_assert_uint_eq(electra_encoding_length(e, 0), 2);
    /* NULL text of length 0 is the empty text */
    ck_assert_int_eq(electra_tokenizer_encode(electra_model_tokenizer(model), NULL, 0, NULL, 0,
                                              NULL, e),
                     ELECTRA_OK);
    ck_assert_uint_eq(electra_encoding_length(e, 0), 2);
    electra_encoding_free(e);
    ck_assert_int_eq(electra_fill_mask(ctx, "", 0, NULL, 0, NULL, &r), ELECTRA_ERR_NO_MASK);
    ck_assert_ptr_null(r);
    close_model();

    open_model("tiny-discriminator");
    ck_assert_int_eq(electra_detect(ctx, "", 0, NULL, &r), ELECTRA_OK);
    ck_assert_uint_eq(electra_result_count(r), 0);
    electra_result_free(r);
    close_model();

    open_model("tiny-classifier");
    ck_assert_int_eq(electra_classify(ctx, "", 0, NULL, 0, NULL, &r), ELECTRA_OK);
    ck_assert_uint_eq(electra_result_count(r), (size_t)electra_model_info(model, ELECTRA_INFO_NUM_LABELS));
    double sum = 0;
    for (size_t i = 0; i < electra_result_count(r); i++)
        sum += electra_result_score(r, i);
    ck_assert_double_eq_tol(sum, 1.0, 1e-6);
    electra_result_free(r);
    close_model();

    open_model("tiny-tagger");
    ck_assert_int_eq(electra_tag(ctx, "", 0, NULL, &r), ELECTRA_OK);
    ck_assert_uint_eq(electra_result_count(r), 0);
    electra_result_free(r);
    close_model();

    /* An empty context has no span to give but the leading [CLS]: one
     * empty answer at [0, 0) with score 0. */
    open_model("tiny-qa");
    ck_assert_int_eq(electra_answer(ctx, "Who?", 4, "", 0, NULL, &r), ELECTRA_OK);
    ck_assert_uint_eq(electra_result_count(r), 1);
    ck_assert_str_eq(electra_result_text(r, 0), "");
    ck_assert_uint_eq(electra_result_start(r, 0), 0);
    ck_assert_uint_eq(electra_result_end(r, 0), 0);
    ck_assert_double_eq(electra_result_score(r, 0), 0.0);
    electra_result_free(r);
    close_model();
}
END_TEST

/* ---- 10 MB of text ------------------------------------------------------ */

START_TEST(ten_megabytes_of_text)
{
    REQUIRE_FIXTURES();
    size_t n = 10u << 20;
    char *text = long_text(n);
    open_model("tiny-discriminator");
    electra_encoding *e;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    cap_allocations(16 * n);
    /* Tokenizing works, in memory proportional to the tokens. */
    electra_status st = electra_tokenizer_encode(electra_model_tokenizer(model), text, n, NULL, 0,
                                                 NULL, e);
    ck_assert_msg(st == ELECTRA_OK, "%s (refused %zu)", electra_encoding_last_error(e), refused);
    size_t tokens = electra_encoding_length(e, 0);
    ck_assert_uint_gt(tokens, 2000000);
    ck_assert_uint_eq(electra_encoding_offsets(e, 0)[2 * (tokens - 2) + 1], n - 1);
    /* A task without truncation: too long, naming the numbers. */
    electra_result *r = NULL;
    ck_assert_int_eq(electra_detect(ctx, text, n, NULL, &r), ELECTRA_ERR_TOO_LONG);
    ck_assert_ptr_null(r);
    char want[128];
    snprintf(want, sizeof want, "the text is %zu tokens and the model takes at most 128", tokens);
    ck_assert_msg(strstr(electra_context_last_error(ctx), want), "%s",
                  electra_context_last_error(ctx));
    /* With truncation: the first 126 tokens (and [CLS], [SEP]). */
    electra_options *trunc = options(ELECTRA_OPT_TRUNCATION, ELECTRA_TRUNCATION_LONGEST_FIRST);
    ck_assert_int_eq(electra_detect(ctx, text, n, trunc, &r), ELECTRA_OK);
    size_t pieces = 0;
    for (size_t i = 0; i < electra_result_count(r); i++) {
        pieces += electra_result_group(r, i) == 0;
        ck_assert_uint_lt(electra_result_end(r, i), 1000);
    }
    ck_assert_uint_eq(pieces, 126);
    electra_result_free(r);
    ck_assert_uint_eq(refused, 0);
    cap_allocations(0);
    electra_options_free(trunc);
    electra_encoding_free(e);
    close_model();
    free(text);
}
END_TEST

/* ---- 10,000 masks ------------------------------------------------------- */

START_TEST(ten_thousand_masks)
{
    REQUIRE_FIXTURES();
    size_t size = 10000 * 7 + 1, n = 0;
    char *text = malloc(size);
    for (int i = 0; i < 10000; i++)
        n += (size_t)snprintf(text + n, size - n, "[MASK] ");
    open_model("tiny-generator");
    electra_result *r = NULL;
    ck_assert_int_eq(electra_fill_mask(ctx, text, n, NULL, 0, NULL, &r), ELECTRA_ERR_TOO_LONG);
    ck_assert_ptr_nonnull(strstr(electra_context_last_error(ctx), "10002 tokens"));
    electra_options *trunc = options(ELECTRA_OPT_TRUNCATION, ELECTRA_TRUNCATION_LONGEST_FIRST);
    ck_assert_int_eq(electra_fill_mask(ctx, text, n, NULL, 0, trunc, &r), ELECTRA_OK);
    /* The masks that fit (126), 5 candidates each. */
    ck_assert_uint_eq(electra_result_count(r), 126 * 5);
    ck_assert_int_eq(electra_result_group(r, 126 * 5 - 1), 125);
    ck_assert_uint_eq(electra_result_start(r, 126 * 5 - 1), 125 * 7);
    electra_result_free(r);
    electra_options_free(trunc);
    close_model();
    free(text);
}
END_TEST

/* ---- forward shapes ------------------------------------------------------ */

START_TEST(forward_shapes)
{
    REQUIRE_FIXTURES();
    open_model("tiny-discriminator");
    int32_t ids[129];
    for (int i = 0; i < 129; i++)
        ids[i] = 1996 + i % 7;
    ck_assert_int_eq(electra_forward(ctx, 1, 129, ids, NULL, NULL), ELECTRA_ERR_TOO_LONG);
    ck_assert_ptr_nonnull(strstr(electra_context_last_error(ctx), "129 tokens"));
    ck_assert_int_eq(electra_forward(ctx, 1, 128, ids, NULL, NULL), ELECTRA_OK);
    ck_assert_int_eq(electra_forward(ctx, 0, 8, ids, NULL, NULL), ELECTRA_ERR_SHAPE);
    ck_assert_int_eq(electra_forward(ctx, 1, 0, ids, NULL, NULL), ELECTRA_ERR_SHAPE);
    ck_assert_int_eq(electra_forward(ctx, 1, 4, NULL, NULL, NULL), ELECTRA_ERR_INVALID_ARGUMENT);
    /* A product past size_t is refused before any id is read (no buffer
     * can hold it: the ids were once read up to the wrapped count). */
    ck_assert_int_eq(electra_forward(ctx, SIZE_MAX / 2, 4, ids, NULL, NULL), ELECTRA_ERR_SHAPE);
    ck_assert_ptr_nonnull(strstr(electra_context_last_error(ctx), "overflows"));

    /* 10,000 rows in one pass: each row as it is alone, bit for bit. */
    size_t batch = 10000, seq = 6;
    int32_t *many = malloc(batch * seq * sizeof *many);
    for (size_t b = 0; b < batch; b++)
        for (size_t t = 0; t < seq; t++)
            many[b * seq + t] = t == 0 ? 101 : t == seq - 1 ? 102 : (int32_t)(1996 + (b * 31 + t) % 5000);
    ck_assert_int_eq(electra_forward(ctx, batch, seq, many, NULL, NULL), ELECTRA_OK);
    size_t shape[4], ndim;
    ck_assert_int_eq(electra_output_shape(ctx, ELECTRA_OUTPUT_LOGITS, shape, &ndim), ELECTRA_OK);
    ck_assert_uint_eq(ndim, 2);
    ck_assert_uint_eq(shape[0], batch);
    ck_assert_uint_eq(shape[1], seq);
    float *all = malloc(batch * seq * sizeof *all);
    ck_assert_int_eq(electra_output_copy(ctx, ELECTRA_OUTPUT_LOGITS, all, batch * seq), ELECTRA_OK);
    ck_assert_int_eq(electra_output_copy(ctx, ELECTRA_OUTPUT_LOGITS, all, batch * seq - 1),
                     ELECTRA_ERR_BUFFER_TOO_SMALL);
    const size_t rows[] = {0, 1, 11, 12, 4999, 9998, 9999};
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        float one[6];
        ck_assert_int_eq(electra_forward(ctx, 1, seq, many + rows[k] * seq, NULL, NULL),
                         ELECTRA_OK);
        ck_assert_int_eq(electra_output_copy(ctx, ELECTRA_OUTPUT_LOGITS, one, seq), ELECTRA_OK);
        ck_assert_msg(memcmp(one, all + rows[k] * seq, sizeof one) == 0,
                      "row %zu of the batch differs from the row alone", rows[k]);
    }
    free(all);
    free(many);
    close_model();
}
END_TEST

/* ---- TOP_K and long QA contexts ----------------------------------------- */

START_TEST(huge_top_k)
{
    REQUIRE_FIXTURES();
    electra_options *k = options(ELECTRA_OPT_TOP_K, INT32_MAX);
    electra_result *r = NULL;
    cap_allocations(BIG_ALLOC);
    open_model("tiny-generator");
    /* Every token of the vocabulary, best first (found by sorting), the
     * first ones as TOP_K 64 finds them (by insertion). */
    ck_assert_int_eq(electra_fill_mask(ctx, "the [MASK] dog", 14, NULL, 0, k, &r), ELECTRA_OK);
    ck_assert_uint_eq(electra_result_count(r), 30522);
    for (size_t i = 1; i < electra_result_count(r); i++)
        ck_assert(electra_result_score(r, i) <= electra_result_score(r, i - 1));
    electra_options *k64 = options(ELECTRA_OPT_TOP_K, 64);
    electra_result *r64 = NULL;
    ck_assert_int_eq(electra_fill_mask(ctx, "the [MASK] dog", 14, NULL, 0, k64, &r64), ELECTRA_OK);
    ck_assert_uint_eq(electra_result_count(r64), 64);
    for (size_t i = 0; i < 64; i++) {
        ck_assert_int_eq(electra_result_id(r64, i), electra_result_id(r, i));
        ck_assert_str_eq(electra_result_text(r64, i), electra_result_text(r, i));
    }
    electra_result_free(r64);
    electra_options_free(k64);
    electra_result_free(r);
    /* With targets: as many as there are distinct targets. */
    const char *targets[] = {"dog", "cat", "dog"};
    ck_assert_int_eq(electra_fill_mask(ctx, "the [MASK] dog", 14, targets, 3, k, &r), ELECTRA_OK);
    ck_assert_uint_eq(electra_result_count(r), 2);
    electra_result_free(r);
    close_model();
    /* Question answering: every span there is, no more. */
    open_model("tiny-qa");
    static const char c[] = "The dog sleeps in the house.";
    ck_assert_int_eq(electra_answer(ctx, "Who?", 4, c, sizeof c - 1, k, &r), ELECTRA_OK);
    size_t n = electra_result_count(r);
    ck_assert_uint_gt(n, 1);
    ck_assert_uint_le(n, 8 * 8);
    electra_result_free(r);
    ck_assert_uint_eq(refused, 0);
    cap_allocations(0);
    electra_options_free(k);
    close_model();
}
END_TEST

START_TEST(long_answer_context)
{
    REQUIRE_FIXTURES();
    /* 1 MB of context is some 2,000 windows; they go through the model a
     * few at a time, so no allocation grows with the context beyond the
     * encoding itself. */
    size_t n = 1u << 20;
    char *text = long_text(n);
    memcpy(text + n - 40, "The cat sleeps on the red mat.          ", 40);
    electra_options *o = options(ELECTRA_OPT_DOC_STRIDE, INT32_MAX);
    electra_options_set_int(o, ELECTRA_OPT_MAX_ANSWER_LENGTH, INT32_MAX);
    open_model("tiny-qa");
    cap_allocations(BIG_ALLOC);
    electra_result *r = NULL;
    ck_assert_int_eq(electra_answer(ctx, "Where does the cat sleep?", 25, text, n, o, &r),
                     ELECTRA_OK);
    ck_assert_uint_eq(electra_result_count(r), 1);
    ck_assert_uint_le(electra_result_end(r, 0), n);
    ck_assert_uint_eq(refused, 0);
    cap_allocations(0);
    electra_result_free(r);
    electra_options_free(o);
    close_model();
    free(text);
}
END_TEST

/* ---- batches of the tokenizer -------------------------------------------- */

START_TEST(encode_batches)
{
    REQUIRE_FIXTURES();
    electra_tokenizer *t;
    ck_assert_int_eq(electra_tokenizer_load(fixture_path("tokenizer/vocab.txt"), NULL, &t),
                     ELECTRA_OK);
    electra_encoding *e;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    ck_assert_int_eq(electra_tokenizer_encode_batch(t, 0, NULL, NULL, NULL, NULL, NULL, e),
                     ELECTRA_OK);
    ck_assert_uint_eq(electra_encoding_rows(e), 0);
    ck_assert_uint_eq(electra_encoding_length(e, 0), 0);
    ck_assert_ptr_null(electra_encoding_ids(e, 0));
    size_t count = 10000;
    const char **texts = malloc(count * sizeof *texts);
    size_t *lens = malloc(count * sizeof *lens);
    for (size_t i = 0; i < count; i++) {
        texts[i] = i % 3 ? "hello world" : "";
        lens[i] = strlen(texts[i]);
    }
    electra_options *pad = options(ELECTRA_OPT_PADDING, ELECTRA_PADDING_LONGEST);
    ck_assert_int_eq(electra_tokenizer_encode_batch(t, count, texts, lens, NULL, NULL, pad, e),
                     ELECTRA_OK);
    ck_assert_uint_eq(electra_encoding_rows(e), count);
    ck_assert_uint_eq(electra_encoding_length(e, count - 1), 4);
    ck_assert_uint_eq(electra_encoding_source(e, count - 1), count - 1);
    /* decode: nothing gives "", unknown ids decode as [UNK] */
    char buf[64];
    size_t len = 99;
    ck_assert_int_eq(electra_tokenizer_decode(t, NULL, 0, 0, 0, buf, sizeof buf, &len),
                     ELECTRA_OK);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(buf, "");
    const int32_t odd[] = {-5, 1996, 99999999};
    ck_assert_int_eq(electra_tokenizer_decode(t, odd, 3, 0, 0, buf, sizeof buf, &len), ELECTRA_OK);
    ck_assert_str_eq(buf, "[UNK] the [UNK]");
    electra_options_free(pad);
    free(texts);
    free(lens);
    electra_encoding_free(e);
    electra_tokenizer_free(t);
}
END_TEST

Suite *make_limits_suite(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = tcase_create("edges");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, empty_text);
    tcase_add_test(tc, ten_megabytes_of_text);
    tcase_add_test(tc, ten_thousand_masks);
    tcase_add_test(tc, forward_shapes);
    tcase_add_test(tc, huge_top_k);
    tcase_add_test(tc, long_answer_context);
    tcase_add_test(tc, encode_batches);
    suite_add_tcase(s, tc);
    return s;
}
