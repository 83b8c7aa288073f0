/* check_odd_inputs.c - hostile-looking inputs that load, with the
 * behaviour doc/limits.md documents (the ones that must fail are in
 * tests/hostile/MANIFEST):
 *
 *  - vocab.txt with a repeated token: the last line wins, as in
 *    BertTokenizer's load_vocab; the earlier id has no token and decodes
 *    as [UNK];
 *  - a NUL byte inside a vocab line: the token is kept byte for byte
 *    (token_to_id with its length finds it), id_to_token shows it up to
 *    the NUL;
 *  - an enormous line: one token, which no word can match (words longer
 *    than max_input_chars_per_word are [UNK]);
 *  - a UTF-8 byte order mark: part of the first token, as when Python
 *    reads the file;
 *  - a vocabulary with [UNK] but without [CLS]/[SEP]: loads, and encoding
 *    with special tokens is ELECTRA_ERR_INVALID_ARGUMENT;
 *  - a tokenizer with more tokens than the model's vocab_size: loads, and
 *    a text reaching those ids is ELECTRA_ERR_INVALID_ARGUMENT;
 *  - NaN or infinite weights: load (transformers does not look either);
 *    they spread into the outputs, and the tasks still succeed, with NaN
 *    scores (never a crash or undefined behaviour). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"
#include "reliability_util.h"
#include "safetensors_write.h"
#include "tensor_set.h"
#include "testutil.h"
#include "tiny_model.h"
#include "weights_util.h"

static electra_tokenizer *load_vocab(const void *data, size_t len)
{
    const char *dir = make_temp_dir("vocab");
    const char *path = write_temp(dir, "vocab.txt", data, len);
    electra_tokenizer *t = NULL;
    electra_status s = electra_tokenizer_load(path, NULL, &t);
    ck_assert_msg(s == ELECTRA_OK, "%s", electra_last_error());
    return t;
}

static const char specials[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";

/* ids of text encoded without special tokens (at most 16). */
static size_t encode_plain(const electra_tokenizer *t, const char *text, int32_t *ids)
{
    electra_encoding *e;
    electra_options *o;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    ck_assert_int_eq(electra_options_create(&o), ELECTRA_OK);
    electra_options_set_int(o, ELECTRA_OPT_ADD_SPECIAL_TOKENS, 0);
    ck_assert_int_eq(electra_tokenizer_encode(t, text, strlen(text), NULL, 0, o, e), ELECTRA_OK);
    size_t n = electra_encoding_length(e, 0);
    ck_assert_uint_le(n, 16);
    memcpy(ids, electra_encoding_ids(e, 0), n * sizeof *ids);
    electra_options_free(o);
    electra_encoding_free(e);
    return n;
}

START_TEST(repeated_token_keeps_the_last_id)
{
    char v[128];
    int n = snprintf(v, sizeof v, "%sthe\nfox\nthe\n", specials);
    electra_tokenizer *t = load_vocab(v, (size_t)n);
    ck_assert_int_eq(electra_tokenizer_token_to_id(t, "the", 3), 7);
    ck_assert_ptr_null(electra_tokenizer_id_to_token(t, 5));
    int32_t ids[16];
    ck_assert_uint_eq(encode_plain(t, "the fox", ids), 2);
    ck_assert_int_eq(ids[0], 7);
    const int32_t back[] = {5, 6, 7};
    char buf[64];
    size_t len;
    ck_assert_int_eq(electra_tokenizer_decode(t, back, 3, 0, 0, buf, sizeof buf, &len), ELECTRA_OK);
    ck_assert_str_eq(buf, "[UNK] fox the");
    electra_tokenizer_free(t);
}
END_TEST

