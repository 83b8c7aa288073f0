/* email.c - from a raw e-mail (RFC 822 headers, MIME) to plain text.
 *
 * The body used is the first text/plain and the first text/html part
 * found (depth first, multipart and message/rfc822 containers opened),
 * whichever gives more text: spam often sends a stub plain part ("This is
 * an HTML message") next to the real HTML. Quoted-printable and base64 are
 * decoded; text that is not UTF-8 is read as Windows-1252 when the
 * charset is a Latin-1 one (or none), and loses its non-ASCII bytes
 * otherwise; HTML loses
 * its tags, comments, scripts and styles, and its entities are decoded. */
#include "email.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

struct part_headers {
    struct buf subject; /* raw value */
    char type[64];      /* "text/plain", lowercased; "" when absent */
    char charset[40];
    char boundary[200];
    char encoding[32]; /* content-transfer-encoding, lowercased */
};

static bool starts_with_ci(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (tolower((unsigned char)s[i]) != prefix[i])
            return false;
    return true;
}

static bool contains_ci(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (starts_with_ci(s + i, n - i, needle))
            return true;
    return false;
}

/* Copy s[0..n) lowercased and trimmed into out[cap]. */
static void copy_lower(char *out, size_t cap, const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    size_t k = n < cap - 1 ? n : cap - 1;
    for (size_t i = 0; i < k; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[k] = '\0';
}

/* A parameter of a header value ("text/plain; charset=\"x\""), its name
 * matched case-insensitively; out gets "" when absent. */
static void header_param(const char *v, size_t n, const char *name, char *out, size_t cap,
                         bool lower)
{
    out[0] = '\0';
    size_t k = strlen(name);
    for (size_t i = 0; i < n; i++) {
        if (v[i] != ';')
            continue;
        size_t p = i + 1;
        while (p < n && isspace((unsigned char)v[p]))
            p++;
        if (!starts_with_ci(v + p, n - p, name) || p + k >= n || v[p + k] != '=')
            continue;
        p += k + 1;
        size_t e;
        if (v[p] == '"') {
            p++;
            for (e = p; e < n && v[e] != '"'; e++)
                ;
        } else {
            for (e = p; e < n && v[e] != ';' && !isspace((unsigned char)v[e]); e++)
                ;
        }
        size_t len = e - p < cap - 1 ? e - p : cap - 1;
        for (size_t j = 0; j < len; j++)
            out[j] = lower ? (char)tolower((unsigned char)v[p + j]) : v[p + j];
        out[len] = '\0';
        return;
    }
}

static void take_header(struct part_headers *h, const char *line, size_t n)
{
    const char *colon = memchr(line, ':', n);
    if (!colon)
        return; /* the mbox "From " line, or junk */
    size_t name = (size_t)(colon - line);
    const char *v = colon + 1;
    size_t vn = n - name - 1;
    if (name == 7 && starts_with_ci(line, n, "subject")) {
        buf_clear(&h->subject);
        buf_put(&h->subject, v, vn);
    } else if (name == 12 && starts_with_ci(line, n, "content-type")) {
        const char *semi = memchr(v, ';', vn);
        copy_lower(h->type, sizeof h->type, v, semi ? (size_t)(semi - v) : vn);
        header_param(v, vn, "charset", h->charset, sizeof h->charset, true);
        header_param(v, vn, "boundary", h->boundary, sizeof h->boundary, false);
    } else if (name == 25 && starts_with_ci(line, n, "content-transfer-encoding")) {
        copy_lower(h->encoding, sizeof h->encoding, v, vn);
    }
}

/* Read the headers of s[0..n) (continuation lines joined); returns where
 * the body starts (after the blank line, or n). */
static size_t read_headers(const char *s, size_t n, struct part_headers *h)
{
    struct buf line = {0};
    size_t p = 0;
    while (p < n) {
        const char *nl = memchr(s + p, '\n', n - p);
        size_t e = nl ? (size_t)(nl - s) : n;
        size_t len = e - p;
        if (len && s[e - 1] == '\r')
            len--;
        size_t next = nl ? e + 1 : n;
        if (len == 0) {
            p = next;
            break;
        }
        if ((s[p] == ' ' || s[p] == '\t') && line.len) {
            buf_putc(&line, ' ');
            buf_put(&line, s + p, len);
        } else {
            if (line.len)
                take_header(h, line.p, line.len);
            buf_clear(&line);
            buf_put(&line, s + p, len);
        }
        p = next;
    }
    if (line.len)
        take_header(h, line.p, line.len);
    buf_free(&line);
    return p;
}

/* ---- transfer encodings and charsets ---- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void decode_quoted_printable(const char *s, size_t n, struct buf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '=') {
            buf_putc(out, s[i]);
            continue;
        }
        if (i + 1 < n && s[i + 1] == '\n') {
            i++; /* soft line break */
        } else if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 2;
        } else if (i + 2 < n && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            buf_putc(out, (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 2;
        } else {
            buf_putc(out, '=');
        }
    }
}

