/* corpus.h - what the parts of prepare-corpus share: a growable byte
 * buffer, output files, split rules and counts. prepare-corpus is a build
 * helper, not library code: it allocates with malloc and exits on fatal
 * errors with a message. */
#ifndef CORPUS_H
#define CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cJSON.h>

/* ---- a growable byte buffer (always NUL-terminated) ---- */
struct buf {
    char *p;
    size_t len, cap;
};

void buf_put(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_clear(struct buf *b);
void buf_free(struct buf *b);
/* Append code point cp as UTF-8. */
void buf_put_cp(struct buf *b, uint32_t cp);

/* Exit with "prepare-corpus: message". */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* The whole file; NULL when it cannot be opened (errno set). */
char *slurp(const char *path, size_t *len);
/* dir + "/" + name, malloc'ed. */
char *path_join(const char *dir, const char *name);
/* mkdir -p for one level (the parent must exist). */
void make_dir(const char *path);

/* FNV-1a, 64 bits: the split of a document depends only on its name. */
uint64_t fnv1a(const char *s, size_t n);

/* ---- outputs ---- */
enum split { SPLIT_TRAIN, SPLIT_DEV, SPLIT_TEST, N_SPLITS };
extern const char *const split_names[N_SPLITS];

struct text_out {
    FILE *f;
    uint64_t lines, words, bytes, documents;
};

struct outputs {
    struct text_out pretrain, heldout;
    FILE *pos[N_SPLITS], *spam[N_SPLITS];
    FILE *manifest; /* document -> where it went */
};

/* A line of text (no newline inside); words counts whitespace-separated
 * words. */
void text_line(struct text_out *o, const char *s, size_t n);
/* The blank line that ends a document. */
void text_end_document(struct text_out *o);
/* Print a cJSON value as one line and delete it. */
void json_line(FILE *f, cJSON *value);
void manifest(struct outputs *o, const char *source, const char *doc, const char *where);

/* ---- the corpora ---- */
/* Each reads its unpacked package directory, writes to the outputs, and
 * returns its counts as a JSON object. */
cJSON *prepare_brown(const char *dir, struct outputs *o);
cJSON *prepare_nlp_corpus(const char *dir, struct outputs *o);
cJSON *prepare_spam(const char *dir, struct outputs *o, size_t max_chars);

#endif