START_TEST(nul_byte_inside_a_token)
{
    char v[128];
    int n = snprintf(v, sizeof v, "%st", specials);
    memcpy(v + n, "\0he\nfox\n", 8);
    electra_tokenizer *t = load_vocab(v, (size_t)n + 8);
    ck_assert_int_eq(electra_tokenizer_token_to_id(t, "t\0he", 4), 5);
    ck_assert_str_eq(electra_tokenizer_id_to_token(t, 5), "t");
    ck_assert_int_eq(electra_tokenizer_token_to_id(t, "the", 3), -1);
    int32_t ids[16];
    ck_assert_uint_eq(encode_plain(t, "the fox", ids), 2);
    ck_assert_int_eq(ids[0], 1); /* [UNK]: the text has no NUL */
    /* decode writes the token's bytes, NUL included: length says so */
    const int32_t five = 5;
    char buf[16];
    size_t len;
    ck_assert_int_eq(electra_tokenizer_decode(t, &five, 1, 0, 0, buf, sizeof buf, &len),
                     ELECTRA_OK);
    ck_assert_uint_eq(len, 4);
    ck_assert_mem_eq(buf, "t\0he", 4);
    electra_tokenizer_free(t);
}
END_TEST

START_TEST(enormous_line)
{
    size_t big = 300000, n = strlen(specials);
    char *v = malloc(n + big + 6);
    memcpy(v, specials, n);
    memset(v + n, 'a', big);
    memcpy(v + n + big, "\nfox\n", 5);
    electra_tokenizer *t = load_vocab(v, n + big + 5);
    ck_assert_uint_eq(electra_tokenizer_vocab_size(t), 7);
    ck_assert_uint_eq(strlen(electra_tokenizer_id_to_token(t, 5)), big);
    /* The same word in a text is longer than max_input_chars_per_word. */
    char *text = malloc(big + 5);
    memset(text, 'a', big);
    memcpy(text + big, " fox", 5);
    int32_t ids[16];
    ck_assert_uint_eq(encode_plain(t, text, ids), 2);
    ck_assert_int_eq(ids[0], 1);
    ck_assert_int_eq(ids[1], 6);
    free(text);
    free(v);
    electra_tokenizer_free(t);
}
END_TEST

START_TEST(byte_order_mark_stays_in_the_first_token)
{
    char v[128];
    int n = snprintf(v, sizeof v, "\xef\xbb\xbf%sthe\n", specials);
    electra_tokenizer *t = load_vocab(v, (size_t)n);
    ck_assert_int_eq(electra_tokenizer_special_id(t, ELECTRA_TOKEN_PAD), -1);
    ck_assert_int_eq(electra_tokenizer_token_to_id(t, "\xef\xbb\xbf[PAD]", 8), 0);
    ck_assert_int_eq(electra_tokenizer_special_id(t, ELECTRA_TOKEN_UNK), 1);
    electra_tokenizer_free(t);
}
END_TEST

START_TEST(vocabulary_without_cls_and_sep)
{
    static const char v[] = "[UNK]\nthe\nfox\n";
    electra_tokenizer *t = load_vocab(v, sizeof v - 1);
    electra_encoding *e;
    ck_assert_int_eq(electra_encoding_create(&e), ELECTRA_OK);
    ck_assert_int_eq(electra_tokenizer_encode(t, "the fox", 7, NULL, 0, NULL, e),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(electra_encoding_last_error(e), "[CLS] or [SEP]"));
    int32_t ids[16];
    ck_assert_uint_eq(encode_plain(t, "the dog", ids), 2);
    ck_assert_int_eq(ids[1], 0);
    electra_encoding_free(e);
    electra_tokenizer_free(t);
}
END_TEST

START_TEST(tokenizer_larger_than_the_model)
{
    const char *dir = make_temp_dir("bigvocab");
    ck_assert_int_eq(tiny_model_write(dir, ELECTRA_HEAD_PRETRAINING), 0);
    size_t n = strlen(tiny_vocab_txt);
    char *v = malloc(n + 32);
    memcpy(v, tiny_vocab_txt, n);
    memcpy(v + n, "zebra\nyak\n", 10);
    write_temp(dir, "vocab.txt", v, n + 10);
    free(v);
    electra_model *m;
    ck_assert_int_eq(electra_model_load(dir, NULL, &m), ELECTRA_OK);
    ck_assert_uint_eq(electra_tokenizer_vocab_size(electra_model_tokenizer(m)), 62);
    electra_context *ctx;
    ck_assert_int_eq(electra_context_create(m, NULL, &ctx), ELECTRA_OK);
    electra_result *r = NULL;
    ck_assert_int_eq(electra_detect(ctx, "the fox", 7, NULL, &r), ELECTRA_OK);
    electra_result_free(r);
    ck_assert_int_eq(electra_detect(ctx, "the zebra", 9, NULL, &r), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(electra_context_last_error(ctx), "= 60 is outside the vocabulary"));
    electra_context_free(ctx);
    electra_model_free(m);
}
END_TEST

