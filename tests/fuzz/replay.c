/* replay.c - runs a fuzz target (linked in) over files, as `make check`
 * does over the committed corpus: every seed and every crasher found so
 * far must pass through without a crash, a sanitizer report or a leak.
 *
 *   replay_<name> [FILE|DIR]...
 *
 * Without arguments it reads $top_srcdir/tests/fuzz/corpus/<name>/, the
 * name being what follows "replay_" in the program's name. An empty
 * corpus is an error. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        perror(path);
        if (f)
            fclose(f);
        return -1;
    }
    /* Exactly the file's bytes, so that ASan sees any read past the input. */
    size_t n = (size_t)st.st_size;
    unsigned char *buf = malloc(n ? n : 1);
    int ok = buf && fread(buf, 1, n, f) == n;
    fclose(f);
    if (!ok) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(buf);
        return -1;
    }
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

static int name_order(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every regular file of path (a file or a directory, not
 * recursive); returns how many, -1 on error. */
static long replay_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(path) == 0 ? 1 : -1;
    DIR *d = opendir(path);
    if (!d) {
        perror(path);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof *names);
        }
        names[n] = malloc(strlen(path) + strlen(e->d_name) + 2);
        sprintf(names[n++], "%s/%s", path, e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, name_order);
    long count = 0;
    for (size_t i = 0; i < n; i++) {
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            if (getenv("FUZZ_REPLAY_VERBOSE"))
                fprintf(stderr, "replay %s\n", names[i]);
            if (replay_file(names[i]) != 0)
                count = -1;
            else if (count >= 0)
                count++;
        }
        free(names[i]);
    }
    free(names);
    return count;
}

/* "tests/fuzz/replay_vocab" -> "vocab" */
static const char *target_name(const char *argv0)
{
    const char *base = strrchr(argv0, '/');
    base = base ? base + 1 : argv0;
    if (strncmp(base, "lt-", 3) == 0)
        base += 3;
    return strncmp(base, "replay_", 7) == 0 ? base + 7 : base;
}

int main(int argc, char **argv)
{
    const char *name = target_name(argv[0]);
    long total = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            long n = replay_path(argv[i]);
            if (n < 0)
                return 1;
            total += n;
        }
    } else {
        const char *top = getenv("top_srcdir");
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", top && *top ? top : ".", name);
        total = replay_path(dir);
        if (total < 0)
            return 1;
    }
    printf("%s: replayed %ld inputs\n", name, total);
    return total > 0 ? 0 : 1;
}
