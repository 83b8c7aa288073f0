/* utf8.h - strict UTF-8 validation and decoding (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
#ifndef EL_UTF8_H
#define EL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Byte offset of the first invalid or truncated sequence in s[0..n), or
 * n when all of it is valid. */
size_t el_utf8_check(const char *s, size_t n);

/* Decode the character at s (valid UTF-8, at least one byte); *len gets
 * its length in bytes. */
static inline int32_t el_utf8_decode(const unsigned char *s, size_t *len)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *len = 1;
        return (int32_t)c;
    }
    if (c < 0xE0) {
        *len = 2;
        return (int32_t)(((c & 0x1F) << 6) | (s[1] & 0x3F));
    }
    if (c < 0xF0) {
        *len = 3;
        return (int32_t)(((c & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F));
    }
    *len = 4;
    return (int32_t)(((c & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) |
                     (s[3] & 0x3F));
}

/* Encode cp (a valid scalar value) into out; returns the byte count. */
static inline size_t el_utf8_encode(int32_t cp, char *out)
{
    uint32_t c = (uint32_t)cp;
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

#endif
