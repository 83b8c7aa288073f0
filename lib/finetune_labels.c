/* finetune_labels.c - label sets and name -> id maps. */
#include "finetune_labels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"

static electra_status add(el_ft_labels *l, size_t *cap, const char *s, size_t len)
{
    if (el_grow((void **)&l->names, cap, l->n + 1, sizeof *l->names) ||
        !(l->names[l->n] = el_strndup(s, len)))
        return el_nomem("building a label set");
    l->n++;
    return ELECTRA_OK;
}

static electra_status finish(el_ft_labels *l, electra_status s, el_ft_labels *out)
{
    if (s) {
        el_ft_labels_free(l);
        return s;
    }
    *out = *l;
    return ELECTRA_OK;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

electra_status el_ft_labels_from_data(const el_ft_data *d, el_ft_labels *out)
{
    el_ft_labels l = {0};
    size_t cap = 0;
    electra_status s = ELECTRA_OK;
    for (uint32_t i = 0; !s && i < d->names.count; i++) {
        size_t len;
        const char *name = el_ft_data_name(d, i, &len);
        s = add(&l, &cap, name, len);
    }
    if (!s && l.n)
        qsort(l.names, l.n, sizeof *l.names, compare_names);
    return finish(&l, s, out);
}

electra_status el_ft_labels_parse(const char *list, el_ft_labels *out)
{
    el_ft_labels l = {0};
    size_t cap = 0;
    electra_status s = ELECTRA_OK;
    for (const char *p = list; !s;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0)
            s = el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "labels \"%s\": an empty name", list);
        else if (el_ft_labels_find(&l, p, len) >= 0)
            s = el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "labels \"%s\": \"%.*s\" is repeated", list,
                        (int)len, p);
        else
            s = add(&l, &cap, p, len);
        if (!comma)
            break;
        p = comma + 1;
    }
    return finish(&l, s, out);
}

electra_status el_ft_labels_copy(char *const *names, size_t n, el_ft_labels *out)
{
    el_ft_labels l = {0};
    size_t cap = 0;
    electra_status s = ELECTRA_OK;
    for (size_t i = 0; !s && i < n; i++)
        s = add(&l, &cap, names[i], strlen(names[i]));
    return finish(&l, s, out);
}

void el_ft_labels_free(el_ft_labels *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        el_free(l->names[i]);
    el_free(l->names);
    l->names = NULL;
    l->n = 0;
}

int32_t el_ft_labels_find(const el_ft_labels *l, const char *name, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->names[i]) == len && memcmp(l->names[i], name, len) == 0)
            return (int32_t)i;
    return -1;
}

int el_ft_labels_cover(const el_ft_labels *l, const el_ft_data *d)
{
    for (uint32_t i = 0; i < d->names.count; i++) {
        size_t len;
        const char *name = el_ft_data_name(d, i, &len);
        if (el_ft_labels_find(l, name, len) < 0)
            return 0;
    }
    return 1;
}

/* "a, b, c" (cut short when long) for messages. */
static void describe(const el_ft_labels *l, char *buf, size_t cap)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < l->n && at < cap; i++) {
        int n = snprintf(buf + at, cap - at, "%s%s", i ? ", " : "", l->names[i]);
        if (n < 0 || (size_t)n >= cap - at) {
            snprintf(buf + (cap > 4 ? cap - 4 : 0), cap > 4 ? 4 : cap, "...");
            return;
        }
        at += (size_t)n;
    }
}

electra_status el_ft_labels_map(const el_ft_labels *l, const el_ft_data *d, int32_t **map)
{
    size_t n = d->names.count;
    int32_t *m = el_malloc_array(n ? n : 1, sizeof *m);
    if (!m)
        return el_nomem("mapping labels");
    for (uint32_t i = 0; i < n; i++) {
        size_t len;
        const char *name = el_ft_data_name(d, i, &len);
        if ((m[i] = el_ft_labels_find(l, name, len)) < 0) {
            char known[160];
            describe(l, known, sizeof known);
            el_free(m);
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                           "%s:%zu: label \"%.*s\" is not one of the %zu labels (%s)", d->path,
                           el_ft_data_name_line(d, i), (int)(len > 64 ? 64 : len), name, l->n,
                           known);
        }
    }
    *map = m;
    return ELECTRA_OK;
}

int el_ft_labels_are_entities(const el_ft_labels *l)
{
    int entity = 0;
    for (size_t i = 0; i < l->n; i++) {
        const char *s = l->names[i];
        if (strcmp(s, "O") == 0)
            continue;
        if (!strchr("BIES", s[0]) || s[0] == '\0' || s[1] != '-' || s[2] == '\0')
            return 0;
        entity = 1;
    }
    return entity;
}

int el_ft_task_head(el_ft_task task)
{
    return task == EL_FT_CLASSIFY ? ELECTRA_HEAD_SEQUENCE_CLASSIFICATION
           : task == EL_FT_TAG    ? ELECTRA_HEAD_TOKEN_CLASSIFICATION
                                  : ELECTRA_HEAD_QUESTION_ANSWERING;
}

static int same_labels(const el_config *c, const el_ft_labels *l)
{
    if ((size_t)c->num_labels != l->n)
        return 0;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(c->labels[i], l->names[i]) != 0)
            return 0;
    return 1;
}

electra_status el_ft_labels_choose(const el_config *model_cfg, const el_ft_data *train,
                                   const char *list, el_ft_labels *out, int *keep)
{
    el_ft_labels l = {0}, model = {0};
    int head = model_cfg->head == el_ft_task_head(train->task);
    if (train->task != EL_FT_QA && !model_cfg->labels)
        head = 0;
    if (train->task == EL_FT_QA) {
        *out = l;
        *keep = head;
        return ELECTRA_OK;
    }
    /* Only single-label classification is trained here. */
    if (train->task == EL_FT_CLASSIFY && model_cfg->problem_type[0] &&
        strcmp(model_cfg->problem_type, "single_label_classification") != 0)
        head = 0;
    electra_status s;
    if (list) {
        if ((s = el_ft_labels_parse(list, &l)))
            return s;
        *keep = head && same_labels(model_cfg, &l);
    } else {
        if (head && (s = el_ft_labels_copy(model_cfg->labels, (size_t)model_cfg->num_labels,
                                           &model)))
            return s;
        *keep = head && el_ft_labels_cover(&model, train);
        if (*keep)
            l = model;
        else {
            el_ft_labels_free(&model);
            if ((s = el_ft_labels_from_data(train, &l)))
                return s;
        }
    }
    *out = l;
    return ELECTRA_OK;
}
