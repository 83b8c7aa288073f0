/* check_finetune_features.c - examples into rows: classification pairs and
 * truncation, tags on first word pieces, question-answering windows with
 * their answer tokens (answers cut by windows, no answer), the SQuAD span
 * mappings on hand-made offsets, and batching (orders, dynamic padding). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "finetune_batch.h"
#include "finetune_features.h"
#include "finetune_labels.h"
#include "finetune_squad.h"
#include "reliability_util.h"
#include "testutil.h"

/* Ids: 0 [PAD] 1 [UNK] 2 [CLS] 3 [SEP] 4 [MASK] 5 the 6 jury 7 said 8 zan
 * 9 ##zi 10 ##bar 11 what 12 is 13 ? 14 red, then w0 .. w29 from 15. */
static electra_tokenizer *tokenizer(void)
{
    const char *dir = make_temp_dir("ftfeat");
    char path[4200];
    snprintf(path, sizeof path, "%s/vocab.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\njury\nsaid\nzan\n##zi\n##bar\nwhat\nis\n?\n"
          "red\n",
          f);
    for (int i = 0; i < 30; i++)
        fprintf(f, "w%d\n", i);
    fclose(f);
    electra_tokenizer *t = NULL;
    ck_assert_msg(electra_tokenizer_load(path, NULL, &t) == ELECTRA_OK, "%s",
                  electra_last_error());
    remove(path);
    remove(dir);
    return t;
}

static el_ft_data *parse(const char *text, el_ft_task task)
{
    el_ft_data *d = NULL;
    ck_assert_msg(el_ft_data_parse(text, strlen(text), "in.jsonl", task, &d) == ELECTRA_OK, "%s",
                  electra_last_error());
    return d;
}

static void assert_ints(const int32_t *got, const int32_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i], "[%zu]: %d, want %d", i, got[i], want[i]);
}

static const int32_t identity[] = {0, 1, 2, 3, 4, 5, 6, 7};

