/* check_pickle.c - the safe pickle VM: what it builds, what it refuses,
 * and its limits. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"
#include "pickle.h"
#include "testutil.h"
#include "zip_reader.h"

/* A pickle under construction. */
typedef struct {
    unsigned char *b;
    size_t n, cap;
} pbuf;

static void put(pbuf *p, const void *bytes, size_t n)
{
    if (p->n + n > p->cap) {
        p->cap = (p->n + n) * 2 + 64;
        p->b = realloc(p->b, p->cap);
        ck_assert_ptr_nonnull(p->b);
    }
    memcpy(p->b + p->n, bytes, n);
    p->n += n;
}

#define PUT(p, lit) put((p), (lit), sizeof(lit) - 1)

static void put_repeat(pbuf *p, const char *bytes, size_t n, size_t times)
{
    for (size_t i = 0; i < times; i++)
        put(p, bytes, n);
}

/* Run a pickle given as a literal; the VM is freed unless out is given. */
static electra_status run(const void *bytes, size_t len, el_pickle **out)
{
    /* an exact-size copy, so that ASan catches reads past the end */
    unsigned char *copy = malloc(len ? len : 1);
    memcpy(copy, bytes, len);
    el_pickle *pk = NULL;
    electra_status s = el_pickle_run(copy, len, "test.pkl", &pk);
    if (s == ELECTRA_OK && !out)
        el_pickle_free(pk);
    if (s == ELECTRA_OK && out)
        *out = pk;
    else if (out)
        *out = NULL;
    /* objects copy what they keep: the input may go */
    free(copy);
    return s;
}

#define RUN(lit) run((lit), sizeof(lit) - 1, NULL)

static void expect(electra_status got, electra_status want, const char *message)
{
    ck_assert_msg(got == want && strstr(electra_last_error(), message),
                  "status %d \"%s\"; expected %d \"%s\"", got, electra_last_error(), want,
                  message);
}

#define EXPECT(lit, status, message) expect(RUN(lit), (status), (message))

START_TEST(plain_values)
{
    el_pickle *pk;
    static const char p[] = "\x80\x02("
                            "K\x07"                             /* 7 */
                            "J\xfe\xff\xff\xff"                 /* -2 */
                            "M\x00\x01"                         /* 256 */
                            "\x8a\x01\xff"                      /* -1 */
                            "\x8a\x00"                          /* 0 */
                            "\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80" /* INT64_MIN */
                            "\x8a\x09\x01\x00\x00\x00\x00\x00\x00\x00\x01" /* 2^64 + 1 */
                            "G\x3f\xf8\x00\x00\x00\x00\x00\x00" /* 1.5 */
                            "X\x03\x00\x00\x00" "abc"
                            "U\x02hi"
                            "\x8c\x01z"
                            "N\x88\x89"
                            "t.";
    ck_assert_int_eq(run(p, sizeof p - 1, &pk), ELECTRA_OK);
    const el_pk_obj *t = el_pickle_result(pk);
    ck_assert_int_eq(t->kind, EL_PK_TUPLE);
    ck_assert_uint_eq(t->u.seq.n, 14);
    el_pk_obj *const *v = t->u.seq.items;
    ck_assert_int_eq(v[0]->u.i, 7);
    ck_assert_int_eq(v[1]->u.i, -2);
    ck_assert_int_eq(v[2]->u.i, 256);
    ck_assert_int_eq(v[3]->u.i, -1);
    ck_assert_int_eq(v[4]->u.i, 0);
    ck_assert_int_eq(v[5]->kind, EL_PK_INT);
    ck_assert(v[5]->u.i == INT64_MIN);
    ck_assert_int_eq(v[6]->kind, EL_PK_BIGINT);
    ck_assert_uint_eq(v[6]->u.str.len, 9);
    ck_assert_double_eq(v[7]->u.f, 1.5);
    ck_assert_str_eq(v[8]->u.str.bytes, "abc");
    ck_assert_str_eq(v[9]->u.str.bytes, "hi");
    ck_assert_str_eq(v[10]->u.str.bytes, "z");
    ck_assert_int_eq(v[11]->kind, EL_PK_NONE);
    ck_assert_int_eq(v[12]->kind, EL_PK_BOOL);
    ck_assert_int_eq(v[12]->u.i, 1);
    ck_assert_int_eq(v[13]->kind, EL_PK_BOOL);
    ck_assert_int_eq(v[13]->u.i, 0);
    ck_assert_uint_eq(el_pickle_length(pk), sizeof p - 1);
    el_pickle_free(pk);
    el_pickle_free(NULL);
}
END_TEST

