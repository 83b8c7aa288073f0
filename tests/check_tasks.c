/* check_tasks.c - fill-mask, detect, classify, tag and answer on the
 * fixture models: their scores must follow from transformers' logits
 * (expected .f32 files) exactly as the pipelines compute them, and their spans
 * must point at the right bytes of the input. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"
#include "fixture_model.h"
#include "testutil.h"

/* Logits are within 1e-4 of transformers'; probabilities derived from
 * them move by less than that. */
#define TOL 1e-4

struct fixture {
    electra_model *model;
    electra_context *ctx;
    fixture_inputs in;
    fixture_array *arrays;
    int n_arrays;
};

static void open_fixture(struct fixture *f, const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "models/%s", name);
    const char *dir = fixture_path(rel);
    ck_assert_int_eq(electra_model_load(dir, NULL, &f->model), ELECTRA_OK);
    ck_assert_int_eq(electra_context_create(f->model, NULL, &f->ctx), ELECTRA_OK);
    ck_assert_int_eq(fixture_inputs_load(dir, &f->in), 0);
    f->n_arrays = fixture_arrays_load(dir, &f->arrays);
    ck_assert_int_gt(f->n_arrays, 0);
}

static void close_fixture(struct fixture *f)
{
    fixture_arrays_free(f->arrays, f->n_arrays);
    fixture_inputs_free(&f->in);
    electra_context_free(f->ctx);
    electra_model_free(f->model);
}

static const fixture_array *array(const struct fixture *f, const char *name)
{
    for (int i = 0; i < f->n_arrays; i++)
        if (strcmp(f->arrays[i].name, name) == 0)
            return &f->arrays[i];
    ck_abort_msg("fixture has no %s", name);
    return NULL;
}

/* Softmax of n logits in double. */
static double *softmax(const float *x, size_t n)
{
    double *p = malloc(n * sizeof *p), mx = -INFINITY, sum = 0;
    for (size_t i = 0; i < n; i++)
        mx = x[i] > mx ? x[i] : mx;
    for (size_t i = 0; i < n; i++)
        sum += p[i] = exp(x[i] - mx);
    for (size_t i = 0; i < n; i++)
        p[i] /= sum;
    return p;
}

static double sigmoid(double x)
{
    return 1 / (1 + exp(-x));
}

/* Example 0 of tiny-generator: "The capital of France is [MASK]." */
START_TEST(fill_mask_follows_the_logits)
{
    REQUIRE_FIXTURES();
    struct fixture f;
    open_fixture(&f, "tiny-generator");
    const char *text = f.in.texts[0];
    ck_assert_str_eq(text, "The capital of France is [MASK].");
    size_t pos = 0, V = 30522;
    while (f.in.ids[pos] != 103)
        pos++;
    const fixture_array *logits = array(&f, "logits.f32");
    double *p = softmax(logits->data + pos * V, V);
    double *sorted = malloc(V * sizeof *sorted);
    memcpy(sorted, p, V * sizeof *sorted);
    /* fifth largest probability */
    double fifth = 0;
    for (int k = 0; k < 5; k++) {
        size_t best = 0;
        for (size_t i = 1; i < V; i++)
            if (sorted[i] > sorted[best])
                best = i;
        fifth = sorted[best];
        sorted[best] = -1;
    }
    electra_result *r;
    ck_assert_int_eq(electra_fill_mask(f.ctx, text, strlen(text), NULL, 0, NULL, &r), ELECTRA_OK);
    ck_assert_uint_eq(electra_result_count(r), 5);
    for (size_t i = 0; i < 5; i++) {
        int32_t id = electra_result_id(r, i);
        ck_assert_int_eq(electra_result_group(r, i), 0);
        ck_assert_double_eq_tol(electra_result_score(r, i), p[id], TOL * p[id] + 1e-7);
        ck_assert_msg(p[id] >= fifth - 1e-6, "candidate %d is not in the top 5", id);
        if (i)
            ck_assert(electra_result_score(r, i) <= electra_result_score(r, i - 1));
        /* the [MASK] span, and a sequence with the token in it */
        ck_assert_uint_eq(electra_result_start(r, i), 25);
        ck_assert_uint_eq(electra_result_end(r, i), 31);
        ck_assert_ptr_nonnull(strstr(electra_result_text(r, i), "the capital of france is"));
        ck_assert_ptr_null(strstr(electra_result_text(r, i), "[CLS]"));
    }
    electra_result_free(r);

    /* targets: full-vocabulary probabilities of just those words */
    const char *targets[] = {"paris", "London", "paris", "zzzzqqqq"};
    ck_assert_int_eq(electra_fill_mask(f.ctx, text, strlen(text), targets, 4, NULL, &r),
                     ELECTRA_OK);
    ck_assert_uint_eq(electra_result_count(r), 3); /* paris once, london, first piece of zzz.. */
    for (size_t i = 0; i < 3; i++) {
        int32_t id = electra_result_id(r, i);
        ck_assert_double_eq_tol(electra_result_score(r, i), p[id], TOL * p[id] + 1e-9);
        if (strcmp(electra_result_label(r, i), "paris") == 0)
            ck_assert_int_eq(id, 3000);
    }
    electra_result_free(r);
    free(sorted);
    free(p);
    close_fixture(&f);
}
END_TEST

