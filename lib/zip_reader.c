/* zip_reader.c - read-only ZIP central directory and stored entries.
 *
 * Layout (APPNOTE 6.3): local header + data per entry, the central
 * directory, then the end-of-central-directory record (EOCD), preceded by
 * a zip64 EOCD record and its locator when a count, size or offset does
 * not fit 16/32 bits (torch writes the zip64 records always). */
#include "zip_reader.h"

#include <string.h>

#include "alloc.h"
#include "error.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_LOCATOR64 0x07064b50u

#define EOCD_SIZE 22u
#define LOCATOR64_SIZE 20u
#define EOCD64_SIZE 56u
#define CENTRAL_SIZE 46u
#define LOCAL_SIZE 30u
#define ZIP64_EXTRA_ID 0x0001u

#define FLAG_ENCRYPTED 0x0001u
#define FLAG_DATA_DESCRIPTOR 0x0008u

struct el_zip {
    const unsigned char *bytes;
    size_t size;
    const char *what;
    el_zip_entry *entries;
    size_t count;
    /* Entry positions sorted by name, for el_zip_find. */
    size_t *by_name;
};

static uint16_t rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Whether [offset, offset + length) lies inside [0, limit). */
static int within(uint64_t offset, uint64_t length, uint64_t limit)
{
    return offset <= limit && length <= limit - offset;
}

struct directory {
    uint64_t entries, offset, length;
};

/* Values of the zip64 EOCD record that the locator just before the EOCD
 * at eocd points to. */
static electra_status read_eocd64(const el_zip *zip, size_t eocd, struct directory *dir)
{
    const unsigned char *loc = zip->bytes + eocd - LOCATOR64_SIZE;
    if (rd32(loc + 4) != 0 || rd32(loc + 16) > 1)
        return el_fail(ELECTRA_ERR_UNSUPPORTED, "%s: multi-disk zip archives are not supported",
                       zip->what);
    uint64_t at = rd64(loc + 8);
    if (!within(at, EOCD64_SIZE, eocd - LOCATOR64_SIZE))
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: zip64 end-of-central-directory record at offset %llu is outside "
                       "the file",
                       zip->what, (unsigned long long)at);
    const unsigned char *r = zip->bytes + at;
    if (rd32(r) != SIG_EOCD64)
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: no zip64 end-of-central-directory record at offset %llu", zip->what,
                       (unsigned long long)at);
    if (rd32(r + 16) != 0 || rd32(r + 20) != 0 || rd64(r + 24) != rd64(r + 32))
        return el_fail(ELECTRA_ERR_UNSUPPORTED, "%s: multi-disk zip archives are not supported",
                       zip->what);
    dir->entries = rd64(r + 32);
    dir->length = rd64(r + 40);
    dir->offset = rd64(r + 48);
    return ELECTRA_OK;
}

/* The EOCD is the last 22 bytes plus a comment of up to 65535 bytes;
 * search backwards for a signature whose comment ends the file. */
static electra_status find_directory(const el_zip *zip, struct directory *dir)
{
    if (zip->size < EOCD_SIZE)
        return el_fail(ELECTRA_ERR_FORMAT, "%s: %zu bytes is too short for a zip archive",
                       zip->what, zip->size);
    size_t lowest = zip->size - EOCD_SIZE > 65535 ? zip->size - EOCD_SIZE - 65535 : 0;
    size_t eocd = zip->size - EOCD_SIZE;
    for (;; eocd--) {
        const unsigned char *p = zip->bytes + eocd;
        if (rd32(p) == SIG_EOCD && eocd + EOCD_SIZE + rd16(p + 20) == zip->size)
            break;
        if (eocd == lowest)
            return el_fail(ELECTRA_ERR_FORMAT,
                           "%s: no end-of-central-directory record (not a zip archive, or "
                           "truncated)",
                           zip->what);
    }
    const unsigned char *p = zip->bytes + eocd;
    if (rd16(p + 4) != 0 || rd16(p + 6) != 0 || rd16(p + 8) != rd16(p + 10))
        return el_fail(ELECTRA_ERR_UNSUPPORTED, "%s: multi-disk zip archives are not supported",
                       zip->what);
    dir->entries = rd16(p + 10);
    dir->length = rd32(p + 12);
    dir->offset = rd32(p + 16);
    int saturated = dir->entries == 0xffffu || dir->length == 0xffffffffu ||
                    dir->offset == 0xffffffffu;
    int has_locator =
        eocd >= LOCATOR64_SIZE && rd32(zip->bytes + eocd - LOCATOR64_SIZE) == SIG_LOCATOR64;
    if (has_locator)
        return read_eocd64(zip, eocd, dir);
    if (saturated)
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: the end-of-central-directory record needs zip64 values but "
                       "there is no zip64 locator",
                       zip->what);
    return ELECTRA_OK;
}

/* Replace the 32-bit sizes/offset that are 0xffffffff with the values of
 * the zip64 extra field, which holds exactly those, in this order. */
