/* check_finetune_data.c - the fine-tuning readers (good lines, every kind
 * of bad line with its file:line message) and the label sets: sorted
 * training names, --labels lists, maps with unknown names, and the choice
 * between a model's head and a new one. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "config.h"
#include "finetune_data.h"
#include "finetune_labels.h"
#include "testutil.h"

static el_ft_data *parse_ok(const char *text, el_ft_task task)
{
    el_ft_data *d = NULL;
    electra_status s = el_ft_data_parse(text, strlen(text), "in.jsonl", task, &d);
    ck_assert_msg(s == ELECTRA_OK, "%s", electra_last_error());
    return d;
}

/* A parse that must fail with status want and a message containing msg. */
static void parse_bad(const char *text, el_ft_task task, electra_status want, const char *msg)
{
    el_ft_data *d = (el_ft_data *)0x1;
    electra_status s = el_ft_data_parse(text, strlen(text), "in.jsonl", task, &d);
    ck_assert_int_eq(s, want);
    ck_assert_ptr_eq(d, (el_ft_data *)0x1); /* untouched on failure */
    ck_assert_msg(strstr(electra_last_error(), msg), "message \"%s\" lacks \"%s\"",
                  electra_last_error(), msg);
}

static int str_is(const el_ft_data *d, el_ft_span s, const char *want)
{
    return s.len == strlen(want) && memcmp(el_ft_str(d, s), want, s.len) == 0;
}

START_TEST(classify_lines)
{
    el_ft_data *d = parse_ok("{\"id\": 7, \"text\": \"Buy now\", \"label\": \"spam\"}\n"
                             "\n   \r\n"
                             "{\"text\": \"caf\\u00e9\", \"pair\": \"ok\", \"label\": \"ham\"}\r\n"
                             "{\"text\": \"\", \"pair\": null, \"label\": \"spam\"}",
                             EL_FT_CLASSIFY);
    ck_assert_uint_eq(d->n, 3);
    ck_assert(str_is(d, d->examples[0].a, "Buy now"));
    ck_assert_int_eq(d->examples[0].has_pair, 0);
    ck_assert_uint_eq(d->examples[0].line, 1);
    ck_assert(str_is(d, d->examples[1].a, "caf\xc3\xa9"));
    ck_assert(str_is(d, d->examples[1].b, "ok"));
    ck_assert_int_eq(d->examples[1].has_pair, 1);
    ck_assert_uint_eq(d->examples[1].line, 4); /* blank lines count */
    ck_assert_uint_eq(d->examples[2].a.len, 0);
    ck_assert_int_eq(d->examples[2].has_pair, 0);
    /* Names in order of first sight. */
    ck_assert_uint_eq(d->names.count, 2);
    ck_assert_uint_eq(d->examples[0].label, 0);
    ck_assert_uint_eq(d->examples[1].label, 1);
    ck_assert_uint_eq(d->examples[2].label, 0);
    size_t len;
    const char *name = el_ft_data_name(d, 1, &len);
    ck_assert(len == 3 && memcmp(name, "ham", 3) == 0);
    ck_assert_uint_eq(el_ft_data_name_line(d, 1), 4);
    el_ft_data_free(d);
}
END_TEST

START_TEST(classify_bad_lines)
{
    parse_bad("{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"a\", \"label\": }\n",
              EL_FT_CLASSIFY, ELECTRA_ERR_FORMAT, "in.jsonl:2: not valid JSON");
    parse_bad("[1, 2]\n", EL_FT_CLASSIFY, ELECTRA_ERR_FORMAT, "in.jsonl:1: not a JSON object");
    parse_bad("{\"label\": \"x\"}", EL_FT_CLASSIFY, ELECTRA_ERR_FORMAT, "in.jsonl:1: no \"text\"");
    parse_bad("{\"text\": 5, \"label\": \"x\"}", EL_FT_CLASSIFY, ELECTRA_ERR_FORMAT,
              "\"text\" is not a string");
    parse_bad("{\"text\": \"a\"}", EL_FT_CLASSIFY, ELECTRA_ERR_FORMAT, "no \"label\"");
    parse_bad("{\"text\": \"a\", \"label\": 1}", EL_FT_CLASSIFY, ELECTRA_ERR_FORMAT,
              "\"label\" is not a string (the class name)");
    parse_bad("{\"text\": \"a\", \"label\": \"\"}", EL_FT_CLASSIFY, ELECTRA_ERR_FORMAT,
              "in.jsonl:1: \"label\" is empty");
    parse_bad("{\"text\": \"a\", \"pair\": [], \"label\": \"x\"}", EL_FT_CLASSIFY,
              ELECTRA_ERR_FORMAT, "\"pair\" is not a string");
    parse_bad("\n\n{\"text\": \"a\xff\", \"label\": \"x\"}", EL_FT_CLASSIFY,
              ELECTRA_ERR_INVALID_UTF8, "in.jsonl:3: invalid UTF-8 at byte 11");
    /* An escaped lone surrogate (cJSON refuses it). */
    parse_bad("{\"text\": \"\\ud800\", \"label\": \"x\"}", EL_FT_CLASSIFY,
              ELECTRA_ERR_FORMAT, "in.jsonl:1: not valid JSON");
}
END_TEST

