/* tensor_set.c - the named-tensor table and what keeps its data alive. */
#include "tensor_set.h"

#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "half.h"
#include "mapped_file.h"

struct mapping {
    void *addr;
    size_t length;
};

struct el_tensor_set {
    el_tensor *tensors;
    size_t count, cap;
    /* Open-addressing index name -> tensor position + 1 (0 = empty). */
    size_t *index;
    size_t index_cap;
    void **buffers;
    size_t n_buffers, cap_buffers;
    struct mapping *maps;
    size_t n_maps, cap_maps;
    const char *format;
};

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

electra_status el_tensor_set_create(el_tensor_set **out)
{
    el_tensor_set *set = el_calloc(1, sizeof *set);
    if (!set)
        return el_nomem("creating a tensor set");
    set->format = "";
    *out = set;
    return ELECTRA_OK;
}

void el_tensor_set_free(el_tensor_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++)
        el_free(set->tensors[i].name);
    el_free(set->tensors);
    el_free(set->index);
    for (size_t i = 0; i < set->n_buffers; i++)
        el_free(set->buffers[i]);
    el_free(set->buffers);
    for (size_t i = 0; i < set->n_maps; i++)
        el_unmap_file(set->maps[i].addr, set->maps[i].length);
    el_free(set->maps);
    el_free(set);
}

size_t el_tensor_set_count(const el_tensor_set *set)
{
    return set->count;
}

const el_tensor *el_tensor_set_at(const el_tensor_set *set, size_t index)
{
    return index < set->count ? &set->tensors[index] : NULL;
}

const el_tensor *el_tensor_set_find(const el_tensor_set *set, const char *name)
{
    if (!set->index_cap)
        return NULL;
    size_t mask = set->index_cap - 1;
    for (size_t i = hash_name(name) & mask;; i = (i + 1) & mask) {
        size_t slot = set->index[i];
        if (!slot)
            return NULL;
        if (strcmp(set->tensors[slot - 1].name, name) == 0)
            return &set->tensors[slot - 1];
    }
}

size_t el_dtype_size(el_dtype dtype)
{
    switch (dtype) {
    case EL_DTYPE_F64:
    case EL_DTYPE_I64:
        return 8;
    case EL_DTYPE_F32:
    case EL_DTYPE_I32:
        return 4;
    case EL_DTYPE_F16:
    case EL_DTYPE_BF16:
    case EL_DTYPE_I16:
        return 2;
    case EL_DTYPE_I8:
    case EL_DTYPE_U8:
    case EL_DTYPE_BOOL:
        return 1;
    }
    return 0;
}

const char *el_dtype_name(el_dtype dtype)
{
    static const char *const names[] = {"F32", "F16", "BF16", "F64", "I64",
                                        "I32", "I16", "I8",   "U8",  "BOOL"};
    return (unsigned)dtype < sizeof names / sizeof names[0] ? names[dtype] : "?";
}

int64_t el_tensor_numel(const el_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++) {
        if (t->shape[i] < 0)
            return -1;
        if (t->shape[i] && n > INT64_MAX / t->shape[i])
            return -1;
        n *= t->shape[i];
    }
    return n;
}

static int rehash(el_tensor_set *set, size_t cap)
{
    size_t *index = el_calloc(cap, sizeof *index);
    if (!index)
        return -1;
    for (size_t t = 0; t < set->count; t++) {
        size_t i = hash_name(set->tensors[t].name) & (cap - 1);
        while (index[i])
            i = (i + 1) & (cap - 1);
        index[i] = t + 1;
    }
    el_free(set->index);
    set->index = index;
    set->index_cap = cap;
    return 0;
}

