/* check_alloc_failures.c - allocation failures, one at a time, along every
 * public path: model loading (every fixture weight format), tokenizer
 * loading, encode / batch / decode, context creation and forward, and the
 * five tasks.
 *
 * For an operation making N allocations, run k (k = 0 .. N-1) has only its
 * k-th allocation fail. Each such run must give ELECTRA_ERR_NOMEM with an
 * "out of memory" message (a call that copes with the failure and still
 * gives the right answer is accepted too), then the same call on the same
 * handles must succeed with exactly the reference result, and once the
 * handles are freed no block may be left (the allocator counts them). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"
#include "reliability_util.h"
#include "testutil.h"

struct state {
    const char *path;              /* model directory or tokenizer file */
    electra_options *opts;         /* NULL: defaults */
    electra_model *model;          /* a model loaded before the test */
    const electra_tokenizer *tok;  /* its tokenizer */
    electra_tokenizer *own_tok;    /* a tokenizer the operation loaded */
    electra_model *own_model;      /* a model the operation loaded */
    electra_context *ctx;
    electra_encoding *enc;
    electra_result *result;
};

struct op {
    const char *name;
    /* Handles the call then works on, made without failures. */
    electra_status (*prepare)(struct state *st);
    /* The operation; on success it sets *fp to its result's fingerprint. */
    electra_status (*call)(struct state *st, uint64_t *fp);
};

static void release(struct state *st)
{
    electra_result_free(st->result);
    st->result = NULL;
    electra_context_free(st->ctx);
    st->ctx = NULL;
    electra_encoding_free(st->enc);
    st->enc = NULL;
    electra_tokenizer_free(st->own_tok);
    st->own_tok = NULL;
    electra_model_free(st->own_model);
    st->own_model = NULL;
}

static const char *last_error_of(const struct state *st)
{
    if (st->ctx && electra_context_last_error(st->ctx)[0])
        return electra_context_last_error(st->ctx);
    if (st->enc && electra_encoding_last_error(st->enc)[0])
        return electra_encoding_last_error(st->enc);
    return electra_last_error();
}

/* Runs op with each of its allocations failing in turn; returns how many
 * allocations it makes. */
static void close_state(struct state *st);

static long fail_each_allocation(const struct op *op, struct state *st)
{
    long base = chaos_live();
    uint64_t want = 0;
    if (op->prepare)
        ck_assert_msg(op->prepare(st) == ELECTRA_OK, "%s: prepare: %s", op->name,
                      electra_last_error());
    electra_status s = op->call(st, &want);
    ck_assert_msg(s == ELECTRA_OK, "%s: %s", op->name, last_error_of(st));
    release(st);
    ck_assert_int_eq(chaos_live(), base);
    for (long k = 0;; k++) {
        if (op->prepare)
            ck_assert_int_eq(op->prepare(st), ELECTRA_OK);
        uint64_t got = 0;
        chaos_arm(k);
        s = op->call(st, &got);
        int fired = chaos_fired();
        long calls = chaos_calls();
        chaos_arm(-1);
        if (!fired) {
            /* k is past the last allocation: the operation is done. */
            ck_assert_msg(s == ELECTRA_OK && got == want, "%s: unfailed run differs", op->name);
            release(st);
            ck_assert_int_eq(chaos_live(), base);
            if (getenv("RELIABILITY_VERBOSE"))
                fprintf(stderr, "alloc_failures: %s: %ld allocations, each failed in turn\n",
                        op->name, calls);
            return calls;
        }
        if (s == ELECTRA_OK) {
            ck_assert_msg(got == want, "%s: allocation %ld failed, the call succeeded with "
                                       "another result", op->name, k);
        } else {
            ck_assert_msg(s == ELECTRA_ERR_NOMEM, "%s: allocation %ld failing gave %s: %s",
                          op->name, k, electra_status_string(s), last_error_of(st));
            ck_assert_msg(strstr(last_error_of(st), "out of memory"),
                          "%s: allocation %ld failing: message \"%s\"", op->name, k,
                          last_error_of(st));
            /* The handles it left must be usable: the same call again. */
            s = op->call(st, &got);
            ck_assert_msg(s == ELECTRA_OK, "%s: retry after allocation %ld failed: %s",
                          op->name, k, last_error_of(st));
            ck_assert_msg(got == want, "%s: retry after allocation %ld failed: other result",
                          op->name, k);
        }
        release(st);
        ck_assert_msg(chaos_live() == base, "%s: allocation %ld failing leaks %ld blocks",
                      op->name, k, chaos_live() - base);
    }
}

