/* check_pretrain_data.c - packing text into pre-training examples
 * ([CLS] A [SEP] B [SEP], build_pretraining_dataset.py's rules) and the
 * seeded, shuffled stream. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pretrain_data.h"
#include "pretrain_util.h"
#include "testutil.h"

#define CLS 101
#define SEP 102

/* One example as padded rows. */
struct row {
    int32_t ids[512], types[512], mask[512];
    size_t len, seps;
};

static void get_row(const el_pretrain_data *d, size_t i, struct row *r)
{
    el_pretrain_data_example(d, i, r->ids, r->types, r->mask);
    r->len = 0;
    r->seps = 0;
    for (size_t t = 0; t < d->max_length; t++) {
        r->len += (size_t)r->mask[t];
        r->seps += r->ids[t] == SEP;
    }
}

/* Every example is [CLS] A [SEP] (B [SEP]) with types 0 .. 0 1 .. 1, the
 * mask over its tokens, padding 0. */
static void check_layout(const el_pretrain_data *d)
{
    struct row r;
    for (size_t i = 0; i < d->n_examples; i++) {
        get_row(d, i, &r);
        size_t S = d->max_length;
        ck_assert_int_eq(r.ids[0], CLS);
        ck_assert_uint_ge(r.len, 3);
        ck_assert_uint_le(r.len, S);
        ck_assert_int_eq(r.ids[r.len - 1], SEP);
        ck_assert_msg(r.seps == 1 || r.seps == 2, "example %zu has %zu [SEP]", i, r.seps);
        size_t first_sep = 1;
        while (r.ids[first_sep] != SEP)
            first_sep++;
        for (size_t t = 0; t < S; t++) {
            ck_assert_int_eq(r.mask[t], t < r.len);
            ck_assert_int_eq(r.types[t], t > first_sep && t < r.len);
            if (t >= r.len)
                ck_assert_int_eq(r.ids[t], 0);
            else if (t != 0 && t != first_sep && t != r.len - 1)
                ck_assert_msg(r.ids[t] != CLS && r.ids[t] != SEP, "special inside a segment");
        }
        if (r.seps == 2)
            ck_assert_uint_lt(first_sep + 1, r.len - 1); /* B is not empty */
    }
}

/* Sentences of one token each: document d, sentence k is id
 * 1000 d + k, so tokens say where they came from. */
static el_pretrain_data *numbered(size_t max_length, uint64_t seed, size_t docs, size_t sentences)
{
    el_pretrain_data *d;
    ck_assert_int_eq(el_pretrain_data_create(max_length, CLS, SEP, seed, &d), ELECTRA_OK);
    for (size_t doc = 0; doc < docs; doc++) {
        for (size_t k = 0; k < sentences; k++) {
            int32_t id = (int32_t)(1000 * (doc + 1) + k % 1000);
            ck_assert_int_eq(el_pretrain_data_add_sentence(d, &id, 1), ELECTRA_OK);
        }
        ck_assert_int_eq(el_pretrain_data_end_document(d), ELECTRA_OK);
    }
    return d;
}

START_TEST(test_layout_and_documents)
{
    el_pretrain_data *d = numbered(32, 1, 6, 300);
    ck_assert_uint_gt(d->n_examples, 50);
    check_layout(d);
    /* No example mixes documents; tokens of a document appear once. */
    static unsigned char seen[8000];
    memset(seen, 0, sizeof seen);
    struct row r;
    for (size_t i = 0; i < d->n_examples; i++) {
        get_row(d, i, &r);
        int doc = -1;
        for (size_t t = 0; t < r.len; t++) {
            if (r.ids[t] == CLS || r.ids[t] == SEP)
                continue;
            int this_doc = r.ids[t] / 1000;
            ck_assert_msg(doc < 0 || doc == this_doc, "example %zu mixes documents", i);
            doc = this_doc;
            ck_assert_msg(!seen[r.ids[t]], "token %d packed twice", r.ids[t]);
            seen[r.ids[t]] = 1;
        }
    }
    el_pretrain_data_free(d);
}
END_TEST

