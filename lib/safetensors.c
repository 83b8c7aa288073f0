/* safetensors.c - model.safetensors (and sharded index) reader.
 *
 * Layout: u64 little-endian header length N, N bytes of JSON
 * {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}},
 * then the data section. The file is mapped read-only and tensors point
 * into the mapping: F32 weights are used in place, never copied. */
#include <cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "json.h"
#include "mapped_file.h"
#include "tensor_set.h"

/* The format's own limit on the header (safetensors refuses larger). */
#define SAFETENSORS_MAX_HEADER (100u * 1024u * 1024u)

static int parse_dtype(const char *s, el_dtype *out)
{
    static const struct {
        const char *name;
        el_dtype dtype;
    } table[] = {{"F32", EL_DTYPE_F32}, {"F16", EL_DTYPE_F16}, {"BF16", EL_DTYPE_BF16},
                 {"F64", EL_DTYPE_F64}, {"I64", EL_DTYPE_I64}, {"I32", EL_DTYPE_I32},
                 {"I16", EL_DTYPE_I16}, {"I8", EL_DTYPE_I8},   {"U8", EL_DTYPE_U8},
                 {"BOOL", EL_DTYPE_BOOL}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(s, table[i].name) == 0) {
            *out = table[i].dtype;
            return 0;
        }
    return -1;
}

/* A JSON number that is a whole number in [0, 2^53]. */
static int json_uint(const cJSON *n, uint64_t *out)
{
    if (!cJSON_IsNumber(n))
        return -1;
    double v = n->valuedouble;
    if (!(v >= 0 && v <= 9007199254740992.0) || v != floor(v))
        return -1;
    *out = (uint64_t)v;
    return 0;
}

struct span {
    uint64_t begin, end;
    const char *name;
};

static int span_cmp(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* Check and add one header entry; fills *sp with its byte range. */
static electra_status add_entry(el_tensor_set *set, const char *path, const cJSON *entry,
                                const unsigned char *data, uint64_t data_size, struct span *sp)
{
    const char *name = entry->string;
    if (!cJSON_IsObject(entry))
        return el_fail(ELECTRA_ERR_FORMAT, "%s: header entry %s is not an object", path, name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(entry, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(entry, "shape");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(entry, "data_offsets");
    if (!cJSON_IsString(dt) || !cJSON_IsArray(shape) || !cJSON_IsArray(offs) ||
        cJSON_GetArraySize(offs) != 2)
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: tensor %s needs a dtype string, a shape list and two data_offsets",
                       path, name);
    el_dtype dtype;
    if (parse_dtype(dt->valuestring, &dtype))
        return el_fail(ELECTRA_ERR_UNSUPPORTED, "%s: tensor %s has unsupported dtype %s", path,
                       name, dt->valuestring);
    int ndim = cJSON_GetArraySize(shape);
    if (ndim > EL_MAX_DIMS)
        return el_fail(ELECTRA_ERR_FORMAT, "%s: tensor %s has %d dimensions", path, name, ndim);
    int64_t dims[EL_MAX_DIMS];
    uint64_t numel = 1;
    int i = 0;
    const cJSON *d;
    cJSON_ArrayForEach(d, shape)
    {
        uint64_t v;
        if (json_uint(d, &v))
            return el_fail(ELECTRA_ERR_FORMAT, "%s: tensor %s has a bad shape entry", path, name);
        if (v && numel > UINT64_MAX / v)
            return el_fail(ELECTRA_ERR_FORMAT, "%s: tensor %s: shape product overflows", path,
                           name);
        numel *= v;
        dims[i++] = (int64_t)v;
    }
    uint64_t begin, end;
    if (json_uint(cJSON_GetArrayItem(offs, 0), &begin) ||
        json_uint(cJSON_GetArrayItem(offs, 1), &end) || begin > end)
        return el_fail(ELECTRA_ERR_FORMAT, "%s: tensor %s has bad data_offsets", path, name);
    if (end > data_size)
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: tensor %s ends at byte %llu of a %llu-byte data section "
                       "(file truncated?)",
                       path, name, (unsigned long long)end, (unsigned long long)data_size);
    size_t esize = el_dtype_size(dtype);
    if (numel > UINT64_MAX / esize)
        return el_fail(ELECTRA_ERR_FORMAT, "%s: tensor %s: shape product overflows", path, name);
    if (numel * esize != end - begin)
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: tensor %s: shape needs %llu bytes of %s but data_offsets span %llu",
                       path, name, (unsigned long long)(numel * esize), dt->valuestring,
                       (unsigned long long)(end - begin));
    sp->begin = begin;
    sp->end = end;
    sp->name = name;
    return el_tensor_set_add(set, name, dtype, ndim, dims, data + begin, (size_t)(end - begin));
}