static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static void decode_base64(const char *s, size_t n, struct buf *out)
{
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n && s[i] != '='; i++) {
        int v = base64_value(s[i]);
        if (v < 0)
            continue; /* line breaks and junk */
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf_putc(out, (char)((acc >> bits) & 0xFF));
        }
    }
}

/* Windows-1252's 0x80-0x9F (0: unassigned). */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178};

static bool latin1_family(const char *charset)
{
    static const char *const names[] = {"",           "us-ascii",   "ascii",        "iso-8859-1",
                                        "iso8859-1",  "latin1",     "latin-1",      "iso-8859-15",
                                        "windows-1252", "cp1252",   "utf-8",        "utf8",
                                        "unknown-8bit", "x-unknown", "default"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(charset, names[i]) == 0)
            return true;
    return false;
}

/* Text that is all UTF-8 stays as it is, whatever the charset says
 * (mislabelled mail is common). Otherwise, for a Latin-1 charset (or
 * none, or UTF-8), valid UTF-8 sequences stay and the other bytes are
 * Windows-1252; for any other charset (EUC-KR, GB2312, KOI8-R, ...) only
 * ASCII stays, each run of other bytes becoming one space. */
static void to_utf8(const char *s, size_t n, const char *charset, struct buf *out)
{
    if (el_utf8_check(s, n) == n) {
        buf_put(out, s, n);
        return;
    }
    bool latin = latin1_family(charset);
    bool dropping = false;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            buf_putc(out, (char)c);
            i++;
            dropping = false;
            continue;
        }
        if (!latin) {
            if (!dropping)
                buf_putc(out, ' ');
            dropping = true;
            i++;
            continue;
        }
        size_t k = 0;
        if (c >= 0xC2 && c <= 0xF4) {
            k = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            if (i + k > n || el_utf8_check(s + i, k) != k)
                k = 0;
        }
        if (k) {
            buf_put(out, s + i, k);
            i += k;
            continue;
        }
        uint32_t cp = c >= 0xA0 ? c : cp1252_high[c - 0x80];
        if (cp)
            buf_put_cp(out, cp);
        i++;
    }
}

/* ---- HTML ---- */

static const struct {
    const char *name;
    uint32_t cp;
} entities[] = {
    {"nbsp", ' '},     {"amp", '&'},      {"lt", '<'},       {"gt", '>'},
    {"quot", '"'},     {"apos", '\''},    {"copy", 0xA9},    {"reg", 0xAE},
    {"trade", 0x2122}, {"mdash", 0x2014}, {"ndash", 0x2013}, {"hellip", 0x2026},
    {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D},
    {"bull", 0x2022},  {"middot", 0xB7},  {"euro", 0x20AC},  {"pound", 0xA3},
    {"cent", 0xA2},    {"yen", 0xA5},     {"deg", 0xB0},     {"eacute", 0xE9},
};

/* The entity at s[0..n) (s[0] == '&'): its length, the character in *cp;
 * 0 when it is not one. */
static size_t html_entity(const char *s, size_t n, uint32_t *cp)
{
    size_t e = 1;
    while (e < n && e < 12 && s[e] != ';' && (isalnum((unsigned char)s[e]) || s[e] == '#'))
        e++;
    if (e >= n || s[e] != ';' || e == 1)
        return 0;
    if (s[1] == '#') {
        bool hex = e > 2 && (s[2] == 'x' || s[2] == 'X');
        uint32_t v = 0;
        size_t digits = 0;
        for (size_t i = hex ? 3 : 2; i < e; i++, digits++) {
            int d = hex ? hex_value(s[i]) : (isdigit((unsigned char)s[i]) ? s[i] - '0' : -1);
            if (d < 0 || v > 0x10FFFF)
                return 0;
            v = v * (hex ? 16 : 10) + (uint32_t)d;
        }
        if (!digits || v == 0 || v > 0x10FFFF)
            return 0;
        /* Numeric references to 0x80-0x9F mean Windows-1252 in practice. */
        *cp = v >= 0x80 && v < 0xA0 ? cp1252_high[v - 0x80] : v;
        return *cp ? e + 1 : 0;
    }
    for (size_t i = 0; i < sizeof entities / sizeof *entities; i++)
        if (strlen(entities[i].name) == e - 1 && memcmp(s + 1, entities[i].name, e - 1) == 0) {
            *cp = entities[i].cp;
            return e + 1;
        }
    return 0;
}

/* Where the element opened at s[0..n) ("<script ...>") ends: past its
 * closing tag, or n. */
