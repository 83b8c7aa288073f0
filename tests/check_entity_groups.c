/* check_entity_groups.c - the token-classification aggregation strategies
 * on hand-made label distributions, with the outcomes transformers' pipeline
 * gives for them worked out by hand. */
#include <check.h>
#include <string.h>

#include "electra.h"
#include "entity_groups.h"
#include "result.h"

static char *labels[] = {"O", "B-PER", "I-PER", "B-LOC", "I-LOC"};
#define L 5

/*                          O     B-PER I-PER B-LOC I-LOC */
static const float john[L] = {.02f, .90f, .04f, .02f, .02f};
static const float smith[L] = {.05f, .05f, .80f, .05f, .05f};
static const float lives[L] = {.95f, .01f, .01f, .02f, .01f};
static const float in[L] = {.90f, .02f, .02f, .03f, .03f};
static const float new_[L] = {.10f, .05f, .05f, .70f, .10f};
static const float york[L] = {.10f, .10f, .10f, .10f, .60f};

/* "john smith lives in new york" */
static const el_tag_token sentence[] = {
    {john, "john", 0, 4, 1, 0},  {smith, "smith", 5, 10, 2, 0}, {lives, "lives", 11, 16, 3, 0},
    {in, "in", 17, 19, 4, 0},    {new_, "new", 20, 23, 5, 0},   {york, "york", 24, 28, 6, 0},
};

static electra_result *run(const el_tag_token *t, size_t n, int strategy)
{
    electra_result *r;
    ck_assert_int_eq(el_result_create(&r), ELECTRA_OK);
    ck_assert_int_eq(el_aggregate_entities(t, n, labels, L, strategy, r), ELECTRA_OK);
    return r;
}

static void expect(const electra_result *r, size_t i, const char *label, const char *word,
                   size_t start, size_t end, double score, int flag)
{
    ck_assert_str_eq(electra_result_label(r, i), label);
    ck_assert_str_eq(electra_result_text(r, i), word);
    ck_assert_uint_eq(electra_result_start(r, i), start);
    ck_assert_uint_eq(electra_result_end(r, i), end);
    ck_assert_double_eq_tol(electra_result_score(r, i), score, 1e-6);
    ck_assert_int_eq(electra_result_flag(r, i), flag);
}

START_TEST(none_keeps_every_token_but_o)
{
    electra_result *r = run(sentence, 6, ELECTRA_AGGREGATION_NONE);
    ck_assert_uint_eq(electra_result_count(r), 4);
    expect(r, 0, "B-PER", "john", 0, 4, .90, 1);
    expect(r, 1, "I-PER", "smith", 5, 10, .80, 2);
    expect(r, 2, "B-LOC", "new", 20, 23, .70, 5);
    expect(r, 3, "I-LOC", "york", 24, 28, .60, 6);
    ck_assert_int_eq(electra_result_id(r, 3), 4);
    electra_result_free(r);
}
END_TEST

START_TEST(simple_groups_b_and_i)
{
    electra_result *r = run(sentence, 6, ELECTRA_AGGREGATION_SIMPLE);
    ck_assert_uint_eq(electra_result_count(r), 2);
    expect(r, 0, "PER", "john smith", 0, 10, (.90 + .80) / 2, -1);
    expect(r, 1, "LOC", "new york", 20, 28, (.70 + .60) / 2, -1);
    electra_result_free(r);
}
END_TEST

/* "jo ##hn lives": the pieces disagree. */
static const float jo[L] = {.10f, .60f, .10f, .10f, .10f};
static const float hn[L] = {.10f, .10f, .10f, .00f, .70f};
static const el_tag_token split_word[] = {
    {jo, "jo", 0, 2, 1, 0}, {hn, "##hn", 2, 4, 2, 1}, {lives, "lives", 5, 10, 3, 0}};

