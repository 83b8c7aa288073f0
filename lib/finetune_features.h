/* finetune_features.h - fine-tuning examples as model rows ("features", as
 * transformers' examples call them), tokenized once before training:
 *   classify  [CLS] text [SEP] (pair [SEP]), cut longest-first to
 *             max_length (run_glue's truncation=True);
 *   tag       [CLS] pieces [SEP] with each word tokenized on its own and
 *             its tag on its first piece, -100 elsewhere (run_ner with
 *             is_split_into_words=True, label_all_tokens=False); words past
 *             max_length are cut;
 *   qa        [CLS] question [SEP] context-window [SEP]: the context in
 *             windows overlapping by doc_stride tokens (only_second
 *             truncation with overflow rows), each labelled with the first
 *             answer's start and end tokens, or [CLS] (0, 0) when the
 *             window does not hold all of it (SQuAD 2.0 preprocessing). */
#ifndef EL_FINETUNE_FEATURES_H
#define EL_FINETUNE_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "electra.h"
#include "finetune_data.h"

#define EL_FT_IGNORE (-100) /* a label position that is not scored */

typedef struct el_ft_feature {
    size_t example;      /* the example it came from */
    size_t begin, len;   /* its tokens in the feature set's arrays */
    int32_t label;       /* classify: the class id */
    int32_t start, end;  /* qa: answer tokens in the row; 0, 0 = none */
} el_ft_feature;

typedef struct el_ft_features {
    el_ft_task task;
    el_ft_feature *rows;
    size_t n, rows_cap;
    /* Tokens of all rows, back to back. */
    int32_t *ids, *types;
    int32_t *labels;     /* tag: class id or EL_FT_IGNORE per token */
    size_t *offsets;     /* qa: 2 per token, bytes into the context */
    uint8_t *in_context; /* qa: 1 for a context token */
    size_t count, cap;
    size_t max_len;      /* the longest row */
} el_ft_features;

/* Tokenize every example of d. label_map maps d's names to class ids
 * (classify, tag; NULL for qa). max_length counts the special tokens.
 * Errors name the file and line (a question too long for max_length). */
electra_status el_ft_features_build(const el_ft_data *d, const int32_t *label_map,
                                    const electra_tokenizer *tok, size_t max_length,
                                    size_t doc_stride, el_ft_features **out);
void el_ft_features_free(el_ft_features *f);

#endif
