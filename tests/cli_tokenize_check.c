/* cli_tokenize_check.c - compares `electra tokenize --jsonl` output with
 * the fixtures: tokens, ids and token type ids with cases.jsonl, offsets
 * with offsets.jsonl (where its ids equal the slow ones).
 * Usage: cli_tokenize_check CASES.jsonl OFFSETS.jsonl OUTPUT.jsonl */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

static char **read_lines(const char *path, size_t *count)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    char **lines = NULL, *line = NULL;
    size_t n = 0, cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) >= 0) {
        lines = realloc(lines, (n + 1) * sizeof *lines);
        lines[n++] = line;
        line = NULL;
        cap = 0;
    }
    free(line);
    fclose(f);
    *count = n;
    return lines;
}

/* a + b (b may be NULL) equal got, item by item as printed JSON. */
static int lists_equal(const cJSON *a, const cJSON *b, const cJSON *got)
{
    cJSON *joined = cJSON_CreateArray();
    const cJSON *x;
    cJSON_ArrayForEach(x, a) cJSON_AddItemToArray(joined, cJSON_Duplicate(x, 1));
    cJSON_ArrayForEach(x, b) cJSON_AddItemToArray(joined, cJSON_Duplicate(x, 1));
    int same = cJSON_Compare(joined, got, 1);
    cJSON_Delete(joined);
    return same;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s CASES OFFSETS OUTPUT\n", argv[0]);
        return 2;
    }
    size_t nc, no, nout;
    char **cases = read_lines(argv[1], &nc), **offs = read_lines(argv[2], &no),
         **out = read_lines(argv[3], &nout);
    if (nc != no || nc != nout) {
        fprintf(stderr, "%zu cases, %zu offset records, %zu output lines\n", nc, no, nout);
        return 1;
    }
    size_t bad = 0;
    for (size_t i = 0; i < nc; i++) {
        cJSON *c = cJSON_Parse(cases[i]), *o = cJSON_Parse(offs[i]), *g = cJSON_Parse(out[i]);
        const char *what = NULL;
        if (!c || !o || !g)
            what = "unparsable line";
        else if (!lists_equal(cJSON_GetObjectItem(c, "tokens"), cJSON_GetObjectItem(c, "pair_tokens"),
                              cJSON_GetObjectItem(g, "tokens")))
            what = "tokens";
        else if (!cJSON_Compare(cJSON_GetObjectItem(c, "ids"), cJSON_GetObjectItem(g, "ids"), 1))
            what = "ids";
        else if (!cJSON_Compare(cJSON_GetObjectItem(c, "token_type_ids"),
                                cJSON_GetObjectItem(g, "token_type_ids"), 1))
            what = "token_type_ids";
        else if (cJSON_IsTrue(cJSON_GetObjectItem(o, "slow_ids_equal")) &&
                 !cJSON_Compare(cJSON_GetObjectItem(o, "offsets"), cJSON_GetObjectItem(g, "offsets"),
                                1))
            what = "offsets";
        if (what) {
            fprintf(stderr, "case %zu: %s differ\n  got: %s", i + 1, what, out[i]);
            bad++;
        }
        cJSON_Delete(c);
        cJSON_Delete(o);
        cJSON_Delete(g);
        free(cases[i]);
        free(offs[i]);
        free(out[i]);
    }
    free(cases);
    free(offs);
    free(out);
    printf("%zu of %zu cases match\n", nc - bad, nc);
    return bad ? 1 : 0;
}
