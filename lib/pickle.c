/* pickle.c - the safe pickle VM (see pickle.h for what it accepts).
 *
 * Semantics follow CPython's Unpickler for the opcodes kept: MARK opens a
 * new frame of the stack (objects below it cannot be popped until the
 * frame is closed), the memo maps indices to objects, and a pickle ends
 * at STOP. Every object is owned by the VM's object list and freed in one
 * sweep, so shared and even cyclic references (via the memo) are safe and
 * nothing walks the object graph recursively. */
#include "pickle.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"

enum callable {
    NOT_CALLABLE,
    CALL_ORDERED_DICT,
    CALL_REBUILD_TENSOR,
    CALL_REBUILD_PARAMETER,
    CALL_REBUILD_PARAMETER_WITH_STATE,
    CALL_SIZE
};

static const struct allowed_global {
    const char *module, *name;
    enum callable call;
    el_dtype dtype; /* storage classes (call == NOT_CALLABLE) */
} allowed[] = {
    {"collections", "OrderedDict", CALL_ORDERED_DICT, EL_DTYPE_F32},
    {"torch._utils", "_rebuild_tensor_v2", CALL_REBUILD_TENSOR, EL_DTYPE_F32},
    {"torch._utils", "_rebuild_parameter", CALL_REBUILD_PARAMETER, EL_DTYPE_F32},
    {"torch._utils", "_rebuild_parameter_with_state", CALL_REBUILD_PARAMETER_WITH_STATE,
     EL_DTYPE_F32},
    {"torch", "Size", CALL_SIZE, EL_DTYPE_F32},
    {"torch", "FloatStorage", NOT_CALLABLE, EL_DTYPE_F32},
    {"torch", "DoubleStorage", NOT_CALLABLE, EL_DTYPE_F64},
    {"torch", "HalfStorage", NOT_CALLABLE, EL_DTYPE_F16},
    {"torch", "BFloat16Storage", NOT_CALLABLE, EL_DTYPE_BF16},
    {"torch", "LongStorage", NOT_CALLABLE, EL_DTYPE_I64},
    {"torch", "IntStorage", NOT_CALLABLE, EL_DTYPE_I32},
    {"torch", "ShortStorage", NOT_CALLABLE, EL_DTYPE_I16},
    {"torch", "CharStorage", NOT_CALLABLE, EL_DTYPE_I8},
    {"torch", "ByteStorage", NOT_CALLABLE, EL_DTYPE_U8},
    {"torch", "BoolStorage", NOT_CALLABLE, EL_DTYPE_BOOL},
};
#define N_ALLOWED (sizeof allowed / sizeof allowed[0])

/* GLOBAL names longer than this are refused outright. */
#define MAX_GLOBAL_LINE 256

struct el_pickle {
    const unsigned char *bytes;
    size_t len, pos;
    const char *what;
    size_t op_pos; /* where the current opcode starts */
    unsigned char op;

    el_pk_obj **stack;
    size_t sp, stack_cap;
    size_t marks[EL_PICKLE_MAX_MARKS];
    size_t n_marks;

    el_pk_obj **memo;
    size_t memo_cap, memo_limit, memo_used;

    el_pk_obj **objs;
    size_t n_objs, objs_cap;

    el_pk_storage **storages;
    size_t n_storages, storages_cap;
    size_t *storage_index; /* open addressing: position + 1, 0 = empty */
    size_t storage_index_cap;

    el_pk_obj *result;
};

/* Names of all pickle opcodes, for messages (NULL: not an opcode). */
static const char *const op_names[256] = {
    ['('] = "MARK", ['.'] = "STOP", ['0'] = "POP", ['1'] = "POP_MARK", ['2'] = "DUP",
    ['F'] = "FLOAT", ['I'] = "INT", ['J'] = "BININT", ['K'] = "BININT1", ['L'] = "LONG",
    ['M'] = "BININT2", ['N'] = "NONE", ['P'] = "PERSID", ['Q'] = "BINPERSID",
    ['R'] = "REDUCE", ['S'] = "STRING", ['T'] = "BINSTRING", ['U'] = "SHORT_BINSTRING",
    ['V'] = "UNICODE", ['X'] = "BINUNICODE", ['a'] = "APPEND", ['b'] = "BUILD",
    ['c'] = "GLOBAL", ['d'] = "DICT", ['}'] = "EMPTY_DICT", ['e'] = "APPENDS", ['g'] = "GET",
    ['h'] = "BINGET", ['i'] = "INST", ['j'] = "LONG_BINGET", ['l'] = "LIST",
    [']'] = "EMPTY_LIST", ['o'] = "OBJ", ['p'] = "PUT", ['q'] = "BINPUT",
    ['r'] = "LONG_BINPUT", ['s'] = "SETITEM", ['t'] = "TUPLE", [')'] = "EMPTY_TUPLE",
    ['u'] = "SETITEMS", ['G'] = "BINFLOAT", ['B'] = "BINBYTES", ['C'] = "SHORT_BINBYTES",
    [0x80] = "PROTO", [0x81] = "NEWOBJ", [0x82] = "EXT1", [0x83] = "EXT2", [0x84] = "EXT4",
    [0x85] = "TUPLE1", [0x86] = "TUPLE2", [0x87] = "TUPLE3", [0x88] = "NEWTRUE",
    [0x89] = "NEWFALSE", [0x8a] = "LONG1", [0x8b] = "LONG4", [0x8c] = "SHORT_BINUNICODE",
    [0x8d] = "BINUNICODE8", [0x8e] = "BINBYTES8", [0x8f] = "EMPTY_SET", [0x90] = "ADDITEMS",
    [0x91] = "FROZENSET", [0x92] = "NEWOBJ_EX", [0x93] = "STACK_GLOBAL", [0x94] = "MEMOIZE",
    [0x95] = "FRAME", [0x96] = "BYTEARRAY8", [0x97] = "NEXT_BUFFER",
    [0x98] = "READONLY_BUFFER",
};