/* ---- loading ---------------------------------------------------------- */

static uint64_t fingerprint_model(const electra_model *m)
{
    uint64_t h = 1469598103934665603ull;
    for (int key = 0; key <= ELECTRA_INFO_NUM_PARAMETERS; key++) {
        int64_t v = electra_model_info(m, key);
        h = fingerprint_bytes(h, &v, sizeof v);
    }
    for (int key = ELECTRA_INFO_ARCHITECTURE; key <= ELECTRA_INFO_PROBLEM_TYPE; key++) {
        const char *s = electra_model_info_string(m, key);
        h = fingerprint_bytes(h, s, strlen(s) + 1);
    }
    for (size_t i = 0; electra_model_label(m, i); i++)
        h = fingerprint_bytes(h, electra_model_label(m, i), strlen(electra_model_label(m, i)));
    const electra_tokenizer *t = electra_model_tokenizer(m);
    size_t n = t ? electra_tokenizer_vocab_size(t) : 0;
    return fingerprint_bytes(h, &n, sizeof n);
}

static electra_status call_model_load(struct state *st, uint64_t *fp)
{
    electra_model_free(st->own_model);
    st->own_model = NULL;
    electra_status s = electra_model_load(st->path, st->opts, &st->own_model);
    if (s == ELECTRA_OK)
        *fp = fingerprint_model(st->own_model);
    return s;
}

static electra_status call_tokenizer_load(struct state *st, uint64_t *fp)
{
    electra_tokenizer_free(st->own_tok);
    st->own_tok = NULL;
    electra_status s = electra_tokenizer_load(st->path, st->opts, &st->own_tok);
    if (s == ELECTRA_OK) {
        size_t n = electra_tokenizer_vocab_size(st->own_tok);
        *fp = fingerprint_bytes(1469598103934665603ull, &n, sizeof n);
        for (int w = 0; w < 5; w++) {
            int32_t id = electra_tokenizer_special_id(st->own_tok, w);
            *fp = fingerprint_bytes(*fp, &id, sizeof id);
        }
    }
    return s;
}

static void check_load(const char *rel, int weight_format,
                       electra_status (*call)(struct state *, uint64_t *))
{
    REQUIRE_FIXTURES();
    char path[4096];
    snprintf(path, sizeof path, "%s", fixture_path(rel));
    chaos_install();
    struct state st = {.path = path};
    if (weight_format) {
        ck_assert_int_eq(electra_options_create(&st.opts), ELECTRA_OK);
        ck_assert_int_eq(electra_options_set_int(st.opts, ELECTRA_OPT_WEIGHT_FORMAT, weight_format),
                         ELECTRA_OK);
    }
    struct op op = {rel, NULL, call};
    ck_assert_int_gt(fail_each_allocation(&op, &st), 3);
    close_state(&st);
}

START_TEST(load_safetensors)
{
    check_load("models/tiny-generator", 0, call_model_load);
}
END_TEST

START_TEST(load_pytorch_zip)
{
    check_load("models/tiny-generator", ELECTRA_WEIGHTS_PYTORCH, call_model_load);
}
END_TEST

START_TEST(load_pytorch_legacy)
{
    check_load("models/tiny-discriminator-legacy-posids", 0, call_model_load);
}
END_TEST