/* With targets of max_length tokens, an example holds max - 3 or max - 2
 * of them (the crossing sentence is cut), except the random shorter
 * ones, the single-segment ones (one time in ten) and a document's end. */
START_TEST(test_segment_statistics)
{
    el_pretrain_data *d = numbered(64, 3, 1, 200000);
    size_t n = d->n_examples, single = 0, full = 0, shorter = 0;
    struct row r;
    for (size_t i = 0; i + 1 < n; i++) { /* the last one is the document's end */
        get_row(d, i, &r);
        single += r.seps == 1;
        full += r.len >= 62;
        shorter += r.len < 40;
    }
    double m = (double)(n - 1);
    ck_assert_uint_gt(n, 2500);
    /* 10 % single-segment (binomial: sd ~0.006 here) */
    ck_assert_msg(single / m > 0.075 && single / m < 0.125, "single-segment share %g",
                  single / m);
    /* 5 % aim at a random length in [5, 64]: about 5 % x 35/60 below 40 */
    ck_assert_msg(shorter / m > 0.015 && shorter / m < 0.045, "short share %g", shorter / m);
    ck_assert_msg(full / m > 0.9, "full-length share %g", full / m);
    el_pretrain_data_free(d);
}
END_TEST

/* build_pretraining_dataset.py's segment rule on a hand-made case: A aims
 * at (target - 3) / 2 = 6 tokens for max 16; sentence lengths 4, 5, 1:
 * the 5 would overflow A (4 + 5 >= 6): B unless the coin says A; the 1
 * then fits A (4 + 1 < 6) even after B began. */
START_TEST(test_segment_rule)
{
    int a_then_b = 0, a_only = 0, interleaved = 0;
    for (uint64_t seed = 0; seed < 400; seed++) {
        el_pretrain_data *d;
        ck_assert_int_eq(el_pretrain_data_create(16, CLS, SEP, seed, &d), ELECTRA_OK);
        int32_t s1[4] = {11, 12, 13, 14}, s2[5] = {21, 22, 23, 24, 25}, s3[1] = {31};
        el_pretrain_data_add_sentence(d, s1, 4);
        el_pretrain_data_add_sentence(d, s2, 5);
        el_pretrain_data_add_sentence(d, s3, 1);
        el_pretrain_data_end_document(d);
        ck_assert_uint_eq(d->n_examples, 1);
        struct row r;
        get_row(d, 0, &r);
        static const int32_t interleave[] = {CLS, 11, 12, 13, 14, 31, SEP, 21, 22, 23, 24, 25, SEP};
        static const int32_t in_a[] = {CLS, 11, 12, 13, 14, 21, 22, 23, 24, 25, SEP, 31, SEP};
        static const int32_t single[] = {CLS, 11, 12, 13, 14, 21, 22, 23, 24, 25, 31, SEP};
        if (r.len == 13 && !memcmp(r.ids, interleave, sizeof interleave))
            interleaved++;
        else if (r.len == 13 && !memcmp(r.ids, in_a, sizeof in_a))
            a_then_b++;
        else if (r.len == 12 && !memcmp(r.ids, single, sizeof single))
            a_only++;
        else
            ck_abort_msg("seed %d: unexpected packing", (int)seed);
        el_pretrain_data_free(d);
    }
    /* 0.9 x 0.5 each way, 0.1 single-segment. */
    ck_assert_msg(interleaved > 140 && interleaved < 220, "interleaved %d", interleaved);
    ck_assert_msg(a_then_b > 140 && a_then_b < 220, "a_then_b %d", a_then_b);
    ck_assert_msg(a_only > 20 && a_only < 65, "single %d", a_only);
}
END_TEST