START_TEST(tag_lines)
{
    el_ft_data *d = parse_ok("{\"tokens\": [\"The\", \"jury\"], \"tags\": [\"DET\", \"NOUN\"]}\n"
                             "{\"tokens\": [], \"tags\": []}\n"
                             "{\"tokens\": [\"said\"], \"tags\": [\"VERB\"]}\n",
                             EL_FT_TAG);
    ck_assert_uint_eq(d->n, 3);
    ck_assert_uint_eq(d->n_words, 3);
    ck_assert_uint_eq(d->examples[0].first, 0);
    ck_assert_uint_eq(d->examples[0].count, 2);
    ck_assert_uint_eq(d->examples[1].count, 0);
    ck_assert_uint_eq(d->examples[2].first, 2);
    ck_assert(str_is(d, d->words[1].text, "jury"));
    ck_assert_uint_eq(d->words[1].tag, 1);
    ck_assert_uint_eq(d->words[2].tag, 2);
    ck_assert_uint_eq(el_ft_data_name_line(d, 2), 3);
    el_ft_data_free(d);
}
END_TEST

START_TEST(tag_bad_lines)
{
    parse_bad("{\"tokens\": [\"a\", \"b\"], \"tags\": [\"X\"]}", EL_FT_TAG, ELECTRA_ERR_FORMAT,
              "in.jsonl:1: 2 tokens but 1 tags");
    parse_bad("{\"tokens\": [\"a\"]}", EL_FT_TAG, ELECTRA_ERR_FORMAT,
              "needs \"tokens\" and \"tags\"");
    parse_bad("{\"tokens\": \"a b\", \"tags\": \"X Y\"}", EL_FT_TAG, ELECTRA_ERR_FORMAT,
              "must be arrays");
    parse_bad("{\"tokens\": [\"a\", 3], \"tags\": [\"X\", \"Y\"]}", EL_FT_TAG, ELECTRA_ERR_FORMAT,
              "in.jsonl:1: tokens[1] is not a string");
    parse_bad("{\"tokens\": [\"a\"], \"tags\": [null]}", EL_FT_TAG, ELECTRA_ERR_FORMAT,
              "tags[0] is not a string");
    parse_bad("{\"tokens\": [\"a\"], \"tags\": [\"\"]}", EL_FT_TAG, ELECTRA_ERR_FORMAT,
              "tags[0] is empty");
}
END_TEST

/* answer_start counts code points: "é" (2 bytes) and "€" (3 bytes)
 * before the answer. */
START_TEST(qa_lines)
{
    el_ft_data *d = parse_ok(
        "{\"question\": \"Who?\", \"context\": \"\\u00e9t\\u20ac Denver Broncos won\", "
        "\"answers\": [{\"text\": \"Denver Broncos\", \"answer_start\": 4}, "
        "{\"text\": \"Broncos\", \"answer_start\": 11}]}\n"
        "{\"question\": \"Q\", \"context\": \"none here\", \"answers\": []}\n"
        "{\"question\": \"Q\", \"context\": \"a b c\", "
        "\"answers\": {\"text\": [\"b\", \"c\"], \"answer_start\": [2, 4]}}\n",
        EL_FT_QA);
    ck_assert_uint_eq(d->n, 3);
    const el_ft_example *ex = &d->examples[0];
    ck_assert(str_is(d, ex->a, "Who?"));
    ck_assert_uint_eq(ex->count, 2);
    ck_assert_uint_eq(d->answers[ex->first].start, 7); /* 2 + 1 + 3 + 1 bytes */
    ck_assert(str_is(d, d->answers[ex->first].text, "Denver Broncos"));
    ck_assert_uint_eq(d->answers[ex->first + 1].start, 14);
    ck_assert_uint_eq(d->examples[1].count, 0);
    ck_assert_uint_eq(d->examples[2].count, 2);
    ck_assert_uint_eq(d->answers[d->examples[2].first + 1].start, 4);
    el_ft_data_free(d);
}
END_TEST