static electra_status apply_zip64_extra(const el_zip *zip, const unsigned char *extra,
                                        size_t length, el_zip_entry *e, uint32_t raw_size,
                                        uint32_t raw_stored, uint32_t raw_offset)
{
    while (length >= 4) {
        uint16_t id = rd16(extra), n = rd16(extra + 2);
        if (n > length - 4)
            return el_fail(ELECTRA_ERR_FORMAT, "%s: extra field of zip entry %s runs past its end",
                           zip->what, e->name);
        if (id == ZIP64_EXTRA_ID) {
            const unsigned char *f = extra + 4;
            size_t left = n;
            uint64_t *targets[3] = {&e->size, &e->stored_size, &e->local_offset};
            uint32_t raw[3] = {raw_size, raw_stored, raw_offset};
            for (int i = 0; i < 3; i++) {
                if (raw[i] != 0xffffffffu)
                    continue;
                if (left < 8)
                    return el_fail(ELECTRA_ERR_FORMAT,
                                   "%s: zip64 extra field of entry %s is too short", zip->what,
                                   e->name);
                *targets[i] = rd64(f);
                f += 8;
                left -= 8;
            }
            return ELECTRA_OK;
        }
        extra += 4 + n;
        length -= 4 + (size_t)n;
    }
    if (raw_size == 0xffffffffu || raw_stored == 0xffffffffu || raw_offset == 0xffffffffu)
        return el_fail(ELECTRA_ERR_FORMAT, "%s: zip entry %s needs a zip64 extra field",
                       zip->what, e->name);
    return ELECTRA_OK;
}

static electra_status read_entry(const el_zip *zip, const unsigned char *p, size_t left,
                                 size_t index, el_zip_entry *e, size_t *used)
{
    if (left < CENTRAL_SIZE || rd32(p) != SIG_CENTRAL)
        return el_fail(ELECTRA_ERR_FORMAT, "%s: central directory entry %zu is %s", zip->what,
                       index, left < CENTRAL_SIZE ? "cut short" : "missing its signature");
    size_t name_len = rd16(p + 28), extra_len = rd16(p + 30), comment_len = rd16(p + 32);
    size_t total = CENTRAL_SIZE + name_len + extra_len + comment_len;
    if (total > left)
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: central directory entry %zu runs past the end of the directory",
                       zip->what, index);
    const char *name = (const char *)p + CENTRAL_SIZE;
    if (memchr(name, '\0', name_len))
        return el_fail(ELECTRA_ERR_FORMAT, "%s: central directory entry %zu has a NUL in its name",
                       zip->what, index);
    e->name = el_strndup(name, name_len);
    if (!e->name)
        return el_nomem("reading a zip directory");
    e->flags = rd16(p + 8);
    e->method = rd16(p + 10);
    e->stored_size = rd32(p + 20);
    e->size = rd32(p + 24);
    e->local_offset = rd32(p + 42);
    if (rd16(p + 34) != 0 && rd16(p + 34) != 0xffffu)
        return el_fail(ELECTRA_ERR_UNSUPPORTED, "%s: zip entry %s is on another disk", zip->what,
                       e->name);
    *used = total;
    return apply_zip64_extra(zip, p + CENTRAL_SIZE + name_len, extra_len, e, rd32(p + 24),
                             rd32(p + 20), rd32(p + 42));
}

static int name_less(const el_zip *zip, size_t a, size_t b)
{
    return strcmp(zip->entries[a].name, zip->entries[b].name) < 0;
}

/* by_name := entry positions sorted by name (a bottom-up merge sort:
 * qsort has no context argument in C11), then refuse duplicates. */
static electra_status index_names(el_zip *zip)
{
    size_t n = zip->count;
    zip->by_name = el_malloc_array(n ? n : 1, sizeof *zip->by_name);
    size_t *tmp = el_malloc_array(n ? n : 1, sizeof *tmp);
    if (!zip->by_name || !tmp) {
        el_free(tmp);
        return el_nomem("indexing a zip directory");
    }
    size_t *idx = zip->by_name;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = width < n - lo ? lo + width : n;
            size_t hi = 2 * width < n - lo ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = name_less(zip, idx[j], idx[i]) ? idx[j++] : idx[i++];
            while (i < mid)
                tmp[k++] = idx[i++];
            while (j < hi)
                tmp[k++] = idx[j++];
        }
        memcpy(idx, tmp, n * sizeof *tmp);
    }
    el_free(tmp);
    for (size_t i = 1; i < n; i++)
        if (!name_less(zip, idx[i - 1], idx[i]))
            return el_fail(ELECTRA_ERR_FORMAT, "%s: zip entry %s appears twice", zip->what,
                           zip->entries[idx[i]].name);
    return ELECTRA_OK;
}

