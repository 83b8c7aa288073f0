/* finetune_eval.c - dev-set predictions and their scores. */
#include "finetune_eval.h"

#include <string.h>

#include "alloc.h"
#include "argmax.h"
#include "error.h"
#include "finetune_batch.h"
#include "finetune_metrics.h"
#include "finetune_squad.h"

/* Predictions gathered over the batches. */
struct preds {
    int32_t *cls;             /* classify: per feature; tag: per token */
    el_ft_squad_span *span;   /* qa: per feature */
    double *null;             /* qa: per feature */
};

static void predict_batch(const el_ft_features *f, const el_ft_eval_options *o,
                          const el_train_model *tm, const el_train_batch *b,
                          const size_t *rows, struct preds *p)
{
    size_t S = b->seq, L = tm->logit_cols;
    for (size_t r = 0; r < b->batch; r++) {
        const el_ft_feature *row = &f->rows[rows[r]];
        switch (f->task) {
        case EL_FT_CLASSIFY:
            p->cls[rows[r]] = (int32_t)el_argmax(tm->logits + r * L, L);
            break;
        case EL_FT_TAG:
            for (size_t t = 0; t < row->len; t++)
                p->cls[row->begin + t] = (int32_t)el_argmax(tm->logits + (r * S + t) * L, L);
            break;
        case EL_FT_QA:
            el_ft_squad_best_span(tm->logits + r * S * 2, f->in_context + row->begin,
                                  f->offsets + 2 * row->begin, row->len, o->max_answer_tokens,
                                  &p->span[rows[r]], &p->null[rows[r]]);
            break;
        }
    }
}

/* What a batch's mean loss is a mean over: its scored tokens when
 * tagging, else its rows. */
static double loss_weight(const el_train_batch *b, el_ft_task task)
{
    if (task != EL_FT_TAG)
        return (double)b->batch;
    size_t n = 0;
    for (size_t i = 0; i < b->batch * b->seq; i++)
        n += b->labels[i] != EL_FT_IGNORE;
    return (double)n;
}

static void score_classify(const el_ft_features *f, const el_ft_labels *labels,
                           const struct preds *p, int32_t *gold, el_ft_scores *s)
{
    for (size_t i = 0; i < f->n; i++)
        gold[i] = f->rows[i].label;
    s->accuracy = el_ft_accuracy(gold, p->cls, f->n);
    s->macro_f1 = el_ft_macro_f1(gold, p->cls, f->n, labels->n);
    s->main_name = "accuracy";
    s->main = s->accuracy;
}

/* Token accuracy over the scored tokens; entities per example. */
static electra_status score_tag(const el_ft_features *f, const el_ft_labels *labels,
                                const struct preds *p, int32_t *gold, int32_t *pred,
                                el_ft_scores *s)
{
    size_t right = 0, total = 0;
    el_ft_entity_counts c = {0};
    s->entities = el_ft_labels_are_entities(labels);
    for (size_t i = 0; i < f->n; i++) {
        const el_ft_feature *row = &f->rows[i];
        size_t n = 0;
        for (size_t t = 0; t < row->len; t++) {
            int32_t g = f->labels[row->begin + t];
            if (g == EL_FT_IGNORE)
                continue;
            gold[n] = g;
            pred[n++] = p->cls[row->begin + t];
        }
        for (size_t k = 0; k < n; k++)
            right += gold[k] == pred[k];
        total += n;
        if (s->entities) {
            electra_status st = el_ft_entities_add(labels->names, gold, pred, n, &c);
            if (st)
                return st;
        }
    }
    s->accuracy = total ? (double)right / (double)total : 0.0;
    if (s->entities) {
        el_ft_entities_score(&c, &s->precision, &s->recall, &s->f1);
        s->main_name = "f1";
        s->main = s->f1;
    } else {
        s->main_name = "accuracy";
        s->main = s->accuracy;
    }
    return ELECTRA_OK;
}

/* run_qa's postprocessing: over a question's windows, the best span and
 * the lowest [CLS] score; then exact match and F1 against every answer. */