START_TEST(load_sharded)
{
    check_load("models/tiny-discriminator-sharded", 0, call_model_load);
}
END_TEST

START_TEST(load_f16_and_bf16)
{
    check_load("models/tiny-generator-f16", 0, call_model_load);
    check_load("models/tiny-generator-bf16", 0, call_model_load);
}
END_TEST

START_TEST(load_labelled_heads)
{
    check_load("models/tiny-classifier", 0, call_model_load);
    check_load("models/tiny-tagger", 0, call_model_load);
    check_load("models/tiny-qa", 0, call_model_load);
}
END_TEST

START_TEST(load_tokenizers)
{
    check_load("tokenizer/vocab.txt", 0, call_tokenizer_load);
    check_load("tokenizer/tokenizer.json", 0, call_tokenizer_load);
    check_load("models/tiny-generator", 0, call_tokenizer_load);
}
END_TEST

/* ---- tokenizer calls -------------------------------------------------- */

static const char text[] = "The quick brown fox jumps over the lazy dog; Caf\xc3\xa9 "
                           "\xe4\xb8\xad\xe5\x9b\xbd, unaffable [MASK] tokens!";
static const char pair[] = "A second segment, with its own words.";

static electra_status prepare_encoding(struct state *st)
{
    return electra_encoding_create(&st->enc);
}

static electra_status call_encode(struct state *st, uint64_t *fp)
{
    electra_status s = electra_tokenizer_encode(st->tok, text, sizeof text - 1, pair,
                                                sizeof pair - 1, st->opts, st->enc);
    if (s == ELECTRA_OK)
        *fp = fingerprint_encoding(st->enc);
    return s;
}

static electra_status call_encode_batch(struct state *st, uint64_t *fp)
{
    const char *texts[3] = {text, "short", ""};
    size_t lens[3] = {sizeof text - 1, 5, 0};
    const char *pairs[3] = {pair, NULL, pair};
    size_t pair_lens[3] = {sizeof pair - 1, 0, sizeof pair - 1};
    electra_status s = electra_tokenizer_encode_batch(st->tok, 3, texts, lens, pairs, pair_lens,
                                                      st->opts, st->enc);
    if (s == ELECTRA_OK)
        *fp = fingerprint_encoding(st->enc);
    return s;
}

static electra_status call_create_and_encode(struct state *st, uint64_t *fp)
{
    electra_encoding_free(st->enc);
    st->enc = NULL;
    electra_status s = electra_encoding_create(&st->enc);
    return s ? s : call_encode(st, fp);
}

static electra_status call_decode(struct state *st, uint64_t *fp)
{
    const int32_t ids[] = {101, 1996, 4248, 2829, 4419, 102, 0, 100, 29000, 7592, 1010, 2088};
    char buf[256];
    size_t len = 0;
    electra_status s = electra_tokenizer_decode(st->tok, ids, sizeof ids / sizeof ids[0], 1, 1,
                                                buf, sizeof buf, &len);
    if (s == ELECTRA_OK)
        *fp = fingerprint_bytes(1469598103934665603ull, buf, len);
    return s;
}

/* The fixture generator, loaded without failures, with its tokenizer. */
static void open_generator(struct state *st)
{
    chaos_install();
    ck_assert_int_eq(electra_model_load(fixture_path("models/tiny-generator"), NULL, &st->model),
                     ELECTRA_OK);
    st->tok = electra_model_tokenizer(st->model);
}

static void close_state(struct state *st)
{
    release(st);
    electra_options_free(st->opts);
    electra_model_free(st->model);
    ck_assert_int_eq(chaos_live(), 0);
    chaos_remove();
}

