/* entity_groups.c - the aggregation strategies of transformers'
 * token-classification pipeline (4.34):
 *  none    every token with its best label;
 *  simple  tokens grouped into entities;
 *  first / average / max  word pieces first fused into words (the label of
 *          the first piece, of the most confident piece, or of the mean
 *          distribution), then grouped.
 * Grouping merges a token into the running entity when it has the same
 * type and does not begin a new one ("B-"); the entity is named without
 * its B-/I- prefix and scored by the mean of its parts. Entities labelled
 * "O" are dropped, as the pipeline's ignore_labels. */
#include "entity_groups.h"

#include <string.h>

#include "alloc.h"
#include "argmax.h"
#include "error.h"
#include "result.h"
#include "task.h"

/* A token or a fused word on its way to an entity. */
struct entity {
    int label;
    double score;
    const char *word; /* borrowed from a token, or owned (fused words) */
    size_t start, end, index;
};

struct grouping {
    char *const *labels;
    size_t num_labels;
    electra_result *r;
};

/* get_tag(): the type without a B-/I- prefix, and whether it begins an
 * entity; a label in neither form counts as a continuation. */
static const char *tag_of(const char *label, int *begins)
{
    *begins = strncmp(label, "B-", 2) == 0;
    if (*begins || strncmp(label, "I-", 2) == 0)
        return label + 2;
    return label;
}

/* entity_group = label.split("-", 1)[-1] */
static const char *group_name(const char *label)
{
    const char *dash = strchr(label, '-');
    return dash ? dash + 1 : label;
}

/* convert_tokens_to_string of the entities' words. */
static char *join_words(const struct entity *e, size_t n)
{
    const char **words = el_malloc_array(n, sizeof *words);
    if (!words)
        return NULL;
    for (size_t i = 0; i < n; i++)
        words[i] = e[i].word;
    char *joined = el_join_word_pieces(words, n);
    el_free(words);
    return joined;
}

static electra_status emit_token(struct grouping *g, const struct entity *e)
{
    const char *label = g->labels[e->label];
    if (strcmp(label, "O") == 0)
        return ELECTRA_OK;
    el_item it = {.id = e->label, .start = e->start, .end = e->end, .score = e->score,
                  .flag = (int)e->index};
    return el_result_add(g->r, &it, label, strlen(label), e->word, strlen(e->word));
}

static electra_status emit_group(struct grouping *g, const struct entity *e, size_t n)
{
    const char *name = group_name(g->labels[e[0].label]);
    if (strcmp(name, "O") == 0)
        return ELECTRA_OK;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += e[i].score;
    char *word = join_words(e, n);
    if (!word)
        return el_nomem("grouping entities");
    el_item it = {.id = e[0].label, .start = e[0].start, .end = e[n - 1].end,
                  .score = sum / (double)n, .flag = -1};
    electra_status s = el_result_add(g->r, &it, name, strlen(name), word, strlen(word));
    el_free(word);
    return s;
}

static electra_status group_entities(struct grouping *g, const struct entity *e, size_t n)
{
    size_t first = 0;
    electra_status s = ELECTRA_OK;
    for (size_t i = 1; !s && i <= n; i++) {
        int same = 0;
        if (i < n) {
            int begins, last_begins;
            const char *tag = tag_of(g->labels[e[i].label], &begins);
            const char *last = tag_of(g->labels[e[i - 1].label], &last_begins);
            same = strcmp(tag, last) == 0 && !begins;
        }
        if (!same) {
            s = emit_group(g, e + first, i - first);
            first = i;
        }
    }
    return s;
}

/* aggregate_word(): tokens [a, b) as one word. */
static electra_status fuse_word(const struct grouping *g, const el_tag_token *t,
                                const struct entity *tok, size_t a, size_t b, int strategy,
                                struct entity *out)
{
    char *word = join_words(tok + a, b - a);
    if (!word)
        return el_nomem("fusing words");
    out->word = word;
    out->start = tok[a].start;
    out->end = tok[b - 1].end;
    out->index = tok[a].index;
    if (strategy == ELECTRA_AGGREGATION_FIRST) {
        out->label = tok[a].label;
        out->score = tok[a].score;
    } else if (strategy == ELECTRA_AGGREGATION_MAX) {
        size_t best = a;
        for (size_t i = a + 1; i < b; i++)
            if (tok[i].score > tok[best].score)
                best = i;
        out->label = tok[best].label;
        out->score = tok[best].score;
    } else {
        out->label = 0;
        out->score = -1;
        for (size_t l = 0; l < g->num_labels; l++) {
            double avg = 0;
            for (size_t i = a; i < b; i++)
                avg += t[i].scores[l];
            avg /= (double)(b - a);
            if (avg > out->score) {
                out->score = avg;
                out->label = (int)l;
            }
        }
    }
    return ELECTRA_OK;
}

static electra_status aggregate_words(struct grouping *g, const el_tag_token *t,
                                      const struct entity *tok, size_t n, int strategy)
{
    struct entity *words = el_calloc(n, sizeof *words);
    if (!words)
        return el_nomem("fusing words");
    size_t nw = 0, a = 0;
    electra_status s = ELECTRA_OK;
    for (size_t i = 1; !s && i <= n; i++)
        if (i == n || !t[i].is_subword) {
            s = fuse_word(g, t, tok, a, i, strategy, &words[nw++]);
            a = i;
        }
    if (!s)
        s = group_entities(g, words, nw);
    for (size_t i = 0; i < nw; i++)
        el_free((char *)words[i].word);
    el_free(words);
    return s;
}

electra_status el_aggregate_entities(const el_tag_token *tokens, size_t n,
                                     char *const *labels, size_t num_labels, int strategy,
                                     electra_result *result)
{
    if (!n)
        return ELECTRA_OK;
    struct grouping g = {labels, num_labels, result};
    struct entity *tok = el_calloc(n, sizeof *tok);
    if (!tok)
        return el_nomem("tagging");
    for (size_t i = 0; i < n; i++) {
        tok[i].label = (int)el_argmax(tokens[i].scores, num_labels);
        tok[i].score = tokens[i].scores[tok[i].label];
        tok[i].word = tokens[i].word;
        tok[i].start = tokens[i].start;
        tok[i].end = tokens[i].end;
        tok[i].index = tokens[i].index;
    }
    electra_status s = ELECTRA_OK;
    if (strategy == ELECTRA_AGGREGATION_NONE)
        for (size_t i = 0; !s && i < n; i++)
            s = emit_token(&g, &tok[i]);
    else if (strategy == ELECTRA_AGGREGATION_SIMPLE)
        s = group_entities(&g, tok, n);
    else
        s = aggregate_words(&g, tokens, tok, n, strategy);
    el_free(tok);
    return s;
}