START_TEST(classify_rows)
{
    electra_tokenizer *t = tokenizer();
    el_ft_data *d = parse("{\"text\": \"The jury said\", \"pair\": \"zanzibar\", \"label\": \"a\"}\n"
                          "{\"text\": \"w1 w2 w3 w4 w5 w6 w7 w8 w9\", \"label\": \"b\"}\n",
                          EL_FT_CLASSIFY);
    el_ft_features *f = NULL;
    ck_assert_int_eq(el_ft_features_build(d, identity, t, 64, 0, &f), ELECTRA_OK);
    ck_assert_uint_eq(f->n, 2);
    const int32_t ids[] = {2, 5, 6, 7, 3, 8, 9, 10, 3}, types[] = {0, 0, 0, 0, 0, 1, 1, 1, 1};
    ck_assert_uint_eq(f->rows[0].len, 9);
    assert_ints(f->ids, ids, 9);
    assert_ints(f->types, types, 9);
    ck_assert_int_eq(f->rows[0].label, 0);
    ck_assert_int_eq(f->rows[1].label, 1);
    ck_assert_uint_eq(f->rows[1].len, 11);
    ck_assert_uint_eq(f->max_len, 11);
    ck_assert_uint_eq(f->count, 20);
    el_ft_features_free(f);
    /* Cut to 6 tokens, longest first. */
    ck_assert_int_eq(el_ft_features_build(d, identity, t, 6, 0, &f), ELECTRA_OK);
    ck_assert_uint_eq(f->rows[0].len, 6);
    ck_assert_uint_eq(f->rows[1].len, 6);
    const int32_t cut[] = {2, 16, 17, 18, 19, 3};
    assert_ints(f->ids + f->rows[1].begin, cut, 6);
    ck_assert_int_eq(f->ids[f->rows[0].begin + 5], 3);
    ck_assert_int_eq(f->types[f->rows[0].begin + 5], 1);
    el_ft_features_free(f);
    f = (el_ft_features *)0x1;
    ck_assert_int_eq(el_ft_features_build(d, identity, t, 3, 0, &f),
                     ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_eq(f, (el_ft_features *)0x1);
    el_ft_data_free(d);
    electra_tokenizer_free(t);
}
END_TEST

/* Tags on first pieces only; a word of no pieces loses its tag; the
 * label map applies. */
START_TEST(tag_rows)
{
    electra_tokenizer *t = tokenizer();
    el_ft_data *d = parse("{\"tokens\": [\"The\", \"zanzibar\", \" \", \"jury\", \"xyzzy\"], "
                          "\"tags\": [\"A\", \"B\", \"A\", \"B\", \"A\"]}\n",
                          EL_FT_TAG);
    const int32_t map[] = {7, 4}; /* A -> 7, B -> 4 */
    el_ft_features *f = NULL;
    ck_assert_int_eq(el_ft_features_build(d, map, t, 64, 0, &f), ELECTRA_OK);
    ck_assert_uint_eq(f->rows[0].len, 8);
    const int32_t ids[] = {2, 5, 8, 9, 10, 6, 1, 3};
    const int32_t labels[] = {-100, 7, 4, -100, -100, 4, 7, -100};
    assert_ints(f->ids, ids, 8);
    assert_ints(f->labels, labels, 8);
    for (size_t i = 0; i < 8; i++)
        ck_assert_int_eq(f->types[i], 0);
    el_ft_features_free(f);
    /* Truncated inside "zanzibar": its first piece keeps the tag. */
    ck_assert_int_eq(el_ft_features_build(d, map, t, 5, 0, &f), ELECTRA_OK);
    const int32_t cut_ids[] = {2, 5, 8, 9, 3}, cut_labels[] = {-100, 7, 4, -100, -100};
    ck_assert_uint_eq(f->rows[0].len, 5);
    assert_ints(f->ids, cut_ids, 5);
    assert_ints(f->labels, cut_labels, 5);
    el_ft_features_free(f);
    el_ft_data_free(d);
    electra_tokenizer_free(t);
}
END_TEST

/* Row layout of the windows below: [CLS] what is ? [SEP] 6 context
 * tokens [SEP] (max_length 12), windows 4 tokens apart (stride 2). */
START_TEST(qa_windows)
{
    electra_tokenizer *t = tokenizer();
    /* Context tokens: w0 .. w9 red w10 w11 zan ##zi ##bar w12: 17 tokens,
     * windows [0, 6) [4, 10) [8, 14) [12, 17). */
    const char *context = "w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 red w10 w11 zanzibar w12";
    char text[1024];
    snprintf(text, sizeof text,
             "{\"question\": \"  what is ?\", \"context\": \"%s\", \"answers\": "
             "[{\"text\": \"red\", \"answer_start\": 30}]}\n"
             "{\"question\": \"what is ?\", \"context\": \"%s\", \"answers\": "
             "[{\"text\": \"zanzibar\", \"answer_start\": 42}]}\n"
             "{\"question\": \"what is ?\", \"context\": \"%s\", \"answers\": []}\n",
             context, context, context);
    el_ft_data *d = parse(text, EL_FT_QA);
    el_ft_features *f = NULL;
    ck_assert_int_eq(el_ft_features_build(d, NULL, t, 12, 2, &f), ELECTRA_OK);
    ck_assert_uint_eq(f->n, 12); /* 4 windows per question */
    const int32_t head[] = {2, 11, 12, 13, 3}; /* leading spaces dropped */
    for (size_t r = 0; r < f->n; r++) {
        const el_ft_feature *row = &f->rows[r];
        ck_assert_uint_eq(row->example, r / 4);
        assert_ints(f->ids + row->begin, head, 5);
        ck_assert_int_eq(f->in_context[row->begin + 4], 0);
        ck_assert_int_eq(f->in_context[row->begin + 5], 1);
        ck_assert_int_eq(f->types[row->begin + 5], 1);
    }
    /* "red" is context token 10: only in window 3, at 5 + 2. */
    const int32_t red[4][2] = {{0, 0}, {0, 0}, {7, 7}, {0, 0}};
    /* "zanzibar" is tokens 13-15: whole only in window 4 (5 + 1 .. 5 + 3);
     * window 3 holds its first two pieces and is labelled [CLS]. */
    const int32_t zanzibar[4][2] = {{0, 0}, {0, 0}, {0, 0}, {6, 8}};
    for (size_t w = 0; w < 4; w++) {
        ck_assert_int_eq(f->rows[w].start, red[w][0]);
        ck_assert_int_eq(f->rows[w].end, red[w][1]);
        ck_assert_int_eq(f->rows[4 + w].start, zanzibar[w][0]);
        ck_assert_int_eq(f->rows[4 + w].end, zanzibar[w][1]);
        ck_assert_int_eq(f->rows[8 + w].start, 0);
        ck_assert_int_eq(f->rows[8 + w].end, 0);
    }
    /* The labelled tokens' offsets are the answers' bytes. */
    const el_ft_feature *row = &f->rows[7];
    ck_assert_uint_eq(f->offsets[2 * (row->begin + 6)], 42);
    ck_assert_uint_eq(f->offsets[2 * (row->begin + 8) + 1], 50);
    el_ft_features_free(f);
    /* A question that leaves no room for the context. */
    el_ft_data *q = parse("{\"question\": \"what is ? what is ? what\", \"context\": \"w1\", "
                          "\"answers\": []}",
                          EL_FT_QA);
    f = NULL;
    ck_assert_int_eq(el_ft_features_build(q, NULL, t, 8, 2, &f), ELECTRA_ERR_TRUNCATION);
    ck_assert_ptr_null(f);
    ck_assert(strstr(electra_last_error(), "in.jsonl:1:"));
    el_ft_data_free(q);
    el_ft_data_free(d);
    electra_tokenizer_free(t);
}
END_TEST

/* Tokens: [CLS] q [SEP] "abc" "defgh" "ij" "klm" [SEP], context
 * "abc defghij klm". */
static const size_t offsets[] = {0, 0, 0, 1, 0, 0, 0, 3, 4, 9, 9, 11, 12, 15, 0, 0};
static const uint8_t in_context[] = {0, 0, 0, 1, 1, 1, 1, 0};

static void label(size_t begin, size_t end, int32_t want_start, int32_t want_end)
{
    int32_t s = -1, e = -1;
    el_ft_squad_label(offsets, in_context, 8, begin, end, &s, &e);
    ck_assert_msg(s == want_start && e == want_end, "[%zu, %zu): %d %d, want %d %d", begin, end,
                  s, e, want_start, want_end);
}

START_TEST(squad_label_spans)
{
    label(4, 11, 4, 5);   /* "defghij": two whole tokens */
    label(5, 10, 4, 5);   /* "efghi": the tokens holding its ends */
    label(0, 3, 3, 3);    /* the first context token */
    label(12, 15, 6, 6);  /* the last one (run_qa would walk into [SEP]) */
    label(12, 16, 0, 0);  /* runs past the window */
    label(0, 15, 3, 6);   /* the whole context */
    /* A window whose context starts later: answers before it are cut. */
    const uint8_t late[] = {0, 0, 0, 0, 1, 1, 1, 0};
    int32_t s, e;
    el_ft_squad_label(offsets, late, 8, 0, 3, &s, &e);
    ck_assert(s == 0 && e == 0);
    /* No context at all. */
    const uint8_t none[8] = {0};
    el_ft_squad_label(offsets, none, 8, 0, 3, &s, &e);
    ck_assert(s == 0 && e == 0);
}
END_TEST

START_TEST(squad_best_span)
{
    /* start, end logits interleaved per token. */
    const float logits[] = {5, 4, 0, 0, 1, 0, 3, 1, 0, 2, 0, 0};
    const uint8_t ctx[] = {0, 0, 1, 1, 1, 0};
    const size_t off[] = {0, 0, 0, 0, 0, 3, 4, 7, 8, 12, 0, 0};
    el_ft_squad_span best;
    double null;
    /* (3, 4) scores 3 + 2 = 5; (3, 3) 4; (2, 3) 2; [CLS] 5 + 4 = 9. */
    el_ft_squad_best_span(logits, ctx, off, 6, 30, &best, &null);
    ck_assert_int_eq(best.found, 1);
    ck_assert(best.score == 5.0);
    ck_assert_uint_eq(best.start, 4);
    ck_assert_uint_eq(best.end, 12);
    ck_assert(null == 9.0);
    el_ft_squad_best_span(logits, ctx, off, 6, 1, &best, &null);
    ck_assert(best.score == 4.0);
    ck_assert_uint_eq(best.start, 4);
    ck_assert_uint_eq(best.end, 7);
    const uint8_t no_ctx[6] = {0};
    el_ft_squad_best_span(logits, no_ctx, off, 6, 30, &best, &null);
    ck_assert_int_eq(best.found, 0);
}
END_TEST

START_TEST(batches_padded_and_shuffled)
{
    electra_tokenizer *t = tokenizer();
    el_ft_data *d = parse("{\"tokens\": [\"the\"], \"tags\": [\"A\"]}\n"
                          "{\"tokens\": [\"the\", \"jury\", \"said\"], \"tags\": [\"A\", \"B\", \"A\"]}\n"
                          "{\"tokens\": [\"jury\", \"jury\"], \"tags\": [\"B\", \"B\"]}\n"
                          "{\"tokens\": [\"said\"], \"tags\": [\"B\"]}\n"
                          "{\"tokens\": [\"zanzibar\"], \"tags\": [\"A\"]}\n",
                          EL_FT_TAG);
    el_ft_features *f = NULL;
    ck_assert_int_eq(el_ft_features_build(d, identity, t, 64, 0, &f), ELECTRA_OK);
    el_ft_batcher b;
    ck_assert_int_eq(el_ft_batcher_init(&b, f, 2, 0), ELECTRA_OK);
    ck_assert_uint_eq(el_ft_batcher_count(&b), 3);
    const size_t *rows;
    size_t tokens;
    const el_train_batch *batch = el_ft_batcher_get(&b, 0, &rows, &tokens);
    ck_assert_uint_eq(batch->batch, 2);
    ck_assert_uint_eq(batch->seq, 5); /* the longer row */
    ck_assert_uint_eq(tokens, 8);
    ck_assert(rows[0] == 0 && rows[1] == 1);
    const int32_t ids[] = {2, 5, 3, 0, 0, 2, 5, 6, 7, 3};
    const int32_t mask[] = {1, 1, 1, 0, 0, 1, 1, 1, 1, 1};
    const int32_t labels[] = {-100, 0, -100, -100, -100, -100, 0, 1, 0, -100};
    assert_ints(batch->input_ids, ids, 10);
    assert_ints(batch->attention_mask, mask, 10);
    assert_ints(batch->labels, labels, 10);
    ck_assert_ptr_null(batch->start_positions);
    batch = el_ft_batcher_get(&b, 2, &rows, &tokens);
    ck_assert_uint_eq(batch->batch, 1); /* the short last batch */
    ck_assert_uint_eq(batch->seq, 5);
    ck_assert_uint_eq(rows[0], 4);
    /* A seeded order: a permutation, the same for the same seed. */
    el_ft_batcher_order(&b, 1, 7);
    size_t first[5], seen = 0;
    for (size_t i = 0; i < 5; i++) {
        first[i] = b.order[i];
        seen |= (size_t)1 << b.order[i];
    }
    ck_assert_uint_eq(seen, 31);
    el_ft_batcher_order(&b, 1, 7);
    for (size_t i = 0; i < 5; i++)
        ck_assert_uint_eq(b.order[i], first[i]);
    int differs = 0;
    for (uint64_t seed = 8; seed < 12 && !differs; seed++) {
        el_ft_batcher_order(&b, 1, seed);
        for (size_t i = 0; i < 5; i++)
            differs |= b.order[i] != first[i];
    }
    ck_assert(differs);
    el_ft_batcher_order(&b, 0, 7);
    for (size_t i = 0; i < 5; i++)
        ck_assert_uint_eq(b.order[i], i);
    el_ft_batcher_free(&b);
    ck_assert_int_eq(el_ft_batcher_init(&b, f, 0, 0), ELECTRA_ERR_INVALID_ARGUMENT);
    el_ft_features_free(f);
    el_ft_data_free(d);
    electra_tokenizer_free(t);
}
END_TEST

START_TEST(batches_of_classes_and_answers)
{
    electra_tokenizer *t = tokenizer();
    el_ft_data *d = parse("{\"text\": \"the\", \"label\": \"x\"}\n"
                          "{\"text\": \"the jury\", \"label\": \"y\"}\n",
                          EL_FT_CLASSIFY);
    el_ft_features *f = NULL;
    ck_assert_int_eq(el_ft_features_build(d, identity, t, 64, 0, &f), ELECTRA_OK);
    el_ft_batcher b;
    ck_assert_int_eq(el_ft_batcher_init(&b, f, 4, 0), ELECTRA_OK);
    const el_train_batch *batch = el_ft_batcher_get(&b, 0, NULL, NULL);
    ck_assert_uint_eq(batch->batch, 2);
    ck_assert_uint_eq(batch->seq, 4);
    ck_assert_int_eq(batch->labels[0], 0);
    ck_assert_int_eq(batch->labels[1], 1);
    ck_assert_int_eq(batch->input_ids[3], 0);
    el_ft_batcher_free(&b);
    el_ft_features_free(f);
    el_ft_data_free(d);
    d = parse("{\"question\": \"what\", \"context\": \"w1 red\", \"answers\": "
              "[{\"text\": \"red\", \"answer_start\": 3}]}\n",
              EL_FT_QA);
    ck_assert_int_eq(el_ft_features_build(d, NULL, t, 64, 0, &f), ELECTRA_OK);
    ck_assert_int_eq(el_ft_batcher_init(&b, f, 4, 0), ELECTRA_OK);
    batch = el_ft_batcher_get(&b, 0, NULL, NULL);
    ck_assert_ptr_null(batch->labels);
    ck_assert_int_eq(batch->start_positions[0], 4); /* [CLS] what [SEP] w1 red */
    ck_assert_int_eq(batch->end_positions[0], 4);
    el_ft_batcher_free(&b);
    el_ft_features_free(f);
    el_ft_data_free(d);
    electra_tokenizer_free(t);
}
END_TEST

/* Reading, labelling, tokenizing and batching with the 1st, 2nd, ...
 * allocation failing in turn: each time a clean ELECTRA_ERR_NOMEM and
 * nothing left allocated. */
static electra_status pipeline(const electra_tokenizer *t, const char *text, el_ft_task task)
{
    el_ft_data *d = NULL;
    el_ft_labels l = {0};
    int32_t *map = NULL;
    el_ft_features *f = NULL;
    el_ft_batcher b = {0};
    int keep;
    el_config cfg = {.head = ELECTRA_HEAD_NONE};
    electra_status s = el_ft_data_parse(text, strlen(text), "in", task, &d);
    if (!s)
        s = el_ft_labels_choose(&cfg, d, NULL, &l, &keep);
    if (!s && task != EL_FT_QA)
        s = el_ft_labels_map(&l, d, &map);
    if (!s)
        s = el_ft_features_build(d, map, t, 10, 2, &f);
    if (!s)
        s = el_ft_batcher_init(&b, f, 2, 0);
    if (!s)
        el_ft_batcher_get(&b, 0, NULL, NULL);
    el_ft_batcher_free(&b);
    el_ft_features_free(f);
    el_free(map);
    el_ft_labels_free(&l);
    el_ft_data_free(d);
    return s;
}

START_TEST(allocation_failures)
{
    electra_tokenizer *t = tokenizer();
    const char *texts[] = {
        "{\"tokens\": [\"The\", \"zanzibar\"], \"tags\": [\"A\", \"B\"]}\n"
        "{\"tokens\": [\"jury\", \"said\", \"w1\"], \"tags\": [\"B\", \"C\", \"A\"]}\n",
        "{\"text\": \"the jury\", \"pair\": \"said\", \"label\": \"x\"}\n"
        "{\"text\": \"w1 w2\", \"label\": \"y\"}\n",
        "{\"question\": \"what\", \"context\": \"w1 w2 w3 w4 w5 w6 red w7 w8\", "
        "\"answers\": [{\"text\": \"red\", \"answer_start\": 18}]}\n"};
    const el_ft_task tasks[] = {EL_FT_TAG, EL_FT_CLASSIFY, EL_FT_QA};
    chaos_install();
    for (int i = 0; i < 3; i++) {
        int k;
        for (k = 0;; k++) {
            chaos_arm(k);
            long live = chaos_live();
            electra_status s = pipeline(t, texts[i], tasks[i]);
            ck_assert_msg(chaos_live() == live, "task %d, allocation %d failing: %ld blocks leaked",
                          i, k, chaos_live() - live);
            if (!chaos_fired()) {
                ck_assert_int_eq(s, ELECTRA_OK);
                break;
            }
            ck_assert_msg(s == ELECTRA_ERR_NOMEM, "task %d, allocation %d failing: %d %s", i, k,
                          s, electra_last_error());
        }
        ck_assert_int_gt(k, 10);
    }
    chaos_remove();
    electra_tokenizer_free(t);
}
END_TEST

Suite *make_finetune_features_suite(void)
{
    Suite *s = suite_create("finetune_features");
    TCase *tc = tcase_create("features");
    tcase_add_test(tc, classify_rows);
    tcase_add_test(tc, tag_rows);
    tcase_add_test(tc, qa_windows);
    suite_add_tcase(s, tc);
    tc = tcase_create("squad");
    tcase_add_test(tc, squad_label_spans);
    tcase_add_test(tc, squad_best_span);
    suite_add_tcase(s, tc);
    tc = tcase_create("batches");
    tcase_add_test(tc, batches_padded_and_shuffled);
    tcase_add_test(tc, batches_of_classes_and_answers);
    suite_add_tcase(s, tc);
    tc = tcase_create("chaos");
    tcase_add_test(tc, allocation_failures);
    suite_add_tcase(s, tc);
    return s;
}