/* ---- NaN and infinite weights ------------------------------------------- */

/* The tiny model with head, one tensor (name) set to value: everywhere,
 * or only in row `row` when row >= 0. */
static const char *poisoned_model(int head, const char *name, float value, int row)
{
    const char *tmp = make_temp_dir("poisoned");
    static char dir[4096];
    snprintf(dir, sizeof dir, "%s", tmp);
    ck_assert_int_eq(tiny_model_write(dir, head), 0);
    char path[4200];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    el_tensor_set *set;
    ck_assert_int_eq(el_tensor_set_create(&set), ELECTRA_OK);
    ck_assert_int_eq(el_load_safetensors(set, path), ELECTRA_OK);
    size_t n = el_tensor_set_count(set);
    el_tensor *ts = calloc(n, sizeof *ts);
    float *poison = NULL;
    for (size_t i = 0; i < n; i++) {
        ts[i] = *el_tensor_set_at(set, i);
        if (strcmp(ts[i].name, name) == 0) {
            size_t count = ts[i].nbytes / sizeof(float);
            size_t width = ts[i].ndim == 2 ? (size_t)ts[i].shape[1] : count;
            poison = malloc(ts[i].nbytes);
            memcpy(poison, ts[i].data, ts[i].nbytes);
            for (size_t k = 0; k < count; k++)
                if (row < 0 || k / width == (size_t)row)
                    poison[k] = value;
            ts[i].data = poison;
        }
    }
    ck_assert_ptr_nonnull(poison);
    ck_assert_int_eq(el_safetensors_write(path, ts, n), ELECTRA_OK);
    free(poison);
    free(ts);
    el_tensor_set_free(set);
    return dir;
}

static electra_context *open_context(const char *dir, electra_model **m)
{
    electra_context *ctx;
    ck_assert_int_eq(electra_model_load(dir, NULL, m), ELECTRA_OK);
    ck_assert_int_eq(electra_context_create(*m, NULL, &ctx), ELECTRA_OK);
    return ctx;
}

static void check_all_scores_nan(const electra_result *r)
{
    ck_assert_uint_gt(electra_result_count(r), 0);
    for (size_t i = 0; i < electra_result_count(r); i++)
        ck_assert_msg(isnan(electra_result_score(r, i)), "item %zu (group %d, %s) score %g", i,
                      electra_result_group(r, i), electra_result_label(r, i) ? electra_result_label(r, i) : "-",
                      electra_result_score(r, i));
}