static size_t skip_element(const char *s, size_t n, const char *name)
{
    char close[16];
    snprintf(close, sizeof close, "</%s", name);
    for (size_t i = 1; i < n; i++)
        if (s[i] == '<' && starts_with_ci(s + i, n - i, close)) {
            const char *gt = memchr(s + i, '>', n - i);
            return gt ? (size_t)(gt - s) + 1 : n;
        }
    return n;
}

static void html_to_text(const char *s, size_t n, struct buf *out)
{
    for (size_t i = 0; i < n;) {
        char c = s[i];
        if (c == '<' && starts_with_ci(s + i, n - i, "<!--")) {
            size_t j = i + 4;
            while (j + 2 < n && memcmp(s + j, "-->", 3) != 0)
                j++;
            i = j + 3 <= n ? j + 3 : n;
            buf_putc(out, ' ');
        } else if (c == '<' && (starts_with_ci(s + i, n - i, "<script") ||
                                starts_with_ci(s + i, n - i, "<style"))) {
            i += skip_element(s + i, n - i, tolower((unsigned char)s[i + 2]) == 'c' ? "script"
                                                                                   : "style");
            buf_putc(out, ' ');
        } else if (c == '<' && i + 1 < n &&
                   (isalpha((unsigned char)s[i + 1]) || s[i + 1] == '/' || s[i + 1] == '!' ||
                    s[i + 1] == '?')) {
            const char *gt = memchr(s + i, '>', n - i);
            i = gt ? (size_t)(gt - s) + 1 : n;
            buf_putc(out, ' ');
        } else if (c == '&') {
            uint32_t cp;
            size_t len = html_entity(s + i, n - i, &cp);
            if (len) {
                buf_put_cp(out, cp);
                i += len;
            } else {
                buf_putc(out, '&');
                i++;
            }
        } else {
            buf_putc(out, c);
            i++;
        }
    }
}

static bool looks_like_html(const char *s, size_t n)
{
    return contains_ci(s, n, "<html") || contains_ci(s, n, "<body") ||
           contains_ci(s, n, "<table") || contains_ci(s, n, "<br>") || contains_ci(s, n, "<p>");
}

/* Whitespace runs (ASCII, and U+00A0) to one space, trimmed. */
static void squeeze(const char *s, size_t n, struct buf *out)
{
    bool space = false;
    size_t start = out->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool ws = c == ' ' || (c >= '\t' && c <= '\r');
        if (!ws && c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0) {
            ws = true;
            i++;
        }
        if (ws) {
            space = true;
            continue;
        }
        if (space && out->len > start)
            buf_putc(out, ' ');
        space = false;
        buf_putc(out, (char)c);
    }
}

/* ---- parts ---- */

struct bodies {
    struct buf plain, html;
    bool have_plain, have_html;
};

/* A leaf's text: transfer decoding, charset, HTML, whitespace. */
static void leaf_text(const char *s, size_t n, const struct part_headers *h, bool html,
                      struct buf *out)
{
    struct buf raw = {0}, utf8 = {0}, text = {0};
    if (strcmp(h->encoding, "quoted-printable") == 0)
        decode_quoted_printable(s, n, &raw);
    else if (strcmp(h->encoding, "base64") == 0)
        decode_base64(s, n, &raw);
    else
        buf_put(&raw, s, n);
    to_utf8(raw.p, raw.len, h->charset, &utf8);
    if (html || looks_like_html(utf8.p, utf8.len)) {
        html_to_text(utf8.p, utf8.len, &text);
        squeeze(text.p, text.len, out);
    } else {
        squeeze(utf8.p, utf8.len, out);
    }
    buf_free(&raw);
    buf_free(&utf8);
    buf_free(&text);
}

static void walk(const char *s, size_t n, int depth, struct bodies *b, struct part_headers *top);

/* The parts between "--boundary" lines. */
static void walk_multipart(const char *s, size_t n, const char *boundary, int depth,
                           struct bodies *b)
{
    size_t bl = strlen(boundary);
    size_t part = SIZE_MAX; /* start of the current part */
    for (size_t p = 0; p < n;) {
        const char *nl = memchr(s + p, '\n', n - p);
        size_t e = nl ? (size_t)(nl - s) : n;
        size_t next = nl ? e + 1 : n;
        if (e - p >= bl + 2 && s[p] == '-' && s[p + 1] == '-' &&
            memcmp(s + p + 2, boundary, bl) == 0) {
            if (part != SIZE_MAX && p > part)
                walk(s + part, p - part - 1, depth + 1, b, NULL);
            bool last = e - p >= bl + 4 && s[p + 2 + bl] == '-' && s[p + 3 + bl] == '-';
            if (last)
                return;
            part = next;
        }
        p = next;
    }
    if (part != SIZE_MAX && part < n)
        walk(s + part, n - part, depth + 1, b, NULL);
}