START_TEST(fill_mask_several_masks_and_errors)
{
    REQUIRE_FIXTURES();
    struct fixture f;
    open_fixture(&f, "tiny-generator");
    const char *two = "[MASK] capital of France is [MASK].";
    electra_result *r = NULL;
    electra_options *o;
    electra_options_create(&o);
    electra_options_set_int(o, ELECTRA_OPT_TOP_K, 3);
    ck_assert_int_eq(electra_fill_mask(f.ctx, two, strlen(two), NULL, 0, o, &r), ELECTRA_OK);
    ck_assert_uint_eq(electra_result_count(r), 6);
    for (size_t i = 0; i < 6; i++) {
        ck_assert_int_eq(electra_result_group(r, i), (int)(i / 3));
        /* with several masks transformers keeps the special tokens */
        ck_assert_ptr_nonnull(strstr(electra_result_text(r, i), "[MASK]"));
        ck_assert_ptr_nonnull(strstr(electra_result_text(r, i), "[CLS]"));
    }
    ck_assert_uint_eq(electra_result_start(r, 0), 0);
    ck_assert_uint_eq(electra_result_start(r, 3), 28);
    electra_result_free(r);
    r = NULL;
    ck_assert_int_eq(electra_fill_mask(f.ctx, "no mask", 7, NULL, 0, NULL, &r),
                     ELECTRA_ERR_NO_MASK);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(electra_context_last_error(f.ctx), "[MASK]"));
    ck_assert_int_eq(electra_fill_mask(f.ctx, "[mask] is not special", 21, NULL, 0, NULL, &r),
                     ELECTRA_ERR_NO_MASK);
    const char *none[] = {""};
    ck_assert_int_eq(electra_fill_mask(f.ctx, two, strlen(two), none, 1, NULL, &r),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_detect(f.ctx, "x", 1, NULL, &r), ELECTRA_ERR_WRONG_HEAD);
    ck_assert_int_eq(electra_fill_mask(f.ctx, "\xff[MASK]", 7, NULL, 0, NULL, &r),
                     ELECTRA_ERR_INVALID_UTF8);
    ck_assert_int_eq(electra_fill_mask(NULL, two, 1, NULL, 0, NULL, &r),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_fill_mask(f.ctx, NULL, 3, NULL, 0, NULL, &r),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(electra_fill_mask(f.ctx, two, strlen(two), NULL, 0, NULL, NULL),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    /* longer than the model's 128 positions: an error unless truncation */
    size_t n = 0;
    char *big = malloc(200 * 6 + 8);
    for (int i = 0; i < 200; i++)
        n += (size_t)sprintf(big + n, "word ");
    n += (size_t)sprintf(big + n, "[MASK]");
    ck_assert_int_eq(electra_fill_mask(f.ctx, big, n, NULL, 0, NULL, &r), ELECTRA_ERR_TOO_LONG);
    ck_assert_int_eq(electra_fill_mask(f.ctx, "[MASK] " "word word", 16, NULL, 0, NULL, &r),
                     ELECTRA_OK);
    electra_result_free(r);
    electra_options_set_int(o, ELECTRA_OPT_TRUNCATION, ELECTRA_TRUNCATION_LONGEST_FIRST);
    /* truncation keeps the first 126 pieces: the mask at the end is cut */
    ck_assert_int_eq(electra_fill_mask(f.ctx, big, n, NULL, 0, o, &r), ELECTRA_ERR_NO_MASK);
    memcpy(big, "[MASK]", 6);
    ck_assert_int_eq(electra_fill_mask(f.ctx, big, n, NULL, 0, o, &r), ELECTRA_OK);
    electra_result_free(r);
    free(big);
    electra_options_free(o);
    close_fixture(&f);
}
END_TEST

/* Example 1 of tiny-discriminator: accents, no padding. */
START_TEST(detect_follows_the_logits)
{
    REQUIRE_FIXTURES();
    struct fixture f;
    open_fixture(&f, "tiny-discriminator");
    const char *text = f.in.texts[1];
    size_t unpadded = 0;
    while (unpadded < f.in.seq && f.in.mask[f.in.seq + unpadded])
        unpadded++;
    const float *logits = array(&f, "logits.f32")->data + 1 * f.in.seq;
    electra_result *r;
    ck_assert_int_eq(electra_detect(f.ctx, text, strlen(text), NULL, &r), ELECTRA_OK);
    size_t tokens = 0, words = 0;
    for (size_t i = 0; i < electra_result_count(r); i++) {
        if (electra_result_group(r, i) == 1) {
            words++;
            continue;
        }
        tokens++;
        double want = logits[tokens]; /* position 0 is [CLS] */
        ck_assert_double_eq_tol(electra_result_logit(r, i), want, TOL);
        ck_assert_double_eq_tol(electra_result_score(r, i), sigmoid(want), TOL);
        ck_assert_int_eq(electra_result_flag(r, i), electra_result_score(r, i) > 0.5);
        ck_assert_int_eq(electra_result_id(r, i), f.in.ids[1 * f.in.seq + tokens]);
    }
    ck_assert_uint_eq(tokens, unpadded - 2); /* all but [CLS] and [SEP] */
    ck_assert_uint_eq(words, 14);
    /* words: original text, the highest piece probability */
    const char *first[] = {"Crème", "brûlée", "and"};
    size_t w = 0;
    for (size_t i = 0; i < electra_result_count(r) && w < 3; i++)
        if (electra_result_group(r, i) == 1) {
            ck_assert_str_eq(electra_result_label(r, i), first[w]);
            size_t s = electra_result_start(r, i), e = electra_result_end(r, i);
            ck_assert_int_eq(memcmp(text + s, first[w], e - s), 0);
            w++;
        }
    /* "Crème" = cr ##eme: its probability is the larger of the two */
    double a = sigmoid(logits[1]), b = sigmoid(logits[2]);
    for (size_t i = 0; i < electra_result_count(r); i++)
        if (electra_result_group(r, i) == 1) {
            ck_assert_double_eq_tol(electra_result_score(r, i), a > b ? a : b, TOL);
            break;
        }
    electra_result_free(r);
    /* a threshold of 1 flags nothing, of 0 everything */
    electra_options *o;
    electra_options_create(&o);
    electra_options_set_float(o, ELECTRA_OPT_THRESHOLD, 1.0);
    ck_assert_int_eq(electra_detect(f.ctx, text, strlen(text), o, &r), ELECTRA_OK);
    for (size_t i = 0; i < electra_result_count(r); i++)
        ck_assert_int_eq(electra_result_flag(r, i), 0);
    electra_result_free(r);
    electra_options_free(o);
    /* empty text: nothing between [CLS] and [SEP] */
    ck_assert_int_eq(electra_detect(f.ctx, "", 0, NULL, &r), ELECTRA_OK);
    ck_assert_uint_eq(electra_result_count(r), 0);
    electra_result_free(r);
    close_fixture(&f);
}
END_TEST

START_TEST(classify_follows_the_logits)
{
    REQUIRE_FIXTURES();
    struct fixture f;
    open_fixture(&f, "tiny-classifier");
    const fixture_array *logits = array(&f, "logits.f32");
    const int rows[] = {0, 3}; /* a single text and a pair */
    const char *texts[2][2] = {{f.in.texts[0], f.in.pairs[0]}, {f.in.texts[3], f.in.pairs[3]}};
    ck_assert_ptr_null(texts[0][1]);
    ck_assert_ptr_nonnull(texts[1][1]);
    for (int t = 0; t < 2; t++) {
        double *p = softmax(logits->data + rows[t] * 3, 3);
        electra_result *r;
        const char *pair = texts[t][1];
        ck_assert_int_eq(electra_classify(f.ctx, texts[t][0], strlen(texts[t][0]), pair,
                                          pair ? strlen(pair) : 0, NULL, &r),
                         ELECTRA_OK);
        ck_assert_uint_eq(electra_result_count(r), 3);
        for (size_t i = 0; i < 3; i++) {
            int32_t id = electra_result_id(r, i);
            ck_assert_str_eq(electra_result_label(r, i), electra_model_label(f.model, (size_t)id));
            ck_assert_double_eq_tol(electra_result_score(r, i), p[id], TOL);
            ck_assert_double_eq_tol(electra_result_logit(r, i), logits->data[rows[t] * 3 + id],
                                    TOL);
            if (i)
                ck_assert(electra_result_score(r, i) <= electra_result_score(r, i - 1));
        }
        electra_result_free(r);
        free(p);
    }
    /* sigmoid on request: independent scores */
    electra_options *o;
    electra_options_create(&o);
    electra_options_set_int(o, ELECTRA_OPT_CLASSIFY_FUNCTION, ELECTRA_CLASSIFY_SIGMOID);
    electra_result *r;
    ck_assert_int_eq(electra_classify(f.ctx, texts[0][0], strlen(texts[0][0]), NULL, 0, o, &r),
                     ELECTRA_OK);
    for (size_t i = 0; i < 3; i++)
        ck_assert_double_eq_tol(electra_result_score(r, i),
                                sigmoid(logits->data[electra_result_id(r, i)]), TOL);
    electra_result_free(r);
    electra_options_free(o);
    close_fixture(&f);
}
END_TEST

START_TEST(tag_follows_the_logits)
{
    REQUIRE_FIXTURES();
    struct fixture f;
    open_fixture(&f, "tiny-tagger");
    const char *text = f.in.texts[0];
    const fixture_array *logits = array(&f, "logits.f32");
    size_t L = 5;
    electra_options *o;
    electra_options_create(&o);
    electra_options_set_int(o, ELECTRA_OPT_AGGREGATION, ELECTRA_AGGREGATION_NONE);
    electra_result *r;
    ck_assert_int_eq(electra_tag(f.ctx, text, strlen(text), o, &r), ELECTRA_OK);
    /* every token whose best label is not O, with that label's probability */
    size_t k = 0, n = 0;
    while (n < f.in.seq && f.in.mask[n])
        n++;
    for (size_t pos = 1; pos + 1 < n; pos++) { /* between [CLS] and [SEP] */
        double *p = softmax(logits->data + pos * L, L);
        size_t best = 0;
        for (size_t l = 1; l < L; l++)
            best = p[l] > p[best] ? l : best;
        if (best != 0) {
            ck_assert_uint_lt(k, electra_result_count(r));
            ck_assert_int_eq(electra_result_flag(r, k), (int)pos);
            ck_assert_int_eq(electra_result_id(r, k), (int)best);
            ck_assert_str_eq(electra_result_label(r, k), electra_model_label(f.model, best));
            ck_assert_double_eq_tol(electra_result_score(r, k), p[best], TOL);
            k++;
        }
        free(p);
    }
    ck_assert_uint_eq(electra_result_count(r), k);
    electra_result_free(r);
    /* grouped entities never carry B-/I- and cover their tokens' bytes */
    electra_options_set_int(o, ELECTRA_OPT_AGGREGATION, ELECTRA_AGGREGATION_SIMPLE);
    ck_assert_int_eq(electra_tag(f.ctx, text, strlen(text), o, &r), ELECTRA_OK);
    for (size_t i = 0; i < electra_result_count(r); i++) {
        ck_assert_ptr_null(strstr(electra_result_label(r, i), "-"));
        ck_assert_uint_lt(electra_result_start(r, i), electra_result_end(r, i));
        ck_assert_uint_le(electra_result_end(r, i), strlen(text));
    }
    electra_result_free(r);
    electra_options_free(o);
    close_fixture(&f);
}
END_TEST

/* Example 0 of tiny-qa fits one window: the best span is the one the
 * pipeline's rule picks from transformers' start/end logits. */
START_TEST(answer_follows_the_logits)
{
    REQUIRE_FIXTURES();
    struct fixture f;
    open_fixture(&f, "tiny-qa");
    const char *q = f.in.texts[0], *c = f.in.pairs[0];
    const float *st = array(&f, "start_logits.f32")->data, *en = array(&f, "end_logits.f32")->data;
    size_t S = f.in.seq;
    /* context tokens: type id 1 and not the final [SEP] */
    int wanted[64] = {0};
    size_t n = 0;
    while (n < S && f.in.mask[n])
        n++;
    for (size_t i = 0; i < n; i++)
        wanted[i] = (f.in.types[i] == 1 && i + 1 < n) || i == 0;
    double ps[64], pe[64], ms = -INFINITY, me = -INFINITY, ss = 0, se = 0;
    for (size_t i = 0; i < n; i++) {
        ps[i] = wanted[i] ? st[i] : -10000.0;
        pe[i] = wanted[i] ? en[i] : -10000.0;
        ms = ps[i] > ms ? ps[i] : ms;
        me = pe[i] > me ? pe[i] : me;
    }
    for (size_t i = 0; i < n; i++) {
        ss += ps[i] = exp(ps[i] - ms);
        se += pe[i] = exp(pe[i] - me);
    }
    double best = -1;
    size_t bs = 0, be = 0;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j < n && j - i < 15; j++)
            if (wanted[i] && wanted[j] && ps[i] / ss * pe[j] / se > best) {
                best = ps[i] / ss * pe[j] / se;
                bs = i;
                be = j;
            }
    electra_result *r;
    ck_assert_int_eq(electra_answer(f.ctx, q, strlen(q), c, strlen(c), NULL, &r), ELECTRA_OK);
    ck_assert_uint_eq(electra_result_count(r), 1);
    ck_assert_double_eq_tol(electra_result_score(r, 0), best, TOL);
    /* the span's bytes come from the tokens the rule picked */
    electra_encoding *e;
    electra_encoding_create(&e);
    ck_assert_int_eq(electra_tokenizer_encode(electra_model_tokenizer(f.model), q, strlen(q), c,
                                              strlen(c), NULL, e),
                     ELECTRA_OK);
    const size_t *off = electra_encoding_offsets(e, 0);
    ck_assert_uint_eq(electra_result_start(r, 0), off[2 * bs]);
    ck_assert_uint_eq(electra_result_end(r, 0), off[2 * be + 1]);
    size_t len = electra_result_end(r, 0) - electra_result_start(r, 0);
    ck_assert_int_eq(strncmp(electra_result_text(r, 0), c + electra_result_start(r, 0), len), 0);
    electra_encoding_free(e);
    electra_result_free(r);
    close_fixture(&f);
}
END_TEST

