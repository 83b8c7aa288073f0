/* json_dump.c - the Python-style JSON writer. */
#include "json_dump.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "mapped_file.h"

void el_json_float(double x, char buf[32])
{
    if (!isfinite(x)) {
        strcpy(buf, "null");
        return;
    }
    /* The shortest digits that read back as x, as Python's repr picks. */
    char sci[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec - 1, x);
        if (strtod(sci, NULL) == x)
            break;
    }
    /* sci is [-]d[.ddd]e[+-]XX: split into digits and exponent. */
    const char *p = sci;
    char sign[2] = "";
    if (*p == '-') {
        sign[0] = '-';
        p++;
    }
    char digits[24];
    size_t nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    int exp10 = atoi(p + 1);
    if (exp10 >= -4 && exp10 < 16) {
        /* Python's repr: fixed notation for exponents in [-4, 16), with at
         * least one digit after the point. */
        char out[64];
        size_t n = 0;
        if (exp10 < 0) {
            n += (size_t)snprintf(out, sizeof out, "%s0.", sign);
            for (int i = -1; i > exp10; i--)
                out[n++] = '0';
            n += (size_t)snprintf(out + n, sizeof out - n, "%s", digits);
        } else {
            n += (size_t)snprintf(out, sizeof out, "%s", sign);
            for (int i = 0; i <= exp10; i++)
                out[n++] = (size_t)i < nd ? digits[i] : '0';
            out[n++] = '.';
            if ((size_t)exp10 + 1 < nd)
                n += (size_t)snprintf(out + n, sizeof out - n, "%s", digits + exp10 + 1);
            else
                out[n++] = '0';
            out[n] = '\0';
        }
        /* At most 1 + 5 + 17 + 1 characters ("-0.0000" + digits). */
        memcpy(buf, out, n + 1 < 32 ? n + 1 : 31);
        buf[31] = '\0';
    } else {
        snprintf(buf, 32, "%s%c%s%.17se%c%02d", sign, digits[0], nd > 1 ? "." : "",
                 digits + 1, exp10 < 0 ? '-' : '+', abs(exp10) % 1000);
    }
}

cJSON *el_json_create_float(double x)
{
    char buf[32];
    el_json_float(x, buf);
    return cJSON_CreateRaw(buf);
}

struct out {
    char *buf;
    size_t len, cap;
    int failed;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->failed)
        return;
    if (el_grow((void **)&o->buf, &o->cap, o->len + n + 1, 1)) {
        o->failed = 1;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void indent(struct out *o, int depth)
{
    puts_(o, "\n");
    for (int i = 0; i < depth; i++)
        puts_(o, "  ");
}

/* Decode one UTF-8 sequence; invalid bytes come out as U+FFFD. */
static uint32_t next_utf8(const unsigned char **s)
{
    const unsigned char *p = *s;
    uint32_t c = p[0];
    int extra = c >= 0xf0 && c < 0xf5 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : 0;
    if (c < 0x80 || !extra) {
        *s = p + 1;
        return c < 0x80 ? c : 0xfffd;
    }
    c &= 0x3f >> extra;
    for (int i = 1; i <= extra; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            *s = p + 1;
            return 0xfffd;
        }
        c = (c << 6) | (p[i] & 0x3f);
    }
    *s = p + extra + 1;
    return c;
}

/* A string as Python's json with ensure_ascii writes it. */
static void put_string(struct out *o, const char *text)
{
    puts_(o, "\"");
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        uint32_t c = next_utf8(&s);
        char esc[16];
        switch (c) {
        case '"': puts_(o, "\\\""); continue;
        case '\\': puts_(o, "\\\\"); continue;
        case '\n': puts_(o, "\\n"); continue;
        case '\r': puts_(o, "\\r"); continue;
        case '\t': puts_(o, "\\t"); continue;
        case '\b': puts_(o, "\\b"); continue;
        case '\f': puts_(o, "\\f"); continue;
        default: break;
        }
        if (c >= 0x20 && c < 0x7f) {
            esc[0] = (char)c;
            put(o, esc, 1);
        } else if (c < 0x10000) {
            snprintf(esc, sizeof esc, "\\u%04x", (unsigned)c);
            puts_(o, esc);
        } else {
            c -= 0x10000;
            snprintf(esc, sizeof esc, "\\u%04x\\u%04x", 0xd800u + (unsigned)(c >> 10),
                     0xdc00u + (unsigned)(c & 0x3ff));
            puts_(o, esc);
        }
    }
    puts_(o, "\"");
}

static int by_key(const void *a, const void *b)
{
    const cJSON *const *x = a, *const *y = b;
    return strcmp((*x)->string, (*y)->string);
}

static void put_value(struct out *o, const cJSON *v, int depth)
{
    char num[40];
    if (cJSON_IsRaw(v)) {
        puts_(o, v->valuestring);
    } else if (cJSON_IsNull(v)) {
        puts_(o, "null");
    } else if (cJSON_IsTrue(v)) {
        puts_(o, "true");
    } else if (cJSON_IsFalse(v)) {
        puts_(o, "false");
    } else if (cJSON_IsString(v)) {
        put_string(o, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        double x = v->valuedouble;
        if (x == floor(x) && fabs(x) < 9007199254740992.0)
            snprintf(num, sizeof num, "%.0f", x);
        else
            el_json_float(x, num);
        puts_(o, num);
    } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        int object = cJSON_IsObject(v);
        int n = cJSON_GetArraySize(v);
        if (!n) {
            puts_(o, object ? "{}" : "[]");
            return;
        }
        const cJSON **items = el_malloc_array((size_t)n, sizeof *items);
        if (!items) {
            o->failed = 1;
            return;
        }
        int i = 0;
        for (const cJSON *c = v->child; c; c = c->next)
            items[i++] = c;
        if (object)
            qsort(items, (size_t)n, sizeof *items, by_key);
        puts_(o, object ? "{" : "[");
        for (i = 0; i < n; i++) {
            indent(o, depth + 1);
            if (object) {
                put_string(o, items[i]->string);
                puts_(o, ": ");
            }
            put_value(o, items[i], depth + 1);
            if (i + 1 < n)
                puts_(o, ",");
        }
        el_free(items);
        indent(o, depth);
        puts_(o, object ? "}" : "]");
    }
}

electra_status el_json_dump(const cJSON *root, char **out, size_t *length)
{
    struct out o = {0};
    put_value(&o, root, 0);
    if (o.failed || !o.buf) {
        el_free(o.buf);
        return el_nomem("writing JSON");
    }
    *out = o.buf;
    *length = o.len;
    return ELECTRA_OK;
}

electra_status el_json_write_file(cJSON *root, const char *dir, const char *name)
{
    char *text = NULL;
    size_t len = 0;
    electra_status s = root ? el_json_dump(root, &text, &len) : el_nomem("writing JSON");
    cJSON_Delete(root);
    if (s)
        return s;
    char *full = el_realloc(text, len + 1);
    if (!full) {
        el_free(text);
        return el_nomem("writing JSON");
    }
    full[len++] = '\n';
    s = el_write_file(dir, name, full, len);
    el_free(full);
    return s;
}