static void walk(const char *s, size_t n, int depth, struct bodies *b, struct part_headers *top)
{
    if (depth > 10)
        return;
    struct part_headers local = {0};
    struct part_headers *h = top ? top : &local;
    size_t body = read_headers(s, n, h);
    s += body;
    n -= body;
    if (strncmp(h->type, "multipart/", 10) == 0 && h->boundary[0]) {
        walk_multipart(s, n, h->boundary, depth, b);
    } else if (strcmp(h->type, "message/rfc822") == 0) {
        walk(s, n, depth + 1, b, NULL);
    } else if (h->type[0] == '\0' || strcmp(h->type, "text/plain") == 0) {
        if (!b->have_plain)
            leaf_text(s, n, h, false, &b->plain);
        b->have_plain = true;
    } else if (strcmp(h->type, "text/html") == 0) {
        if (!b->have_html)
            leaf_text(s, n, h, true, &b->html);
        b->have_html = true;
    }
    if (!top)
        buf_free(&local.subject);
}

/* ---- the subject ---- */

/* RFC 2047 encoded words (=?charset?Q?...?= / ?B?) decoded; raw bytes read
 * with the message's charset. */
static void decode_subject(const char *s, size_t n, const char *charset, struct buf *out)
{
    struct buf raw = {0};
    size_t plain = 0; /* start of the text not yet copied */
    bool after_word = false;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] != '=' || s[i + 1] != '?')
            continue;
        size_t cs = i + 2, q1 = cs;
        while (q1 < n && s[q1] != '?')
            q1++;
        if (q1 + 2 >= n || s[q1 + 2] != '?')
            continue;
        char enc = (char)tolower((unsigned char)s[q1 + 1]);
        size_t text = q1 + 3, end = text;
        while (end + 1 < n && !(s[end] == '?' && s[end + 1] == '='))
            end++;
        if (end + 1 >= n || (enc != 'q' && enc != 'b'))
            continue;
        /* Whitespace between two encoded words is not text. */
        bool blank = true;
        for (size_t j = plain; j < i; j++)
            blank &= s[j] == ' ' || s[j] == '\t';
        if (!(after_word && blank))
            to_utf8(s + plain, i - plain, charset, out);
        char word_charset[40];
        copy_lower(word_charset, sizeof word_charset, s + cs, q1 - cs);
        buf_clear(&raw);
        if (enc == 'b') {
            decode_base64(s + text, end - text, &raw);
        } else {
            for (size_t j = text; j < end; j++) {
                if (s[j] == '_')
                    buf_putc(&raw, ' ');
                else if (s[j] == '=' && j + 2 < end && hex_value(s[j + 1]) >= 0 &&
                         hex_value(s[j + 2]) >= 0) {
                    buf_putc(&raw, (char)(hex_value(s[j + 1]) * 16 + hex_value(s[j + 2])));
                    j += 2;
                } else {
                    buf_putc(&raw, s[j]);
                }
            }
        }
        to_utf8(raw.p, raw.len, word_charset, out);
        plain = end + 2;
        i = end + 1;
        after_word = true;
    }
    if (plain < n)
        to_utf8(s + plain, n - plain, charset, out);
    buf_free(&raw);
}

/* Cut text to max_chars characters, at the last space of the final 64
 * when there is one. */
static bool cut(struct buf *b, size_t max_chars)
{
    size_t chars = 0, i = 0;
    for (; i < b->len && chars < max_chars; chars++) {
        size_t len;
        el_utf8_decode((const unsigned char *)b->p + i, &len);
        i += len;
    }
    if (i >= b->len)
        return false;
    size_t at = i;
    for (size_t j = i; j > 0 && i - j < 64; j--)
        if (b->p[j - 1] == ' ') {
            at = j - 1;
            break;
        }
    b->len = at;
    b->p[at] = '\0';
    return true;
}

bool email_text(const char *msg, size_t n, size_t max_chars, struct buf *out)
{
    struct part_headers top = {0};
    struct bodies b = {0};
    walk(msg, n, 0, &b, &top);
    buf_clear(out);
    struct buf subject = {0};
    decode_subject(top.subject.p ? top.subject.p : "", top.subject.len, top.charset, &subject);
    squeeze(subject.p ? subject.p : "", subject.len, out);
    const struct buf *body = b.html.len > b.plain.len ? &b.html : &b.plain;
    if (body->len) {
        if (out->len)
            buf_putc(out, '\n');
        buf_put(out, body->p, body->len);
    }
    if (!out->p)
        buf_put(out, "", 0);
    bool cut_it = cut(out, max_chars);
    buf_free(&subject);
    buf_free(&top.subject);
    buf_free(&b.plain);
    buf_free(&b.html);
    return cut_it;
}