START_TEST(containers_memo_and_ordered_dicts)
{
    el_pickle *pk;
    /* a list that holds itself (through the memo) is fine: nothing walks
     * the graph */
    ck_assert_int_eq(run("\x80\x02]q\x00h\x00" "a.", 9, &pk), ELECTRA_OK);
    const el_pk_obj *l = el_pickle_result(pk);
    ck_assert_int_eq(l->kind, EL_PK_LIST);
    ck_assert_ptr_eq(l->u.seq.items[0], l);
    el_pickle_free(pk);
    /* dict items in order; SETITEM and SETITEMS; APPENDS */
    static const char d[] = "\x80\x02}(X\x01\x00\x00\x00" "aK\x01X\x01\x00\x00\x00" "bK\x02u"
                            "X\x01\x00\x00\x00" "c](K\x03K\x04" "es.";
    ck_assert_int_eq(run(d, sizeof d - 1, &pk), ELECTRA_OK);
    const el_pk_obj *o = el_pickle_result(pk);
    ck_assert_int_eq(o->kind, EL_PK_DICT);
    ck_assert_uint_eq(o->u.seq.n, 6);
    ck_assert_str_eq(o->u.seq.items[4]->u.str.bytes, "c");
    ck_assert_uint_eq(o->u.seq.items[5]->u.seq.n, 2);
    ck_assert_int_eq(o->u.seq.items[5]->u.seq.items[1]->u.i, 4);
    ck_assert_int_eq(o->u.seq.ordered, 0);
    el_pickle_free(pk);
    /* OrderedDict() with its _metadata state: BUILD is accepted */
    static const char od[] = "\x80\x02\x63\x63ollections\nOrderedDict\nq\x00)R}"
                             "X\x09\x00\x00\x00_metadatah\x00)Rsb.";
    ck_assert_int_eq(run(od, sizeof od - 1, &pk), ELECTRA_OK);
    ck_assert_int_eq(el_pickle_result(pk)->kind, EL_PK_DICT);
    ck_assert_int_eq(el_pickle_result(pk)->u.seq.ordered, 1);
    el_pickle_free(pk);
    /* MEMOIZE numbers entries in order; FRAME is skipped */
    static const char p4[] = "\x80\x04\x95\x09\x00\x00\x00\x00\x00\x00\x00"
                             "\x8c\x01x\x94\x8c\x01y\x94h\x01h\x00\x86.";
    ck_assert_int_eq(run(p4, sizeof p4 - 1, &pk), ELECTRA_OK);
    ck_assert_str_eq(el_pickle_result(pk)->u.seq.items[0]->u.str.bytes, "y");
    ck_assert_str_eq(el_pickle_result(pk)->u.seq.items[1]->u.str.bytes, "x");
    el_pickle_free(pk);
}
END_TEST

/* ('storage', torch.<type>, key, 'cpu', numel) + BINPERSID */
static void put_storage(pbuf *p, const char *type, const char *key, int numel)
{
    PUT(p, "(X\x07\x00\x00\x00storage");
    char g[64];
    int n = snprintf(g, sizeof g, "ctorch\n%s\n", type);
    put(p, g, (size_t)n);
    unsigned char len[5] = {'X', (unsigned char)strlen(key), 0, 0, 0};
    put(p, len, 5);
    put(p, key, strlen(key));
    PUT(p, "X\x03\x00\x00\x00" "cpu");
    unsigned char k[2] = {'K', (unsigned char)numel};
    put(p, k, 2);
    PUT(p, "tQ");
}

