/* safetensors_write.c - the writer matching safetensors.c's reader. */
#include "safetensors_write.h"

#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "mapped_file.h"

static int by_name(const void *a, const void *b)
{
    const el_tensor *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

static char *build_header(const el_tensor **sorted, size_t count)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
    cJSON_AddStringToObject(meta, "format", "pt");
    uint64_t offset = 0;
    for (size_t i = 0; i < count; i++) {
        const el_tensor *t = sorted[i];
        cJSON *e = cJSON_AddObjectToObject(root, t->name);
        cJSON_AddStringToObject(e, "dtype", el_dtype_name(t->dtype));
        cJSON *shape = cJSON_AddArrayToObject(e, "shape");
        for (int d = 0; d < t->ndim; d++)
            cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)t->shape[d]));
        cJSON *offs = cJSON_AddArrayToObject(e, "data_offsets");
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)offset));
        offset += t->nbytes;
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)offset));
    }
    /* cJSON reports allocation failures by returning NULL here. */
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}

electra_status el_safetensors_write(const char *path, const el_tensor *tensors, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        int64_t n = el_tensor_numel(&tensors[i]);
        if (n < 0 || (uint64_t)n * el_dtype_size(tensors[i].dtype) != tensors[i].nbytes)
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                           "tensor %s: %zu bytes do not match its shape", tensors[i].name,
                           tensors[i].nbytes);
    }
    const el_tensor **sorted = el_malloc_array(count, sizeof *sorted);
    if (!sorted)
        return el_nomem("writing safetensors");
    for (size_t i = 0; i < count; i++)
        sorted[i] = &tensors[i];
    qsort(sorted, count, sizeof *sorted, by_name);
    for (size_t i = 1; i < count; i++)
        if (strcmp(sorted[i]->name, sorted[i - 1]->name) == 0) {
            el_free(sorted);
            return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "tensor %s given twice", sorted[i]->name);
        }
    char *header = build_header(sorted, count);
    size_t tmp_len = strlen(path) + 8;
    char *tmp = el_malloc(tmp_len);
    if (!header || !tmp) {
        el_free(sorted);
        el_free(tmp);
        cJSON_free(header);
        return el_nomem("writing safetensors");
    }
    snprintf(tmp, tmp_len, "%s.part", path);
    size_t hlen = strlen(header), padded = (hlen + 7) & ~(size_t)7;
    unsigned char len_bytes[8];
    for (int i = 0; i < 8; i++)
        len_bytes[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(len_bytes, 1, 8, f) == 8 && fwrite(header, 1, hlen, f) == hlen;
    for (size_t i = hlen; ok && i < padded; i++)
        ok = fputc(' ', f) != EOF;
    for (size_t i = 0; ok && i < count; i++)
        ok = fwrite(sorted[i]->data, 1, sorted[i]->nbytes, f) == sorted[i]->nbytes;
    electra_status s = el_replace_finish(f, ok, tmp, path);
    el_free(sorted);
    el_free(tmp);
    cJSON_free(header);
    return s;
}