/* A context much longer than the 128-position model is read in windows,
 * and every answer is a span of the context. */
START_TEST(answer_reads_long_contexts_in_windows)
{
    REQUIRE_FIXTURES();
    struct fixture f;
    open_fixture(&f, "tiny-qa");
    char *c = malloc(20000);
    size_t n = 0;
    for (int i = 0; i < 300; i++)
        n += (size_t)sprintf(c + n, "Sentence %d tells of Zoë in São Paulo. ", i);
    electra_options *o;
    electra_options_create(&o);
    electra_options_set_int(o, ELECTRA_OPT_TOP_K, 4);
    electra_options_set_int(o, ELECTRA_OPT_ALLOW_NO_ANSWER, 1);
    electra_result *r;
    ck_assert_int_eq(electra_answer(f.ctx, "Where is Zoë?", 14, c, n, o, &r), ELECTRA_OK);
    ck_assert_uint_eq(electra_result_count(r), 4);
    for (size_t i = 0; i < 4; i++) {
        size_t s = electra_result_start(r, i), e = electra_result_end(r, i);
        ck_assert_uint_le(s, e);
        ck_assert_uint_le(e, n);
        if (electra_result_flag(r, i) == 0) {
            ck_assert_uint_lt(s, e);
            ck_assert_int_eq(strncmp(electra_result_text(r, i), c + s, e - s), 0);
        }
        if (i)
            ck_assert(electra_result_score(r, i) <= electra_result_score(r, i - 1));
    }
    electra_result_free(r);
    electra_options_free(o);
    free(c);
    close_fixture(&f);
}
END_TEST

