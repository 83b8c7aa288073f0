/* finetune_labels.h - the classes of a fine-tuning run (sequence classes
 * or token tags) and the map from a data file's names to class ids.
 *
 * Where they come from, first that applies: --labels a,b,c (in that
 * order); the model's id2label when its head is the task's and every
 * training name is among them; else the distinct training names, sorted
 * (byte order, which is code point order: Python's sorted()). */
#ifndef EL_FINETUNE_LABELS_H
#define EL_FINETUNE_LABELS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "finetune_data.h"

typedef struct el_ft_labels {
    char **names;
    size_t n;
} el_ft_labels;

/* The distinct names of d, sorted. */
electra_status el_ft_labels_from_data(const el_ft_data *d, el_ft_labels *out);
/* "a,b,c": names in that order; empty or repeated names are an error. */
electra_status el_ft_labels_parse(const char *list, el_ft_labels *out);
/* A copy of n names (a model's id2label). */
electra_status el_ft_labels_copy(char *const *names, size_t n, el_ft_labels *out);
void el_ft_labels_free(el_ft_labels *l);

/* The id of a name, or -1. */
int32_t el_ft_labels_find(const el_ft_labels *l, const char *name, size_t len);
/* Whether every name of d is one of l. */
int el_ft_labels_cover(const el_ft_labels *l, const el_ft_data *d);
/* map[i] = the id of d's name i, for every name of d (el_free the
 * array). A name not in l is an error naming the file, the line where it
 * first occurs, and the labels. */
electra_status el_ft_labels_map(const el_ft_labels *l, const el_ft_data *d, int32_t **map);

/* The head a task trains: ELECTRA_HEAD_SEQUENCE_CLASSIFICATION,
 * _TOKEN_CLASSIFICATION or _QUESTION_ANSWERING. */
int el_ft_task_head(el_ft_task task);

/* The labels of a run from model_cfg (a model directory's config),
 * the training data and the --labels list (NULL when not given), and
 * whether the model's head and labels are kept (*keep: its head is the
 * task's, a sequence classifier is single-label, and its id2label holds
 * every training name, or equals the list given). Question answering has
 * no labels (*out empty). */
electra_status el_ft_labels_choose(const el_config *model_cfg, const el_ft_data *train,
                                   const char *list, el_ft_labels *out, int *keep);

/* Whether tags follow the IOB/IOBES scheme ("O", "B-X", "I-X", "E-X",
 * "S-X"), so entity F1 applies; plain tags (POS) are scored by accuracy. */
int el_ft_labels_are_entities(const el_ft_labels *l);

#endif
