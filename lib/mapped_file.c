/* mapped_file.c - read-only file mappings and path helpers. */
#include "mapped_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"

electra_status el_map_file(const char *path, void **addr, size_t *size)
{
    /* O_NONBLOCK: opening a FIFO (a "config.json" made by mkfifo) would
     * otherwise wait for a writer forever; it changes nothing for the
     * regular files we go on to read. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return el_fail(ELECTRA_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return el_fail(ELECTRA_ERR_IO, "cannot stat %s: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return el_fail(ELECTRA_ERR_IO, "%s is not a regular file", path);
    }
    if (st.st_size == 0) {
        close(fd);
        *addr = NULL;
        *size = 0;
        return ELECTRA_OK;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED)
        return el_fail(e == ENOMEM ? ELECTRA_ERR_NOMEM : ELECTRA_ERR_IO, "cannot map %s: %s",
                       path, strerror(e));
    *addr = p;
    *size = (size_t)st.st_size;
    return ELECTRA_OK;
}

void el_unmap_file(void *addr, size_t size)
{
    if (addr && size)
        munmap(addr, size);
}

void el_mapping_drop_pages(const void *from, size_t bytes)
{
    const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    const uintptr_t start = ((uintptr_t)from + page - 1) / page * page;
    const uintptr_t end = ((uintptr_t)from + bytes) / page * page;
    if (end > start) /* advice only: nothing to do if it is refused */
        (void)madvise((void *)start, end - start, MADV_DONTNEED);
}

int el_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int el_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *el_path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = el_malloc(a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    size_t n = a;
    if (a && dir[a - 1] != '/')
        p[n++] = '/';
    memcpy(p + n, name, b + 1);
    return p;
}

electra_status el_replace_finish(FILE *f, int ok, const char *tmp, const char *path)
{
    int err = errno; /* of the write or the fopen that failed, if one did */
    if (f && fclose(f) != 0 && ok) {
        ok = 0;
        err = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        err = errno;
    }
    if (!ok)
        remove(tmp);
    return ok ? ELECTRA_OK : el_fail(ELECTRA_ERR_IO, "cannot write %s: %s", path, strerror(err));
}

electra_status el_write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char *path = el_path_join(dir, name);
    size_t tmp_len = path ? strlen(path) + 8 : 0;
    char *tmp = path ? el_malloc(tmp_len) : NULL;
    if (!tmp) {
        el_free(path);
        return el_nomem("writing a file");
    }
    snprintf(tmp, tmp_len, "%s.part", path);
    FILE *f = fopen(tmp, "wb");
    electra_status s = el_replace_finish(f, f && fwrite(data, 1, len, f) == len, tmp, path);
    el_free(tmp);
    el_free(path);
    return s;
}
