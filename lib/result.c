/* result.c - task results and their accessors. */
#include "result.h"

#include <string.h>

#include "alloc.h"
#include "error.h"

struct electra_result {
    el_item *items;
    size_t count, cap;
};

electra_status el_result_create(electra_result **out)
{
    electra_result *r = el_calloc(1, sizeof *r);
    if (!r)
        return el_nomem("creating a result");
    *out = r;
    return ELECTRA_OK;
}

static void item_free(el_item *it)
{
    el_free(it->label);
    el_free(it->text);
}

electra_status el_result_add(electra_result *r, const el_item *item, const char *label,
                             size_t label_len, const char *text, size_t text_len)
{
    if (el_grow((void **)&r->items, &r->cap, r->count + 1, sizeof *r->items))
        return el_nomem("building a result");
    el_item it = *item;
    it.label = label ? el_strndup(label, label_len) : NULL;
    it.text = text ? el_strndup(text, text_len) : NULL;
    if ((label && !it.label) || (text && !it.text)) {
        item_free(&it);
        return el_nomem("building a result");
    }
    r->items[r->count++] = it;
    return ELECTRA_OK;
}

size_t el_result_size(const electra_result *r)
{
    return r->count;
}

el_item *el_result_item(electra_result *r, size_t index)
{
    return index < r->count ? &r->items[index] : NULL;
}

void el_result_sort_by_score(electra_result *r, size_t from, size_t to)
{
    /* Insertion sort: stable, and results hold few items. */
    for (size_t i = from + 1; i < to; i++) {
        el_item x = r->items[i];
        size_t j = i;
        while (j > from && r->items[j - 1].score < x.score) {
            r->items[j] = r->items[j - 1];
            j--;
        }
        r->items[j] = x;
    }
}

void el_result_truncate(electra_result *r, size_t n)
{
    while (r->count > n)
        item_free(&r->items[--r->count]);
}

ELECTRA_API void electra_result_free(electra_result *result)
{
    if (!result)
        return;
    el_result_truncate(result, 0);
    el_free(result->items);
    el_free(result);
}

ELECTRA_API size_t electra_result_count(const electra_result *result)
{
    return result ? result->count : 0;
}

static const el_item *at(const electra_result *r, size_t i)
{
    return r && i < r->count ? &r->items[i] : NULL;
}

ELECTRA_API int electra_result_group(const electra_result *result, size_t index)
{
    const el_item *it = at(result, index);
    return it ? it->group : -1;
}

ELECTRA_API const char *electra_result_label(const electra_result *result, size_t index)
{
    const el_item *it = at(result, index);
    return it ? it->label : NULL;
}

ELECTRA_API const char *electra_result_text(const electra_result *result, size_t index)
{
    const el_item *it = at(result, index);
    return it ? it->text : NULL;
}

ELECTRA_API int32_t electra_result_id(const electra_result *result, size_t index)
{
    const el_item *it = at(result, index);
    return it ? it->id : -1;
}

ELECTRA_API size_t electra_result_start(const electra_result *result, size_t index)
{
    const el_item *it = at(result, index);
    return it ? it->start : 0;
}

ELECTRA_API size_t electra_result_end(const electra_result *result, size_t index)
{
    const el_item *it = at(result, index);
    return it ? it->end : 0;
}

ELECTRA_API double electra_result_score(const electra_result *result, size_t index)
{
    const el_item *it = at(result, index);
    return it ? it->score : 0.0;
}

ELECTRA_API double electra_result_logit(const electra_result *result, size_t index)
{
    const el_item *it = at(result, index);
    return it ? it->logit : 0.0;
}

ELECTRA_API int electra_result_flag(const electra_result *result, size_t index)
{
    const el_item *it = at(result, index);
    return it ? it->flag : -1;
}
