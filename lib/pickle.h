/* pickle.h - a safe interpreter for the pickles in PyTorch weight files.
 *
 * Like torch.load(weights_only=True), it builds plain data (None, bools,
 * ints, floats, strings, tuples, lists, dicts) plus the few torch objects
 * a state dict holds (storages, tensors) and refuses everything else: an
 * opcode or a global outside its whitelist is ELECTRA_ERR_UNSAFE_PICKLE
 * naming it. It never calls anything: a "call" (REDUCE) of a whitelisted
 * function is interpreted here.
 *
 * Opcodes: PROTO, FRAME, STOP, MARK, EMPTY_DICT/LIST/TUPLE, TUPLE,
 * TUPLE1-3, BINUNICODE, SHORT_BINUNICODE, BINUNICODE8, BINSTRING,
 * SHORT_BINSTRING, BININT, BININT1, BININT2, LONG1, LONG4, BINFLOAT, NONE,
 * NEWTRUE, NEWFALSE, SETITEM(S), APPEND(S), BINPUT, LONG_BINPUT, MEMOIZE,
 * BINGET, LONG_BINGET, GLOBAL, STACK_GLOBAL, REDUCE, BUILD, BINPERSID.
 *
 * Globals: collections.OrderedDict (called with no arguments; BUILD on it,
 * which sets the state dict's _metadata, is accepted and ignored),
 * torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter,
 * torch._utils._rebuild_parameter_with_state, torch.Size, and the typed
 * storage classes torch.{Float,Double,Half,BFloat16,Long,Int,Short,Char,
 * Byte,Bool}Storage (only as the type inside a persistent id).
 *
 * Persistent ids: ('storage', <storage class>, key, location, numel) as
 * in the zip format, or the legacy 6-tuple ending in None (a storage
 * view, non-None there, is refused). Storages are shared by key.
 *
 * Limits (all bounded by the bytes present as well): the stack holds at
 * most EL_PICKLE_MAX_STACK entries, MARKs nest at most
 * EL_PICKLE_MAX_MARKS deep, at most EL_PICKLE_MAX_OBJECTS objects are
 * built, memo indices stay below min(pickle length, EL_PICKLE_MAX_MEMO),
 * every length is checked against the bytes left. Nothing is recursive. */
#ifndef EL_PICKLE_H
#define EL_PICKLE_H

#include <stddef.h>
#include <stdint.h>

#include "electra.h"
#include "tensor_set.h"

#define EL_PICKLE_MAX_STACK 65536
#define EL_PICKLE_MAX_MARKS 64
#define EL_PICKLE_MAX_OBJECTS (1u << 20)
#define EL_PICKLE_MAX_MEMO (1u << 24)

typedef enum el_pk_kind {
    EL_PK_NONE,
    EL_PK_BOOL,
    EL_PK_INT,
    EL_PK_BIGINT, /* LONG1/LONG4 wider than 64 bits: raw little-endian bytes */
    EL_PK_FLOAT,
    EL_PK_STRING,
    EL_PK_TUPLE,
    EL_PK_LIST,
    EL_PK_DICT, /* items alternate key, value */
    EL_PK_GLOBAL,
    EL_PK_STORAGE,
    EL_PK_TENSOR
} el_pk_kind;

typedef struct el_pk_storage {
    char *key;
    el_dtype dtype;
    const char *type_name; /* "FloatStorage"... */
    int64_t numel;
    /* Set by the loader once it has found the storage's bytes. */
    const unsigned char *data;
} el_pk_storage;

typedef struct el_pk_tensor {
    el_pk_storage *storage;
    int64_t offset; /* in elements */
    int ndim;
    int64_t size[EL_MAX_DIMS];
    int64_t stride[EL_MAX_DIMS];
} el_pk_tensor;

typedef struct el_pk_obj el_pk_obj;
struct el_pk_obj {
    el_pk_kind kind;
    union {
        int64_t i; /* BOOL, INT */
        double f;
        struct {
            char *bytes; /* NUL-terminated copy; may hold NULs */
            size_t len;
        } str; /* STRING, BIGINT */
        struct {
            el_pk_obj **items;
            size_t n, cap;
            int ordered; /* DICT made by collections.OrderedDict */
        } seq; /* TUPLE, LIST, DICT */
        int global; /* an entry of the whitelist (pickle.c) */
        el_pk_storage *storage;
        el_pk_tensor *tensor;
    } u;
};

typedef struct el_pickle el_pickle;

/* Interpret the pickle at the start of bytes[0, len) up to its STOP. what
 * names the source (file, zip entry) in error messages. */
electra_status el_pickle_run(const unsigned char *bytes, size_t len, const char *what,
                             el_pickle **out);
void el_pickle_free(el_pickle *pickle);

/* The object STOP returned; it lives as long as the pickle. */
const el_pk_obj *el_pickle_result(const el_pickle *pickle);
/* Bytes read, up to and including STOP (the next pickle starts there). */
size_t el_pickle_length(const el_pickle *pickle);
/* The distinct storages that persistent ids named, in first-seen order. */
size_t el_pickle_storage_count(const el_pickle *pickle);
el_pk_storage *el_pickle_storage_at(el_pickle *pickle, size_t index);
/* NULL when no persistent id named key. */
el_pk_storage *el_pickle_find_storage(el_pickle *pickle, const char *key);

/* "a tuple", "an int", "None"...: for messages. */
const char *el_pk_kind_name(el_pk_kind kind);

#endif
