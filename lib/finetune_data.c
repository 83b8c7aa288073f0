/* finetune_data.c - reading the fine-tuning JSON Lines formats. */
#include "finetune_data.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "json.h"
#include "mapped_file.h"
#include "utf8.h"

/* What parsing one line needs: the data, where the line is, its object. */
struct line {
    el_ft_data *d;
    const char *name;
    size_t number;
    const cJSON *obj;
};

static electra_status line_fail(const struct line *l, const char *what)
{
    return el_fail(ELECTRA_ERR_FORMAT, "%s:%zu: %s", l->name, l->number, what);
}

/* Copy a string into the data's buffer. Strings are valid UTF-8: the
 * line was checked, and cJSON's escapes only make valid UTF-8 (it refuses
 * lone surrogates). */
static electra_status keep(const struct line *l, const char *s, el_ft_span *out)
{
    el_ft_data *d = l->d;
    size_t n = strlen(s);
    if (el_grow((void **)&d->bytes, &d->bytes_cap, d->len + n + 1, 1))
        return el_nomem("reading fine-tuning data");
    memcpy(d->bytes + d->len, s, n);
    *out = (el_ft_span){d->len, n};
    d->len += n;
    return ELECTRA_OK;
}

/* A string member; an optional one may be absent or null (*present 0). */
static electra_status string_member(const struct line *l, const char *key, int optional,
                                    el_ft_span *out, int *present)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(l->obj, key);
    if (present)
        *present = 0;
    if ((!item || cJSON_IsNull(item)) && optional)
        return ELECTRA_OK;
    if (!item)
        return el_fail(ELECTRA_ERR_FORMAT, "%s:%zu: no \"%s\"", l->name, l->number, key);
    if (!cJSON_IsString(item))
        return el_fail(ELECTRA_ERR_FORMAT, "%s:%zu: \"%s\" is not a string", l->name, l->number,
                       key);
    if (present)
        *present = 1;
    return keep(l, item->valuestring, out);
}

/* A class or tag name: a non-empty string, interned. */
static electra_status name_index(const struct line *l, const cJSON *item, const char *key,
                                 uint32_t *index)
{
    if (!cJSON_IsString(item))
        return el_fail(ELECTRA_ERR_FORMAT, "%s:%zu: %s is not a string", l->name, l->number, key);
    const char *s = item->valuestring;
    size_t n = strlen(s);
    if (n == 0)
        return el_fail(ELECTRA_ERR_FORMAT, "%s:%zu: %s is empty", l->name, l->number, key);
    return el_strtab_intern(&l->d->names, s, n, index, NULL);
}

static electra_status parse_classify(const struct line *l, el_ft_example *ex)
{
    electra_status s;
    if ((s = string_member(l, "text", 0, &ex->a, NULL)) ||
        (s = string_member(l, "pair", 1, &ex->b, &ex->has_pair)))
        return s;
    const cJSON *label = cJSON_GetObjectItemCaseSensitive(l->obj, "label");
    if (!label)
        return line_fail(l, "no \"label\"");
    if (!cJSON_IsString(label))
        return line_fail(l, "\"label\" is not a string (the class name)");
    return name_index(l, label, "\"label\"", &ex->label);
}

static electra_status parse_tag(const struct line *l, el_ft_example *ex)
{
    el_ft_data *d = l->d;
    const cJSON *tokens = cJSON_GetObjectItemCaseSensitive(l->obj, "tokens");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(l->obj, "tags");
    if (!tokens || !tags)
        return line_fail(l, "needs \"tokens\" and \"tags\"");
    if (!cJSON_IsArray(tokens) || !cJSON_IsArray(tags))
        return line_fail(l, "\"tokens\" and \"tags\" must be arrays");
    size_t n = (size_t)cJSON_GetArraySize(tokens), nt = (size_t)cJSON_GetArraySize(tags);
    if (n != nt)
        return el_fail(ELECTRA_ERR_FORMAT, "%s:%zu: %zu tokens but %zu tags", l->name, l->number,
                       n, nt);
    if (el_grow((void **)&d->words, &d->words_cap, d->n_words + n, sizeof *d->words))
        return el_nomem("reading fine-tuning data");
    ex->first = d->n_words;
    ex->count = n;
    const cJSON *tok = tokens->child, *tag = tags->child;
    for (size_t i = 0; i < n; i++, tok = tok->next, tag = tag->next) {
        char key[48];
        el_ft_word *w = &d->words[ex->first + i];
        snprintf(key, sizeof key, "tokens[%zu]", i);
        if (!cJSON_IsString(tok))
            return el_fail(ELECTRA_ERR_FORMAT, "%s:%zu: %s is not a string", l->name, l->number,
                           key);
        electra_status s = keep(l, tok->valuestring, &w->text);
        snprintf(key, sizeof key, "tags[%zu]", i);
        if (!s)
            s = name_index(l, tag, key, &w->tag);
        if (s)
            return s;
    }
    d->n_words += n;
    return ELECTRA_OK;
}