START_TEST(storages_are_shared_by_key)
{
    pbuf p = {0};
    PUT(&p, "\x80\x02(");
    put_storage(&p, "FloatStorage", "0", 4);
    put_storage(&p, "LongStorage", "1", 3);
    put_storage(&p, "FloatStorage", "0", 4);
    PUT(&p, "t.");
    el_pickle *pk;
    ck_assert_int_eq(run(p.b, p.n, &pk), ELECTRA_OK);
    ck_assert_uint_eq(el_pickle_storage_count(pk), 2);
    el_pk_storage *s0 = el_pickle_find_storage(pk, "0");
    ck_assert_int_eq(s0->dtype, EL_DTYPE_F32);
    ck_assert_int_eq(s0->numel, 4);
    ck_assert_str_eq(s0->type_name, "FloatStorage");
    ck_assert_int_eq(el_pickle_find_storage(pk, "1")->dtype, EL_DTYPE_I64);
    ck_assert_ptr_null(el_pickle_find_storage(pk, "2"));
    ck_assert_ptr_eq(el_pickle_storage_at(pk, 0), s0);
    ck_assert_ptr_null(el_pickle_storage_at(pk, 2));
    const el_pk_obj *t = el_pickle_result(pk);
    ck_assert_ptr_eq(t->u.seq.items[0]->u.storage, t->u.seq.items[2]->u.storage);
    el_pickle_free(pk);
    /* the same key as another type */
    p.n = 0;
    PUT(&p, "\x80\x02(");
    put_storage(&p, "FloatStorage", "0", 4);
    put_storage(&p, "HalfStorage", "0", 4);
    PUT(&p, "t.");
    expect(run(p.b, p.n, NULL), ELECTRA_ERR_FORMAT,
           "storage '0' is declared as FloatStorage of 4 elements and as HalfStorage of 4");
    /* many storages: the key index grows */
    p.n = 0;
    PUT(&p, "\x80\x02(");
    for (int i = 0; i < 3000; i++) {
        char key[16];
        snprintf(key, sizeof key, "%d", i);
        put_storage(&p, "BFloat16Storage", key, i % 200);
    }
    PUT(&p, "t.");
    ck_assert_int_eq(run(p.b, p.n, &pk), ELECTRA_OK);
    ck_assert_uint_eq(el_pickle_storage_count(pk), 3000);
    ck_assert_int_eq(el_pickle_find_storage(pk, "2999")->numel, 2999 % 200);
    el_pickle_free(pk);
    free(p.b);
}
END_TEST

START_TEST(tensors_and_parameters)
{
    pbuf p = {0};
    PUT(&p, "\x80\x02(ctorch._utils\n_rebuild_tensor_v2\n(");
    put_storage(&p, "FloatStorage", "0", 6);
    PUT(&p, "K\x01(K\x02K\x02t(K\x01K\x02t\x89\x63\x63ollections\nOrderedDict\n)RtR");
    /* the same through _rebuild_parameter and torch.Size */
    PUT(&p, "ctorch._utils\n_rebuild_parameter\n(ctorch._utils\n_rebuild_tensor_v2\n(");
    put_storage(&p, "FloatStorage", "0", 6);
    PUT(&p, "K\x00\x63torch\nSize\n(K\x06t\x85R(K\x01t\x89\x63\x63ollections\nOrderedDict\n)Rt"
            "R\x88\x63\x63ollections\nOrderedDict\n)RtRt.");
    el_pickle *pk;
    ck_assert_msg(run(p.b, p.n, &pk) == ELECTRA_OK, "%s", electra_last_error());
    const el_pk_obj *r = el_pickle_result(pk);
    const el_pk_tensor *a = r->u.seq.items[0]->u.tensor, *b = r->u.seq.items[1]->u.tensor;
    ck_assert_int_eq(r->u.seq.items[0]->kind, EL_PK_TENSOR);
    ck_assert_int_eq(a->offset, 1);
    ck_assert_int_eq(a->ndim, 2);
    ck_assert_int_eq(a->size[1], 2);
    ck_assert_int_eq(a->stride[0], 1);
    ck_assert_int_eq(a->stride[1], 2);
    ck_assert_int_eq(r->u.seq.items[1]->kind, EL_PK_TENSOR);
    ck_assert_int_eq(b->ndim, 1);
    ck_assert_int_eq(b->size[0], 6);
    ck_assert_ptr_eq(a->storage, b->storage);
    el_pickle_free(pk);
    free(p.b);
}
END_TEST

