/* torch_bin.c - pytorch_model.bin as written by torch.save(state_dict).
 *
 * Two containers, told apart by the first bytes:
 *  - zip (torch >= 1.6): <archive>/data.pkl holds the state dict, each
 *    storage is the stored record <archive>/data/<key>; tensors point into
 *    the mapped file (torch aligns the records to 64 bytes).
 *  - legacy (_use_new_zipfile_serialization=False, the 2020 hub files):
 *    five pickles back to back (magic number, protocol version 1001,
 *    sys-info dict, the state dict, the list of storage keys), then every
 *    storage of that list as an 8-byte little-endian element count and its
 *    raw bytes. Nothing is aligned; tensors still point into the mapping.
 *
 * Tensors are views (offset, size, stride in elements) into storages.
 * Contiguous views point into the storage; the rare strided one (say a
 * transposed weight saved as is) is gathered into a contiguous copy the
 * set keeps. A view needing more elements than its storage holds (a
 * broadcast) is refused: no state dict has one, and it would let a tiny
 * file ask for a huge copy. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "mapped_file.h"
#include "pickle.h"
#include "tensor_set.h"
#include "zip_reader.h"

/* torch.serialization's MAGIC_NUMBER 0x1950a86a20f9469cfc6c, little-endian
 * as LONG1 stores it, and PROTOCOL_VERSION. */
static const unsigned char legacy_magic[10] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9,
                                               0x20, 0x6a, 0xa8, 0x50, 0x19};
#define LEGACY_PROTOCOL_VERSION 1001

/* Size in bytes of a storage: numel elements of its dtype. */
static electra_status storage_bytes(const char *path, const el_pk_storage *st, size_t *out)
{
    size_t esize = el_dtype_size(st->dtype);
    if ((uint64_t)st->numel > SIZE_MAX / esize)
        return el_fail(ELECTRA_ERR_FORMAT, "%s: storage '%s' of %lld elements is too large",
                       path, st->key, (long long)st->numel);
    *out = (size_t)st->numel * esize;
    return ELECTRA_OK;
}

/* Gather a strided view into dst, element by element in row-major order. */
static void gather(unsigned char *dst, const el_pk_tensor *t, size_t numel, size_t esize)
{
    int64_t idx[EL_MAX_DIMS] = {0};
    for (size_t k = 0; k < numel; k++) {
        int64_t at = t->offset;
        for (int d = 0; d < t->ndim; d++)
            at += idx[d] * t->stride[d];
        memcpy(dst + k * esize, t->storage->data + (size_t)at * esize, esize);
        for (int d = t->ndim - 1; d >= 0 && ++idx[d] == t->size[d]; d--)
            idx[d] = 0;
    }
}

/* Check a view against its storage and add it to the set. *copy_budget
 * is what strided copies may still allocate. */
static electra_status add_tensor(el_tensor_set *set, const char *path, const char *name,
                                 const el_pk_tensor *t, size_t *copy_budget)
{
    const el_pk_storage *st = t->storage;
    size_t esize = el_dtype_size(st->dtype);
    /* Elements of the view, and the index of its last element. */
    int64_t numel = 1, last = t->offset;
    int contiguous = 1;
    int64_t expect = 1; /* row-major stride of the current dimension */
    for (int d = t->ndim - 1; d >= 0; d--) {
        int64_t n = t->size[d], stride = t->stride[d];
        if (n && numel > INT64_MAX / n)
            return el_fail(ELECTRA_ERR_FORMAT, "%s: tensor %s: size product overflows", path,
                           name);
        numel *= n;
        if (n > 1) {
            if (stride && n - 1 > (INT64_MAX - last) / stride)
                return el_fail(ELECTRA_ERR_FORMAT, "%s: tensor %s: strides overflow", path,
                               name);
            last += (n - 1) * stride;
            if (stride != expect)
                contiguous = 0;
            expect = n > INT64_MAX / expect ? INT64_MAX : expect * n;
        }
    }
    if (numel ? last >= st->numel : t->offset > st->numel)
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: tensor %s: view (offset %lld, last element %lld) runs past the end "
                       "of storage '%s' (%lld elements)",
                       path, name, (long long)t->offset, (long long)last, st->key,
                       (long long)st->numel);
    if (contiguous || numel == 0)
        return el_tensor_set_add(set, name, st->dtype, t->ndim, t->size,
                                 st->data + (size_t)t->offset * esize, (size_t)numel * esize);
    if (numel > st->numel)
        return el_fail(ELECTRA_ERR_UNSUPPORTED,
                       "%s: tensor %s: a view of %lld elements over a storage of %lld "
                       "(broadcast views are not supported)",
                       path, name, (long long)numel, (long long)st->numel);
    /* Many strided views of one storage could each ask for a copy of it:
     * all copies together may not outgrow the file. */
    if ((size_t)numel * esize > *copy_budget)
        return el_fail(ELECTRA_ERR_UNSUPPORTED,
                       "%s: tensor %s: strided copies would outgrow the file", path, name);
    *copy_budget -= (size_t)numel * esize;
    unsigned char *copy = el_malloc_array((size_t)numel, esize);
    if (!copy)
        return el_nomem("copying a strided tensor");
    gather(copy, t, (size_t)numel, esize);
    electra_status s = el_tensor_set_keep_buffer(set, copy);
    if (s)
        return s;
    return el_tensor_set_add(set, name, st->dtype, t->ndim, t->size, copy,
                             (size_t)numel * esize);
}