electra_status el_tensor_set_add(el_tensor_set *set, const char *name, el_dtype dtype,
                                 int ndim, const int64_t *shape, const void *data,
                                 size_t nbytes)
{
    if (ndim < 0 || ndim > EL_MAX_DIMS)
        return el_fail(ELECTRA_ERR_FORMAT, "tensor %s has %d dimensions (at most %d)", name,
                       ndim, EL_MAX_DIMS);
    if (el_tensor_set_find(set, name))
        return el_fail(ELECTRA_ERR_FORMAT, "tensor %s appears twice", name);
    if (el_grow((void **)&set->tensors, &set->cap, set->count + 1, sizeof *set->tensors))
        return el_nomem("adding a tensor");
    if ((set->count + 1) * 2 > set->index_cap &&
        rehash(set, set->index_cap ? set->index_cap * 2 : 64))
        return el_nomem("indexing tensors");
    el_tensor *t = &set->tensors[set->count];
    memset(t, 0, sizeof *t);
    t->name = el_strndup(name, strlen(name));
    if (!t->name)
        return el_nomem("adding a tensor");
    t->dtype = dtype;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        t->shape[i] = shape[i];
    t->data = data;
    t->nbytes = nbytes;
    size_t i = hash_name(name) & (set->index_cap - 1);
    while (set->index[i])
        i = (i + 1) & (set->index_cap - 1);
    set->index[i] = ++set->count;
    return ELECTRA_OK;
}

electra_status el_tensor_set_keep_buffer(el_tensor_set *set, void *buffer)
{
    if (el_grow((void **)&set->buffers, &set->cap_buffers, set->n_buffers + 1,
                sizeof *set->buffers)) {
        el_free(buffer);
        return el_nomem("keeping a tensor buffer");
    }
    set->buffers[set->n_buffers++] = buffer;
    return ELECTRA_OK;
}

electra_status el_tensor_set_keep_mapping(el_tensor_set *set, void *addr, size_t length)
{
    if (el_grow((void **)&set->maps, &set->cap_maps, set->n_maps + 1, sizeof *set->maps))
        return el_nomem("keeping a file mapping");
    set->maps[set->n_maps].addr = addr;
    set->maps[set->n_maps].length = length;
    set->n_maps++;
    return ELECTRA_OK;
}

void el_tensor_set_drop_pages(el_tensor_set *set, const void *data, size_t bytes)
{
    const uintptr_t at = (uintptr_t)data;
    for (size_t i = 0; i < set->n_maps; i++) {
        const uintptr_t base = (uintptr_t)set->maps[i].addr;
        const size_t length = set->maps[i].length;
        if (at >= base && bytes <= length && at - base <= length - bytes) {
            el_mapping_drop_pages(data, bytes);
            return;
        }
    }
}

electra_status el_tensor_as_f32(el_tensor_set *set, const el_tensor *t, const float **out)
{
    int64_t n = el_tensor_numel(t);
    size_t esize = el_dtype_size(t->dtype);
    if (n < 0 || (uint64_t)n > SIZE_MAX / 4 || (size_t)n * esize != t->nbytes)
        return el_fail(ELECTRA_ERR_FORMAT, "tensor %s: %zu bytes do not match its shape",
                       t->name, t->nbytes);
    if (t->dtype == EL_DTYPE_F32 && ((uintptr_t)t->data & 3u) == 0) {
        *out = t->data;
        return ELECTRA_OK;
    }
    if (t->dtype != EL_DTYPE_F32 && t->dtype != EL_DTYPE_F16 && t->dtype != EL_DTYPE_BF16)
        return el_fail(ELECTRA_ERR_UNSUPPORTED, "tensor %s has dtype %s; a float type is needed",
                       t->name, el_dtype_name(t->dtype));
    float *buf = el_malloc_array((size_t)n, sizeof *buf);
    if (!buf)
        return el_nomem("converting weights to float32");
    const unsigned char *src = t->data;
    for (size_t i = 0; i < (size_t)n; i++) {
        uint16_t h;
        switch (t->dtype) {
        case EL_DTYPE_F16:
            memcpy(&h, src + 2 * i, 2);
            buf[i] = el_f16_to_f32(h);
            break;
        case EL_DTYPE_BF16:
            memcpy(&h, src + 2 * i, 2);
            buf[i] = el_bf16_to_f32(h);
            break;
        default: /* unaligned F32 */
            memcpy(&buf[i], src + 4 * i, 4);
            break;
        }
    }
    electra_status s = el_tensor_set_keep_buffer(set, buf);
    if (s == ELECTRA_OK)
        *out = buf;
    return s;
}

void el_tensor_set_set_format(el_tensor_set *set, const char *format)
{
    set->format = format;
}

const char *el_tensor_set_format(const el_tensor_set *set)
{
    return set->format;
}