START_TEST(qa_bad_lines)
{
    parse_bad("{\"question\": \"Q\", \"context\": \"a Denver b\", \"answers\": "
              "[{\"text\": \"Denver\", \"answer_start\": 3}]}",
              EL_FT_QA, ELECTRA_ERR_FORMAT,
              "in.jsonl:1: answer 0 \"Denver\" is not in the context at character 3 (it has "
              "\"enver \" there)");
    parse_bad("{\"question\": \"Q\", \"context\": \"abc\", \"answers\": "
              "[{\"text\": \"c\", \"answer_start\": 2}, {\"text\": \"c\", \"answer_start\": 9}]}",
              EL_FT_QA, ELECTRA_ERR_FORMAT, "answer 1 \"c\" is not in the context at character 9");
    parse_bad("{\"question\": \"Q\", \"context\": \"abc\", \"answers\": "
              "[{\"text\": \"b\", \"answer_start\": 1.5}]}",
              EL_FT_QA, ELECTRA_ERR_FORMAT, "whole number \"answer_start\"");
    parse_bad("{\"question\": \"Q\", \"context\": \"abc\", \"answers\": "
              "[{\"text\": \"b\", \"answer_start\": -1}]}",
              EL_FT_QA, ELECTRA_ERR_FORMAT, "whole number \"answer_start\"");
    parse_bad("{\"question\": \"Q\", \"context\": \"abc\", \"answers\": "
              "[{\"text\": \"\", \"answer_start\": 0}]}",
              EL_FT_QA, ELECTRA_ERR_FORMAT, "answer 0 is empty");
    parse_bad("{\"question\": \"Q\", \"context\": \"abc\"}", EL_FT_QA, ELECTRA_ERR_FORMAT,
              "no \"answers\"");
    parse_bad("{\"question\": \"Q\", \"context\": \"abc\", \"answers\": \"b\"}", EL_FT_QA,
              ELECTRA_ERR_FORMAT, "\"answers\" must be a list");
    parse_bad("{\"question\": \"Q\", \"context\": \"abc\", \"answers\": [3]}", EL_FT_QA,
              ELECTRA_ERR_FORMAT, "answer 0 is not an object");
    parse_bad("{\"question\": \"Q\", \"context\": \"abc\", \"answers\": "
              "{\"text\": [\"b\"], \"answer_start\": []}}",
              EL_FT_QA, ELECTRA_ERR_FORMAT, "lists \"text\" and \"answer_start\" of one length");
    parse_bad("{\"context\": \"abc\", \"answers\": []}", EL_FT_QA, ELECTRA_ERR_FORMAT,
              "no \"question\"");
}
END_TEST

START_TEST(read_file_and_task_names)
{
    const char *dir = make_temp_dir("ftdata");
    char path[4200];
    snprintf(path, sizeof path, "%s/train.jsonl", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \"label\": \"y\"}\n", f);
    fclose(f);
    el_ft_data *d = NULL;
    ck_assert_int_eq(el_ft_data_read(path, EL_FT_CLASSIFY, &d), ELECTRA_OK);
    ck_assert_uint_eq(d->n, 2);
    ck_assert_str_eq(d->path, path);
    el_ft_data_free(d);
    remove(path);
    d = NULL;
    ck_assert_int_eq(el_ft_data_read(path, EL_FT_CLASSIFY, &d), ELECTRA_ERR_IO);
    ck_assert_ptr_null(d);
    ck_assert(strstr(electra_last_error(), "train.jsonl"));
    remove(dir);
    /* An empty file has no examples (the command refuses it). */
    ck_assert_int_eq(el_ft_data_parse("", 0, "e", EL_FT_TAG, &d), ELECTRA_OK);
    ck_assert_uint_eq(d->n, 0);
    el_ft_data_free(d);
    ck_assert_int_eq(el_ft_task_from_name("qa"), EL_FT_QA);
    ck_assert_int_eq(el_ft_task_from_name("ner"), -1);
    ck_assert_str_eq(el_ft_task_name(EL_FT_TAG), "tag");
}
END_TEST

static const char tag_text[] =
    "{\"tokens\": [\"a\", \"b\", \"c\"], \"tags\": [\"O\", \"B-PER\", \"I-PER\"]}\n"
    "{\"tokens\": [\"d\"], \"tags\": [\"B-LOC\"]}\n";