START_TEST(bad_calls_are_refused)
{
    EXPECT("\x80\x02\x63\x63ollections\nOrderedDict\n]R.", ELECTRA_ERR_FORMAT,
           "REDUCE arguments are a list, not a tuple");
    EXPECT("\x80\x02N)R.", ELECTRA_ERR_UNSAFE_PICKLE, "REDUCE calls None; only whitelisted");
    EXPECT("\x80\x02]]R.", ELECTRA_ERR_UNSAFE_PICKLE, "REDUCE calls a list");
    EXPECT("\x80\x02\x63torch\nLongStorage\n)R.", ELECTRA_ERR_UNSAFE_PICKLE,
           "REDUCE calls torch.LongStorage, which is not a whitelisted function");
    EXPECT("\x80\x02\x63torch._utils\n_rebuild_tensor_v2\n(K\x01K\x00)))\x89}tR.",
           ELECTRA_ERR_FORMAT, "_rebuild_tensor_v2 on an int, not a storage");
    EXPECT("\x80\x02\x63torch._utils\n_rebuild_parameter\n(K\x01\x89}tR.", ELECTRA_ERR_FORMAT,
           "_rebuild_parameter needs a tensor and 2 more arguments");
    EXPECT("\x80\x02\x63torch._utils\n_rebuild_parameter_with_state\n(K\x01\x89}tR.",
           ELECTRA_ERR_FORMAT, "_rebuild_parameter_with_state needs a tensor and 3 more");
    EXPECT("\x80\x02\x63torch\nSize\n(J\xff\xff\xff\xff\x85tR.", ELECTRA_ERR_FORMAT,
           "torch.Size needs one tuple of sizes");
    EXPECT("\x80\x02}}b.", ELECTRA_ERR_UNSAFE_PICKLE, "BUILD on a plain dict is not allowed");
    EXPECT("\x80\x02(X\x07\x00\x00\x00storage\x63torch\nFloatStorage\nX\x01\x00\x00\x00"
           "0X\x03\x00\x00\x00" "cpuJ\xff\xff\xff\xfftQ.",
           ELECTRA_ERR_FORMAT, "a location string and an element count >= 0");
    EXPECT("\x80\x02(X\x07\x00\x00\x00storage\x63torch\nFloatStorage\nX\x02\x00\x00\x00"
           "0\x00X\x03\x00\x00\x00" "cpuK\x01tQ.",
           ELECTRA_ERR_FORMAT, "storage key contains a NUL byte");
    EXPECT("\x80\x02(X\x07\x00\x00\x00storage\x63torch\nFloatStorage\nX\x01\x00\x00\x00"
           "0X\x03\x00\x00\x00" "cpuK\x01(K\x01ttQ.",
           ELECTRA_ERR_UNSUPPORTED, "storage views");
    EXPECT("\x80\x02]Q.", ELECTRA_ERR_FORMAT, "persistent id is a list, not a tuple");
    EXPECT("\x80\x02(K\x01tQ.", ELECTRA_ERR_FORMAT, "persistent id does not start with a type");
    EXPECT("\x80\x06}.", ELECTRA_ERR_UNSUPPORTED, "pickle protocol 6");
}
END_TEST