/* Every storage has its data by now: add the dict's tensors. */
static electra_status add_state_dict(el_tensor_set *set, const char *path, const el_pk_obj *dict,
                                     size_t file_size)
{
    size_t copy_budget = file_size;
    if (!dict || dict->kind != EL_PK_DICT)
        return el_fail(ELECTRA_ERR_FORMAT, "%s: the pickle holds %s, not a state dict", path,
                       dict ? el_pk_kind_name(dict->kind) : "nothing");
    for (size_t i = 0; i + 1 < dict->u.seq.n; i += 2) {
        const el_pk_obj *key = dict->u.seq.items[i], *value = dict->u.seq.items[i + 1];
        if (key->kind != EL_PK_STRING || memchr(key->u.str.bytes, '\0', key->u.str.len))
            return el_fail(ELECTRA_ERR_FORMAT, "%s: state dict key %zu is not a tensor name",
                           path, i / 2);
        if (value->kind != EL_PK_TENSOR)
            return el_fail(ELECTRA_ERR_FORMAT, "%s: state dict entry %s is %s, not a tensor",
                           path, key->u.str.bytes, el_pk_kind_name(value->kind));
        electra_status s =
            add_tensor(set, path, key->u.str.bytes, value->u.tensor, &copy_budget);
        if (s)
            return s;
    }
    return ELECTRA_OK;
}

/* ---- zip ---- */

/* The one entry named <archive>/data.pkl: its archive prefix length. */
static electra_status find_data_pkl(const el_zip *zip, const char *path,
                                    const el_zip_entry **out, size_t *prefix_len)
{
    static const char suffix[] = "/data.pkl";
    const size_t slen = sizeof suffix - 1;
    const el_zip_entry *found = NULL;
    for (size_t i = 0; i < el_zip_count(zip); i++) {
        const el_zip_entry *e = el_zip_at(zip, i);
        size_t n = strlen(e->name);
        if (n <= slen || strcmp(e->name + n - slen, suffix) != 0 ||
            memchr(e->name, '/', n - slen))
            continue;
        if (found)
            return el_fail(ELECTRA_ERR_FORMAT, "%s: two state dicts (%s and %s)", path,
                           found->name, e->name);
        found = e;
    }
    if (!found)
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: zip archive without <archive>/data.pkl (not a torch.save file)",
                       path);
    *out = found;
    *prefix_len = strlen(found->name) - slen;
    return ELECTRA_OK;
}

/* The record <prefix>/<dir><name>; NULL when absent. */
static const el_zip_entry *find_record(const el_zip *zip, const char *prefix, size_t prefix_len,
                                       const char *dir, const char *name)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%.*s/%s%s", (int)prefix_len, prefix, dir, name);
    return n >= 0 && (size_t)n < sizeof buf ? el_zip_find(zip, buf) : NULL;
}

static electra_status zip_storages(el_pickle *pk, const el_zip *zip, const char *path,
                                   const char *prefix, size_t prefix_len)
{
    for (size_t i = 0; i < el_pickle_storage_count(pk); i++) {
        el_pk_storage *st = el_pickle_storage_at(pk, i);
        size_t need = 0;
        electra_status s = storage_bytes(path, st, &need);
        if (s)
            return s;
        const el_zip_entry *e = find_record(zip, prefix, prefix_len, "data/", st->key);
        if (!e)
            return el_fail(ELECTRA_ERR_FORMAT, "%s: storage '%.200s' has no record %.*s/data/%.200s",
                           path, st->key, (int)prefix_len, prefix, st->key);
        if (e->size < need)
            return el_fail(ELECTRA_ERR_FORMAT,
                           "%s: storage '%s' needs %zu bytes (%lld x %s) but record %s has "
                           "%llu",
                           path, st->key, need, (long long)st->numel, st->type_name, e->name,
                           (unsigned long long)e->size);
        if ((s = el_zip_data(zip, e, &st->data)))
            return s;
    }
    return ELECTRA_OK;
}

