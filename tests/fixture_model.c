/* fixture_model.c - fixture inputs and reference arrays. */
#include "fixture_model.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

cJSON *fixture_read_json(const char *dir, const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    size_t len;
    char *text = read_file(path, &len);
    if (!text)
        return NULL;
    cJSON *j = cJSON_ParseWithLength(text, len);
    free(text);
    return j;
}

/* A batch x seq integer matrix; NULL when absent or ragged. */
static int32_t *read_matrix(const cJSON *root, const char *key, size_t *batch, size_t *seq)
{
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsArray(rows) || !cJSON_GetArraySize(rows))
        return NULL;
    size_t b = (size_t)cJSON_GetArraySize(rows);
    size_t s = (size_t)cJSON_GetArraySize(cJSON_GetArrayItem(rows, 0));
    int32_t *m = malloc(b * s * sizeof *m);
    size_t i = 0;
    const cJSON *row, *v;
    cJSON_ArrayForEach(row, rows)
    {
        if ((size_t)cJSON_GetArraySize(row) != s) {
            free(m);
            return NULL;
        }
        cJSON_ArrayForEach(v, row) m[i++] = (int32_t)v->valuedouble;
    }
    *batch = b;
    *seq = s;
    return m;
}

static char *dup_string(const cJSON *v)
{
    return cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
}

int fixture_inputs_load(const char *model_dir, fixture_inputs *in)
{
    memset(in, 0, sizeof *in);
    cJSON *root = fixture_read_json(model_dir, "expected/inputs.json");
    if (!root)
        return -1;
    size_t b2, s2, b3, s3;
    in->ids = read_matrix(root, "input_ids", &in->batch, &in->seq);
    in->mask = read_matrix(root, "attention_mask", &b2, &s2);
    in->types = read_matrix(root, "token_type_ids", &b3, &s3);
    const cJSON *texts = cJSON_GetObjectItemCaseSensitive(root, "texts"), *t;
    in->texts = calloc(in->batch + 1, sizeof *in->texts);
    in->pairs = calloc(in->batch + 1, sizeof *in->pairs);
    size_t i = 0;
    cJSON_ArrayForEach(t, texts)
    {
        if (i < in->batch) {
            in->texts[i] = dup_string(cJSON_GetObjectItemCaseSensitive(t, "text"));
            in->pairs[i] = dup_string(cJSON_GetObjectItemCaseSensitive(t, "pair"));
        }
        i++;
    }
    cJSON_Delete(root);
    if (!in->ids || !in->mask || !in->types || b2 != in->batch || s2 != in->seq ||
        b3 != in->batch || s3 != in->seq) {
        fixture_inputs_free(in);
        return -1;
    }
    return 0;
}

void fixture_inputs_free(fixture_inputs *in)
{
    for (size_t i = 0; in->texts && i < in->batch; i++) {
        free(in->texts[i]);
        free(in->pairs[i]);
    }
    free(in->texts);
    free(in->pairs);
    free(in->ids);
    free(in->mask);
    free(in->types);
    memset(in, 0, sizeof *in);
}

int fixture_arrays_load(const char *model_dir, fixture_array **out)
{
    cJSON *root = fixture_read_json(model_dir, "expected/manifest.json");
    const cJSON *files = root ? cJSON_GetObjectItemCaseSensitive(root, "files") : NULL;
    if (!cJSON_IsArray(files)) {
        cJSON_Delete(root);
        return -1;
    }
    int n = cJSON_GetArraySize(files);
    fixture_array *arr = calloc((size_t)n, sizeof *arr);
    int i = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, files)
    {
        fixture_array *a = &arr[i++];
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
        const cJSON *shape = cJSON_GetObjectItemCaseSensitive(f, "shape"), *d;
        snprintf(a->name, sizeof a->name, "%s", name->valuestring);
        a->count = 1;
        cJSON_ArrayForEach(d, shape)
        {
            a->shape[a->ndim++] = (size_t)d->valuedouble;
            a->count *= (size_t)d->valuedouble;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/expected/%s", model_dir, a->name);
        size_t len;
        a->data = (float *)read_file(path, &len);
        if (!a->data || len != a->count * sizeof(float)) {
            fixture_arrays_free(arr, i);
            cJSON_Delete(root);
            return -1;
        }
    }
    cJSON_Delete(root);
    *out = arr;
    return n;
}

void fixture_arrays_free(fixture_array *arrays, int n)
{
    for (int i = 0; i < n; i++)
        free(arrays[i].data);
    free(arrays);
}
