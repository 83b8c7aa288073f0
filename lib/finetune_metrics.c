/* finetune_metrics.c - accuracy, macro F1, entity F1, SQuAD EM/F1. */
#include "finetune_metrics.h"

#include <string.h>

#include "alloc.h"
#include "error.h"
#include "unicode.h"
#include "utf8.h"

double el_ft_accuracy(const int32_t *gold, const int32_t *pred, size_t n)
{
    size_t right = 0;
    for (size_t i = 0; i < n; i++)
        right += gold[i] == pred[i];
    return n ? (double)right / (double)n : 0.0;
}

double el_ft_macro_f1(const int32_t *gold, const int32_t *pred, size_t n, size_t classes)
{
    double sum = 0;
    size_t present = 0;
    for (size_t c = 0; c < classes; c++) {
        size_t tp = 0, fp = 0, fn = 0;
        for (size_t i = 0; i < n; i++) {
            int g = gold[i] == (int32_t)c, p = pred[i] == (int32_t)c;
            tp += g && p;
            fp += !g && p;
            fn += g && !p;
        }
        if (tp + fp + fn == 0)
            continue; /* neither gold nor predicted: not in sklearn's label set */
        present++;
        sum += 2.0 * (double)tp / (double)(2 * tp + fp + fn);
    }
    return present ? sum / (double)present : 0.0;
}

/* seqeval's view of a tag: its scheme letter and its type. */
struct tag {
    char kind; /* O B I E S */
    const char *type;
};

static struct tag tag_of(char *const *names, int32_t id)
{
    const char *s = names[id];
    if (s[0] == 'O' && s[1] == '\0')
        return (struct tag){'O', "_"};
    return (struct tag){s[0], s + 2};
}

static int chunk_ends(struct tag prev, struct tag cur)
{
    char p = prev.kind, t = cur.kind;
    if (p == 'E' || p == 'S')
        return 1;
    if ((p == 'B' || p == 'I') && (t == 'B' || t == 'S' || t == 'O'))
        return 1;
    return p != 'O' && strcmp(prev.type, cur.type) != 0;
}

static int chunk_starts(struct tag prev, struct tag cur)
{
    char p = prev.kind, t = cur.kind;
    if (t == 'B' || t == 'S')
        return 1;
    if ((p == 'E' || p == 'S' || p == 'O') && (t == 'E' || t == 'I'))
        return 1;
    return t != 'O' && strcmp(prev.type, cur.type) != 0;
}

/* end[b] = the last position of the chunk starting at b, or -1: seqeval's
 * get_entities over the tags followed by an "O". Returns the chunks. */
static size_t find_chunks(char *const *names, const int32_t *ids, size_t n, int64_t *end)
{
    struct tag prev = {'O', ""}, none = {'O', "_"};
    size_t begin = 0, chunks = 0;
    for (size_t i = 0; i <= n; i++) {
        struct tag cur = i < n ? tag_of(names, ids[i]) : none;
        if (i < n)
            end[i] = -1;
        if (chunk_ends(prev, cur)) {
            end[begin] = (int64_t)i - 1;
            chunks++;
        }
        if (chunk_starts(prev, cur))
            begin = i;
        prev = cur;
    }
    return chunks;
}

electra_status el_ft_entities_add(char *const *names, const int32_t *gold, const int32_t *pred,
                                  size_t n, el_ft_entity_counts *c)
{
    int64_t *ends = el_malloc_array(2 * (n ? n : 1), sizeof *ends);
    if (!ends)
        return el_nomem("counting entities");
    int64_t *gend = ends, *pend = ends + n;
    c->gold += find_chunks(names, gold, n, gend);
    c->predicted += find_chunks(names, pred, n, pend);
    /* Chunks never overlap, so a chunk is known by its start; one is right
     * when the prediction has the same span and type there. */
    for (size_t b = 0; b < n; b++)
        if (gend[b] >= 0 && gend[b] == pend[b] &&
            strcmp(tag_of(names, gold[b]).type, tag_of(names, pred[b]).type) == 0)
            c->correct++;
    el_free(ends);
    return ELECTRA_OK;
}

void el_ft_entities_score(const el_ft_entity_counts *c, double *precision, double *recall,
                          double *f1)
{
    double p = c->predicted ? (double)c->correct / (double)c->predicted : 0.0;
    double r = c->gold ? (double)c->correct / (double)c->gold : 0.0;
    *precision = p;
    *recall = r;
    *f1 = p + r > 0 ? 2 * p * r / (p + r) : 0.0;
}