static electra_status load_zip(el_tensor_set *set, const char *path, const unsigned char *bytes,
                               size_t size)
{
    el_zip *zip = NULL;
    el_pickle *pk = NULL;
    electra_status s = el_zip_open(bytes, size, path, &zip);
    if (s)
        return s;
    const el_zip_entry *pkl = NULL, *order;
    size_t prefix_len = 0;
    const unsigned char *data;
    char what[1024];
    if ((s = find_data_pkl(zip, path, &pkl, &prefix_len)))
        goto done;
    /* Records written by newer torch; absent means little-endian. */
    order = find_record(zip, pkl->name, prefix_len, "", "byteorder");
    if (order) {
        if ((s = el_zip_data(zip, order, &data)))
            goto done;
        if (order->size != 6 || memcmp(data, "little", 6) != 0) {
            s = el_fail(ELECTRA_ERR_UNSUPPORTED,
                        "%s: byte order '%.*s' (only little-endian files are supported)", path,
                        (int)(order->size < 20 ? order->size : 20), (const char *)data);
            goto done;
        }
    }
    if ((s = el_zip_data(zip, pkl, &data)))
        goto done;
    snprintf(what, sizeof what, "%s: %s", path, pkl->name);
    if ((s = el_pickle_run(data, (size_t)pkl->size, what, &pk)))
        goto done;
    if ((s = zip_storages(pk, zip, path, pkl->name, prefix_len)))
        goto done;
    s = add_state_dict(set, path, el_pickle_result(pk), size);
    if (s == ELECTRA_OK)
        el_tensor_set_set_format(set, "pytorch zip");
done:
    el_pickle_free(pk);
    el_zip_close(zip);
    return s;
}

/* ---- legacy ---- */

/* Run the pickle at *pos, advancing *pos past it. */
static electra_status next_pickle(const char *path, const unsigned char *bytes, size_t size,
                                  size_t *pos, const char *part, el_pickle **out)
{
    char what[1024];
    snprintf(what, sizeof what, "%s: %s", path, part);
    electra_status s = el_pickle_run(bytes + *pos, size - *pos, what, out);
    if (s == ELECTRA_OK)
        *pos += el_pickle_length(*out);
    return s;
}

static electra_status check_legacy_header(const char *path, const unsigned char *bytes,
                                          size_t size, size_t *pos)
{
    el_pickle *pk = NULL;
    electra_status s = next_pickle(path, bytes, size, pos, "magic number", &pk);
    if (s)
        return s;
    const el_pk_obj *o = el_pickle_result(pk);
    if (o->kind != EL_PK_BIGINT || o->u.str.len != sizeof legacy_magic ||
        memcmp(o->u.str.bytes, legacy_magic, sizeof legacy_magic) != 0) {
        el_pickle_free(pk);
        return el_fail(ELECTRA_ERR_FORMAT, "%s: wrong magic number (not a torch.save file)",
                       path);
    }
    el_pickle_free(pk);
    if ((s = next_pickle(path, bytes, size, pos, "protocol version", &pk)))
        return s;
    o = el_pickle_result(pk);
    if (o->kind != EL_PK_INT || o->u.i != LEGACY_PROTOCOL_VERSION) {
        s = el_fail(ELECTRA_ERR_FORMAT, "%s: wrong protocol version %lld (expected %d)", path,
                    o->kind == EL_PK_INT ? (long long)o->u.i : -1LL, LEGACY_PROTOCOL_VERSION);
        el_pickle_free(pk);
        return s;
    }
    el_pickle_free(pk);
    if ((s = next_pickle(path, bytes, size, pos, "sys info", &pk)))
        return s;
    o = el_pickle_result(pk);
    if (o->kind != EL_PK_DICT)
        s = el_fail(ELECTRA_ERR_FORMAT, "%s: sys info is %s, not a dict", path,
                    el_pk_kind_name(o->kind));
    for (size_t i = 0; s == ELECTRA_OK && i + 1 < o->u.seq.n; i += 2) {
        const el_pk_obj *k = o->u.seq.items[i], *v = o->u.seq.items[i + 1];
        if (k->kind == EL_PK_STRING && strcmp(k->u.str.bytes, "little_endian") == 0 &&
            v->kind == EL_PK_BOOL && !v->u.i)
            s = el_fail(ELECTRA_ERR_UNSUPPORTED,
                        "%s: written on a big-endian machine (not supported)", path);
    }
    el_pickle_free(pk);
    return s;
}