/* A JSON number that is a whole count. */
static int whole_number(const cJSON *item, size_t *out)
{
    if (!cJSON_IsNumber(item))
        return 0;
    double v = item->valuedouble;
    if (!(v >= 0 && v <= 9007199254740992.0) || v != floor(v))
        return 0;
    *out = (size_t)v;
    return 1;
}

/* Answer i: its text must be in the context at answer_start characters. */
static electra_status add_answer(const struct line *l, const el_ft_example *ex, size_t i,
                                 const cJSON *text, const cJSON *start)
{
    el_ft_data *d = l->d;
    size_t chars;
    if (!cJSON_IsString(text) || !whole_number(start, &chars))
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s:%zu: answer %zu needs a string \"text\" and a whole number "
                       "\"answer_start\"",
                       l->name, l->number, i);
    if (!text->valuestring[0])
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s:%zu: answer %zu is empty (no answer is \"answers\": [])", l->name,
                       l->number, i);
    /* Code points to bytes; the context is valid UTF-8 already. */
    const char *ctx = el_ft_str(d, ex->b);
    size_t at = 0;
    for (size_t c = 0; c < chars && at < ex->b.len; c++) {
        size_t len;
        el_utf8_decode((const unsigned char *)ctx + at, &len);
        at += len;
    }
    el_ft_answer a;
    electra_status s = keep(l, text->valuestring, &a.text);
    if (s)
        return s;
    ctx = el_ft_str(d, ex->b); /* keep() may have moved the buffer */
    if (at > ex->b.len || ex->b.len - at < a.text.len ||
        memcmp(ctx + at, el_ft_str(d, a.text), a.text.len) != 0) {
        size_t shown = ex->b.len - at < a.text.len ? ex->b.len - at : a.text.len;
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s:%zu: answer %zu \"%.*s\" is not in the context at character %zu "
                       "(it has \"%.*s\" there)",
                       l->name, l->number, i, (int)(a.text.len > 80 ? 80 : a.text.len),
                       el_ft_str(d, a.text), chars, (int)(shown > 80 ? 80 : shown), ctx + at);
    }
    a.start = at;
    if (el_grow((void **)&d->answers, &d->answers_cap, d->n_answers + 1, sizeof *d->answers))
        return el_nomem("reading fine-tuning data");
    d->answers[d->n_answers++] = a;
    return ELECTRA_OK;
}

