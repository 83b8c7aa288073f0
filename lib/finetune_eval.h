/* finetune_eval.h - scoring a model being fine-tuned on a dev set: the
 * model runs without dropout over the dev features in batches, and its
 * logits become predictions (argmax class, argmax tag of each word's first
 * piece, best answer span over a question's windows) scored by
 * finetune_metrics. */
#ifndef EL_FINETUNE_EVAL_H
#define EL_FINETUNE_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "finetune_data.h"
#include "finetune_features.h"
#include "finetune_labels.h"
#include "trainer.h"

typedef struct el_ft_eval_options {
    size_t batch_size;
    int32_t pad_id;
    size_t max_answer_tokens; /* qa: longest answer (run_qa: 30) */
    int allow_no_answer;      /* qa: "" wins when the [CLS] score beats
                                 every span (SQuAD 2.0) */
} el_ft_eval_options;

typedef struct el_ft_scores {
    double loss;            /* dev loss: the mean over rows (tags: over
                               scored tokens). The QA loss depends on the
                               padding, as transformers' does: padded
                               positions take part in the softmax */
    const char *main_name;  /* "accuracy", "f1" */
    double main;            /* the metric that picks the best epoch */
    size_t examples;
    /* classify */
    double accuracy, macro_f1;
    /* tag: token accuracy over scored tokens; entities when the tags are
     * IOB-style */
    int entities;
    double precision, recall, f1;
    /* qa */
    double exact;
} el_ft_scores;

/* labels: the class names (tag entities), NULL for qa. */
electra_status el_ft_evaluate(el_trainer *tr, const el_ft_data *d, const el_ft_features *f,
                              const el_ft_labels *labels, const el_ft_eval_options *o,
                              el_ft_scores *out);

#endif