START_TEST(tokenizer_calls)
{
    REQUIRE_FIXTURES();
    struct state st = {0};
    open_generator(&st);
    static const struct op ops[] = {
        {"encode", prepare_encoding, call_encode},
        {"encode_batch", prepare_encoding, call_encode_batch},
        {"encoding_create + encode", NULL, call_create_and_encode},
        {"decode", NULL, call_decode},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        fail_each_allocation(&ops[i], &st);
    /* Again with truncation into overflow windows and padding. */
    ck_assert_int_eq(electra_options_create(&st.opts), ELECTRA_OK);
    electra_options_set_int(st.opts, ELECTRA_OPT_TRUNCATION, ELECTRA_TRUNCATION_ONLY_FIRST);
    electra_options_set_int(st.opts, ELECTRA_OPT_MAX_LENGTH, 20);
    electra_options_set_int(st.opts, ELECTRA_OPT_RETURN_OVERFLOW, 1);
    electra_options_set_int(st.opts, ELECTRA_OPT_STRIDE, 3);
    electra_options_set_int(st.opts, ELECTRA_OPT_PADDING, ELECTRA_PADDING_MAX_LENGTH);
    for (size_t i = 0; i < 2; i++)
        fail_each_allocation(&ops[i], &st);
    close_state(&st);
}
END_TEST

/* ---- contexts, forward and tasks -------------------------------------- */

static electra_status prepare_context(struct state *st)
{
    return electra_context_create(st->model, st->opts, &st->ctx);
}

static electra_status call_forward(struct state *st, uint64_t *fp)
{
    const int32_t ids[2 * 8] = {101, 1996, 4248, 103, 4419, 102, 0, 0,
                                101, 7592, 2088, 1010, 103, 2003, 1012, 102};
    const int32_t mask[2 * 8] = {1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1};
    electra_status s = electra_forward(st->ctx, 2, 8, ids, mask, NULL);
    if (s == ELECTRA_OK)
        *fp = fingerprint_outputs(st->ctx);
    return s;
}

static electra_status call_create_and_forward(struct state *st, uint64_t *fp)
{
    electra_context_free(st->ctx);
    st->ctx = NULL;
    electra_status s = electra_context_create(st->model, st->opts, &st->ctx);
    return s ? s : call_forward(st, fp);
}

static electra_status task_done(struct state *st, electra_status s, uint64_t *fp)
{
    if (s == ELECTRA_OK) {
        *fp = fingerprint_result(st->result);
        electra_result_free(st->result);
        st->result = NULL;
    }
    return s;
}

static electra_status call_fill_mask(struct state *st, uint64_t *fp)
{
    static const char t[] = "The capital of France is [MASK]. The [MASK] dog sleeps.";
    const char *targets[] = {"paris", "lazy", "zzzyzx"};
    electra_status s = electra_fill_mask(st->ctx, t, sizeof t - 1, NULL, 0, st->opts,
                                         &st->result);
    if (s == ELECTRA_OK) {
        uint64_t a = fingerprint_result(st->result);
        electra_result_free(st->result);
        st->result = NULL;
        s = electra_fill_mask(st->ctx, t, sizeof t - 1, targets, 3, st->opts, &st->result);
        if (s == ELECTRA_OK)
            *fp = a ^ fingerprint_result(st->result) * 3;
        electra_result_free(st->result);
        st->result = NULL;
    }
    return s;
}

static electra_status call_detect(struct state *st, uint64_t *fp)
{
    static const char t[] = "The quick brown fox ate over the lazy dog's unaffable bowl.";
    return task_done(st, electra_detect(st->ctx, t, sizeof t - 1, st->opts, &st->result), fp);
}

static electra_status call_classify(struct state *st, uint64_t *fp)
{
    static const char t[] = "What a wonderful day it was.", p[] = "It rained all day.";
    return task_done(st, electra_classify(st->ctx, t, sizeof t - 1, p, sizeof p - 1, st->opts,
                                          &st->result),
                     fp);
}

static electra_status call_tag(struct state *st, uint64_t *fp)
{
    static const char t[] = "Angela Merkel met Emmanuel Macron in Paris and Berlin.";
    return task_done(st, electra_tag(st->ctx, t, sizeof t - 1, st->opts, &st->result), fp);
}

static electra_status call_answer(struct state *st, uint64_t *fp)
{
    static const char q[] = "Where does the fox live?";
    char c[1400];
    size_t n = 0;
    while (n + 60 < sizeof c)
        n += (size_t)snprintf(c + n, sizeof c - n, "The fox lives in a den near the river. ");
    return task_done(st, electra_answer(st->ctx, q, sizeof q - 1, c, n, st->opts, &st->result),
                     fp);
}

static void check_task(const char *model, electra_status (*call)(struct state *, uint64_t *),
                       int threads)
{
    REQUIRE_FIXTURES();
    struct state st = {0};
    chaos_install();
    char rel[128];
    snprintf(rel, sizeof rel, "models/%s", model);
    ck_assert_int_eq(electra_model_load(fixture_path(rel), NULL, &st.model), ELECTRA_OK);
    ck_assert_int_eq(electra_options_create(&st.opts), ELECTRA_OK);
    ck_assert_int_eq(electra_options_set_int(st.opts, ELECTRA_OPT_THREADS, threads), ELECTRA_OK);
    ck_assert_int_eq(electra_options_set_int(st.opts, ELECTRA_OPT_TOP_K, 3), ELECTRA_OK);
    struct op in_context = {model, prepare_context, call};
    fail_each_allocation(&in_context, &st);
    close_state(&st);
}

START_TEST(forward)
{
    REQUIRE_FIXTURES();
    for (int threads = 1; threads <= 2; threads++) {
        struct state st = {0};
        open_generator(&st);
        ck_assert_int_eq(electra_options_create(&st.opts), ELECTRA_OK);
        electra_options_set_int(st.opts, ELECTRA_OPT_THREADS, threads);
        electra_options_set_int(st.opts, ELECTRA_OPT_OUTPUT_HIDDEN_STATES, 1);
        static const struct op ops[] = {
            {"forward", prepare_context, call_forward},
            {"context_create + forward", NULL, call_create_and_forward},
        };
        for (size_t i = 0; i < 2; i++)
            fail_each_allocation(&ops[i], &st);
        close_state(&st);
    }
}
END_TEST

START_TEST(task_fill_mask)
{
    check_task("tiny-generator", call_fill_mask, 1);
}
END_TEST

START_TEST(task_detect)
{
    check_task("tiny-discriminator", call_detect, 2);
}
END_TEST

START_TEST(task_classify)
{
    check_task("tiny-classifier", call_classify, 1);
}
END_TEST

START_TEST(task_tag)
{
    check_task("tiny-tagger", call_tag, 1);
}
END_TEST

START_TEST(task_answer)
{
    check_task("tiny-qa", call_answer, 2);
}
END_TEST

Suite *make_alloc_failures_suite(void)
{
    Suite *s = suite_create("alloc_failures");
    TCase *load = tcase_create("load");
    tcase_set_timeout(load, 600);
    tcase_add_test(load, load_safetensors);
    tcase_add_test(load, load_pytorch_zip);
    tcase_add_test(load, load_pytorch_legacy);
    tcase_add_test(load, load_sharded);
    tcase_add_test(load, load_f16_and_bf16);
    tcase_add_test(load, load_labelled_heads);
    tcase_add_test(load, load_tokenizers);
    suite_add_tcase(s, load);
    TCase *calls = tcase_create("calls");
    tcase_set_timeout(calls, 600);
    tcase_add_test(calls, tokenizer_calls);
    tcase_add_test(calls, forward);
    tcase_add_test(calls, task_fill_mask);
    tcase_add_test(calls, task_detect);
    tcase_add_test(calls, task_classify);
    tcase_add_test(calls, task_tag);
    tcase_add_test(calls, task_answer);
    suite_add_tcase(s, calls);
    return s;
}