static electra_status score_qa(const el_ft_data *d, const el_ft_features *f,
                               const el_ft_eval_options *o, const struct preds *p,
                               el_ft_scores *s)
{
    double em_sum = 0, f1_sum = 0;
    size_t i = 0;
    for (size_t e = 0; e < d->n; e++) {
        const el_ft_example *ex = &d->examples[e];
        el_ft_squad_span best = {0};
        double null = 0;
        int have_null = 0;
        for (; i < f->n && f->rows[i].example == e; i++) {
            if (p->span[i].found && (!best.found || p->span[i].score > best.score))
                best = p->span[i];
            if (!have_null || p->null[i] < null)
                null = p->null[i];
            have_null = 1;
        }
        const char *ctx = el_ft_str(d, ex->b);
        const char *answer = "";
        size_t answer_len = 0;
        if (best.found && !(o->allow_no_answer && have_null && null > best.score)) {
            answer = ctx + best.start;
            answer_len = best.end - best.start;
        }
        double em = 0, f1 = 0;
        for (size_t a = 0; a < (ex->count ? ex->count : 1); a++) {
            const el_ft_answer *gold = ex->count ? &d->answers[ex->first + a] : NULL;
            double x, y;
            electra_status st = el_ft_squad_compare(answer, answer_len,
                                                    gold ? el_ft_str(d, gold->text) : "",
                                                    gold ? gold->text.len : 0, &x, &y);
            if (st)
                return st;
            em = x > em ? x : em;
            f1 = y > f1 ? y : f1;
        }
        em_sum += em;
        f1_sum += f1;
    }
    s->exact = d->n ? em_sum / (double)d->n : 0.0;
    s->f1 = d->n ? f1_sum / (double)d->n : 0.0;
    s->main_name = "f1";
    s->main = s->f1;
    return ELECTRA_OK;
}

electra_status el_ft_evaluate(el_trainer *tr, const el_ft_data *d, const el_ft_features *f,
                              const el_ft_labels *labels, const el_ft_eval_options *o,
                              el_ft_scores *out)
{
    if (!tr || !d || !f || !o || !out || (f->task != EL_FT_QA && !labels))
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_ft_evaluate: NULL argument");
    el_ft_batcher b;
    electra_status st = el_ft_batcher_init(&b, f, o->batch_size, o->pad_id);
    if (st)
        return st;
    size_t n = f->n ? f->n : 1, tokens = f->count ? f->count : 1;
    struct preds p = {0};
    int32_t *gold = NULL, *pred = NULL;
    if (f->task == EL_FT_QA) {
        p.span = el_malloc_array(n, sizeof *p.span);
        p.null = el_malloc_array(n, sizeof *p.null);
    } else {
        p.cls = el_malloc_array(f->task == EL_FT_TAG ? tokens : n, sizeof *p.cls);
        gold = el_malloc_array(f->task == EL_FT_TAG ? f->max_len + 1 : n, sizeof *gold);
        pred = el_malloc_array(f->max_len + 1, sizeof *pred);
    }
    if (f->task == EL_FT_QA ? !p.span || !p.null : !p.cls || !gold || !pred)
        st = el_nomem("evaluating");
    el_ft_scores s = {.examples = d->n};
    double loss_sum = 0, weight_sum = 0;
    for (size_t k = 0; !st && k < el_ft_batcher_count(&b); k++) {
        const size_t *rows;
        const el_train_batch *batch = el_ft_batcher_get(&b, k, &rows, NULL);
        double loss;
        if (!(st = el_trainer_evaluate(tr, batch, &loss))) {
            double weight = loss_weight(batch, f->task);
            if (weight > 0) {
                loss_sum += loss * weight;
                weight_sum += weight;
            }
            predict_batch(f, o, el_trainer_model(tr), batch, rows, &p);
        }
    }
    s.loss = weight_sum > 0 ? loss_sum / weight_sum : 0.0;
    if (!st) {
        if (f->task == EL_FT_CLASSIFY)
            score_classify(f, labels, &p, gold, &s);
        else if (f->task == EL_FT_TAG)
            st = score_tag(f, labels, &p, gold, pred, &s);
        else
            st = score_qa(d, f, o, &p, &s);
    }
    el_ft_batcher_free(&b);
    el_free(p.cls);
    el_free(p.span);
    el_free(p.null);
    el_free(gold);
    el_free(pred);
    if (st)
        return st;
    *out = s;
    return ELECTRA_OK;
}