START_TEST(word_strategies_fuse_pieces)
{
    electra_result *r = run(split_word, 3, ELECTRA_AGGREGATION_FIRST);
    ck_assert_uint_eq(electra_result_count(r), 1);
    expect(r, 0, "PER", "john", 0, 4, .60, -1);
    electra_result_free(r);

    r = run(split_word, 3, ELECTRA_AGGREGATION_MAX);
    ck_assert_uint_eq(electra_result_count(r), 1);
    expect(r, 0, "LOC", "john", 0, 4, .70, -1);
    electra_result_free(r);

    /* mean distribution: O .1, B-PER .35, I-PER .1, B-LOC .05, I-LOC .4 */
    r = run(split_word, 3, ELECTRA_AGGREGATION_AVERAGE);
    ck_assert_uint_eq(electra_result_count(r), 1);
    expect(r, 0, "LOC", "john", 0, 4, .40, -1);
    electra_result_free(r);

    /* simple works on pieces: the type changes inside the word */
    r = run(split_word, 3, ELECTRA_AGGREGATION_SIMPLE);
    ck_assert_uint_eq(electra_result_count(r), 2);
    expect(r, 0, "PER", "jo", 0, 2, .60, -1);
    expect(r, 1, "LOC", "##hn", 2, 4, .70, -1);
    electra_result_free(r);
}
END_TEST

START_TEST(b_after_b_starts_a_new_entity)
{
    const el_tag_token t[] = {{john, "ann", 0, 3, 1, 0}, {john, "bob", 4, 7, 2, 0},
                              {smith, "cole", 8, 12, 3, 0}};
    electra_result *r = run(t, 3, ELECTRA_AGGREGATION_SIMPLE);
    ck_assert_uint_eq(electra_result_count(r), 2);
    expect(r, 0, "PER", "ann", 0, 3, .90, -1);
    expect(r, 1, "PER", "bob cole", 4, 12, (.90 + .80) / 2, -1);
    electra_result_free(r);
}
END_TEST

START_TEST(labels_without_prefix_merge_as_continuations)
{
    char *plain[] = {"O", "PER", "LOC"};
    const float per[3] = {.1f, .8f, .1f}, loc[3] = {.1f, .1f, .8f}, o[3] = {.8f, .1f, .1f};
    const el_tag_token t[] = {{per, "a", 0, 1, 1, 0}, {per, "b", 2, 3, 2, 0},
                              {o, "c", 4, 5, 3, 0},   {loc, "d", 6, 7, 4, 0}};
    electra_result *r;
    ck_assert_int_eq(el_result_create(&r), ELECTRA_OK);
    ck_assert_int_eq(el_aggregate_entities(t, 4, plain, 3, ELECTRA_AGGREGATION_SIMPLE, r),
                     ELECTRA_OK);
    ck_assert_uint_eq(electra_result_count(r), 2);
    expect(r, 0, "PER", "a b", 0, 3, .8, -1);
    expect(r, 1, "LOC", "d", 6, 7, .8, -1);
    electra_result_free(r);
}
END_TEST

START_TEST(nothing_in_nothing_out)
{
    electra_result *r = run(sentence, 0, ELECTRA_AGGREGATION_SIMPLE);
    ck_assert_uint_eq(electra_result_count(r), 0);
    ck_assert_ptr_null(electra_result_label(r, 0));
    ck_assert_int_eq(electra_result_group(r, 0), -1);
    electra_result_free(r);
    electra_result_free(NULL);
}
END_TEST

Suite *make_entity_groups_suite(void)
{
    Suite *s = suite_create("entity_groups");
    TCase *tc = tcase_create("entity_groups");
    tcase_add_test(tc, none_keeps_every_token_but_o);
    tcase_add_test(tc, simple_groups_b_and_i);
    tcase_add_test(tc, word_strategies_fuse_pieces);
    tcase_add_test(tc, b_after_b_starts_a_new_entity);
    tcase_add_test(tc, labels_without_prefix_merge_as_continuations);
    tcase_add_test(tc, nothing_in_nothing_out);
    suite_add_tcase(s, tc);
    return s;
}
