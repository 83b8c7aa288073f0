/* zip_reader.h - a minimal read-only ZIP reader over bytes in memory.
 *
 * Enough for torch.save archives: the central directory (zip64 included)
 * is read once; entries are looked up by name and their data is returned
 * in place (STORED entries only: torch never compresses). Every offset
 * and length is checked against the size of the bytes given. CRCs are not
 * verified: that would touch every weight byte at load time. */
#ifndef EL_ZIP_READER_H
#define EL_ZIP_READER_H

#include <stddef.h>
#include <stdint.h>

#include "electra.h"

typedef struct el_zip_entry {
    char *name; /* NUL-terminated copy (names with a NUL byte are refused) */
    uint16_t flags;
    uint16_t method;
    uint64_t size;         /* uncompressed size, from the central directory */
    uint64_t stored_size;  /* compressed size */
    uint64_t local_offset; /* offset of the local file header */
} el_zip_entry;

typedef struct el_zip el_zip;

/* Parse the end-of-central-directory record(s) and the central directory
 * of bytes[0, size). what names the archive in error messages; it must
 * outlive the reader. */
electra_status el_zip_open(const unsigned char *bytes, size_t size, const char *what,
                           el_zip **out);
void el_zip_close(el_zip *zip);

size_t el_zip_count(const el_zip *zip);
/* Entries in central-directory order. */
const el_zip_entry *el_zip_at(const el_zip *zip, size_t index);
/* NULL when absent. */
const el_zip_entry *el_zip_find(const el_zip *zip, const char *name);

/* The data of an entry, in place: checks its local header against the
 * central directory and refuses compressed or encrypted entries
 * (ELECTRA_ERR_UNSUPPORTED naming the entry). */
electra_status el_zip_data(const el_zip *zip, const el_zip_entry *entry,
                           const unsigned char **data);

#endif