/* A normalised answer: its words as spans of a code point array. */
struct words {
    int32_t *cp;
    size_t n;
    size_t *begin, *len;
    size_t count;
};

static int is_word_char(int32_t c)
{
    const char *cat = el_uni_category(c);
    return c == '_' || cat[0] == 'L' || cat[0] == 'N';
}

static int is_article(const int32_t *w, size_t n)
{
    static const char *const articles[] = {"a", "an", "the"};
    for (int k = 0; k < 3; k++) {
        size_t len = strlen(articles[k]);
        size_t i = 0;
        while (i < n && i < len && w[i] == articles[k][i])
            i++;
        if (i == n && n == len)
            return 1;
    }
    return 0;
}

/* The official script's normalize_answer, then split(). */
static electra_status normalise(const char *s, size_t len, struct words *w)
{
    memset(w, 0, sizeof *w);
    /* lower() may double a character (U+0130). */
    w->cp = el_malloc_array(2 * len + 1, sizeof *w->cp);
    w->begin = el_malloc_array(2 * len + 1, sizeof *w->begin);
    w->len = el_malloc_array(2 * len + 1, sizeof *w->len);
    if (!w->cp || !w->begin || !w->len)
        return el_nomem("scoring answers");
    for (size_t at = 0; at < len;) {
        size_t n;
        int32_t lower[2];
        int k = el_uni_lower(el_utf8_decode((const unsigned char *)s + at, &n), lower);
        at += n;
        for (int j = 0; j < k; j++)
            if (!(lower[j] < 128 && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", lower[j]) &&
                  lower[j] != 0))
                w->cp[w->n++] = lower[j];
    }
    /* re.sub(r"\b(a|an|the)\b", " "): a run of word characters that is
     * exactly an article becomes a space. */
    for (size_t i = 0; i < w->n;) {
        size_t j = i;
        while (j < w->n && is_word_char(w->cp[j]))
            j++;
        if (j > i && is_article(w->cp + i, j - i))
            for (size_t k = i; k < j; k++)
                w->cp[k] = ' ';
        i = j > i ? j : i + 1;
    }
    for (size_t i = 0; i < w->n;) {
        while (i < w->n && el_uni_is_space(w->cp[i]))
            i++;
        size_t j = i;
        while (j < w->n && !el_uni_is_space(w->cp[j]))
            j++;
        if (j > i) {
            w->begin[w->count] = i;
            w->len[w->count++] = j - i;
        }
        i = j;
    }
    return ELECTRA_OK;
}

static void words_free(struct words *w)
{
    el_free(w->cp);
    el_free(w->begin);
    el_free(w->len);
}

static int same_word(const struct words *a, size_t i, const struct words *b, size_t j)
{
    return a->len[i] == b->len[j] &&
           memcmp(a->cp + a->begin[i], b->cp + b->begin[j], a->len[i] * sizeof(int32_t)) == 0;
}

electra_status el_ft_squad_compare(const char *pred, size_t pred_len, const char *gold,
                                   size_t gold_len, double *exact, double *f1)
{
    struct words p, g;
    electra_status s = normalise(pred, pred_len, &p);
    if (!s)
        s = normalise(gold, gold_len, &g);
    else
        memset(&g, 0, sizeof g);
    unsigned char *used = s ? NULL : el_calloc(g.count + 1, 1);
    if (!s && !used)
        s = el_nomem("scoring answers");
    if (!s) {
        /* Counter(pred) & Counter(gold): each gold word matches once. */
        size_t common = 0;
        for (size_t i = 0; i < p.count; i++)
            for (size_t j = 0; j < g.count; j++)
                if (!used[j] && same_word(&p, i, &g, j)) {
                    used[j] = 1;
                    common++;
                    break;
                }
        int equal = p.count == g.count && common == g.count;
        for (size_t i = 0; equal && i < p.count; i++)
            equal = same_word(&p, i, &g, i);
        *exact = equal;
        if (p.count == 0 || g.count == 0)
            *f1 = p.count == g.count;
        else if (common == 0)
            *f1 = 0.0;
        else {
            double precision = (double)common / (double)p.count;
            double recall = (double)common / (double)g.count;
            *f1 = 2 * precision * recall / (precision + recall);
        }
    }
    el_free(used);
    words_free(&p);
    words_free(&g);
    return s;
}
