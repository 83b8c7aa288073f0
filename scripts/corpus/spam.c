/* spam.c - the SpamAssassin public corpus (data/<group>/<n>.<md5>.txt raw
 * messages; the .json copies next to them hold the same text with
 * non-UTF-8 bytes already lost) to spam/ham JSON lines.
 *
 * Label: groups spam-* are spam, the others ham. Split by the FNV-1a hash
 * of "group/name": % 10 == 0 test, == 1 dev, else train. A message whose
 * text equals one seen before (the groups overlap) is dropped, so no text
 * is in two splits or twice in one. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "email.h"

static const char *const groups[] = {"easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1",
                                     "spam-2"};

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .txt files of a directory, sorted. */
static char **list_messages(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d)
        die("cannot open %s", dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".txt") != 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            names = realloc(names, cap * sizeof *names);
            if (!names)
                die("out of memory");
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    *count = n;
    return names;
}

/* The texts kept so far, by hash (64 bits of FNV-1a: a collision would
 * only drop one message). */
struct seen {
    uint64_t *hash;
    size_t n, cap;
};

static bool seen_before(struct seen *s, uint64_t h)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->hash[i] == h)
            return true;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->hash = realloc(s->hash, s->cap * sizeof *s->hash);
        if (!s->hash)
            die("out of memory");
    }
    s->hash[s->n++] = h;
    return false;
}

cJSON *prepare_spam(const char *dir, struct outputs *o, size_t max_chars)
{
    uint64_t kept[N_SPLITS][2] = {{0}}, duplicates = 0, cut = 0, chars = 0, messages = 0;
    struct seen seen = {0};
    struct buf text = {0};
    for (size_t g = 0; g < sizeof groups / sizeof *groups; g++) {
        char *gdir = path_join(dir, groups[g]);
        size_t n;
        char **names = list_messages(gdir, &n);
        if (n == 0)
            die("%s: no messages", gdir);
        int spam = strncmp(groups[g], "spam", 4) == 0;
        for (size_t i = 0; i < n; i++) {
            char *path = path_join(gdir, names[i]);
            size_t len;
            char *msg = slurp(path, &len);
            if (!msg)
                die("cannot read %s", path);
            messages++;
            cut += email_text(msg, len, max_chars, &text);
            char id[256];
            snprintf(id, sizeof id, "%s/%.*s", groups[g], (int)(strlen(names[i]) - 4), names[i]);
            const char *where;
            if (seen_before(&seen, fnv1a(text.p, text.len))) {
                duplicates++;
                where = "duplicate";
            } else {
                uint64_t h = fnv1a(id, strlen(id)) % 10;
                enum split s = h == 0 ? SPLIT_TEST : h == 1 ? SPLIT_DEV : SPLIT_TRAIN;
                cJSON *line = cJSON_CreateObject();
                cJSON_AddStringToObject(line, "id", id);
                cJSON_AddStringToObject(line, "text", text.p);
                cJSON_AddStringToObject(line, "label", spam ? "spam" : "ham");
                json_line(o->spam[s], line);
                kept[s][spam]++;
                chars += text.len;
                where = split_names[s];
            }
            manifest(o, "spam-assassin", id, where);
            free(msg);
            free(path);
            free(names[i]);
        }
        free(names);
        free(gdir);
    }
    buf_free(&text);
    free(seen.hash);
    cJSON *r = cJSON_CreateObject();
    for (int s = 0; s < N_SPLITS; s++) {
        cJSON *c = cJSON_AddObjectToObject(r, split_names[s]);
        cJSON_AddNumberToObject(c, "ham", (double)kept[s][0]);
        cJSON_AddNumberToObject(c, "spam", (double)kept[s][1]);
    }
    cJSON_AddNumberToObject(r, "messages", (double)messages);
    cJSON_AddNumberToObject(r, "duplicates_dropped", (double)duplicates);
    cJSON_AddNumberToObject(r, "cut_to_max_chars", (double)cut);
    cJSON_AddNumberToObject(r, "text_bytes", (double)chars);
    return r;
}
