/* bench_tokenizer.c - single-thread tokenizer throughput over an English
 * corpus, split the way the reference benchmark splits it
 * (shared/bench/tokbench/corpus_chunks.js: blank-line separated paragraphs,
 * those over 2,000 UTF-16 units cut at line ends), each encoded with
 * [CLS]/[SEP] and no truncation. Prints one JSON line.
 * Usage: bench_tokenizer CORPUS VOCAB [PASSES] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "electra.h"
#include "unicode.h"
#include "utf8.h"

struct chunk {
    const char *text;
    size_t len;
};

struct chunks {
    struct chunk *items;
    size_t count, cap;
};

static void add(struct chunks *c, const char *text, size_t len)
{
    if (c->count == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 1024;
        c->items = realloc(c->items, c->cap * sizeof *c->items);
        if (!c->items) {
            perror("realloc");
            exit(1);
        }
    }
    c->items[c->count++] = (struct chunk){text, len};
}

/* JavaScript's String.length: UTF-16 code units. */
static size_t utf16_len(const char *s, size_t n)
{
    size_t units = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        units += (b & 0xC0) != 0x80;
        units += b >= 0xF0;
    }
    return units;
}

/* JavaScript's !s.trim(): nothing but white space and line terminators. */
static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t len;
        int32_t cp = el_utf8_decode((const unsigned char *)s + i, &len);
        if (!el_uni_is_space(cp) && cp != 0xFEFF)
            return 0;
        i += len;
    }
    return 1;
}

static void add_paragraph(struct chunks *c, const char *p, size_t n)
{
    if (blank(p, n))
        return;
    if (utf16_len(p, n) <= 2000) {
        add(c, p, n);
        return;
    }
    /* cur is a slice of the paragraph (lines joined by their own "\n"). */
    size_t cur = 0, cur_end = 0, cur_units = 0;
    int have = 0;
    for (size_t ls = 0; ls <= n;) {
        size_t le = ls;
        while (le < n && p[le] != '\n')
            le++;
        size_t units = utf16_len(p + ls, le - ls);
        if (have && cur_units + units + 1 > 2000) {
            add(c, p + cur, cur_end - cur);
            have = 0;
            cur_units = 0;
        }
        if (!have) {
            cur = ls;
            cur_units = units;
            have = le > ls; /* "" + "" stays empty in JavaScript */
        } else {
            cur_units += units + 1;
        }
        cur_end = le;
        ls = le + 1;
    }
    if (have && !blank(p + cur, cur_end - cur))
        add(c, p + cur, cur_end - cur);
}

/* text.split(/\n[ \t]*\n/) */
static void split_corpus(struct chunks *c, const char *text, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] != '\n')
            continue;
        size_t j = i + 1;
        while (j < n && (text[j] == ' ' || text[j] == '\t'))
            j++;
        if (j < n && text[j] == '\n') {
            add_paragraph(c, text + start, i - start);
            start = j + 1;
            i = j;
        }
    }
    add_paragraph(c, text + start, n - start);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static size_t encode_all(const electra_tokenizer *t, electra_encoding *e, const struct chunks *c,
                         size_t count)
{
    size_t tokens = 0;
    for (size_t i = 0; i < count; i++) {
        if (electra_tokenizer_encode(t, c->items[i].text, c->items[i].len, NULL, 0, NULL, e) !=
            ELECTRA_OK) {
            fprintf(stderr, "bench_tokenizer: chunk %zu: %s\n", i, electra_encoding_last_error(e));
            exit(1);
        }
        tokens += electra_encoding_length(e, 0);
    }
    return tokens;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s CORPUS VOCAB [PASSES]\n", argv[0]);
        return 2;
    }
    int passes = argc > 3 ? atoi(argv[3]) : 5;
    if (passes < 1 || passes > 1000)
        passes = 5;
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(f);
    struct chunks c = {0};
    split_corpus(&c, text, (size_t)size);

    electra_tokenizer *t = NULL;
    electra_encoding *e = NULL;
    if (electra_tokenizer_load(argv[2], NULL, &t) != ELECTRA_OK ||
        electra_encoding_create(&e) != ELECTRA_OK) {
        fprintf(stderr, "bench_tokenizer: %s\n", electra_last_error());
        return 1;
    }
    /* Warm-up over the first ~1 MB, as the reference does. */
    size_t warm = 0, warm_bytes = 0;
    while (warm < c.count && warm_bytes < 1000000)
        warm_bytes += c.items[warm++].len;
    encode_all(t, e, &c, warm);

    double *secs = malloc((size_t)passes * sizeof *secs);
    size_t tokens = 0;
    for (int p = 0; p < passes; p++) {
        double t0 = now();
        tokens = encode_all(t, e, &c, c.count);
        secs[p] = now() - t0;
    }
    qsort(secs, (size_t)passes, sizeof *secs, compare_double);
    double med = secs[passes / 2], best = secs[0];
    double mib = (double)size / (1024.0 * 1024.0);
    printf("{\"bench\":\"tokenizer\",\"mib_s\":%.1f,\"mib_s_best\":%.1f,\"tokens_per_s\":%.0f,"
           "\"bytes\":%ld,\"chunks\":%zu,\"tokens_per_pass\":%zu,\"passes\":%d,"
           "\"sec_median\":%.4f,\"threads\":1}\n",
           mib / med, mib / best, (double)tokens / med, size, c.count, tokens, passes, med);
    free(secs);
    electra_encoding_free(e);
    electra_tokenizer_free(t);
    free(c.items);
    free(text);
    return 0;
}