/* A long sentence is cut: A to max - 2, B to what is left. */
START_TEST(test_truncation)
{
    el_pretrain_data *d;
    ck_assert_int_eq(el_pretrain_data_create(8, CLS, SEP, 5, &d), ELECTRA_OK);
    int32_t long_one[20];
    for (int i = 0; i < 20; i++)
        long_one[i] = 500 + i;
    ck_assert_int_eq(el_pretrain_data_add_sentence(d, long_one, 20), ELECTRA_OK);
    ck_assert_uint_eq(d->n_examples, 1);
    struct row r;
    get_row(d, 0, &r);
    ck_assert_uint_eq(r.len, 8);
    ck_assert_int_eq(r.ids[0], CLS);
    for (int i = 1; i < 7; i++)
        ck_assert_int_eq(r.ids[i], 500 + i - 1);
    ck_assert_int_eq(r.ids[7], SEP);
    /* A blank line with nothing pending makes nothing. */
    ck_assert_int_eq(el_pretrain_data_end_document(d), ELECTRA_OK);
    ck_assert_uint_eq(d->n_examples, 1);
    el_pretrain_data_free(d);
}
END_TEST

START_TEST(test_deterministic)
{
    el_pretrain_data *a = numbered(32, 9, 3, 500), *b = numbered(32, 9, 3, 500);
    el_pretrain_data *c = numbered(32, 10, 3, 500);
    ck_assert_uint_eq(a->n_tokens, b->n_tokens);
    ck_assert_mem_eq(a->tokens, b->tokens, a->n_tokens * sizeof *a->tokens);
    ck_assert_mem_eq(a->type0, b->type0, a->n_examples * sizeof *a->type0);
    ck_assert(a->n_tokens != c->n_tokens ||
              memcmp(a->type0, c->type0, a->n_examples * sizeof *a->type0) != 0);
    el_pretrain_data_free(a);
    el_pretrain_data_free(b);
    el_pretrain_data_free(c);
}
END_TEST

/* Text: lines tokenised, blank lines end documents. */
START_TEST(test_text)
{
    electra_tokenizer *tok = test_tokenizer();
    el_pretrain_data *d;
    ck_assert_int_eq(el_pretrain_data_create(16, CLS, SEP, 0, &d), ELECTRA_OK);
    const char *text = "w1 w2\n  \nw3\r\n\n\nw4 w5 w6";
    ck_assert_int_eq(el_pretrain_data_add_text(d, tok, text, strlen(text), "t"), ELECTRA_OK);
    int32_t w[7];
    for (int i = 0; i < 7; i++)
        w[i] = electra_tokenizer_token_to_id(tok, "w0", 2) + i;
    ck_assert_uint_eq(d->n_examples, 3);
    struct row r;
    get_row(d, 0, &r);
    ck_assert_uint_eq(r.len, 4);
    ck_assert_int_eq(r.ids[1], w[1]);
    ck_assert_int_eq(r.ids[2], w[2]);
    get_row(d, 1, &r);
    ck_assert_uint_eq(r.len, 3);
    ck_assert_int_eq(r.ids[1], w[3]);
    get_row(d, 2, &r);
    ck_assert_uint_eq(r.len, 5);
    ck_assert_int_eq(r.ids[3], w[6]);
    check_layout(d);
    el_pretrain_data_free(d);
    electra_tokenizer_free(tok);
}
END_TEST

START_TEST(test_errors)
{
    el_pretrain_data *d = NULL;
    ck_assert_int_eq(el_pretrain_data_create(4, CLS, SEP, 0, &d), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(d);
    ck_assert_int_eq(el_pretrain_data_create(16, CLS, SEP, 0, &d), ELECTRA_OK);
    electra_tokenizer *tok = test_tokenizer();
    ck_assert_int_eq(el_pretrain_data_add_file(d, tok, "/nonexistent/corpus.txt"),
                     ELECTRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "/nonexistent/corpus.txt"));
    const char bad[] = "w1 \xff w2\n";
    ck_assert_int_eq(el_pretrain_data_add_text(d, tok, bad, sizeof bad - 1, "bad.txt"),
                     ELECTRA_ERR_INVALID_UTF8);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "bad.txt"));
    el_pretrain_stream s;
    ck_assert_int_eq(el_pretrain_stream_init(&s, d, 0, 0), ELECTRA_ERR_INVALID_ARGUMENT);
    electra_tokenizer_free(tok);
    el_pretrain_data_free(d);
}
END_TEST