START_TEST(labels_from_data_sorted)
{
    el_ft_data *d = parse_ok(tag_text, EL_FT_TAG);
    el_ft_labels l;
    ck_assert_int_eq(el_ft_labels_from_data(d, &l), ELECTRA_OK);
    ck_assert_uint_eq(l.n, 4);
    ck_assert_str_eq(l.names[0], "B-LOC");
    ck_assert_str_eq(l.names[1], "B-PER");
    ck_assert_str_eq(l.names[2], "I-PER");
    ck_assert_str_eq(l.names[3], "O");
    ck_assert_int_eq(el_ft_labels_are_entities(&l), 1);
    int32_t *map;
    ck_assert_int_eq(el_ft_labels_map(&l, d, &map), ELECTRA_OK);
    /* d's names in first-sight order: O, B-PER, I-PER, B-LOC. */
    ck_assert_int_eq(map[0], 3);
    ck_assert_int_eq(map[1], 1);
    ck_assert_int_eq(map[2], 2);
    ck_assert_int_eq(map[3], 0);
    el_free(map);
    ck_assert_int_eq(el_ft_labels_find(&l, "I-PER", 5), 2);
    ck_assert_int_eq(el_ft_labels_find(&l, "I-PE", 4), -1);
    el_ft_labels_free(&l);
    el_ft_data_free(d);
}
END_TEST

