/* check_finetune_train.c - starting a fine-tuning run and scoring it:
 * config.json's dropout and initializer_range, a loaded trunk under a new
 * head (trunk copied tensor for tensor, head drawn fresh), and dev scores
 * that do not depend on how the dev rows are batched and padded. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "finetune_eval.h"
#include "model.h"
#include "testutil.h"
#include "train_init.h"

static const char *write_config(const char *json)
{
    const char *dir = make_temp_dir("ftcfg");
    char path[4200];
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *f = fopen(path, "w");
    fputs(json, f);
    fclose(f);
    return dir;
}

static void remove_config(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/config.json", dir);
    remove(path);
    remove(dir);
}

START_TEST(config_dropout_and_range)
{
    el_train_dropout d;
    double range;
    const char *dir = write_config("{\"hidden_dropout_prob\": 0.2, "
                                   "\"attention_probs_dropout_prob\": 0.05, "
                                   "\"classifier_dropout\": null, \"initializer_range\": 0.1}");
    ck_assert_int_eq(el_train_config_read(dir, &d, &range), ELECTRA_OK);
    ck_assert(d.hidden == 0.2 && d.attention == 0.05 && d.classifier == 0.2 && range == 0.1);
    remove_config(dir);
    dir = write_config("{\"classifier_dropout\": 0.3}");
    ck_assert_int_eq(el_train_config_read(dir, &d, &range), ELECTRA_OK);
    ck_assert(d.hidden == 0.1 && d.attention == 0.1 && d.classifier == 0.3 && range == 0.02);
    remove_config(dir);
    dir = write_config("{\"hidden_dropout_prob\": 1.5}");
    d.hidden = -1;
    ck_assert_int_eq(el_train_config_read(dir, &d, &range), ELECTRA_ERR_CONFIG);
    ck_assert(d.hidden == -1);
    ck_assert(strstr(electra_last_error(), "hidden_dropout_prob must be a number in [0, 1)"));
    remove_config(dir);
    dir = write_config("{\"initializer_range\": \"wide\"}");
    ck_assert_int_eq(el_train_config_read(dir, &d, &range), ELECTRA_ERR_CONFIG);
    remove_config(dir);
    dir = write_config("[]");
    ck_assert_int_eq(el_train_config_read(dir, &d, &range), ELECTRA_ERR_CONFIG);
    remove_config(dir);
    ck_assert_int_eq(el_train_config_read("/nonexistent/dir", &d, &range), ELECTRA_ERR_IO);
}
END_TEST

/* The discriminator's trunk under a token-classification head. */
START_TEST(trunk_under_a_new_head)
{
    REQUIRE_FIXTURES();
    electra_model *m;
    ck_assert_int_eq(electra_model_load(fixture_path("models/tiny-discriminator"), NULL, &m),
                     ELECTRA_OK);
    el_param_store *ref, *s;
    ck_assert_int_eq(el_param_store_from_model(m, &ref), ELECTRA_OK);
    el_config c = m->cfg;
    char *labels[] = {"O", "B-X", "I-X"};
    c.head = ELECTRA_HEAD_TOKEN_CLASSIFICATION;
    c.num_labels = 3;
    c.labels = labels;
    ck_assert_int_eq(el_param_store_from_trunk(m, &c, 0.02, 5, &s), ELECTRA_OK);
    ck_assert_str_eq(s->cfg.labels[1], "B-X");
    size_t trunk = 0;
    for (size_t i = 0; i < s->n_params; i++) {
        const el_param *p = &s->params[i];
        const el_param *q = el_param_store_find(ref, p->name);
        if (p->depth > c.num_layers) { /* the head */
            ck_assert_ptr_null(q);
            continue;
        }
        ck_assert_msg(q && q->count == p->count, "%s", p->name);
        ck_assert_msg(memcmp(s->value + p->offset, ref->value + q->offset,
                             p->count * sizeof(float)) == 0,
                      "%s differs", p->name);
        trunk++;
    }
    ck_assert_uint_eq(trunk, ref->n_params - 4); /* all but the discriminator head */
    /* The head: zero bias, weights drawn with standard deviation 0.02. */
    const el_param *w = el_param_store_find(s, "classifier.weight");
    const el_param *b = el_param_store_find(s, "classifier.bias");
    ck_assert_uint_eq(w->shape[0], 3);
    double sum2 = 0;
    for (size_t i = 0; i < w->count; i++)
        sum2 += (double)s->value[w->offset + i] * s->value[w->offset + i];
    double sd = sqrt(sum2 / (double)w->count);
    ck_assert_msg(sd > 0.012 && sd < 0.028, "sd %g", sd);
    for (size_t i = 0; i < b->count; i++)
        ck_assert(s->value[b->offset + i] == 0.0f);
    el_param_store_free(s);
    /* A config whose trunk differs is refused. */
    c.hidden_size = 48;
    s = (el_param_store *)0x1;
    ck_assert_int_eq(el_param_store_from_trunk(m, &c, 0.02, 5, &s), ELECTRA_ERR_CONFIG);
    ck_assert_ptr_eq(s, (el_param_store *)0x1);
    el_param_store_free(ref);
    electra_model_free(m);
}
END_TEST

