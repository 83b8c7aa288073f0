/* weights_util.c - helpers shared by the weight-loader suites. */
#include "weights_util.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"

el_tensor_set *load_or_fail(tensor_loader loader, const char *path)
{
    el_tensor_set *set = NULL;
    ck_assert_int_eq(el_tensor_set_create(&set), ELECTRA_OK);
    electra_status s = loader(set, path);
    ck_assert_msg(s == ELECTRA_OK, "loading %s: %s", path, electra_last_error());
    return set;
}

electra_status load_status(tensor_loader loader, const char *path)
{
    el_tensor_set *set = NULL;
    ck_assert_int_eq(el_tensor_set_create(&set), ELECTRA_OK);
    electra_status s = loader(set, path);
    el_tensor_set_free(set);
    return s;
}

void assert_same_tensors(const el_tensor_set *a, const el_tensor_set *b, const char *extra)
{
    ck_assert_uint_eq(el_tensor_set_count(b), el_tensor_set_count(a) + (extra ? 1 : 0));
    for (size_t i = 0; i < el_tensor_set_count(b); i++) {
        const el_tensor *tb = el_tensor_set_at(b, i);
        if (extra && strcmp(tb->name, extra) == 0)
            continue;
        const el_tensor *ta = el_tensor_set_find(a, tb->name);
        ck_assert_msg(ta != NULL, "tensor %s is only in the second set", tb->name);
        ck_assert_int_eq(ta->dtype, tb->dtype);
        ck_assert_int_eq(ta->ndim, tb->ndim);
        for (int d = 0; d < ta->ndim; d++)
            ck_assert_int_eq(ta->shape[d], tb->shape[d]);
        ck_assert_uint_eq(ta->nbytes, tb->nbytes);
        ck_assert_msg(memcmp(ta->data, tb->data, ta->nbytes) == 0, "tensor %s differs",
                      tb->name);
    }
    if (extra)
        ck_assert_ptr_nonnull(el_tensor_set_find(b, extra));
}

const char *write_temp(const char *dir, const char *name, const void *data, size_t len)
{
    static char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

unsigned long touch_all(const el_tensor_set *set)
{
    unsigned long sum = 0;
    for (size_t i = 0; i < el_tensor_set_count(set); i++) {
        const el_tensor *t = el_tensor_set_at(set, i);
        const unsigned char *p = t->data;
        for (size_t k = 0; k < t->nbytes; k++)
            sum += p[k];
    }
    return sum;
}

/* Allocations left before the next one fails; < 0: never fail. */
static long allocs_left = -1;

static void *failing_malloc(size_t n, void *user)
{
    (void)user;
    if (allocs_left == 0)
        return NULL;
    if (allocs_left > 0)
        allocs_left--;
    return malloc(n);
}

static void *failing_realloc(void *p, size_t n, void *user)
{
    (void)user;
    if (allocs_left == 0)
        return NULL;
    if (allocs_left > 0)
        allocs_left--;
    return realloc(p, n);
}

static void plain_free(void *p, void *user)
{
    (void)user;
    free(p);
}

int assert_clean_alloc_failures(tensor_loader loader, const char *path)
{
    ck_assert_int_eq(electra_set_allocator(failing_malloc, failing_realloc, plain_free, NULL),
                     ELECTRA_OK);
    int k = 0;
    for (;; k++) {
        el_tensor_set *set = NULL;
        allocs_left = k;
        electra_status s = el_tensor_set_create(&set);
        if (s == ELECTRA_OK) {
            s = loader(set, path);
            el_tensor_set_free(set);
        }
        if (s == ELECTRA_OK)
            break;
        ck_assert_msg(s == ELECTRA_ERR_NOMEM, "%s, allocation %d failing: %d %s", path, k, s,
                      electra_last_error());
        ck_assert_ptr_nonnull(strstr(electra_last_error(), "out of memory"));
    }
    allocs_left = -1;
    electra_set_allocator(NULL, NULL, NULL, NULL);
    return k;
}

const char *test_data(const char *name)
{
    static char path[4200];
    const char *top = getenv("top_srcdir");
    snprintf(path, sizeof path, "%s/tests/data/weights/%s", top && *top ? top : ".", name);
    return path;
}