START_TEST(dangerous_globals_are_refused_by_name)
{
    static const char *const names[][2] = {
        {"os", "system"},
        {"posix", "system"},
        {"nt", "system"},
        {"builtins", "eval"},
        {"builtins", "exec"},
        {"builtins", "getattr"},
        {"builtins", "__import__"},
        {"__builtin__", "eval"},
        {"subprocess", "Popen"},
        {"subprocess", "check_output"},
        {"torch", "load"},
        {"torch.storage", "_load_from_bytes"},
        {"torch._utils", "_rebuild_tensor"},
        {"torch._utils", "_rebuild_device_tensor_from_numpy"},
        {"numpy.core.multiarray", "_reconstruct"},
        {"collections", "OrderedDictX"},
        {"collections", "ordereddict"},
        {"torch", "FloatStorage.__reduce__"},
        {"torch", ""},
        {"", "system"},
    };
    pbuf p = {0};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "global %s.%s is not allowed", names[i][0], names[i][1]);
        /* GLOBAL (protocol 2) */
        p.n = 0;
        PUT(&p, "\x80\x02\x63");
        put(&p, names[i][0], strlen(names[i][0]));
        PUT(&p, "\n");
        put(&p, names[i][1], strlen(names[i][1]));
        PUT(&p, "\n)R.");
        expect(run(p.b, p.n, NULL), ELECTRA_ERR_UNSAFE_PICKLE, want);
        /* STACK_GLOBAL (protocol 4) */
        p.n = 0;
        PUT(&p, "\x80\x04");
        for (int k = 0; k < 2; k++) {
            unsigned char len[2] = {0x8c, (unsigned char)strlen(names[i][k])};
            put(&p, len, 2);
            put(&p, names[i][k], strlen(names[i][k]));
        }
        PUT(&p, "\x93)R.");
        expect(run(p.b, p.n, NULL), ELECTRA_ERR_UNSAFE_PICKLE, want);
    }
    EXPECT("\x80\x04K\x01K\x02\x93.", ELECTRA_ERR_FORMAT, "STACK_GLOBAL needs two strings");
    free(p.b);
}
END_TEST

/* The opcodes the VM implements; all others are refused by name. */
static const char allowed_ops[] = "\x80\x95.(})]t\x85\x86\x87X\x8c\x8dTUJKM\x8a\x8bGN\x88\x89"
                                  "suaeqr\x94hjc\x93RbQ";