/* A model and data of a tiny vocabulary for scoring runs. */
static electra_tokenizer *tiny_tokenizer(void)
{
    const char *dir = make_temp_dir("fteval");
    char path[4200];
    snprintf(path, sizeof path, "%s/vocab.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n", f);
    for (int i = 0; i < 27; i++)
        fprintf(f, "w%d\n", i);
    fclose(f);
    electra_tokenizer *t;
    ck_assert_int_eq(electra_tokenizer_load(path, NULL, &t), ELECTRA_OK);
    remove(path);
    remove(dir);
    return t;
}

static el_trainer *tiny_trainer(int head, int labels)
{
    el_config c = {.head = head, .vocab_size = 32, .embedding_size = 8, .hidden_size = 8,
                   .num_layers = 1, .num_heads = 2, .intermediate_size = 16,
                   .max_positions = 64, .type_vocab_size = 2, .layer_norm_eps = 1e-12,
                   .hidden_act = EL_ACT_GELU, .num_labels = labels};
    snprintf(c.hidden_act_name, sizeof c.hidden_act_name, "gelu");
    /* A wide initialisation, so that predictions vary from row to row. */
    el_param_store *s;
    ck_assert_int_eq(el_param_store_init(&c, 0.5, 3, &s), ELECTRA_OK);
    el_train_options o;
    el_train_options_default(&o);
    el_trainer *tr;
    ck_assert_int_eq(el_trainer_create(s, &o, &tr), ELECTRA_OK);
    return tr;
}

/* Random sentences of 1-12 words w0..w26 with data-dependent labels. */
static char *random_data(el_ft_task task, size_t n, unsigned seed)
{
    size_t cap = n * 400, len = 0;
    char *text = malloc(cap);
    srand(seed);
    for (size_t e = 0; e < n; e++) {
        int words = 1 + rand() % 12;
        char sentence[200] = "", tokens[300] = "", tags[300] = "";
        for (int i = 0; i < words; i++) {
            int w = rand() % 27;
            char buf[32];
            snprintf(buf, sizeof buf, "%sw%d", i ? " " : "", w);
            strcat(sentence, buf);
            snprintf(buf, sizeof buf, "%s\"w%d\"", i ? "," : "", w);
            strcat(tokens, buf);
            snprintf(buf, sizeof buf, "%s\"%s\"", i ? "," : "", w < 9 ? "O" : w < 18 ? "B-A" : "I-A");
            strcat(tags, buf);
        }
        if (task == EL_FT_CLASSIFY)
            len += (size_t)snprintf(text + len, cap - len, "{\"text\": \"%s\", \"label\": \"%c\"}\n",
                                    sentence, "abc"[rand() % 3]);
        else if (task == EL_FT_TAG)
            len += (size_t)snprintf(text + len, cap - len, "{\"tokens\": [%s], \"tags\": [%s]}\n",
                                    tokens, tags);
        else
            len += (size_t)snprintf(text + len, cap - len,
                                    "{\"question\": \"w1 w2\", \"context\": \"%s\", "
                                    "\"answers\": [{\"text\": \"w%d\", \"answer_start\": 0}]}\n",
                                    sentence, atoi(sentence + 1));
    }
    return text;
}