static electra_status parse_header(el_tensor_set *set, const char *path, const char *json,
                                   size_t json_len, const unsigned char *data,
                                   uint64_t data_size)
{
    cJSON *root = el_json_parse(json, json_len, NULL);
    if (!root)
        return el_fail(ELECTRA_ERR_FORMAT, "%s: header is not valid JSON", path);
    electra_status s = ELECTRA_OK;
    struct span *spans = NULL;
    if (!cJSON_IsObject(root)) {
        s = el_fail(ELECTRA_ERR_FORMAT, "%s: header is not a JSON object", path);
        goto done;
    }
    int n = cJSON_GetArraySize(root);
    spans = el_calloc((size_t)n + 1, sizeof *spans);
    if (!spans) {
        s = el_nomem("reading a safetensors header");
        goto done;
    }
    size_t count = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, root)
    {
        if (!e->string) {
            s = el_fail(ELECTRA_ERR_FORMAT, "%s: header entry without a name", path);
            goto done;
        }
        if (strcmp(e->string, "__metadata__") == 0)
            continue;
        s = add_entry(set, path, e, data, data_size, &spans[count]);
        if (s)
            goto done;
        count++;
    }
    qsort(spans, count, sizeof *spans, span_cmp);
    for (size_t i = 1; i < count; i++)
        if (spans[i].begin < spans[i - 1].end) {
            s = el_fail(ELECTRA_ERR_FORMAT, "%s: tensors %s and %s overlap", path,
                        spans[i - 1].name, spans[i].name);
            goto done;
        }
done:
    el_free(spans);
    cJSON_Delete(root);
    return s;
}

electra_status el_load_safetensors(el_tensor_set *set, const char *path)
{
    void *addr;
    size_t size;
    electra_status s = el_map_file(path, &addr, &size);
    if (s)
        return s;
    const unsigned char *bytes = addr;
    if (size < 8) {
        el_unmap_file(addr, size);
        return el_fail(ELECTRA_ERR_FORMAT, "%s: %zu bytes is too short for a safetensors file",
                       path, size);
    }
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = (n << 8) | bytes[i];
    if (n > size - 8 || n > SAFETENSORS_MAX_HEADER) {
        el_unmap_file(addr, size);
        if (n > size - 8)
            return el_fail(ELECTRA_ERR_FORMAT,
                           "%s: header length %llu is past the end of the %zu-byte file", path,
                           (unsigned long long)n, size);
        return el_fail(ELECTRA_ERR_FORMAT, "%s: header length %llu is over the %u-byte limit",
                       path, (unsigned long long)n, SAFETENSORS_MAX_HEADER);
    }
    s = el_tensor_set_keep_mapping(set, addr, size);
    if (s) {
        el_unmap_file(addr, size);
        return s;
    }
    s = parse_header(set, path, (const char *)bytes + 8, (size_t)n, bytes + 8 + n, size - 8 - n);
    if (s == ELECTRA_OK)
        el_tensor_set_set_format(set, "safetensors");
    return s;
}

/* Shard names come from the index file: plain file names only, so an index
 * cannot make us open files outside the model directory. */
static int safe_shard_name(const char *s)
{
    return *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

electra_status el_load_safetensors_index(el_tensor_set *set, const char *index_path)
{
    void *addr;
    size_t size;
    electra_status s = el_map_file(index_path, &addr, &size);
    if (s)
        return s;
    cJSON *root = el_json_parse(addr ? addr : "", size, NULL);
    el_unmap_file(addr, size);
    if (!root)
        return el_fail(ELECTRA_ERR_FORMAT, "%s: not valid JSON", index_path);
    char *dir = NULL;
    const char **shards = NULL; /* distinct shard names, in cJSON's strings */
    size_t n_shards = 0, shards_cap = 0;
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(root, "weight_map");
    if (!cJSON_IsObject(map)) {
        s = el_fail(ELECTRA_ERR_FORMAT, "%s: no weight_map object", index_path);
        goto done;
    }
    const char *slash = strrchr(index_path, '/');
    dir = slash ? el_strndup(index_path, (size_t)(slash - index_path)) : el_strndup(".", 1);
    if (!dir) {
        s = el_nomem("reading a shard index");
        goto done;
    }
    /* Load each distinct shard once, in the order the map first names it.
     * Every distinct name must load, so their number is bounded by the
     * files that exist, not by the size of the map. */
    const cJSON *e;
    cJSON_ArrayForEach(e, map)
    {
        if (!cJSON_IsString(e) || !safe_shard_name(e->valuestring)) {
            s = el_fail(ELECTRA_ERR_FORMAT, "%s: weight_map entry %s is not a shard file name",
                        index_path, e->string ? e->string : "?");
            goto done;
        }
        size_t k = 0;
        while (k < n_shards && strcmp(shards[k], e->valuestring) != 0)
            k++;
        if (k < n_shards)
            continue;
        if (el_grow((void **)&shards, &shards_cap, n_shards + 1, sizeof *shards)) {
            s = el_nomem("reading a shard index");
            goto done;
        }
        shards[n_shards++] = e->valuestring;
        char *shard = el_path_join(dir, e->valuestring);
        if (!shard) {
            s = el_nomem("reading a shard index");
            goto done;
        }
        s = el_load_safetensors(set, shard);
        el_free(shard);
        if (s)
            goto done;
    }
    cJSON_ArrayForEach(e, map)
    {
        if (!el_tensor_set_find(set, e->string)) {
            s = el_fail(ELECTRA_ERR_MISSING_TENSOR, "%s: tensor %s is not in shard %s",
                        index_path, e->string, e->valuestring);
            goto done;
        }
    }
    el_tensor_set_set_format(set, "sharded safetensors");
done:
    el_free(shards);
    el_free(dir);
    cJSON_Delete(root);
    return s;
}
