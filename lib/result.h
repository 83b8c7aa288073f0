/* result.h - building an electra_result: a table of task items. */
#ifndef EL_RESULT_H
#define EL_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "electra.h"

typedef struct el_item {
    int group;
    char *label; /* owned, may be NULL */
    char *text;  /* owned, may be NULL */
    int32_t id;
    size_t start, end;
    double score, logit;
    int flag;
} el_item;

electra_status el_result_create(electra_result **out);
/* Append an item; label and text are copied (label_len/text_len bytes; a
 * NULL string stays NULL). */
electra_status el_result_add(electra_result *r, const el_item *item, const char *label,
                             size_t label_len, const char *text, size_t text_len);
size_t el_result_size(const electra_result *r);
el_item *el_result_item(electra_result *r, size_t index);
/* Stable sort of the items [from, to) by score, best first. */
void el_result_sort_by_score(electra_result *r, size_t from, size_t to);
/* Keep only the first n items. */
void el_result_truncate(electra_result *r, size_t n);

#endif
