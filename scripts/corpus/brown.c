/* brown.c - the Brown corpus (files c<category><nn> of "word/tag"
 * tokens, one sentence per line, paragraphs between blank lines) to
 * pre-training text and POS tagging data.
 *
 * Split, by whole files: within each category, in file order, the files
 * at index 4, 14, 24, ... are test and 9, 19, 29, ... dev (so every
 * category has test files); the rest are train. Only train files go into
 * the pre-training text; dev and test files go into the held-out text. */
#include <stdlib.h>
#include <string.h>

#include "brown_tags.h"
#include "corpus.h"

static const char categories[] = "abcdefghjklmnpr";

struct token {
    const char *word, *tag;
    size_t word_len, tag_len;
};

/* Brown writes double quotes as `` and ''. */
static const char *word_text(const struct token *t, size_t *len)
{
    if ((t->word_len == 2 && memcmp(t->word, "``", 2) == 0) ||
        (t->word_len == 2 && memcmp(t->word, "''", 2) == 0)) {
        *len = 1;
        return "\"";
    }
    *len = t->word_len;
    return t->word;
}

static bool word_is(const struct token *t, const char *s)
{
    return t->word_len == strlen(s) && memcmp(t->word, s, t->word_len) == 0;
}

/* The sentence as running text: no space before closing punctuation and
 * quotes, none after opening ones; a lone ' opens and closes in turn. */
static void detokenize(const struct token *t, size_t n, struct buf *out)
{
    bool glue_next = true, single_open = false;
    for (size_t i = 0; i < n; i++) {
        bool glue_prev = false, opens = false;
        if (word_is(&t[i], "``") || word_is(&t[i], "(") || word_is(&t[i], "[") ||
            word_is(&t[i], "{")) {
            opens = true;
        } else if (word_is(&t[i], "''") || word_is(&t[i], ",") || word_is(&t[i], ".") ||
                   word_is(&t[i], ";") || word_is(&t[i], ":") || word_is(&t[i], "?") ||
                   word_is(&t[i], "!") || word_is(&t[i], ")") || word_is(&t[i], "]") ||
                   word_is(&t[i], "}")) {
            glue_prev = true;
        } else if (word_is(&t[i], "'")) {
            opens = !single_open;
            glue_prev = single_open;
            single_open = !single_open;
        }
        size_t len;
        const char *w = word_text(&t[i], &len);
        /* "Jr./np ./." ends a sentence with one period in running text. */
        if (word_is(&t[i], ".") && out->len && out->p[out->len - 1] == '.')
            continue;
        if (!glue_next && !glue_prev)
            buf_putc(out, ' ');
        buf_put(out, w, len);
        glue_next = opens;
    }
}

/* A headline: every token tagged -hl (such lines open a paragraph block
 * but are lines of their own). */
static bool is_headline(const struct token *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *hl = NULL;
        for (size_t j = 0; j + 3 <= t[i].tag_len; j++)
            if (memcmp(t[i].tag + j, "-hl", 3) == 0)
                hl = t[i].tag + j;
        if (!hl)
            return false;
    }
    return n > 0;
}

struct brown_counts {
    uint64_t documents[N_SPLITS], sentences[N_SPLITS], tokens[N_SPLITS];
    uint64_t tags[12];
};

static const char *const universal[12] = {"NOUN", "VERB", "ADJ", "ADV", "ADP", "DET",
                                          "PRON", "CONJ", "NUM", "PRT", ".",   "X"};

static void count_tag(struct brown_counts *c, const char *tag)
{
    for (int i = 0; i < 12; i++)
        if (strcmp(universal[i], tag) == 0)
            c->tags[i]++;
}

/* Split one line into tokens (at the last '/' of each). */
static size_t read_tokens(char *line, size_t len, struct token **tokens, size_t *cap,
                          const char *file)
{
    size_t n = 0;
    for (size_t p = 0; p < len;) {
        while (p < len && (line[p] == ' ' || line[p] == '\t'))
            p++;
        size_t e = p;
        while (e < len && line[e] != ' ' && line[e] != '\t')
            e++;
        if (e == p)
            break;
        size_t slash = e;
        while (slash > p && line[slash - 1] != '/')
            slash--;
        if (slash <= p + 1 || slash == e)
            die("%s: token '%.*s' is not word/tag", file, (int)(e - p), line + p);
        if (n == *cap) {
            *cap = *cap ? 2 * *cap : 64;
            *tokens = realloc(*tokens, *cap * sizeof **tokens);
            if (!*tokens)
                die("out of memory");
        }
        (*tokens)[n++] = (struct token){line + p, line + slash, slash - 1 - p, e - slash};
        p = e;
    }
    return n;
}