START_TEST(every_other_opcode_is_refused)
{
    int named = 0;
    for (int op = 0; op < 256; op++) {
        if (op && memchr(allowed_ops, op, sizeof allowed_ops - 1))
            continue;
        unsigned char p[16] = {0x80, 0x02, (unsigned char)op, '\n', '\n', '\n', '\n',
                               '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '.'};
        electra_status s = run(p, sizeof p, NULL);
        const char *msg = electra_last_error();
        if (s == ELECTRA_ERR_UNSAFE_PICKLE) {
            ck_assert_msg(strstr(msg, "is not allowed in a state dict"), "0x%02x: %s", op, msg);
            named++;
        } else {
            char want[64];
            snprintf(want, sizeof want, "byte 0x%02x is not a pickle opcode", op);
            expect(s, ELECTRA_ERR_FORMAT, want);
        }
    }
    /* 68 opcodes in protocol 5, 39 of them allowed */
    ck_assert_int_eq(named, 68 - 39);
    EXPECT("\x80\x02(X\x02\x00\x00\x00idios\nsystem\n.", ELECTRA_ERR_UNSAFE_PICKLE,
           "(INST): opcode INST is not allowed");
    EXPECT("\x80\x02(\x63" "collections\nOrderedDict\no.", ELECTRA_ERR_UNSAFE_PICKLE,
           "(OBJ): opcode OBJ is not allowed");
    EXPECT("\x80\x02\x63os\nsystem\n", ELECTRA_ERR_UNSAFE_PICKLE, "global os.system");
    EXPECT("\x80\x02Vos.system\n.", ELECTRA_ERR_UNSAFE_PICKLE, "opcode UNICODE is not allowed");
}
END_TEST

START_TEST(stack_and_mark_misuse)
{
    static const char *const ops[] = {"s", "a", "R", "b", "Q", "\x85", "\x86", "\x87",
                                      "\x93", "q\x00", "r\x00\x00\x00\x00", "\x94", "."};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        unsigned char p[16] = {0x80, 0x02};
        size_t n = strlen(ops[i]) ? strlen(ops[i]) : 1;
        if (ops[i][0] == 'r')
            n = 5;
        memcpy(p + 2, ops[i], n);
        p[2 + n] = '.';
        expect(run(p, 3 + n, NULL), ELECTRA_ERR_FORMAT, "pickle stack underflow");
    }
    /* objects below a MARK cannot be reached until it closes */
    EXPECT("\x80\x02}X\x01\x00\x00\x00" "a(K\x01s.", ELECTRA_ERR_FORMAT, "(SETITEM): pickle stack underflow");
    EXPECT("\x80\x02]K\x01(a.", ELECTRA_ERR_FORMAT, "(APPEND): pickle stack underflow");
    EXPECT("\x80\x02(K\x01u.", ELECTRA_ERR_FORMAT, "(SETITEMS): pickle stack underflow");
    EXPECT("\x80\x02K\x01(K\x01K\x02u.", ELECTRA_ERR_FORMAT, "(SETITEMS): SETITEMS on an int");
    EXPECT("\x80\x02t.", ELECTRA_ERR_FORMAT, "(TUPLE): no MARK to close");
    EXPECT("\x80\x02]u.", ELECTRA_ERR_FORMAT, "(SETITEMS): no MARK to close");
    EXPECT("\x80\x02\x29K\x01" "a.", ELECTRA_ERR_FORMAT, "(APPEND): APPEND on a tuple");
    EXPECT("\x80\x02h\x00.", ELECTRA_ERR_FORMAT, "(BINGET): memo index 0 was never stored");
    EXPECT("\x80\x02}j\x05\x00\x00\x00.", ELECTRA_ERR_FORMAT, "memo index 5 was never stored");
    /* memo indices are bounded by the pickle's length: no huge memo */
    EXPECT("\x80\x02}q\x09.", ELECTRA_ERR_FORMAT, "memo index 9 is out of range (limit 6)");
    ck_assert_int_eq(RUN("\x80\x02}q\x05."), ELECTRA_OK);
    EXPECT("\x80\x02", ELECTRA_ERR_FORMAT, "pickle ends without STOP after 2 bytes");
    EXPECT("", ELECTRA_ERR_FORMAT, "pickle ends without STOP after 0 bytes");
}
END_TEST

START_TEST(truncated_in_every_opcode)
{
    static const struct {
        const char *bytes;
        size_t len;
        const char *op;
    } cuts[] = {
#define CUT(lit, op) {lit, sizeof(lit) - 1, op}
        CUT("\x80", "PROTO"),
        CUT("\x80\x04\x95\x01\x02", "FRAME"),
        CUT("\x80\x02X\x01\x00", "BINUNICODE"),
        CUT("\x80\x02X\x05\x00\x00\x00" "ab", "BINUNICODE"),
        CUT("\x80\x02\x8c", "SHORT_BINUNICODE"),
        CUT("\x80\x02\x8c\x04x", "SHORT_BINUNICODE"),
        CUT("\x80\x02\x8d\x01\x00\x00", "BINUNICODE8"),
        CUT("\x80\x02T\x01", "BINSTRING"),
        CUT("\x80\x02U", "SHORT_BINSTRING"),
        CUT("\x80\x02J\x01\x02\x03", "BININT"),
        CUT("\x80\x02K", "BININT1"),
        CUT("\x80\x02M\x01", "BININT2"),
        CUT("\x80\x02\x8a", "LONG1"),
        CUT("\x80\x02\x8a\x04\x01\x02", "LONG1"),
        CUT("\x80\x02\x8b\x01\x00", "LONG4"),
        CUT("\x80\x02G\x3f\xf8\x00", "BINFLOAT"),
        CUT("\x80\x02}q", "BINPUT"),
        CUT("\x80\x02}r\x00\x00", "LONG_BINPUT"),
        CUT("\x80\x02}q\x00h", "BINGET"),
        CUT("\x80\x02}q\x00j\x00", "LONG_BINGET"),
        CUT("\x80\x02\x63", "GLOBAL"),
        CUT("\x80\x02\x63torch", "GLOBAL"),
        CUT("\x80\x02\x63torch\nSize", "GLOBAL"),
#undef CUT
    };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "(%s): ", cuts[i].op);
        electra_status s = run(cuts[i].bytes, cuts[i].len, NULL);
        const char *msg = electra_last_error();
        ck_assert_msg(s == ELECTRA_ERR_FORMAT && strstr(msg, want) &&
                          (strstr(msg, "pickle truncated") || strstr(msg, "runs past the end")),
                      "cut %zu: %d \"%s\"", i, s, msg);
    }
    EXPECT("\x80\x02T\xff\xff\xff\xff", ELECTRA_ERR_FORMAT, "(BINSTRING): negative string length");
    EXPECT("\x80\x02\x8b\xff\xff\xff\xff", ELECTRA_ERR_FORMAT, "(LONG4): negative integer length");
}
END_TEST

