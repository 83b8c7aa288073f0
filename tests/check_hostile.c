/* check_hostile.c - every crafted file of tests/hostile/MANIFEST fails with
 * the status and message it lists.
 *
 * A manifest line is "<path relative to tests/hostile> <STATUS_NAME>
 * <message part>" (the part runs to the end of the line; # starts a
 * comment). The loader is chosen by the end of the path, from `loaders`
 * below: to cover a new kind of input, add a row there (and lines to the
 * manifest). Lines that no row matches are skipped here.
 *
 * Every load runs under an allocator (the library's and cJSON's) that
 * counts live blocks, so that a leak on the error path shows, and that
 * refuses any single allocation above HOSTILE_MAX_ALLOC: no crafted file
 * (the largest is a few hundred KB) may make the library ask for memory
 * out of proportion to its size. */
#include <cJSON.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "electra.h"
#include "tensor_set.h"
#include "testutil.h"
#include "weights_util.h"

static electra_status load_into_set(tensor_loader load, const char *path)
{
    el_tensor_set *set = NULL;
    electra_status s = el_tensor_set_create(&set);
    if (s == ELECTRA_OK)
        s = load(set, path);
    el_tensor_set_free(set);
    return s;
}

static electra_status load_safetensors_file(const char *path)
{
    return load_into_set(el_load_safetensors, path);
}

static electra_status load_safetensors_index_file(const char *path)
{
    return load_into_set(el_load_safetensors_index, path);
}

static electra_status load_torch_bin_file(const char *path)
{
    return load_into_set(el_load_torch_bin, path);
}

/* A model directory; a model that loads anyway is freed (and reported by
 * the status mismatch). */
static electra_status load_model_dir(const char *path)
{
    electra_model *m = NULL;
    electra_status s = electra_model_load(path, NULL, &m);
    electra_model_free(m);
    return s;
}

/* vocab.txt, tokenizer.json or a tokenizer directory. */
static electra_status load_tokenizer(const char *path)
{
    electra_tokenizer *t = NULL;
    electra_status s = electra_tokenizer_load(path, NULL, &t);
    electra_tokenizer_free(t);
    return s;
}

/* Which loader reads a path, by how the path ends (first match wins). */
static const struct {
    const char *suffix;
    electra_status (*load)(const char *path);
} loaders[] = {
    {".index.json", load_safetensors_index_file},
    {".safetensors", load_safetensors_file},
    {".bin", load_torch_bin_file},
    {".model/", load_model_dir},
    {".tokenizer/", load_tokenizer},
    {".tokenizer.json", load_tokenizer},
    {".txt", load_tokenizer},
};

#define HOSTILE_MAX_ALLOC ((size_t)64 << 20)

static long live_blocks;      /* allocated and not yet freed */
static size_t refused_bytes;  /* the largest allocation refused, 0 if none */

static void *guarded_malloc(size_t n, void *user)
{
    (void)user;
    if (n > HOSTILE_MAX_ALLOC) {
        if (n > refused_bytes)
            refused_bytes = n;
        return NULL;
    }
    void *p = malloc(n);
    if (p)
        live_blocks++;
    return p;
}

static void *guarded_realloc(void *old, size_t n, void *user)
{
    (void)user;
    if (n > HOSTILE_MAX_ALLOC) {
        if (n > refused_bytes)
            refused_bytes = n;
        return NULL;
    }
    void *p = realloc(old, n);
    if (p && !old)
        live_blocks++;
    return p;
}

static void guarded_free(void *p, void *user)
{
    (void)user;
    if (p)
        live_blocks--;
    free(p);
}

static void *cjson_malloc(size_t n)
{
    return guarded_malloc(n, NULL);
}

static void cjson_free(void *p)
{
    guarded_free(p, NULL);
}

static void guard_allocations(int on)
{
    cJSON_Hooks hooks = {cjson_malloc, cjson_free};
    cJSON_InitHooks(on ? &hooks : NULL);
    electra_set_allocator(on ? guarded_malloc : NULL, on ? guarded_realloc : NULL,
                          on ? guarded_free : NULL, NULL);
}

static const struct {
    const char *name;
    electra_status status;
} status_names[] = {
#define NAME(s) {#s, s}
    NAME(ELECTRA_ERR_INVALID_ARGUMENT), NAME(ELECTRA_ERR_NOMEM),
    NAME(ELECTRA_ERR_IO),               NAME(ELECTRA_ERR_INVALID_UTF8),
    NAME(ELECTRA_ERR_FORMAT),           NAME(ELECTRA_ERR_UNSAFE_PICKLE),
    NAME(ELECTRA_ERR_UNSUPPORTED),      NAME(ELECTRA_ERR_CONFIG),
    NAME(ELECTRA_ERR_MISSING_TENSOR),   NAME(ELECTRA_ERR_UNEXPECTED_TENSOR),
    NAME(ELECTRA_ERR_SHAPE),            NAME(ELECTRA_ERR_TOO_LONG),
    NAME(ELECTRA_ERR_TRUNCATION),       NAME(ELECTRA_ERR_BUFFER_TOO_SMALL),
    NAME(ELECTRA_ERR_WRONG_HEAD),       NAME(ELECTRA_ERR_NO_MASK),
    NAME(ELECTRA_ERR_INTERNAL),
#undef NAME
};