static electra_status parse_qa(const struct line *l, el_ft_example *ex)
{
    electra_status s;
    if ((s = string_member(l, "question", 0, &ex->a, NULL)) ||
        (s = string_member(l, "context", 0, &ex->b, NULL)))
        return s;
    const cJSON *answers = cJSON_GetObjectItemCaseSensitive(l->obj, "answers");
    ex->first = l->d->n_answers;
    if (cJSON_IsArray(answers)) {
        size_t i = 0;
        for (const cJSON *a = answers->child; a; a = a->next, i++) {
            if (!cJSON_IsObject(a))
                return el_fail(ELECTRA_ERR_FORMAT, "%s:%zu: answer %zu is not an object",
                               l->name, l->number, i);
            s = add_answer(l, ex, i, cJSON_GetObjectItemCaseSensitive(a, "text"),
                           cJSON_GetObjectItemCaseSensitive(a, "answer_start"));
            if (s)
                return s;
        }
    } else if (cJSON_IsObject(answers)) {
        /* Hugging Face datasets' SQuAD: parallel lists. */
        const cJSON *texts = cJSON_GetObjectItemCaseSensitive(answers, "text");
        const cJSON *starts = cJSON_GetObjectItemCaseSensitive(answers, "answer_start");
        if (!cJSON_IsArray(texts) || !cJSON_IsArray(starts) ||
            cJSON_GetArraySize(texts) != cJSON_GetArraySize(starts))
            return line_fail(l, "\"answers\" as an object needs lists \"text\" and "
                                "\"answer_start\" of one length");
        const cJSON *t = texts->child, *st = starts->child;
        for (size_t i = 0; t; t = t->next, st = st->next, i++)
            if ((s = add_answer(l, ex, i, t, st)))
                return s;
    } else {
        return line_fail(l, answers ? "\"answers\" must be a list" : "no \"answers\"");
    }
    ex->count = l->d->n_answers - ex->first;
    return ELECTRA_OK;
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

static electra_status parse_line(el_ft_data *d, const char *name, size_t number, const char *s,
                                 size_t n)
{
    struct line l = {d, name, number, NULL};
    size_t bad = el_utf8_check(s, n);
    if (bad < n)
        return el_fail(ELECTRA_ERR_INVALID_UTF8, "%s:%zu: invalid UTF-8 at byte %zu", name,
                       number, bad);
    size_t at = 0;
    cJSON *root = el_json_parse(s, n, &at);
    if (!root)
        return el_fail(ELECTRA_ERR_FORMAT, "%s:%zu: not valid JSON (at byte %zu)", name, number,
                       at);
    electra_status st = ELECTRA_OK;
    if (!cJSON_IsObject(root))
        st = line_fail(&l, "not a JSON object");
    else if (el_grow((void **)&d->examples, &d->cap, d->n + 1, sizeof *d->examples))
        st = el_nomem("reading fine-tuning data");
    if (!st) {
        el_ft_example *ex = &d->examples[d->n];
        memset(ex, 0, sizeof *ex);
        ex->line = number;
        l.obj = root;
        st = d->task == EL_FT_CLASSIFY ? parse_classify(&l, ex)
             : d->task == EL_FT_TAG    ? parse_tag(&l, ex)
                                       : parse_qa(&l, ex);
        if (!st)
            d->n++;
    }
    cJSON_Delete(root);
    return st;
}

electra_status el_ft_data_parse(const char *text, size_t len, const char *name, el_ft_task task,
                                el_ft_data **out)
{
    if ((!text && len) || !name || !out || (unsigned)task > EL_FT_QA)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_ft_data_parse: bad argument");
    el_ft_data *d = el_calloc(1, sizeof *d);
    if (!d || !(d->path = el_strndup(name, strlen(name)))) {
        el_free(d);
        return el_nomem("reading fine-tuning data");
    }
    d->task = task;
    el_strtab_init(&d->names);
    electra_status s = ELECTRA_OK;
    size_t number = 0;
    for (size_t at = 0; !s && at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - text) : len;
        number++;
        if (!blank(text + at, end - at))
            s = parse_line(d, name, number, text + at, end - at);
        at = end + 1;
    }
    if (s) {
        el_ft_data_free(d);
        return s;
    }
    *out = d;
    return ELECTRA_OK;
}

electra_status el_ft_data_read(const char *path, el_ft_task task, el_ft_data **out)
{
    if (!path)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_ft_data_read: path is NULL");
    void *addr;
    size_t size;
    electra_status s = el_map_file(path, &addr, &size);
    if (s)
        return s;
    s = el_ft_data_parse(addr, size, path, task, out);
    el_unmap_file(addr, size);
    return s;
}

void el_ft_data_free(el_ft_data *d)
{
    if (!d)
        return;
    el_free(d->path);
    el_free(d->examples);
    el_free(d->bytes);
    el_free(d->words);
    el_free(d->answers);
    el_strtab_free(&d->names);
    el_free(d);
}

const char *el_ft_data_name(const el_ft_data *d, uint32_t index, size_t *len)
{
    return el_strtab_str(&d->names, index, len);
}

size_t el_ft_data_name_line(const el_ft_data *d, uint32_t index)
{
    for (size_t i = 0; i < d->n; i++) {
        const el_ft_example *ex = &d->examples[i];
        if (d->task == EL_FT_CLASSIFY && ex->label == index)
            return ex->line;
        for (size_t w = 0; d->task == EL_FT_TAG && w < ex->count; w++)
            if (d->words[ex->first + w].tag == index)
                return ex->line;
    }
    return 0;
}

static const char *const task_names[] = {"classify", "tag", "qa"};

int el_ft_task_from_name(const char *name)
{
    for (int i = 0; name && i < 3; i++)
        if (strcmp(name, task_names[i]) == 0)
            return i;
    return -1;
}

const char *el_ft_task_name(el_ft_task task)
{
    return (unsigned)task <= EL_FT_QA ? task_names[task] : "?";
}