/* tiny-classifier's data.pkl, through the zip reader. */
static unsigned char *fixture_pickle(size_t *len)
{
    size_t size;
    char *file = read_file(fixture_path("models/tiny-classifier/pytorch_model.bin"), &size);
    ck_assert_ptr_nonnull(file);
    el_zip *zip = NULL;
    ck_assert_int_eq(el_zip_open((unsigned char *)file, size, "bin", &zip), ELECTRA_OK);
    const el_zip_entry *e = el_zip_find(zip, "pytorch_model/data.pkl");
    const unsigned char *d = NULL;
    ck_assert_int_eq(el_zip_data(zip, e, &d), ELECTRA_OK);
    *len = (size_t)e->size;
    unsigned char *copy = malloc(*len);
    memcpy(copy, d, *len);
    el_zip_close(zip);
    free(file);
    return copy;
}

START_TEST(fixture_state_dict_and_all_its_prefixes)
{
    REQUIRE_FIXTURES();
    size_t len;
    unsigned char *pkl = fixture_pickle(&len);
    el_pickle *pk;
    ck_assert_int_eq(run(pkl, len, &pk), ELECTRA_OK);
    const el_pk_obj *d = el_pickle_result(pk);
    ck_assert_int_eq(d->kind, EL_PK_DICT);
    ck_assert_uint_eq(d->u.seq.n, 2 * 43);
    ck_assert_uint_eq(el_pickle_storage_count(pk), 43);
    ck_assert_str_eq(d->u.seq.items[0]->u.str.bytes, "electra.embeddings.word_embeddings.weight");
    const el_pk_tensor *t = d->u.seq.items[1]->u.tensor;
    ck_assert_int_eq(t->size[0], 30522);
    ck_assert_int_eq(t->size[1], 8);
    ck_assert_int_eq(t->stride[0], 8);
    ck_assert_str_eq(t->storage->key, "0");
    ck_assert_int_eq(t->storage->numel, 244176);
    el_pickle_free(pk);
    /* every proper prefix is an error, never a partial success */
    for (size_t cut = 0; cut < len; cut++)
        ck_assert_int_eq(run(pkl, cut, NULL), ELECTRA_ERR_FORMAT);
    free(pkl);
}
END_TEST

START_TEST(every_byte_change_is_safe)
{
    REQUIRE_FIXTURES();
    size_t len;
    unsigned char *pkl = fixture_pickle(&len);
    /* the fixture's first two entries (313 bytes) closed into a dict of
     * its own, then every byte set to every value */
    unsigned char small[315];
    memcpy(small, pkl, 313);
    memcpy(small + 313, "u.", 2);
    el_pickle *pk = NULL;
    ck_assert_int_eq(run(small, sizeof small, &pk), ELECTRA_OK);
    ck_assert_uint_eq(el_pickle_result(pk)->u.seq.n, 4);
    el_pickle_free(pk);
    unsigned char copy[sizeof small];
    int ok = 0;
    for (size_t at = 0; at < sizeof small; at++)
        for (int v = 0; v < 256; v++) {
            memcpy(copy, small, sizeof small);
            copy[at] = (unsigned char)v;
            if (run(copy, sizeof copy, &pk) == ELECTRA_OK) {
                el_pickle_free(pk);
                ok++;
            }
        }
    /* some changes are harmless (a name's letters, a size) */
    ck_assert_int_gt(ok, 0);
    free(pkl);
}
END_TEST

