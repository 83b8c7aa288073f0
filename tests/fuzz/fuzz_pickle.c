/* fuzz_pickle.c - the safe pickle interpreter, on any bytes. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pickle.h"

/* Walk what the pickle built, reading every field; iterative, with an
 * explicit stack, since a pickle may nest as deep as its bytes allow. The
 * memo makes it a graph whose shared parts a tree walk visits again and
 * again (exponentially often): the walk stops after a million objects. */
#define WALK_MAX 1000000

static void walk(const el_pk_obj *root)
{
    size_t cap = 64, n = 0, pushed = 1;
    const el_pk_obj **stack = malloc(cap * sizeof *stack);
    FUZZ_CHECK(stack != NULL);
    stack[n++] = root;
    volatile size_t sum = 0;
    while (n) {
        const el_pk_obj *o = stack[--n];
        FUZZ_CHECK(o != NULL);
        sum += strlen(el_pk_kind_name(o->kind));
        switch (o->kind) {
        case EL_PK_STRING:
        case EL_PK_BIGINT:
            for (size_t i = 0; i < o->u.str.len; i++)
                sum += (unsigned char)o->u.str.bytes[i];
            FUZZ_CHECK(o->u.str.bytes[o->u.str.len] == '\0');
            break;
        case EL_PK_TUPLE:
        case EL_PK_LIST:
        case EL_PK_DICT:
            for (size_t i = 0; i < o->u.seq.n && pushed < WALK_MAX; i++, pushed++) {
                if (n == cap) {
                    cap *= 2;
                    stack = realloc(stack, cap * sizeof *stack);
                    FUZZ_CHECK(stack != NULL);
                }
                stack[n++] = o->u.seq.items[i];
            }
            break;
        case EL_PK_STORAGE:
            sum += strlen(o->u.storage->key) + (size_t)o->u.storage->numel;
            break;
        case EL_PK_TENSOR:
            FUZZ_CHECK(o->u.tensor->ndim >= 0 && o->u.tensor->ndim <= EL_MAX_DIMS);
            sum += strlen(o->u.tensor->storage->key);
            break;
        default:
            break;
        }
    }
    free(stack);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    el_pickle *p = NULL;
    if (el_pickle_run(data, size, "data.pkl", &p) != ELECTRA_OK)
        return 0;
    FUZZ_CHECK(el_pickle_length(p) <= size);
    walk(el_pickle_result(p));
    for (size_t i = 0; i < el_pickle_storage_count(p); i++) {
        el_pk_storage *st = el_pickle_storage_at(p, i);
        FUZZ_CHECK(el_pickle_find_storage(p, st->key) == st);
    }
    el_pickle_free(p);
    return 0;
}