static void pos_line(FILE *f, const char *file, size_t sentence, const struct token *t, size_t n,
                     struct brown_counts *c)
{
    cJSON *o = cJSON_CreateObject();
    char id[32];
    snprintf(id, sizeof id, "%s.%zu", file, sentence);
    cJSON_AddStringToObject(o, "id", id);
    cJSON *words = cJSON_AddArrayToObject(o, "tokens");
    cJSON *tags = cJSON_AddArrayToObject(o, "tags");
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *w = word_text(&t[i], &len);
        char *copy = strndup(w, len);
        const char *tag = brown_to_universal(t[i].tag, t[i].tag_len);
        count_tag(c, tag);
        cJSON_AddItemToArray(words, cJSON_CreateString(copy));
        cJSON_AddItemToArray(tags, cJSON_CreateString(tag));
        free(copy);
    }
    json_line(f, o);
}

static void prepare_file(const char *dir, const char *name, enum split split, struct outputs *o,
                         struct brown_counts *c)
{
    char *path = path_join(dir, name);
    size_t len;
    char *text = slurp(path, &len);
    if (!text)
        die("cannot read %s", path);
    struct text_out *out = split == SPLIT_TRAIN ? &o->pretrain : &o->heldout;
    struct token *tokens = NULL;
    size_t cap = 0, sentence = 0;
    struct buf para = {0}, line = {0};
    for (size_t p = 0; p <= len;) {
        char *nl = p < len ? memchr(text + p, '\n', len - p) : NULL;
        size_t e = nl ? (size_t)(nl - text) : len;
        size_t n = read_tokens(text + p, e - p, &tokens, &cap, path);
        if (n == 0 && para.len) { /* a blank line ends the paragraph */
            text_line(out, para.p, para.len);
            buf_clear(&para);
        }
        if (n > 0) {
            sentence++;
            c->sentences[split]++;
            c->tokens[split] += n;
            pos_line(o->pos[split], name, sentence, tokens, n, c);
            buf_clear(&line);
            detokenize(tokens, n, &line);
            if (is_headline(tokens, n)) {
                if (para.len)
                    text_line(out, para.p, para.len);
                text_line(out, line.p, line.len);
                buf_clear(&para);
            } else {
                if (para.len)
                    buf_putc(&para, ' ');
                buf_put(&para, line.p, line.len);
            }
        }
        if (!nl)
            break;
        p = e + 1;
    }
    if (para.len)
        text_line(out, para.p, para.len);
    text_end_document(out);
    c->documents[split]++;
    manifest(o, "brown", name, split_names[split]);
    buf_free(&para);
    buf_free(&line);
    free(tokens);
    free(text);
    free(path);
}

static cJSON *per_split(const uint64_t v[N_SPLITS])
{
    cJSON *o = cJSON_CreateObject();
    for (int s = 0; s < N_SPLITS; s++)
        cJSON_AddNumberToObject(o, split_names[s], (double)v[s]);
    return o;
}

cJSON *prepare_brown(const char *dir, struct outputs *o)
{
    struct brown_counts c = {0};
    for (const char *cat = categories; *cat; cat++) {
        for (int i = 0;; i++) {
            char name[16];
            snprintf(name, sizeof name, "c%c%02d", *cat, i + 1);
            char *path = path_join(dir, name);
            FILE *f = fopen(path, "rb");
            free(path);
            if (!f)
                break;
            fclose(f);
            enum split s = i % 10 == 4 ? SPLIT_TEST : i % 10 == 9 ? SPLIT_DEV : SPLIT_TRAIN;
            prepare_file(dir, name, s, o, &c);
        }
    }
    uint64_t files = c.documents[0] + c.documents[1] + c.documents[2];
    if (files != 500)
        die("%s: expected the 500 Brown files ca01..cr09, found %llu", dir,
            (unsigned long long)files);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddItemToObject(r, "documents", per_split(c.documents));
    cJSON_AddItemToObject(r, "sentences", per_split(c.sentences));
    cJSON_AddItemToObject(r, "tokens", per_split(c.tokens));
    cJSON *tags = cJSON_AddObjectToObject(r, "universal_tags");
    for (int i = 0; i < 12; i++)
        cJSON_AddNumberToObject(tags, universal[i], (double)c.tags[i]);
    return r;
}
