/* nlp_corpus.c - nlp-corpus (builds/doc-N.json: JSON arrays of unrelated
 * English sentences) to pre-training text, one sentence per line, each
 * doc-N a document. Held out: doc-N with N % 20 == 7 (5 of the 100). */
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "utf8.h"

/* Whitespace runs (newlines included) to one space, trimmed. */
static void one_line(const char *s, struct buf *out)
{
    buf_clear(out);
    bool space = false;
    for (; *s; s++) {
        bool ws = *s == ' ' || (*s >= '\t' && *s <= '\r');
        if (ws) {
            space = true;
            continue;
        }
        if (space && out->len)
            buf_putc(out, ' ');
        space = false;
        buf_putc(out, *s);
    }
}

cJSON *prepare_nlp_corpus(const char *dir, struct outputs *o)
{
    uint64_t documents[2] = {0}, sentences[2] = {0}, skipped = 0;
    struct buf line = {0};
    for (int i = 0;; i++) {
        char name[32];
        snprintf(name, sizeof name, "doc-%d.json", i);
        char *path = path_join(dir, name);
        size_t len;
        char *text = slurp(path, &len);
        if (!text) {
            free(path);
            break;
        }
        cJSON *doc = cJSON_ParseWithLength(text, len);
        if (!cJSON_IsArray(doc))
            die("%s: not a JSON array", path);
        bool held = i % 20 == 7;
        struct text_out *out = held ? &o->heldout : &o->pretrain;
        const cJSON *item;
        cJSON_ArrayForEach(item, doc)
        {
            if (!cJSON_IsString(item)) {
                skipped++;
                continue;
            }
            one_line(item->valuestring, &line);
            if (line.len == 0 || el_utf8_check(line.p, line.len) != line.len) {
                skipped++;
                continue;
            }
            text_line(out, line.p, line.len);
            sentences[held]++;
        }
        text_end_document(out);
        documents[held]++;
        manifest(o, "nlp-corpus", name, held ? "heldout" : "pretrain");
        cJSON_Delete(doc);
        free(text);
        free(path);
    }
    buf_free(&line);
    if (documents[0] + documents[1] == 0)
        die("%s: no doc-N.json files", dir);
    cJSON *r = cJSON_CreateObject();
    cJSON *d = cJSON_AddObjectToObject(r, "documents");
    cJSON_AddNumberToObject(d, "pretrain", (double)documents[0]);
    cJSON_AddNumberToObject(d, "heldout", (double)documents[1]);
    cJSON *s = cJSON_AddObjectToObject(r, "sentences");
    cJSON_AddNumberToObject(s, "pretrain", (double)sentences[0]);
    cJSON_AddNumberToObject(s, "heldout", (double)sentences[1]);
    cJSON_AddNumberToObject(r, "skipped", (double)skipped);
    return r;
}