/* Each epoch visits every example once, in a new order; a stream moved
 * to a position continues as one that got there by reading. */
START_TEST(test_stream)
{
    el_pretrain_data *d = numbered(16, 2, 2, 300);
    size_t n = d->n_examples, S = d->max_length;
    ck_assert_uint_gt(n, 20);
    el_pretrain_stream s;
    ck_assert_int_eq(el_pretrain_stream_init(&s, d, 77, 0), ELECTRA_OK);
    size_t total = 3 * n + 5;
    int32_t *ids = malloc(total * S * sizeof *ids), *types = malloc(total * S * sizeof *ids);
    int32_t *mask = malloc(total * S * sizeof *ids);
    for (size_t i = 0; i < total; i += 7) {
        size_t b = total - i < 7 ? total - i : 7;
        el_pretrain_stream_next(&s, b, ids + i * S, types + i * S, mask + i * S);
    }
    ck_assert_uint_eq(s.consumed, total);
    /* Example identity: its first token after [CLS]. */
    unsigned char *seen = calloc(n, 1);
    int same_order = 1;
    for (size_t e = 0; e < 3; e++) {
        memset(seen, 0, n);
        for (size_t i = 0; i < n; i++) {
            const int32_t *row = ids + (e * n + i) * S;
            for (size_t k = 0; k < n; k++) {
                struct row r;
                get_row(d, k, &r);
                if (!memcmp(r.ids, row, S * sizeof *row)) {
                    ck_assert_msg(!seen[k], "example %zu twice in epoch %zu", k, e);
                    seen[k] = 1;
                    break;
                }
            }
            if (e == 1)
                same_order &= !memcmp(row, ids + i * S, S * sizeof *row);
        }
        for (size_t k = 0; k < n; k++)
            ck_assert_msg(seen[k], "example %zu missing from epoch %zu", k, e);
    }
    ck_assert_msg(!same_order, "two epochs in the same order");
    /* Seek to any position and read on. */
    el_pretrain_stream t;
    size_t at = n + 3;
    ck_assert_int_eq(el_pretrain_stream_init(&t, d, 77, 0), ELECTRA_OK);
    el_pretrain_stream_seek(&t, at);
    int32_t *again = malloc(9 * S * sizeof *again), *ty = malloc(9 * S * sizeof *again);
    int32_t *mk = malloc(9 * S * sizeof *again);
    el_pretrain_stream_next(&t, 9, again, ty, mk);
    ck_assert_mem_eq(again, ids + at * S, 9 * S * sizeof *again);
    ck_assert_mem_eq(ty, types + at * S, 9 * S * sizeof *again);
    ck_assert_mem_eq(mk, mask + at * S, 9 * S * sizeof *again);
    /* So does a stream created at that position. */
    el_pretrain_stream u;
    ck_assert_int_eq(el_pretrain_stream_init(&u, d, 77, at), ELECTRA_OK);
    el_pretrain_stream_next(&u, 9, again, ty, mk);
    ck_assert_mem_eq(again, ids + at * S, 9 * S * sizeof *again);
    el_pretrain_stream_release(&s);
    el_pretrain_stream_release(&t);
    el_pretrain_stream_release(&u);
    free(ids);
    free(types);
    free(mask);
    free(seen);
    free(again);
    free(ty);
    free(mk);
    el_pretrain_data_free(d);
}
END_TEST

Suite *make_pretrain_data_suite(void)
{
    Suite *s = suite_create("pretrain_data");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_layout_and_documents);
    tcase_add_test(tc, test_segment_statistics);
    tcase_add_test(tc, test_segment_rule);
    tcase_add_test(tc, test_truncation);
    tcase_add_test(tc, test_deterministic);
    tcase_add_test(tc, test_text);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_stream);
    suite_add_tcase(s, tc);
    return s;
}
