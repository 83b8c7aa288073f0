/* entity_groups.h - transformers' token-classification aggregation
 * (4.34): from per-token label distributions to entities. */
#ifndef EL_ENTITY_GROUPS_H
#define EL_ENTITY_GROUPS_H

#include <stddef.h>

#include "electra.h"

/* One non-special token: its label probabilities, the text the pipeline
 * shows for it (the word piece, or the original span for [UNK]), its
 * byte span, its index in the encoding and whether it continues a word. */
typedef struct el_tag_token {
    const float *scores; /* num_labels probabilities */
    const char *word;
    size_t start, end, index;
    int is_subword;
} el_tag_token;

/* Append the entities of tokens[0..n) to result (label, word, span,
 * score; flag = token index for ELECTRA_AGGREGATION_NONE, else -1),
 * dropping those labelled "O". */
electra_status el_aggregate_entities(const el_tag_token *tokens, size_t n,
                                     char *const *labels, size_t num_labels, int strategy,
                                     electra_result *result);

#endif
