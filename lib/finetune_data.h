/* finetune_data.h - the fine-tuning inputs of doc/data-formats.md, read
 * from JSON Lines files into memory:
 *   classify  {"text", "pair"?, "label"}
 *   tag       {"tokens": [...], "tags": [...]}
 *   qa        {"question", "context", "answers": [{"text", "answer_start"}]}
 * (or SQuAD's Hugging Face datasets form "answers": {"text": [...],
 * "answer_start": [...]}); answer_start counts code points, as SQuAD.
 * Every string is copied into one buffer and addressed by byte spans, so a
 * data set of a million words takes a handful of allocations. Errors name
 * the file and the line. */
#ifndef EL_FINETUNE_DATA_H
#define EL_FINETUNE_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "electra.h"
#include "strtab.h"

typedef enum el_ft_task { EL_FT_CLASSIFY, EL_FT_TAG, EL_FT_QA } el_ft_task;

/* Bytes [off, off + len) of el_ft_data.bytes. */
typedef struct el_ft_span {
    size_t off, len;
} el_ft_span;

typedef struct el_ft_answer {
    el_ft_span text;
    size_t start; /* byte offset of the answer in its context */
} el_ft_answer;

typedef struct el_ft_word {
    el_ft_span text;
    uint32_t tag; /* index into el_ft_data.names */
} el_ft_word;

typedef struct el_ft_example {
    size_t line;       /* 1-based line of its file */
    el_ft_span a, b;   /* classify: text, pair; qa: question, context */
    int has_pair;      /* classify: b is a pair */
    uint32_t label;    /* classify: index into el_ft_data.names */
    size_t first, count; /* tag: its words; qa: its answers (0: none) */
} el_ft_example;

typedef struct el_ft_data {
    el_ft_task task;
    char *path;        /* the file read (for messages) */
    el_ft_example *examples;
    size_t n, cap;
    char *bytes;       /* every string, back to back (not NUL-terminated) */
    size_t len, bytes_cap;
    el_ft_word *words; /* tag: the words of all examples */
    size_t n_words, words_cap;
    el_ft_answer *answers; /* qa */
    size_t n_answers, answers_cap;
    el_strtab names;   /* class / tag names in order of first sight */
} el_ft_data;

/* Read path (empty lines are skipped). On failure *out is untouched and
 * the message names the file and line. */
electra_status el_ft_data_read(const char *path, el_ft_task task, el_ft_data **out);
/* The same from text already in memory; name stands for the file in
 * messages. */
electra_status el_ft_data_parse(const char *text, size_t len, const char *name, el_ft_task task,
                                el_ft_data **out);
void el_ft_data_free(el_ft_data *d);

static inline const char *el_ft_str(const el_ft_data *d, el_ft_span s)
{
    return d->bytes + s.off;
}

/* A class or tag name of the data. */
const char *el_ft_data_name(const el_ft_data *d, uint32_t index, size_t *len);
/* The line of the first example using name index (for messages). */
size_t el_ft_data_name_line(const el_ft_data *d, uint32_t index);

/* "classify" / "tag" / "qa" <-> el_ft_task; -1 when unknown. */
int el_ft_task_from_name(const char *name);
const char *el_ft_task_name(el_ft_task task);

#endif