/* Batch sizes 1, 3 and 7 pad the rows differently; the scores must not
 * change, nor the loss beyond float rounding (except question
 * answering's, whose softmax over positions includes the padding). */
static void same_scores_whatever_the_batch(el_ft_task task, int head, int labels)
{
    electra_tokenizer *tok = tiny_tokenizer();
    char *text = random_data(task, 40, 9);
    el_ft_data *d;
    ck_assert_int_eq(el_ft_data_parse(text, strlen(text), "dev", task, &d), ELECTRA_OK);
    el_ft_labels names = {0};
    int32_t *map = NULL;
    if (task != EL_FT_QA) {
        ck_assert_int_eq(el_ft_labels_from_data(d, &names), ELECTRA_OK);
        ck_assert_int_eq(el_ft_labels_map(&names, d, &map), ELECTRA_OK);
    }
    el_ft_features *f;
    ck_assert_int_eq(el_ft_features_build(d, map, tok, 16, 4, &f), ELECTRA_OK);
    el_trainer *tr = tiny_trainer(head, task == EL_FT_QA ? 2 : (int)names.n);
    el_ft_scores first = {0};
    const size_t sizes[] = {1, 3, 7};
    for (size_t k = 0; k < 3; k++) {
        el_ft_eval_options o = {.batch_size = sizes[k], .pad_id = 0, .max_answer_tokens = 30,
                                .allow_no_answer = 1};
        el_ft_scores sc;
        ck_assert_int_eq(el_ft_evaluate(tr, d, f, task == EL_FT_QA ? NULL : &names, &o, &sc),
                         ELECTRA_OK);
        ck_assert_uint_eq(sc.examples, 40);
        ck_assert(isfinite(sc.loss) && sc.loss > 0);
        if (k == 0) {
            first = sc;
            continue;
        }
        if (task != EL_FT_QA)
            ck_assert_msg(fabs(sc.loss - first.loss) < 1e-5, "loss %g vs %g", sc.loss,
                          first.loss);
        ck_assert(sc.main == first.main);
        ck_assert(sc.accuracy == first.accuracy && sc.f1 == first.f1 && sc.exact == first.exact);
    }
    ck_assert_str_eq(first.main_name, task == EL_FT_CLASSIFY ? "accuracy" : "f1");
    if (task == EL_FT_TAG)
        ck_assert_int_eq(first.entities, 1);
    el_trainer_free(tr);
    el_ft_features_free(f);
    el_free(map);
    el_ft_labels_free(&names);
    el_ft_data_free(d);
    free(text);
    electra_tokenizer_free(tok);
}

START_TEST(classify_scores_ignore_padding)
{
    same_scores_whatever_the_batch(EL_FT_CLASSIFY, ELECTRA_HEAD_SEQUENCE_CLASSIFICATION, 0);
}
END_TEST

START_TEST(tag_scores_ignore_padding)
{
    same_scores_whatever_the_batch(EL_FT_TAG, ELECTRA_HEAD_TOKEN_CLASSIFICATION, 0);
}
END_TEST

START_TEST(qa_scores_ignore_padding)
{
    same_scores_whatever_the_batch(EL_FT_QA, ELECTRA_HEAD_QUESTION_ANSWERING, 0);
}
END_TEST

Suite *make_finetune_train_suite(void)
{
    Suite *s = suite_create("finetune_train");
    TCase *tc = tcase_create("init");
    tcase_add_test(tc, config_dropout_and_range);
    tcase_add_test(tc, trunk_under_a_new_head);
    suite_add_tcase(s, tc);
    tc = tcase_create("evaluate");
    tcase_add_test(tc, classify_scores_ignore_padding);
    tcase_add_test(tc, tag_scores_ignore_padding);
    tcase_add_test(tc, qa_scores_ignore_padding);
    suite_add_tcase(s, tc);
    return s;
}