electra_status el_zip_open(const unsigned char *bytes, size_t size, const char *what,
                           el_zip **out)
{
    el_zip *zip = el_calloc(1, sizeof *zip);
    if (!zip)
        return el_nomem("opening a zip archive");
    zip->bytes = bytes;
    zip->size = size;
    zip->what = what;
    struct directory dir = {0, 0, 0};
    electra_status s = find_directory(zip, &dir);
    if (s)
        goto fail;
    if (!within(dir.offset, dir.length, size)) {
        s = el_fail(ELECTRA_ERR_FORMAT,
                    "%s: central directory (offset %llu, %llu bytes) runs past the end of the "
                    "%zu-byte file",
                    what, (unsigned long long)dir.offset, (unsigned long long)dir.length, size);
        goto fail;
    }
    /* Each entry takes at least CENTRAL_SIZE bytes: this bounds the
     * allocation by the bytes actually present. */
    if (dir.entries > dir.length / CENTRAL_SIZE) {
        s = el_fail(ELECTRA_ERR_FORMAT,
                    "%s: a %llu-byte central directory cannot hold %llu entries", what,
                    (unsigned long long)dir.length, (unsigned long long)dir.entries);
        goto fail;
    }
    zip->entries = el_calloc(dir.entries ? (size_t)dir.entries : 1, sizeof *zip->entries);
    if (!zip->entries) {
        s = el_nomem("reading a zip directory");
        goto fail;
    }
    const unsigned char *p = bytes + dir.offset;
    size_t left = (size_t)dir.length;
    for (size_t i = 0; i < dir.entries; i++) {
        size_t used = 0;
        zip->count = i + 1; /* so that close frees the name */
        s = read_entry(zip, p, left, i, &zip->entries[i], &used);
        if (s)
            goto fail;
        p += used;
        left -= used;
    }
    s = index_names(zip);
    if (s)
        goto fail;
    *out = zip;
    return ELECTRA_OK;
fail:
    el_zip_close(zip);
    return s;
}

void el_zip_close(el_zip *zip)
{
    if (!zip)
        return;
    for (size_t i = 0; i < zip->count; i++)
        el_free(zip->entries[i].name);
    el_free(zip->entries);
    el_free(zip->by_name);
    el_free(zip);
}

size_t el_zip_count(const el_zip *zip)
{
    return zip->count;
}

const el_zip_entry *el_zip_at(const el_zip *zip, size_t index)
{
    return index < zip->count ? &zip->entries[index] : NULL;
}

const el_zip_entry *el_zip_find(const el_zip *zip, const char *name)
{
    size_t lo = 0, hi = zip->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const el_zip_entry *e = &zip->entries[zip->by_name[mid]];
        int c = strcmp(name, e->name);
        if (c == 0)
            return e;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

electra_status el_zip_data(const el_zip *zip, const el_zip_entry *e, const unsigned char **data)
{
    if (e->flags & FLAG_ENCRYPTED)
        return el_fail(ELECTRA_ERR_UNSUPPORTED, "%s: zip entry %s is encrypted", zip->what,
                       e->name);
    if (e->method != 0)
        return el_fail(ELECTRA_ERR_UNSUPPORTED,
                       "%s: zip entry %s is compressed (method %u%s); only stored entries are "
                       "supported",
                       zip->what, e->name, e->method, e->method == 8 ? ", deflate" : "");
    if (e->stored_size != e->size)
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: stored zip entry %s has %llu stored bytes but a size of %llu",
                       zip->what, e->name, (unsigned long long)e->stored_size,
                       (unsigned long long)e->size);
    if (!within(e->local_offset, LOCAL_SIZE, zip->size))
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: local header of zip entry %s (offset %llu) is past the end of the "
                       "file",
                       zip->what, e->name, (unsigned long long)e->local_offset);
    const unsigned char *h = zip->bytes + e->local_offset;
    size_t name_len = rd16(h + 26), extra_len = rd16(h + 28);
    size_t head = LOCAL_SIZE + name_len + extra_len;
    if (rd32(h) != SIG_LOCAL)
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: no local header for zip entry %s at offset %llu", zip->what,
                       e->name, (unsigned long long)e->local_offset);
    if (!within(e->local_offset, head, zip->size) || name_len != strlen(e->name) ||
        memcmp(h + LOCAL_SIZE, e->name, name_len) != 0 || rd16(h + 8) != e->method)
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: local header of zip entry %s does not match the central directory",
                       zip->what, e->name);
    /* Sizes in the local header are zero when a data descriptor follows
     * the data (torch sets that flag); otherwise they must agree unless
     * they defer to a zip64 extra field. */
    uint32_t local_stored = rd32(h + 18);
    if (!(rd16(h + 6) & FLAG_DATA_DESCRIPTOR) && local_stored != 0xffffffffu &&
        local_stored != e->stored_size)
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: local header of zip entry %s gives %u bytes, the central directory "
                       "%llu",
                       zip->what, e->name, local_stored, (unsigned long long)e->stored_size);
    uint64_t start = e->local_offset + head;
    if (!within(start, e->stored_size, zip->size))
        return el_fail(ELECTRA_ERR_FORMAT,
                       "%s: data of zip entry %s (%llu bytes at offset %llu) runs past the end "
                       "of the %zu-byte file",
                       zip->what, e->name, (unsigned long long)e->stored_size,
                       (unsigned long long)start, zip->size);
    *data = zip->bytes + start;
    return ELECTRA_OK;
}