START_TEST(tasks_need_a_tokenizer)
{
    REQUIRE_FIXTURES();
    /* config + weights without vocab.txt */
    const char *dir = make_temp_dir("notok");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cp '%s/config.json' '%s/model.safetensors' '%s'",
             fixture_path("models/tiny-classifier"), fixture_path("models/tiny-classifier"), dir);
    ck_assert_int_eq(system(cmd), 0);
    electra_model *m;
    ck_assert_int_eq(electra_model_load(dir, NULL, &m), ELECTRA_OK);
    ck_assert_ptr_null(electra_model_tokenizer(m));
    electra_context *ctx;
    ck_assert_int_eq(electra_context_create(m, NULL, &ctx), ELECTRA_OK);
    electra_result *r = NULL;
    ck_assert_int_eq(electra_classify(ctx, "hi", 2, NULL, 0, NULL, &r), ELECTRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(electra_context_last_error(ctx), "tokenizer"));
    ck_assert_ptr_null(r);
    electra_context_free(ctx);
    electra_model_free(m);
}
END_TEST

Suite *make_tasks_suite(void)
{
    Suite *s = suite_create("tasks");
    TCase *tc = tcase_create("tasks");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, fill_mask_follows_the_logits);
    tcase_add_test(tc, fill_mask_several_masks_and_errors);
    tcase_add_test(tc, detect_follows_the_logits);
    tcase_add_test(tc, classify_follows_the_logits);
    tcase_add_test(tc, tag_follows_the_logits);
    tcase_add_test(tc, answer_follows_the_logits);
    tcase_add_test(tc, answer_reads_long_contexts_in_windows);
    tcase_add_test(tc, tasks_need_a_tokenizer);
    suite_add_tcase(s, tc);
    return s;
}