START_TEST(labels_list_and_unknown_names)
{
    el_ft_labels l;
    ck_assert_int_eq(el_ft_labels_parse("O,B-PER,I-PER", &l), ELECTRA_OK);
    ck_assert_uint_eq(l.n, 3);
    ck_assert_str_eq(l.names[1], "B-PER");
    el_ft_data *d = parse_ok(tag_text, EL_FT_TAG);
    ck_assert_int_eq(el_ft_labels_cover(&l, d), 0);
    int32_t *map = (int32_t *)0x1;
    ck_assert_int_eq(el_ft_labels_map(&l, d, &map), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_eq(map, (int32_t *)0x1);
    ck_assert_str_eq(electra_last_error(),
                     "in.jsonl:2: label \"B-LOC\" is not one of the 3 labels (O, B-PER, I-PER)");
    el_ft_labels_free(&l);
    el_ft_data_free(d);
    ck_assert_int_eq(el_ft_labels_parse("a,,b", &l), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert(strstr(electra_last_error(), "an empty name"));
    ck_assert_int_eq(el_ft_labels_parse("a,b,a", &l), ELECTRA_ERR_INVALID_ARGUMENT);
    ck_assert(strstr(electra_last_error(), "\"a\" is repeated"));
    ck_assert_int_eq(el_ft_labels_parse("", &l), ELECTRA_ERR_INVALID_ARGUMENT);
}
END_TEST

START_TEST(labels_entities_or_plain)
{
    el_ft_labels l;
    ck_assert_int_eq(el_ft_labels_parse("NOUN,VERB,.", &l), ELECTRA_OK);
    ck_assert_int_eq(el_ft_labels_are_entities(&l), 0);
    el_ft_labels_free(&l);
    ck_assert_int_eq(el_ft_labels_parse("O,S-X,E-X,B-X,I-X", &l), ELECTRA_OK);
    ck_assert_int_eq(el_ft_labels_are_entities(&l), 1);
    el_ft_labels_free(&l);
    ck_assert_int_eq(el_ft_labels_parse("O", &l), ELECTRA_OK);
    ck_assert_int_eq(el_ft_labels_are_entities(&l), 0); /* no entity at all */
    el_ft_labels_free(&l);
    ck_assert_int_eq(el_ft_labels_parse("O,B-", &l), ELECTRA_OK);
    ck_assert_int_eq(el_ft_labels_are_entities(&l), 0);
    el_ft_labels_free(&l);
}
END_TEST

/* A config with head and labels, as a model directory would give. */
static el_config config_with(int head, const char *labels, const char *problem)
{
    el_config c;
    const char *json = "{}";
    ck_assert_int_eq(el_config_parse(json, strlen(json), &c), ELECTRA_OK);
    c.head = head;
    el_config_free(&c);
    el_ft_labels l;
    ck_assert_int_eq(el_ft_labels_parse(labels, &l), ELECTRA_OK);
    c.num_labels = (int)l.n;
    c.labels = l.names;
    snprintf(c.problem_type, sizeof c.problem_type, "%s", problem);
    return c;
}

static void free_config(el_config *c)
{
    el_ft_labels l = {c->labels, (size_t)c->num_labels};
    el_ft_labels_free(&l);
}

START_TEST(labels_choose_head)
{
    el_ft_data *d = parse_ok("{\"text\": \"a\", \"label\": \"spam\"}\n"
                             "{\"text\": \"b\", \"label\": \"ham\"}\n",
                             EL_FT_CLASSIFY);
    el_ft_labels l;
    int keep = -1;
    /* A classifier whose labels hold the data's: kept, in its order. */
    el_config c = config_with(ELECTRA_HEAD_SEQUENCE_CLASSIFICATION, "spam,other,ham", "");
    ck_assert_int_eq(el_ft_labels_choose(&c, d, NULL, &l, &keep), ELECTRA_OK);
    ck_assert_int_eq(keep, 1);
    ck_assert_uint_eq(l.n, 3);
    ck_assert_str_eq(l.names[0], "spam");
    el_ft_labels_free(&l);
    /* --labels equal to the model's keeps it; others replace it. */
    ck_assert_int_eq(el_ft_labels_choose(&c, d, "spam,other,ham", &l, &keep), ELECTRA_OK);
    ck_assert_int_eq(keep, 1);
    el_ft_labels_free(&l);
    ck_assert_int_eq(el_ft_labels_choose(&c, d, "ham,spam", &l, &keep), ELECTRA_OK);
    ck_assert_int_eq(keep, 0);
    ck_assert_str_eq(l.names[0], "ham");
    el_ft_labels_free(&l);
    free_config(&c);
    /* Default names do not hold the data's: a new head, sorted labels. */
    c = config_with(ELECTRA_HEAD_SEQUENCE_CLASSIFICATION, "LABEL_0,LABEL_1", "");
    ck_assert_int_eq(el_ft_labels_choose(&c, d, NULL, &l, &keep), ELECTRA_OK);
    ck_assert_int_eq(keep, 0);
    ck_assert_str_eq(l.names[0], "ham");
    ck_assert_str_eq(l.names[1], "spam");
    el_ft_labels_free(&l);
    free_config(&c);
    /* A multi-label classifier is not trained here. */
    c = config_with(ELECTRA_HEAD_SEQUENCE_CLASSIFICATION, "ham,spam", "multi_label_classification");
    ck_assert_int_eq(el_ft_labels_choose(&c, d, NULL, &l, &keep), ELECTRA_OK);
    ck_assert_int_eq(keep, 0);
    el_ft_labels_free(&l);
    free_config(&c);
    /* A discriminator: a new head whatever its id2label. */
    c = config_with(ELECTRA_HEAD_PRETRAINING, "ham,spam", "");
    ck_assert_int_eq(el_ft_labels_choose(&c, d, NULL, &l, &keep), ELECTRA_OK);
    ck_assert_int_eq(keep, 0);
    el_ft_labels_free(&l);
    /* Question answering: no labels; the head is kept when it is QA. */
    el_ft_data *q = parse_ok("{\"question\": \"q\", \"context\": \"c\", \"answers\": []}",
                             EL_FT_QA);
    ck_assert_int_eq(el_ft_labels_choose(&c, q, NULL, &l, &keep), ELECTRA_OK);
    ck_assert_int_eq(keep, 0);
    ck_assert_uint_eq(l.n, 0);
    c.head = ELECTRA_HEAD_QUESTION_ANSWERING;
    ck_assert_int_eq(el_ft_labels_choose(&c, q, NULL, &l, &keep), ELECTRA_OK);
    ck_assert_int_eq(keep, 1);
    free_config(&c);
    el_ft_data_free(q);
    el_ft_data_free(d);
    ck_assert_int_eq(el_ft_task_head(EL_FT_TAG), ELECTRA_HEAD_TOKEN_CLASSIFICATION);
}
END_TEST

Suite *make_finetune_data_suite(void)
{
    Suite *s = suite_create("finetune_data");
    TCase *tc = tcase_create("readers");
    tcase_add_test(tc, classify_lines);
    tcase_add_test(tc, classify_bad_lines);
    tcase_add_test(tc, tag_lines);
    tcase_add_test(tc, tag_bad_lines);
    tcase_add_test(tc, qa_lines);
    tcase_add_test(tc, qa_bad_lines);
    tcase_add_test(tc, read_file_and_task_names);
    suite_add_tcase(s, tc);
    tc = tcase_create("labels");
    tcase_add_test(tc, labels_from_data_sorted);
    tcase_add_test(tc, labels_list_and_unknown_names);
    tcase_add_test(tc, labels_entities_or_plain);
    tcase_add_test(tc, labels_choose_head);
    suite_add_tcase(s, tc);
    return s;
}