START_TEST(limits)
{
    pbuf p = {0};
    /* MARKs: 64 deep is fine, 65 is not; 100000 nested tuples fail fast */
    PUT(&p, "\x80\x02");
    put_repeat(&p, "(", 1, 64);
    put_repeat(&p, "t", 1, 64);
    PUT(&p, ".");
    ck_assert_int_eq(run(p.b, p.n, NULL), ELECTRA_OK);
    p.n = 0;
    PUT(&p, "\x80\x02");
    put_repeat(&p, "(", 1, 100000);
    put_repeat(&p, "t", 1, 100000);
    PUT(&p, ".");
    expect(run(p.b, p.n, NULL), ELECTRA_ERR_FORMAT, "(MARK): MARKs nested deeper than 64");
    /* the stack: 65536 entries, not one more */
    p.n = 0;
    PUT(&p, "\x80\x02(");
    put_repeat(&p, "N", 1, EL_PICKLE_MAX_STACK);
    PUT(&p, "t.");
    ck_assert_int_eq(run(p.b, p.n, NULL), ELECTRA_OK);
    p.n = 0;
    PUT(&p, "\x80\x02");
    put_repeat(&p, "]", 1, 100000);
    put_repeat(&p, "a", 1, 99999);
    PUT(&p, ".");
    expect(run(p.b, p.n, NULL), ELECTRA_ERR_FORMAT, "(EMPTY_LIST): pickle stack deeper than 65536");
    /* objects: a flat list of 2^20 lists is refused */
    p.n = 0;
    PUT(&p, "\x80\x02]");
    put_repeat(&p, "]a", 2, EL_PICKLE_MAX_OBJECTS);
    PUT(&p, ".");
    expect(run(p.b, p.n, NULL), ELECTRA_ERR_FORMAT, "pickle builds more than 1048576 objects");
    /* GLOBAL lines */
    p.n = 0;
    PUT(&p, "\x80\x02\x63");
    put_repeat(&p, "m", 1, 300);
    PUT(&p, "\nx\n.");
    expect(run(p.b, p.n, NULL), ELECTRA_ERR_FORMAT, "GLOBAL name longer than 256 bytes");
    /* hostile lengths read nothing and allocate nothing */
    EXPECT("\x80\x02X\xff\xff\xff\xff.", ELECTRA_ERR_FORMAT,
           "(BINUNICODE): length 4294967295 runs past the end of the pickle (1 bytes left)");
    EXPECT("\x80\x02\x8d\xf0\xff\xff\xff\xff\xff\xff\xff.", ELECTRA_ERR_FORMAT,
           "length 18446744073709551600 runs past");
    EXPECT("\x80\x02\x8b\xff\xff\xff\x7f.", ELECTRA_ERR_FORMAT, "length 2147483647 runs past");
    free(p.b);
}
END_TEST

Suite *make_pickle_suite(void)
{
    Suite *s = suite_create("pickle");
    TCase *tc = tcase_create("vm");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, plain_values);
    tcase_add_test(tc, containers_memo_and_ordered_dicts);
    tcase_add_test(tc, storages_are_shared_by_key);
    tcase_add_test(tc, tensors_and_parameters);
    tcase_add_test(tc, bad_calls_are_refused);
    tcase_add_test(tc, dangerous_globals_are_refused_by_name);
    tcase_add_test(tc, every_other_opcode_is_refused);
    tcase_add_test(tc, stack_and_mark_misuse);
    tcase_add_test(tc, truncated_in_every_opcode);
    tcase_add_test(tc, fixture_state_dict_and_all_its_prefixes);
    tcase_add_test(tc, every_byte_change_is_safe);
    tcase_add_test(tc, limits);
    suite_add_tcase(s, tc);
    return s;
}
