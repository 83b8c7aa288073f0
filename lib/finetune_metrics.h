/* finetune_metrics.h - the dev-set scores of fine-tuning, as the
 * reference Python tools define them:
 *   classification: accuracy, and macro F1 as scikit-learn's
 *     f1_score(average="macro") (the mean over every class that occurs in
 *     the gold or the predicted labels; an undefined F1 counts 0);
 *   tagging: entities as seqeval's default (conlleval) mode finds them in
 *     IOB1/IOB2/IOBES tags, micro-averaged precision, recall and F1;
 *   question answering: the official SQuAD 2.0 script's exact match and
 *     token F1 over normalised answers (lowercased, ASCII punctuation and
 *     the articles a/an/the removed, whitespace collapsed), the best over
 *     the gold answers, "" for a question without one. */
#ifndef EL_FINETUNE_METRICS_H
#define EL_FINETUNE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "electra.h"

/* Share of i with gold[i] == pred[i]; 0 for n = 0. */
double el_ft_accuracy(const int32_t *gold, const int32_t *pred, size_t n);
/* Classes are 0 .. classes-1; ids outside are ignored. */
double el_ft_macro_f1(const int32_t *gold, const int32_t *pred, size_t n, size_t classes);

/* Entity counts, summed over sentences. */
typedef struct el_ft_entity_counts {
    size_t correct, gold, predicted;
} el_ft_entity_counts;

/* Add one sentence of n tags (ids into names, all "O" or "X-TYPE" as
 * el_ft_labels_are_entities accepts) to c. */
electra_status el_ft_entities_add(char *const *names, const int32_t *gold, const int32_t *pred,
                                  size_t n, el_ft_entity_counts *c);
/* Micro precision, recall and F1 (0 where undefined). */
void el_ft_entities_score(const el_ft_entity_counts *c, double *precision, double *recall,
                          double *f1);

/* SQuAD exact match and F1 of a prediction against one gold answer
 * (UTF-8, not NUL-terminated). */
electra_status el_ft_squad_compare(const char *pred, size_t pred_len, const char *gold,
                                   size_t gold_len, double *exact, double *f1);

#endif