static int status_by_name(const char *name, electra_status *out)
{
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++)
        if (strcmp(status_names[i].name, name) == 0) {
            *out = status_names[i].status;
            return 0;
        }
    return -1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *hostile_dir(void)
{
    static char dir[4096];
    const char *top = getenv("top_srcdir");
    snprintf(dir, sizeof dir, "%s/tests/hostile", top && *top ? top : ".");
    return dir;
}

/* Runs every manifest line that has a loader, printing each mismatch;
 * returns how many ran. */
static int run_manifest(int *failed)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/MANIFEST", hostile_dir());
    char *text = read_file(path, NULL);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    int ran = 0, lineno = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        lineno++;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char rel[1024], status_name[64];
        int used = 0;
        ck_assert_msg(sscanf(line, "%1023s %63s %n", rel, status_name, &used) == 2 && used,
                      "MANIFEST line %d is not '<path> <STATUS> <message>': %s", lineno, line);
        const char *expect_msg = line + used;
        electra_status expect;
        ck_assert_msg(status_by_name(status_name, &expect) == 0,
                      "MANIFEST line %d: unknown status %s", lineno, status_name);
        ck_assert_msg(*expect_msg, "MANIFEST line %d has no message part", lineno);
        size_t k = 0;
        while (k < sizeof loaders / sizeof loaders[0] && !ends_with(rel, loaders[k].suffix))
            k++;
        if (k == sizeof loaders / sizeof loaders[0])
            continue;
        char file[5200];
        snprintf(file, sizeof file, "%s/%s", hostile_dir(), rel);
        live_blocks = 0;
        refused_bytes = 0;
        guard_allocations(1);
        electra_status got = loaders[k].load(file);
        guard_allocations(0);
        const char *msg = electra_last_error();
        if (got != expect || !strstr(msg, expect_msg)) {
            fprintf(stderr, "hostile %s: got %s (%d) \"%s\"; expected %s \"%s\"\n", rel,
                    electra_status_string(got), got, msg, status_name, expect_msg);
            (*failed)++;
        }
        if (refused_bytes) {
            fprintf(stderr, "hostile %s: asked for %zu bytes at once\n", rel, refused_bytes);
            (*failed)++;
        }
        if (live_blocks) {
            fprintf(stderr, "hostile %s: %ld blocks leaked\n", rel, live_blocks);
            (*failed)++;
        }
        ran++;
    }
    free(text);
    return ran;
}

START_TEST(every_manifest_file_fails_as_listed)
{
    int failed = 0;
    int ran = run_manifest(&failed);
    ck_assert_msg(failed == 0, "%d of %d hostile files failed differently (see stderr)", failed,
                  ran);
    /* The weight loaders list 101 cases, the model and tokenizer loaders
     * 136. */
    ck_assert_int_ge(ran, 237);
}
END_TEST

/* Files that are not regular files fail at once: a FIFO would block a
 * reader forever, a device would never end. (They cannot live in git, so
 * they are made here.) */
START_TEST(special_files_fail_without_blocking)
{
    const char *dir = make_temp_dir("fifo");
    char model[4200], fifo[4300];
    snprintf(model, sizeof model, "%s/fifo.model", dir);
    ck_assert_int_eq(mkdir(model, 0700), 0);
    snprintf(fifo, sizeof fifo, "%s/config.json", model);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    electra_model *m = NULL;
    ck_assert_int_eq(electra_model_load(model, NULL, &m), ELECTRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "is not a regular file"));
    electra_tokenizer *t = NULL;
    ck_assert_int_eq(electra_tokenizer_load(fifo, NULL, &t), ELECTRA_ERR_IO);
    ck_assert_int_eq(electra_tokenizer_load("/dev/zero", NULL, &t), ELECTRA_ERR_IO);
    ck_assert_ptr_nonnull(strstr(electra_last_error(), "/dev/zero is not a regular file"));
    el_tensor_set *set;
    ck_assert_int_eq(el_tensor_set_create(&set), ELECTRA_OK);
    ck_assert_int_eq(el_load_safetensors(set, fifo), ELECTRA_ERR_IO);
    ck_assert_int_eq(el_load_torch_bin(set, "/dev/zero"), ELECTRA_ERR_IO);
    el_tensor_set_free(set);
    unlink(fifo);
    rmdir(model);
    rmdir(dir);
}
END_TEST

Suite *make_hostile_files_suite(void)
{
    Suite *s = suite_create("hostile_files");
    TCase *tc = tcase_create("manifest");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_manifest_file_fails_as_listed);
    tcase_add_test(tc, special_files_fail_without_blocking);
    suite_add_tcase(s, tc);
    return s;
}
