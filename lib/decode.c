/* decode.c - ids back to text, as the slow BertTokenizer.decode does:
 * tokens joined by spaces, " ##" removed, stripped, then the fixed
 * clean-up replacements (transformers' clean_up_tokenization). */
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "tokenizer.h"
#include "unicode.h"
#include "utf8.h"

static bool is_special_id(const electra_tokenizer *t, int32_t id)
{
    for (size_t i = 0; i < t->n_literals; i++)
        if (t->literals[i].special && t->literals[i].id == id)
            return true;
    return false;
}

/* An id outside the vocabulary (or one whose vocabulary line was repeated
 * later) decodes as the unknown token, like HF's ids_to_tokens.get(id, unk). */
static const char *token_of(const electra_tokenizer *t, int32_t id, size_t *len)
{
    const char *s = el_vocab_token(&t->vocab, id, len);
    if (s)
        return s;
    *len = strlen(t->unk_text);
    return t->unk_text;
}

/* Python's str.replace(from, to) in place, for len(to) <= len(from): left
 * to right, matches do not overlap. */
static size_t replace_all(char *s, size_t n, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), r = 0, w = 0;
    while (r < n) {
        if (n - r >= fl && memcmp(s + r, from, fl) == 0) {
            memmove(s + w, to, tl);
            w += tl;
            r += fl;
        } else {
            s[w++] = s[r++];
        }
    }
    return w;
}

/* Python's str.strip(): Unicode whitespace off both ends of valid UTF-8. */
static size_t strip(char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t begin = 0, end = n, len;
    while (begin < end && el_uni_is_space(el_utf8_decode(u + begin, &len)))
        begin += len;
    while (end > begin) {
        size_t start = end - 1;
        while (start > begin && (u[start] & 0xC0) == 0x80)
            start--;
        if (!el_uni_is_space(el_utf8_decode(u + start, &len)))
            break;
        end = start;
    }
    memmove(s, s + begin, end - begin);
    return end - begin;
}

ELECTRA_API electra_status electra_tokenizer_decode(const electra_tokenizer *tokenizer,
                                                    const int32_t *ids, size_t count,
                                                    int skip_special_tokens, int clean_up_spaces,
                                                    char *buffer, size_t buffer_size,
                                                    size_t *length)
{
    if (!tokenizer || !length || (!ids && count) || (!buffer && buffer_size))
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "electra_tokenizer_decode: %s is NULL",
                       !tokenizer ? "tokenizer" : !length ? "length" : !ids ? "ids" : "buffer");
    const electra_tokenizer *t = tokenizer;
    size_t total = 1;
    for (size_t i = 0; i < count; i++) {
        size_t len;
        if (!(skip_special_tokens && is_special_id(t, ids[i]))) {
            token_of(t, ids[i], &len);
            total += len + 1;
        }
    }
    char *s = el_malloc(total);
    if (!s)
        return el_nomem("decoding");
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        if (skip_special_tokens && is_special_id(t, ids[i]))
            continue;
        size_t len;
        const char *tok = token_of(t, ids[i], &len);
        if (n)
            s[n++] = ' ';
        memcpy(s + n, tok, len);
        n += len;
    }
    /* convert_tokens_to_string: " ".join(tokens).replace(" ##", "").strip() */
    char joiner[EL_MAX_PREFIX + 2] = " ";
    memcpy(joiner + 1, t->vocab.prefix, t->vocab.prefix_len + 1);
    n = replace_all(s, n, joiner, "");
    n = strip(s, n);
    if (clean_up_spaces) {
        static const char *const cleanup[][2] = {
            {" .", "."},     {" ?", "?"},     {" !", "!"},     {" ,", ","},
            {" ' ", "'"},    {" n't", "n't"}, {" 'm", "'m"},   {" 's", "'s"},
            {" 've", "'ve"}, {" 're", "'re"},
        };
        for (size_t i = 0; i < sizeof cleanup / sizeof cleanup[0]; i++)
            n = replace_all(s, n, cleanup[i][0], cleanup[i][1]);
    }
    electra_status st = ELECTRA_OK;
    if (n >= buffer_size) {
        st = el_fail(ELECTRA_ERR_BUFFER_TOO_SMALL,
                     "electra_tokenizer_decode: the text needs %zu bytes and a NUL, the buffer "
                     "has %zu",
                     n, buffer_size);
    } else {
        memcpy(buffer, s, n);
        buffer[n] = '\0';
    }
    *length = n;
    el_free(s);
    return st;
}
