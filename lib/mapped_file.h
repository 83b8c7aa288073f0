/* mapped_file.h - read-only memory mapping of a whole file. */
#ifndef EL_MAPPED_FILE_H
#define EL_MAPPED_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "electra.h"

/* Map path read-only. An empty file gives *addr NULL and *size 0. Errors:
 * ELECTRA_ERR_IO naming the path and the system's reason. */
electra_status el_map_file(const char *path, void **addr, size_t *size);
void el_unmap_file(void *addr, size_t size);
/* Release the whole pages of [from, from + bytes), which must lie in a
 * mapping made by el_map_file, from the process's memory (MADV_DONTNEED):
 * the file still backs them, and a later read faults them back in. */
void el_mapping_drop_pages(const void *from, size_t bytes);
/* Whether path names an existing regular file / directory. */
int el_is_file(const char *path);
int el_is_dir(const char *path);
/* dir + "/" + name into a new string (el_free). NULL on no memory. */
char *el_path_join(const char *dir, const char *name);
/* Write len bytes to dir/name through dir/name.part renamed into place,
 * so the file is never seen half written. ELECTRA_ERR_IO names the path. */
electra_status el_write_file(const char *dir, const char *name, const void *data, size_t len);
/* The end of such a write: f was opened on tmp (NULL if fopen failed) and
 * ok is 0 if a write to it failed. Closes f, renames tmp over path or
 * removes it; ELECTRA_ERR_IO names path and the errno of what failed. */
electra_status el_replace_finish(FILE *f, int ok, const char *tmp, const char *path);

#endif
