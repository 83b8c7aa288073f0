/* tok_fixtures.c - tokenizer fixture files for the Check suites. */
#include "tok_fixtures.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/json_line.h"
#include "testutil.h"

void tok_records_load(const char *name, struct tok_records *out)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tokenizer/%s", name);
    size_t len;
    char *data = read_file(fixture_path(rel), &len);
    ck_assert_msg(data != NULL, "cannot read %s", rel);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += data[i] == '\n';
    out->items = calloc(lines + 1, sizeof *out->items);
    out->count = 0;
    ck_assert_ptr_nonnull(out->items);
    /* Records are split on \n only: U+2028 and U+0085 occur inside them. */
    for (size_t p = 0; p < len;) {
        size_t e = p;
        while (e < len && data[e] != '\n')
            e++;
        if (e > p) {
            const char *err = NULL;
            struct tok_record *r = &out->items[out->count];
            r->json = json_line_parse(data + p, e - p, &err);
            ck_assert_msg(r->json != NULL, "%s line %zu: %s", rel, out->count + 1, err);
            r->text = json_line_string(r->json, "text", &r->text_len);
            r->pair = json_line_string(r->json, "pair", &r->pair_len);
            out->count++;
        }
        p = e + 1;
    }
    free(data);
}

void tok_records_free(struct tok_records *r)
{
    for (size_t i = 0; i < r->count; i++)
        cJSON_Delete(r->items[i].json);
    free(r->items);
    r->items = NULL;
    r->count = 0;
}

electra_tokenizer *tok_load(const char *path, const electra_options *options)
{
    const char *full = path[0] == '/' ? path : fixture_path(path);
    electra_tokenizer *t = NULL;
    electra_status st = electra_tokenizer_load(full, options, &t);
    ck_assert_msg(st == ELECTRA_OK, "loading %s: %s", full, electra_last_error());
    return t;
}

int tok_pieces_equal(const electra_tokenizer *t, const electra_encoding *e, const cJSON *tokens,
                     const cJSON *pair_tokens)
{
    const int32_t *ids = electra_encoding_ids(e, 0);
    const int32_t *seq = electra_encoding_sequence_ids(e, 0);
    const cJSON *lists[2] = {tokens, pair_tokens};
    size_t i = 0, n = electra_encoding_length(e, 0);
    for (int s = 0; s < 2; s++) {
        const cJSON *x;
        cJSON_ArrayForEach(x, lists[s])
        {
            while (i < n && seq[i] != s)
                i++;
            if (i == n || strcmp(electra_tokenizer_id_to_token(t, ids[i]), x->valuestring) != 0)
                return 0;
            i++;
        }
    }
    for (; i < n; i++)
        if (seq[i] >= 0)
            return 0;
    return 1;
}

int tok_ints_equal(const cJSON *a, const int32_t *v, size_t n)
{
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n)
        return 0;
    size_t i = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, a)
    {
        if (!cJSON_IsNumber(x) || x->valuedouble != v[i++])
            return 0;
    }
    return 1;
}

int tok_offsets_equal(const cJSON *a, const size_t *off, size_t n)
{
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n)
        return 0;
    size_t i = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, a)
    {
        if (cJSON_GetArraySize(x) != 2 ||
            cJSON_GetArrayItem(x, 0)->valuedouble != (double)off[2 * i] ||
            cJSON_GetArrayItem(x, 1)->valuedouble != (double)off[2 * i + 1])
            return 0;
        i++;
    }
    return 1;
}

const char *tok_ints_str(const int32_t *v, size_t n)
{
    static char buf[4096];
    size_t w = 0;
    buf[w++] = '[';
    for (size_t i = 0; i < n && w < sizeof buf - 16; i++)
        w += (size_t)snprintf(buf + w, sizeof buf - w, i ? ", %d" : "%d", (int)v[i]);
    snprintf(buf + w, sizeof buf - w, "]");
    return buf;
}