/* The storage data after the key list: count + bytes per listed key. */
static electra_status legacy_storages(el_pickle *dict, const el_pk_obj *keys, const char *path,
                                      const unsigned char *bytes, size_t size, size_t pos)
{
    if (keys->kind != EL_PK_LIST)
        return el_fail(ELECTRA_ERR_FORMAT, "%s: the storage key list is %s, not a list", path,
                       el_pk_kind_name(keys->kind));
    for (size_t i = 0; i < keys->u.seq.n; i++) {
        const el_pk_obj *k = keys->u.seq.items[i];
        if (k->kind != EL_PK_STRING)
            return el_fail(ELECTRA_ERR_FORMAT, "%s: storage key %zu is %s, not a string", path, i,
                           el_pk_kind_name(k->kind));
        el_pk_storage *st = el_pickle_find_storage(dict, k->u.str.bytes);
        if (!st || strlen(k->u.str.bytes) != k->u.str.len)
            return el_fail(ELECTRA_ERR_FORMAT,
                           "%s: storage key '%.200s' in the key list is used by no tensor", path,
                           k->u.str.bytes);
        if (st->data)
            return el_fail(ELECTRA_ERR_FORMAT, "%s: storage key '%s' is listed twice", path,
                           st->key);
        if (size - pos < 8)
            return el_fail(ELECTRA_ERR_FORMAT,
                           "%s: file truncated before the element count of storage '%s' "
                           "(offset %zu)",
                           path, st->key, pos);
        uint64_t count = 0;
        for (int b = 7; b >= 0; b--)
            count = count << 8 | bytes[pos + (size_t)b];
        pos += 8;
        if (count != (uint64_t)st->numel)
            return el_fail(ELECTRA_ERR_FORMAT,
                           "%s: storage '%s' has %llu elements in the file but %lld in the "
                           "pickle",
                           path, st->key, (unsigned long long)count, (long long)st->numel);
        size_t need = 0;
        electra_status s = storage_bytes(path, st, &need);
        if (s)
            return s;
        if (need > size - pos)
            return el_fail(ELECTRA_ERR_FORMAT,
                           "%s: storage '%s' is truncated: %zu bytes needed at offset %zu, %zu "
                           "left",
                           path, st->key, need, pos, size - pos);
        st->data = bytes + pos;
        pos += need;
    }
    for (size_t i = 0; i < el_pickle_storage_count(dict); i++) {
        const el_pk_storage *st = el_pickle_storage_at(dict, i);
        if (!st->data)
            return el_fail(ELECTRA_ERR_FORMAT,
                           "%s: storage '%s' is missing from the key list (no data for it)",
                           path, st->key);
    }
    return ELECTRA_OK;
}

static electra_status load_legacy(el_tensor_set *set, const char *path,
                                  const unsigned char *bytes, size_t size)
{
    size_t pos = 0;
    el_pickle *dict = NULL, *keys = NULL;
    electra_status s = check_legacy_header(path, bytes, size, &pos);
    if (s == ELECTRA_OK)
        s = next_pickle(path, bytes, size, &pos, "state dict", &dict);
    if (s == ELECTRA_OK)
        s = next_pickle(path, bytes, size, &pos, "storage keys", &keys);
    if (s == ELECTRA_OK)
        s = legacy_storages(dict, el_pickle_result(keys), path, bytes, size, pos);
    if (s == ELECTRA_OK)
        s = add_state_dict(set, path, el_pickle_result(dict), size);
    if (s == ELECTRA_OK)
        el_tensor_set_set_format(set, "pytorch legacy");
    el_pickle_free(keys);
    el_pickle_free(dict);
    return s;
}

electra_status el_load_torch_bin(el_tensor_set *set, const char *path)
{
    void *addr;
    size_t size;
    electra_status s = el_map_file(path, &addr, &size);
    if (s)
        return s;
    const unsigned char *bytes = addr;
    int zip = size >= 4 && memcmp(bytes, "PK", 2) == 0;
    /* A legacy file opens with the pickle PROTO opcode. */
    int legacy = size >= 1 && bytes[0] == 0x80;
    if (!zip && !legacy) {
        el_unmap_file(addr, size);
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: not a PyTorch file (neither a zip archive nor a legacy pickle)",
                       path);
    }
    if ((s = el_tensor_set_keep_mapping(set, addr, size))) {
        el_unmap_file(addr, size);
        return s;
    }
    return zip ? load_zip(set, path, bytes, size) : load_legacy(set, path, bytes, size);
}
