/* check_finetune_metrics.c - the dev scores on hand-computed cases:
 * accuracy and scikit-learn's macro F1, seqeval's entities (IOB2, IOB1,
 * IOBES, type changes), and the SQuAD script's normalisation, exact match
 * and F1. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "finetune_metrics.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-12)

START_TEST(accuracy_and_macro_f1)
{
    const int32_t gold[] = {0, 0, 1, 1, 2}, pred[] = {0, 1, 1, 1, 0};
    ck_assert(NEAR(el_ft_accuracy(gold, pred, 5), 0.6));
    /* class 0: 2 tp / (2 tp + fp + fn) = 2/4; class 1: 4/5; class 2: 0;
     * class 3 is in neither list and does not count. */
    ck_assert(NEAR(el_ft_macro_f1(gold, pred, 5, 4), (0.5 + 0.8 + 0.0) / 3));
    ck_assert(NEAR(el_ft_macro_f1(gold, gold, 5, 3), 1.0));
    ck_assert(NEAR(el_ft_accuracy(gold, pred, 0), 0.0));
    ck_assert(NEAR(el_ft_macro_f1(gold, pred, 0, 3), 0.0));
}
END_TEST

static char *const names[] = {"O",   "B-MISC", "I-MISC", "B-PER", "I-PER", "I-LOC",
                              "B-LOC", "S-X",  "B-X",    "E-X",   "I-X"};
enum { O, BM, IM, BP, IP, IL, BL, SX, BX, EX, IX };

static el_ft_entity_counts count(const int32_t *gold, const int32_t *pred, size_t n)
{
    el_ft_entity_counts c = {0};
    ck_assert_int_eq(el_ft_entities_add(names, gold, pred, n, &c), ELECTRA_OK);
    return c;
}

/* seqeval's README example: F1 0.5. */
START_TEST(entities_seqeval_example)
{
    el_ft_entity_counts c = {0};
    const int32_t g1[] = {O, O, O, BM, IM, IM, O}, p1[] = {O, O, BM, IM, IM, IM, O};
    const int32_t g2[] = {BP, IP, O}, p2[] = {BP, IP, O};
    ck_assert_int_eq(el_ft_entities_add(names, g1, p1, 7, &c), ELECTRA_OK);
    ck_assert_int_eq(el_ft_entities_add(names, g2, p2, 3, &c), ELECTRA_OK);
    ck_assert_uint_eq(c.gold, 2);
    ck_assert_uint_eq(c.predicted, 2);
    ck_assert_uint_eq(c.correct, 1);
    double p, r, f1;
    el_ft_entities_score(&c, &p, &r, &f1);
    ck_assert(NEAR(p, 0.5) && NEAR(r, 0.5) && NEAR(f1, 0.5));
}
END_TEST

START_TEST(entities_schemes)
{
    /* IOB1: I- after O starts an entity. */
    const int32_t g[] = {IP, IP, O, IL}, p[] = {BP, IP, O, BL};
    el_ft_entity_counts c = count(g, p, 4);
    ck_assert(c.gold == 2 && c.predicted == 2 && c.correct == 2);
    /* A type change ends one entity and starts another. */
    const int32_t g2[] = {BP, IL}, p2[] = {BP, IP};
    c = count(g2, p2, 2);
    ck_assert(c.gold == 2 && c.predicted == 1 && c.correct == 0);
    /* IOBES: S-X | B-X E-X | B-X I-X (ended by the sentence). */
    const int32_t g3[] = {SX, BX, EX, BX, IX};
    c = count(g3, g3, 5);
    ck_assert(c.gold == 3 && c.correct == 3);
    /* B-X B-X: two entities; the right span with the wrong type is wrong. */
    const int32_t g4[] = {BP, BP, O}, p4[] = {BP, BL, O};
    c = count(g4, p4, 3);
    ck_assert(c.gold == 2 && c.predicted == 2 && c.correct == 1);
    /* Entities stop at the end of a sentence. */
    el_ft_entity_counts both = {0};
    const int32_t a[] = {O, BP}, b[] = {IP, O};
    ck_assert_int_eq(el_ft_entities_add(names, a, a, 2, &both), ELECTRA_OK);
    ck_assert_int_eq(el_ft_entities_add(names, b, b, 2, &both), ELECTRA_OK);
    ck_assert_uint_eq(both.gold, 2);
    /* Nothing predicted, nothing there: every score 0. */
    const int32_t none[] = {O, O};
    c = count(none, none, 2);
    double pr, rc, f1;
    el_ft_entities_score(&c, &pr, &rc, &f1);
    ck_assert(pr == 0 && rc == 0 && f1 == 0);
    c = count(none, none, 0);
    ck_assert(c.gold == 0 && c.predicted == 0);
}
END_TEST

static void squad(const char *pred, const char *gold, double want_em, double want_f1)
{
    double em = -1, f1 = -1;
    ck_assert_int_eq(el_ft_squad_compare(pred, strlen(pred), gold, strlen(gold), &em, &f1),
                     ELECTRA_OK);
    ck_assert_msg(NEAR(em, want_em) && NEAR(f1, want_f1), "\"%s\" vs \"%s\": EM %g F1 %g", pred,
                  gold, em, f1);
}

START_TEST(squad_scores)
{
    squad("The Denver Broncos", "denver broncos", 1, 1);
    squad("Denver Broncos team", "Broncos", 0, 0.5);   /* p 1/3, r 1 */
    squad("x y y", "y y z", 0, 2.0 / 3);               /* counts, not sets */
    squad("y", "y y", 0, 2.0 / 3);                     /* p 1, r 1/2 */
    squad("", "", 1, 1);                               /* no answer, rightly */
    squad("", "Broncos", 0, 0);
    squad("the", "", 1, 1);                            /* only an article */
    squad("Broncos!", "broncos", 1, 1);
    squad("theater", "ater", 0, 0);                    /* not an article */
    squad("an apple, a pear", "apple pear", 1, 1);
    squad("\xc3\x89" "COLE", "\xc3\xa9" "cole", 1, 1); /* Unicode lowercase */
    squad("the\xe2\x80\x94" "end", "\xe2\x80\x94" "end", 1, 1); /* \b before a dash */
    squad("denver\xc2\xa0" "broncos", "denver\tbroncos", 1, 1); /* str.split() spaces */
    squad("a_b", "ab", 1, 1);                          /* "_" is ASCII punctuation */
}
END_TEST

Suite *make_finetune_metrics_suite(void)
{
    Suite *s = suite_create("finetune_metrics");
    TCase *tc = tcase_create("metrics");
    tcase_add_test(tc, accuracy_and_macro_f1);
    tcase_add_test(tc, entities_seqeval_example);
    tcase_add_test(tc, entities_schemes);
    tcase_add_test(tc, squad_scores);
    suite_add_tcase(s, tc);
    return s;
}