const char *el_pk_kind_name(el_pk_kind kind)
{
    static const char *const names[] = {"None",     "a bool",   "an int",   "a big int",
                                        "a float",  "a string", "a tuple",  "a list",
                                        "a dict",   "a global", "a storage", "a tensor"};
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

/* Fail with the source, byte offset and opcode in front of the message. */
static electra_status vm_fail(const el_pickle *vm, electra_status status, const char *fmt, ...)
    EL_PRINTF(3, 4);
static electra_status vm_fail(const el_pickle *vm, electra_status status, const char *fmt, ...)
{
    char msg[EL_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *name = op_names[vm->op];
    return el_fail(status, "%s: pickle byte %zu (%s): %s", vm->what, vm->op_pos,
                   name ? name : "?", msg);
}

static electra_status truncated(const el_pickle *vm)
{
    return vm_fail(vm, ELECTRA_ERR_FORMAT, "pickle truncated (%zu bytes)", vm->len);
}

/* Take n bytes of opcode argument. */
static electra_status take(el_pickle *vm, size_t n, const unsigned char **p)
{
    if (n > vm->len - vm->pos)
        return truncated(vm);
    *p = vm->bytes + vm->pos;
    vm->pos += n;
    return ELECTRA_OK;
}

static uint64_t le_uint(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static electra_status read_uint(el_pickle *vm, int n, uint64_t *v)
{
    const unsigned char *p = NULL;
    electra_status s = take(vm, (size_t)n, &p);
    if (s == ELECTRA_OK)
        *v = le_uint(p, n);
    return s;
}

static electra_status new_obj(el_pickle *vm, el_pk_kind kind, el_pk_obj **out)
{
    if (vm->n_objs >= EL_PICKLE_MAX_OBJECTS)
        return vm_fail(vm, ELECTRA_ERR_FORMAT, "pickle builds more than %u objects",
                       EL_PICKLE_MAX_OBJECTS);
    if (el_grow((void **)&vm->objs, &vm->objs_cap, vm->n_objs + 1, sizeof *vm->objs))
        return el_nomem("running a pickle");
    el_pk_obj *o = el_calloc(1, sizeof *o);
    if (!o)
        return el_nomem("running a pickle");
    o->kind = kind;
    vm->objs[vm->n_objs++] = o;
    *out = o;
    return ELECTRA_OK;
}

static void free_obj(el_pk_obj *o)
{
    switch (o->kind) {
    case EL_PK_STRING:
    case EL_PK_BIGINT:
        el_free(o->u.str.bytes);
        break;
    case EL_PK_TUPLE:
    case EL_PK_LIST:
    case EL_PK_DICT:
        el_free(o->u.seq.items);
        break;
    case EL_PK_TENSOR:
        el_free(o->u.tensor);
        break;
    default:
        break;
    }
    el_free(o);
}

void el_pickle_free(el_pickle *vm)
{
    if (!vm)
        return;
    for (size_t i = 0; i < vm->n_objs; i++)
        free_obj(vm->objs[i]);
    el_free(vm->objs);
    for (size_t i = 0; i < vm->n_storages; i++) {
        el_free(vm->storages[i]->key);
        el_free(vm->storages[i]);
    }
    el_free(vm->storages);
    el_free(vm->storage_index);
    el_free(vm->stack);
    el_free(vm->memo);
    el_free(vm);
}

/* ---- the stack ---- */

static size_t frame_base(const el_pickle *vm)
{
    return vm->n_marks ? vm->marks[vm->n_marks - 1] : 0;
}

/* At least n objects above the current MARK. */
static electra_status need(const el_pickle *vm, size_t n)
{
    if (vm->sp - frame_base(vm) < n)
        return vm_fail(vm, ELECTRA_ERR_FORMAT, "pickle stack underflow");
    return ELECTRA_OK;
}

static electra_status push(el_pickle *vm, el_pk_obj *o)
{
    if (vm->sp >= EL_PICKLE_MAX_STACK)
        return vm_fail(vm, ELECTRA_ERR_FORMAT, "pickle stack deeper than %d entries",
                       EL_PICKLE_MAX_STACK);
    if (el_grow((void **)&vm->stack, &vm->stack_cap, vm->sp + 1, sizeof *vm->stack))
        return el_nomem("running a pickle");
    vm->stack[vm->sp++] = o;
    return ELECTRA_OK;
}

static electra_status push_new(el_pickle *vm, el_pk_kind kind, el_pk_obj **out)
{
    el_pk_obj *o;
    electra_status s = new_obj(vm, kind, &o);
    if (s == ELECTRA_OK)
        s = push(vm, o);
    if (s == ELECTRA_OK && out)
        *out = o;
    return s;
}

/* Close the innermost MARK: its objects are stack[*start, sp). */
static electra_status pop_mark(el_pickle *vm, size_t *start)
{
    if (!vm->n_marks)
        return vm_fail(vm, ELECTRA_ERR_FORMAT, "no MARK to close");
    *start = vm->marks[--vm->n_marks];
    return ELECTRA_OK;
}

/* Append items[0, n) to a tuple, list or dict. */
static electra_status extend(el_pickle *vm, el_pk_obj *seq, el_pk_obj *const *items, size_t n)
{
    if (n == 0)
        return ELECTRA_OK;
    if (el_grow((void **)&seq->u.seq.items, &seq->u.seq.cap, seq->u.seq.n + n,
                sizeof *seq->u.seq.items))
        return el_nomem("running a pickle");
    memcpy(seq->u.seq.items + seq->u.seq.n, items, n * sizeof *items);
    seq->u.seq.n += n;
    return ELECTRA_OK;
}

/* Replace the top n objects with a tuple of them. */
static electra_status make_tuple(el_pickle *vm, size_t n)
{
    el_pk_obj *t;
    electra_status s = new_obj(vm, EL_PK_TUPLE, &t);
    /* n == 0 (EMPTY_TUPLE) may come with no stack allocated yet: no
     * pointer arithmetic on NULL. */
    if (s == ELECTRA_OK && n)
        s = extend(vm, t, vm->stack + vm->sp - n, n);
    if (s)
        return s;
    vm->sp -= n;
    return push(vm, t);
}

/* ---- the memo ---- */

static electra_status memo_put(el_pickle *vm, uint64_t index)
{
    electra_status s = need(vm, 1);
    if (s)
        return s;
    /* Picklers number memo entries from 0 and each BINPUT takes at least
     * two bytes, so a real index is below the pickle's length. */
    if (index >= vm->memo_limit)
        return vm_fail(vm, ELECTRA_ERR_FORMAT, "memo index %llu is out of range (limit %zu)",
                       (unsigned long long)index, vm->memo_limit);
    size_t old = vm->memo_cap;
    if ((size_t)index >= old) {
        if (el_grow((void **)&vm->memo, &vm->memo_cap, (size_t)index + 1, sizeof *vm->memo))
            return el_nomem("running a pickle");
        memset(vm->memo + old, 0, (vm->memo_cap - old) * sizeof *vm->memo);
    }
    if (!vm->memo[index])
        vm->memo_used++;
    vm->memo[index] = vm->stack[vm->sp - 1];
    return ELECTRA_OK;
}

static electra_status memo_get(el_pickle *vm, uint64_t index)
{
    if (index >= vm->memo_cap || !vm->memo[index])
        return vm_fail(vm, ELECTRA_ERR_FORMAT, "memo index %llu was never stored",
                       (unsigned long long)index);
    return push(vm, vm->memo[index]);
}

/* ---- storages, shared by key ---- */

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

el_pk_storage *el_pickle_find_storage(el_pickle *vm, const char *key)
{
    if (!vm->storage_index_cap)
        return NULL;
    size_t mask = vm->storage_index_cap - 1;
    for (size_t i = hash_key(key) & mask;; i = (i + 1) & mask) {
        size_t slot = vm->storage_index[i];
        if (!slot)
            return NULL;
        if (strcmp(vm->storages[slot - 1]->key, key) == 0)
            return vm->storages[slot - 1];
    }
}

static int index_storage(el_pickle *vm, size_t position)
{
    if ((vm->n_storages + 1) * 2 > vm->storage_index_cap) {
        size_t cap = vm->storage_index_cap ? vm->storage_index_cap * 2 : 64;
        size_t *index = el_calloc(cap, sizeof *index);
        if (!index)
            return -1;
        for (size_t t = 0; t < position; t++) {
            size_t i = hash_key(vm->storages[t]->key) & (cap - 1);
            while (index[i])
                i = (i + 1) & (cap - 1);
            index[i] = t + 1;
        }
        el_free(vm->storage_index);
        vm->storage_index = index;
        vm->storage_index_cap = cap;
    }
    size_t mask = vm->storage_index_cap - 1;
    size_t i = hash_key(vm->storages[position]->key) & mask;
    while (vm->storage_index[i])
        i = (i + 1) & mask;
    vm->storage_index[i] = position + 1;
    return 0;
}

static electra_status add_storage(el_pickle *vm, const el_pk_obj *key, el_dtype dtype,
                                  const char *type_name, int64_t numel, el_pk_storage **out)
{
    if (el_grow((void **)&vm->storages, &vm->storages_cap, vm->n_storages + 1,
                sizeof *vm->storages))
        return el_nomem("running a pickle");
    el_pk_storage *st = el_calloc(1, sizeof *st);
    if (!st)
        return el_nomem("running a pickle");
    st->key = el_strndup(key->u.str.bytes, key->u.str.len);
    if (!st->key) {
        el_free(st);
        return el_nomem("running a pickle");
    }
    st->dtype = dtype;
    st->type_name = type_name;
    st->numel = numel;
    vm->storages[vm->n_storages] = st;
    if (index_storage(vm, vm->n_storages)) {
        el_free(st->key);
        el_free(st);
        return el_nomem("running a pickle");
    }
    vm->n_storages++;
    *out = st;
    return ELECTRA_OK;
}

static int is_string(const el_pk_obj *o, const char *s)
{
    return o->kind == EL_PK_STRING && o->u.str.len == strlen(s) &&
           memcmp(o->u.str.bytes, s, o->u.str.len) == 0;
}

/* BINPERSID: ('storage', <storage class>, key, location, numel[, None]). */
static electra_status persistent_load(el_pickle *vm)
{
    electra_status s = need(vm, 1);
    if (s)
        return s;
    const el_pk_obj *pid = vm->stack[vm->sp - 1];
    if (pid->kind != EL_PK_TUPLE)
        return vm_fail(vm, ELECTRA_ERR_FORMAT, "persistent id is %s, not a tuple",
                       el_pk_kind_name(pid->kind));
    el_pk_obj *const *f = pid->u.seq.items;
    size_t n = pid->u.seq.n;
    if (n == 0 || f[0]->kind != EL_PK_STRING)
        return vm_fail(vm, ELECTRA_ERR_FORMAT, "persistent id does not start with a type name");
    if (!is_string(f[0], "storage"))
        return vm_fail(vm, ELECTRA_ERR_UNSAFE_PICKLE,
                       "persistent id of type '%.100s' is not allowed (only 'storage')",
                       f[0]->u.str.bytes);
    if (n == 6 && f[5]->kind != EL_PK_NONE)
        return vm_fail(vm, ELECTRA_ERR_UNSUPPORTED,
                       "storage views (legacy persistent ids with view metadata) are not "
                       "supported");
    if (n != 5 && n != 6)
        return vm_fail(vm, ELECTRA_ERR_FORMAT,
                       "storage persistent id has %zu fields (5, or 6 ending in None)", n);
    if (f[1]->kind != EL_PK_GLOBAL || allowed[f[1]->u.global].call != NOT_CALLABLE)
        return vm_fail(vm, ELECTRA_ERR_FORMAT, "persistent id names %s, not a storage class",
                       f[1]->kind == EL_PK_GLOBAL ? allowed[f[1]->u.global].name
                                                  : el_pk_kind_name(f[1]->kind));
    if (f[2]->kind != EL_PK_STRING || f[3]->kind != EL_PK_STRING || f[4]->kind != EL_PK_INT ||
        f[4]->u.i < 0)
        return vm_fail(vm, ELECTRA_ERR_FORMAT,
                       "storage persistent id needs a key string, a location string and an "
                       "element count >= 0");
    if (memchr(f[2]->u.str.bytes, '\0', f[2]->u.str.len))
        return vm_fail(vm, ELECTRA_ERR_FORMAT, "storage key contains a NUL byte");
    const struct allowed_global *type = &allowed[f[1]->u.global];
    el_pk_storage *st = el_pickle_find_storage(vm, f[2]->u.str.bytes);
    if (st && (st->dtype != type->dtype || st->numel != f[4]->u.i))
        return vm_fail(vm, ELECTRA_ERR_FORMAT,
                       "storage '%s' is declared as %s of %lld elements and as %s of %lld",
                       st->key, st->type_name, (long long)st->numel, type->name,
                       (long long)f[4]->u.i);
    if (!st) {
        s = add_storage(vm, f[2], type->dtype, type->name, f[4]->u.i, &st);
        if (s)
            return s;
    }
    el_pk_obj *o;
    s = new_obj(vm, EL_PK_STORAGE, &o);
    if (s)
        return s;
    o->u.storage = st;
    vm->stack[vm->sp - 1] = o;
    return ELECTRA_OK;
}

/* ---- globals and calls ---- */

static electra_status find_global(el_pickle *vm, const char *module, size_t module_len,
                                  const char *name, size_t name_len)
{
    for (size_t i = 0; i < N_ALLOWED; i++)
        if (strlen(allowed[i].module) == module_len && strlen(allowed[i].name) == name_len &&
            memcmp(allowed[i].module, module, module_len) == 0 &&
            memcmp(allowed[i].name, name, name_len) == 0) {
            el_pk_obj *o;
            electra_status s = push_new(vm, EL_PK_GLOBAL, &o);
            if (s == ELECTRA_OK)
                o->u.global = (int)i;
            return s;
        }
    return vm_fail(vm, ELECTRA_ERR_UNSAFE_PICKLE,
                   "global %.*s.%.*s is not allowed (a state dict needs only torch tensor "
                   "and storage types and collections.OrderedDict)",
                   (int)(module_len > 100 ? 100 : module_len), module,
                   (int)(name_len > 100 ? 100 : name_len), name);
}

/* GLOBAL: "module\nname\n". */
static electra_status read_line(el_pickle *vm, const char **line, size_t *len)
{
    size_t left = vm->len - vm->pos;
    size_t scan = left < MAX_GLOBAL_LINE + 1 ? left : MAX_GLOBAL_LINE + 1;
    const unsigned char *start = vm->bytes + vm->pos;
    const unsigned char *nl = memchr(start, '\n', scan);
    if (!nl)
        return scan == left ? truncated(vm)
                            : vm_fail(vm, ELECTRA_ERR_FORMAT,
                                      "GLOBAL name longer than %d bytes", MAX_GLOBAL_LINE);
    *line = (const char *)start;
    *len = (size_t)(nl - start);
    vm->pos += *len + 1;
    return ELECTRA_OK;
}

static int is_int_tuple(const el_pk_obj *o)
{
    if (o->kind != EL_PK_TUPLE)
        return 0;
    for (size_t i = 0; i < o->u.seq.n; i++)
        if (o->u.seq.items[i]->kind != EL_PK_INT || o->u.seq.items[i]->u.i < 0)
            return 0;
    return 1;
}

/* _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
 * backward_hooks[, metadata]): the geometry is checked against the storage
 * by the loader, which knows the tensor's name. */
static electra_status rebuild_tensor(el_pickle *vm, const el_pk_obj *args, el_pk_obj **out)
{
    size_t n = args->u.seq.n;
    el_pk_obj *const *a = args->u.seq.items;
    if (n != 6 && n != 7)
        return vm_fail(vm, ELECTRA_ERR_FORMAT, "_rebuild_tensor_v2 takes 6 or 7 arguments, not %zu",
                       n);
    if (a[0]->kind != EL_PK_STORAGE)
        return vm_fail(vm, ELECTRA_ERR_FORMAT, "_rebuild_tensor_v2 on %s, not a storage",
                       el_pk_kind_name(a[0]->kind));
    if (a[1]->kind != EL_PK_INT || a[1]->u.i < 0 || !is_int_tuple(a[2]) || !is_int_tuple(a[3]) ||
        a[2]->u.seq.n != a[3]->u.seq.n)
        return vm_fail(vm, ELECTRA_ERR_FORMAT,
                       "_rebuild_tensor_v2 needs an offset >= 0 and size and stride tuples of "
                       "equal length with entries >= 0");
    if (a[2]->u.seq.n > EL_MAX_DIMS)
        return vm_fail(vm, ELECTRA_ERR_UNSUPPORTED, "tensor with %zu dimensions (at most %d)",
                       a[2]->u.seq.n, EL_MAX_DIMS);
    if ((a[4]->kind != EL_PK_BOOL && a[4]->kind != EL_PK_INT) || a[5]->kind != EL_PK_DICT)
        return vm_fail(vm, ELECTRA_ERR_FORMAT,
                       "_rebuild_tensor_v2 needs a requires_grad flag and a hooks dict");
    el_pk_tensor *t = el_calloc(1, sizeof *t);
    if (!t)
        return el_nomem("running a pickle");
    t->storage = a[0]->u.storage;
    t->offset = a[1]->u.i;
    t->ndim = (int)a[2]->u.seq.n;
    for (int d = 0; d < t->ndim; d++) {
        t->size[d] = a[2]->u.seq.items[d]->u.i;
        t->stride[d] = a[3]->u.seq.items[d]->u.i;
    }
    electra_status s = new_obj(vm, EL_PK_TENSOR, out);
    if (s) {
        el_free(t);
        return s;
    }
    (*out)->u.tensor = t;
    return ELECTRA_OK;
}

static electra_status reduce(el_pickle *vm)
{
    electra_status s = need(vm, 2);
    if (s)
        return s;
    const el_pk_obj *fn = vm->stack[vm->sp - 2], *args = vm->stack[vm->sp - 1];
    if (fn->kind != EL_PK_GLOBAL)
        return vm_fail(vm, ELECTRA_ERR_UNSAFE_PICKLE,
                       "REDUCE calls %s; only whitelisted functions may be called",
                       el_pk_kind_name(fn->kind));
    const struct allowed_global *g = &allowed[fn->u.global];
    if (g->call == NOT_CALLABLE)
        return vm_fail(vm, ELECTRA_ERR_UNSAFE_PICKLE,
                       "REDUCE calls %s.%s, which is not a whitelisted function", g->module,
                       g->name);
    if (args->kind != EL_PK_TUPLE)
        return vm_fail(vm, ELECTRA_ERR_FORMAT, "REDUCE arguments are %s, not a tuple",
                       el_pk_kind_name(args->kind));
    size_t n = args->u.seq.n;
    el_pk_obj *const *a = args->u.seq.items;
    el_pk_obj *result = NULL;
    switch (g->call) {
    case CALL_ORDERED_DICT:
        if (n != 0)
            return vm_fail(vm, ELECTRA_ERR_FORMAT, "OrderedDict called with %zu arguments", n);
        s = new_obj(vm, EL_PK_DICT, &result);
        if (s)
            return s;
        result->u.seq.ordered = 1;
        break;
    case CALL_REBUILD_TENSOR:
        s = rebuild_tensor(vm, args, &result);
        if (s)
            return s;
        break;
    case CALL_REBUILD_PARAMETER:
    case CALL_REBUILD_PARAMETER_WITH_STATE:
        /* (data, requires_grad, backward_hooks[, state]): the tensor. */
        if (n != (g->call == CALL_REBUILD_PARAMETER ? 3u : 4u) || a[0]->kind != EL_PK_TENSOR)
            return vm_fail(vm, ELECTRA_ERR_FORMAT, "%s needs a tensor and %d more arguments",
                           g->name, g->call == CALL_REBUILD_PARAMETER ? 2 : 3);
        result = a[0];
        break;
    case CALL_SIZE:
        if (n != 1 || !is_int_tuple(a[0]))
            return vm_fail(vm, ELECTRA_ERR_FORMAT, "torch.Size needs one tuple of sizes");
        result = a[0];
        break;
    case NOT_CALLABLE:
        break;
    }
    vm->sp -= 2;
    return push(vm, result);
}

/* ---- strings and numbers ---- */

static electra_status push_string(el_pickle *vm, el_pk_kind kind, uint64_t len)
{
    if (len > vm->len - vm->pos)
        return vm_fail(vm, ELECTRA_ERR_FORMAT,
                       "length %llu runs past the end of the pickle (%zu bytes left)",
                       (unsigned long long)len, vm->len - vm->pos);
    el_pk_obj *o;
    electra_status s = push_new(vm, kind, &o);
    if (s)
        return s;
    o->u.str.bytes = el_strndup((const char *)vm->bytes + vm->pos, (size_t)len);
    if (!o->u.str.bytes)
        return el_nomem("running a pickle");
    o->u.str.len = (size_t)len;
    vm->pos += (size_t)len;
    return ELECTRA_OK;
}

static electra_status push_int(el_pickle *vm, int64_t v)
{
    el_pk_obj *o;
    electra_status s = push_new(vm, EL_PK_INT, &o);
    if (s == ELECTRA_OK)
        o->u.i = v;
    return s;
}

/* LONG1 / LONG4: little-endian two's complement of len bytes. */
static electra_status push_long(el_pickle *vm, uint64_t len)
{
    if (len > 8)
        return push_string(vm, EL_PK_BIGINT, len);
    const unsigned char *p = NULL;
    electra_status s = take(vm, (size_t)len, &p);
    if (s)
        return s;
    uint64_t u = len ? le_uint(p, (int)len) : 0;
    if (len && len < 8 && (p[len - 1] & 0x80))
        u |= ~(uint64_t)0 << (8 * len);
    int64_t v;
    memcpy(&v, &u, sizeof v);
    return push_int(vm, v);
}

static electra_status push_float(el_pickle *vm)
{
    const unsigned char *p = NULL;
    electra_status s = take(vm, 8, &p);
    if (s)
        return s;
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) /* big-endian */
        u = u << 8 | p[i];
    el_pk_obj *o;
    s = push_new(vm, EL_PK_FLOAT, &o);
    if (s == ELECTRA_OK)
        memcpy(&o->u.f, &u, sizeof u);
    return s;
}

/* ---- containers ---- */

/* SETITEM(S) / APPEND(S): add stack[start, sp) to the object just below. */
static electra_status add_items(el_pickle *vm, size_t start, el_pk_kind want)
{
    if (start == 0 || start - 1 < frame_base(vm))
        return vm_fail(vm, ELECTRA_ERR_FORMAT, "pickle stack underflow");
    el_pk_obj *target = vm->stack[start - 1];
    if (target->kind != want)
        return vm_fail(vm, ELECTRA_ERR_FORMAT, "%s on %s", op_names[vm->op],
                       el_pk_kind_name(target->kind));
    size_t n = vm->sp - start;
    if (want == EL_PK_DICT && n % 2)
        return vm_fail(vm, ELECTRA_ERR_FORMAT, "odd number of items (%zu) for a dict", n);
    electra_status s = extend(vm, target, vm->stack + start, n);
    if (s == ELECTRA_OK)
        vm->sp = start;
    return s;
}

static electra_status build(el_pickle *vm)
{
    electra_status s = need(vm, 2);
    if (s)
        return s;
    const el_pk_obj *o = vm->stack[vm->sp - 2];
    /* torch.save(state_dict) pickles the OrderedDict's _metadata (module
     * versions) as its BUILD state: nothing a loader needs. */
    if (o->kind != EL_PK_DICT || !o->u.seq.ordered)
        return vm_fail(vm, ELECTRA_ERR_UNSAFE_PICKLE, "BUILD on %s is not allowed",
                       o->kind == EL_PK_DICT ? "a plain dict" : el_pk_kind_name(o->kind));
    vm->sp--;
    return ELECTRA_OK;
}

/* ---- the loop ---- */

static electra_status step(el_pickle *vm, int *stop)
{
    uint64_t v = 0;
    size_t start = 0;
    const char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    electra_status s;
    vm->op_pos = vm->pos;
    vm->op = vm->bytes[vm->pos++];
    switch (vm->op) {
    case 0x80: /* PROTO */
        if ((s = read_uint(vm, 1, &v)))
            return s;
        if (v > 5)
            return vm_fail(vm, ELECTRA_ERR_UNSUPPORTED, "pickle protocol %u",
                           (unsigned)v);
        return ELECTRA_OK;
    case 0x95: /* FRAME: a buffering hint */
        return read_uint(vm, 8, &v);
    case '.':
        if ((s = need(vm, 1)))
            return s;
        vm->result = vm->stack[--vm->sp];
        *stop = 1;
        return ELECTRA_OK;
    case '(':
        if (vm->n_marks >= EL_PICKLE_MAX_MARKS)
            return vm_fail(vm, ELECTRA_ERR_FORMAT, "MARKs nested deeper than %d",
                           EL_PICKLE_MAX_MARKS);
        vm->marks[vm->n_marks++] = vm->sp;
        return ELECTRA_OK;
    case '}':
        return push_new(vm, EL_PK_DICT, NULL);
    case ']':
        return push_new(vm, EL_PK_LIST, NULL);
    case ')':
        return make_tuple(vm, 0);
    case 't':
        if ((s = pop_mark(vm, &start)))
            return s;
        return make_tuple(vm, vm->sp - start);
    case 0x85:
    case 0x86:
    case 0x87:
        if ((s = need(vm, vm->op - 0x84u)))
            return s;
        return make_tuple(vm, vm->op - 0x84u);
    case 'X':
        if ((s = read_uint(vm, 4, &v)))
            return s;
        return push_string(vm, EL_PK_STRING, v);
    case 0x8c: /* SHORT_BINUNICODE */
    case 'U':  /* SHORT_BINSTRING */
        if ((s = read_uint(vm, 1, &v)))
            return s;
        return push_string(vm, EL_PK_STRING, v);
    case 0x8d: /* BINUNICODE8 */
        if ((s = read_uint(vm, 8, &v)))
            return s;
        return push_string(vm, EL_PK_STRING, v);
    case 'T': /* BINSTRING: signed 32-bit length */
        if ((s = read_uint(vm, 4, &v)))
            return s;
        if (v & 0x80000000u)
            return vm_fail(vm, ELECTRA_ERR_FORMAT, "negative string length");
        return push_string(vm, EL_PK_STRING, v);
    case 'J':
        if ((s = read_uint(vm, 4, &v)))
            return s;
        return push_int(vm, (int32_t)(uint32_t)v);
    case 'K':
        if ((s = read_uint(vm, 1, &v)))
            return s;
        return push_int(vm, (int64_t)v);
    case 'M':
        if ((s = read_uint(vm, 2, &v)))
            return s;
        return push_int(vm, (int64_t)v);
    case 0x8a: /* LONG1 */
        if ((s = read_uint(vm, 1, &v)))
            return s;
        return push_long(vm, v);
    case 0x8b: /* LONG4: signed 32-bit length */
        if ((s = read_uint(vm, 4, &v)))
            return s;
        if (v & 0x80000000u)
            return vm_fail(vm, ELECTRA_ERR_FORMAT, "negative integer length");
        return push_long(vm, v);
    case 'G':
        return push_float(vm);
    case 'N':
        return push_new(vm, EL_PK_NONE, NULL);
    case 0x88:
    case 0x89: {
        el_pk_obj *o;
        if ((s = push_new(vm, EL_PK_BOOL, &o)))
            return s;
        o->u.i = vm->op == 0x88;
        return ELECTRA_OK;
    }
    case 's':
        if ((s = need(vm, 3)))
            return s;
        return add_items(vm, vm->sp - 2, EL_PK_DICT);
    case 'u':
        if ((s = pop_mark(vm, &start)))
            return s;
        return add_items(vm, start, EL_PK_DICT);
    case 'a':
        if ((s = need(vm, 2)))
            return s;
        return add_items(vm, vm->sp - 1, EL_PK_LIST);
    case 'e':
        if ((s = pop_mark(vm, &start)))
            return s;
        return add_items(vm, start, EL_PK_LIST);
    case 'q':
        if ((s = read_uint(vm, 1, &v)))
            return s;
        return memo_put(vm, v);
    case 'r':
        if ((s = read_uint(vm, 4, &v)))
            return s;
        return memo_put(vm, v);
    case 0x94: /* MEMOIZE: the next free index */
        return memo_put(vm, vm->memo_used);
    case 'h':
        if ((s = read_uint(vm, 1, &v)))
            return s;
        return memo_get(vm, v);
    case 'j':
        if ((s = read_uint(vm, 4, &v)))
            return s;
        return memo_get(vm, v);
    case 'c':
        if ((s = read_line(vm, &a, &alen)) || (s = read_line(vm, &b, &blen)))
            return s;
        return find_global(vm, a, alen, b, blen);
    case 0x93: { /* STACK_GLOBAL */
        if ((s = need(vm, 2)))
            return s;
        const el_pk_obj *m = vm->stack[vm->sp - 2], *n = vm->stack[vm->sp - 1];
        if (m->kind != EL_PK_STRING || n->kind != EL_PK_STRING)
            return vm_fail(vm, ELECTRA_ERR_FORMAT, "STACK_GLOBAL needs two strings");
        vm->sp -= 2;
        return find_global(vm, m->u.str.bytes, m->u.str.len, n->u.str.bytes, n->u.str.len);
    }
    case 'R':
        return reduce(vm);
    case 'b':
        return build(vm);
    case 'Q':
        return persistent_load(vm);
    }
    if (op_names[vm->op])
        return vm_fail(vm, ELECTRA_ERR_UNSAFE_PICKLE, "opcode %s is not allowed in a state dict",
                       op_names[vm->op]);
    return vm_fail(vm, ELECTRA_ERR_FORMAT, "byte 0x%02x is not a pickle opcode", vm->op);
}

electra_status el_pickle_run(const unsigned char *bytes, size_t len, const char *what,
                             el_pickle **out)
{
    el_pickle *vm = el_calloc(1, sizeof *vm);
    if (!vm)
        return el_nomem("running a pickle");
    vm->bytes = bytes;
    vm->len = len;
    vm->what = what;
    vm->memo_limit = len < EL_PICKLE_MAX_MEMO ? len : EL_PICKLE_MAX_MEMO;
    int stop = 0;
    electra_status s = ELECTRA_OK;
    while (!stop && s == ELECTRA_OK) {
        if (vm->pos >= len) {
            s = el_fail(ELECTRA_ERR_FORMAT, "%s: pickle ends without STOP after %zu bytes", what,
                        len);
            break;
        }
        s = step(vm, &stop);
    }
    if (s) {
        el_pickle_free(vm);
        return s;
    }
    *out = vm;
    return ELECTRA_OK;
}

const el_pk_obj *el_pickle_result(const el_pickle *vm)
{
    return vm->result;
}

size_t el_pickle_length(const el_pickle *vm)
{
    return vm->pos;
}

size_t el_pickle_storage_count(const el_pickle *vm)
{
    return vm->n_storages;
}

el_pk_storage *el_pickle_storage_at(el_pickle *vm, size_t index)
{
    return index < vm->n_storages ? vm->storages[index] : NULL;
}