START_TEST(nan_weights_load_and_spread)
{
    static const char *const norm = "electra.embeddings.LayerNorm.weight";
    static const struct {
        int head;
        float value;
    } cases[] = {{ELECTRA_HEAD_MASKED_LM, NAN},
                 {ELECTRA_HEAD_PRETRAINING, INFINITY},
                 {ELECTRA_HEAD_SEQUENCE_CLASSIFICATION, NAN},
                 {ELECTRA_HEAD_TOKEN_CLASSIFICATION, -INFINITY},
                 {ELECTRA_HEAD_QUESTION_ANSWERING, NAN}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        electra_model *m;
        electra_context *ctx = open_context(poisoned_model(cases[c].head, norm, cases[c].value, -1), &m);
        const int32_t ids[4] = {2, 35, 4, 3};
        ck_assert_int_eq(electra_forward(ctx, 1, 4, ids, NULL, NULL), ELECTRA_OK);
        float hidden[4 * 16];
        ck_assert_int_eq(electra_output_copy(ctx, ELECTRA_OUTPUT_LAST_HIDDEN_STATE, hidden, 64),
                         ELECTRA_OK);
        for (int i = 0; i < 64; i++)
            ck_assert(isnan(hidden[i]));
        electra_result *r = NULL;
        electra_status s;
        switch (cases[c].head) {
        case ELECTRA_HEAD_MASKED_LM:
            s = electra_fill_mask(ctx, "the [MASK] fox", 14, NULL, 0, NULL, &r);
            break;
        case ELECTRA_HEAD_PRETRAINING:
            s = electra_detect(ctx, "the quick fox", 13, NULL, &r);
            break;
        case ELECTRA_HEAD_SEQUENCE_CLASSIFICATION:
            s = electra_classify(ctx, "the quick fox", 13, NULL, 0, NULL, &r);
            break;
        case ELECTRA_HEAD_TOKEN_CLASSIFICATION:
            s = electra_tag(ctx, "paris is of france", 18, NULL, &r);
            break;
        default:
            s = electra_answer(ctx, "who?", 4, "the fox is quick", 16, NULL, &r);
            break;
        }
        ck_assert_msg(s == ELECTRA_OK, "head %d: %s", cases[c].head,
                      electra_context_last_error(ctx));
        if (cases[c].head == ELECTRA_HEAD_PRETRAINING) {
            /* NaN > threshold is false: nothing is flagged as replaced */
            for (size_t i = 0; i < electra_result_count(r); i++)
                ck_assert_int_eq(electra_result_flag(r, i), 0);
        }
        if (cases[c].head == ELECTRA_HEAD_QUESTION_ANSWERING) {
            /* NaN spans never beat the leading [CLS] span (scored 0) */
            ck_assert_uint_eq(electra_result_count(r), 1);
            ck_assert_str_eq(electra_result_text(r, 0), "");
            ck_assert_double_eq(electra_result_score(r, 0), 0.0);
        } else if (cases[c].head != ELECTRA_HEAD_TOKEN_CLASSIFICATION) {
            check_all_scores_nan(r); /* (NaN tags make no entity) */
        }
        electra_result_free(r);
        electra_context_free(ctx);
        electra_model_free(m);
    }
}
END_TEST

START_TEST(nan_in_one_embedding_row_spares_other_texts)
{
    electra_model *clean_m, *m;
    const char *clean_dir = make_temp_dir("clean");
    char clean[4096];
    snprintf(clean, sizeof clean, "%s", clean_dir);
    ck_assert_int_eq(tiny_model_write(clean, ELECTRA_HEAD_PRETRAINING), 0);
    electra_context *a = open_context(clean, &clean_m);
    /* row 38: the token "fox" (a generator would spread it everywhere:
     * its output layer is tied to the word embeddings) */
    electra_context *b = open_context(
        poisoned_model(ELECTRA_HEAD_PRETRAINING, "electra.embeddings.word_embeddings.weight", NAN,
                       38),
        &m);
    ck_assert_int_eq(electra_tokenizer_token_to_id(electra_model_tokenizer(m), "fox", 3), 38);
    electra_result *ra, *rb;
    ck_assert_int_eq(electra_detect(a, "the lazy dog", 12, NULL, &ra), ELECTRA_OK);
    ck_assert_int_eq(electra_detect(b, "the lazy dog", 12, NULL, &rb), ELECTRA_OK);
    ck_assert_uint_eq(fingerprint_result(ra), fingerprint_result(rb));
    electra_result_free(ra);
    electra_result_free(rb);
    ck_assert_int_eq(electra_detect(b, "the lazy fox", 12, NULL, &rb), ELECTRA_OK);
    check_all_scores_nan(rb);
    electra_result_free(rb);
    electra_context_free(a);
    electra_context_free(b);
    electra_model_free(clean_m);
    electra_model_free(m);
}
END_TEST

Suite *make_odd_inputs_suite(void)
{
    Suite *s = suite_create("odd_inputs");
    TCase *tc = tcase_create("accepted");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, repeated_token_keeps_the_last_id);
    tcase_add_test(tc, nul_byte_inside_a_token);
    tcase_add_test(tc, enormous_line);
    tcase_add_test(tc, byte_order_mark_stays_in_the_first_token);
    tcase_add_test(tc, vocabulary_without_cls_and_sep);
    tcase_add_test(tc, tokenizer_larger_than_the_model);
    tcase_add_test(tc, nan_weights_load_and_spread);
    tcase_add_test(tc, nan_in_one_embedding_row_spares_other_texts);
    suite_add_tcase(s, tc);
    return s;
}
