/* fuzz_encode_paths.c - arbitrary bytes as text (and pair) for a fixed, embedded
 * vocabulary under several tokenizer settings and encoding options.
 * Input: byte 0 picks the tokenizer and options, byte 1 more options, the
 * rest is the text, split into text and pair at the first 0xFF byte (never
 * part of valid UTF-8). Beyond not crashing, every result must keep its
 * invariants (spans inside the text, on character boundaries, consistent
 * masks) and the ASCII fast path must agree with the general path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Special tokens, ASCII letters and pieces, a few words, and non-ASCII
 * entries (accented, CJK, Hangul jamo) so that multi-byte pieces match. */
static const char vocab_text[] =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n"
    "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\np\nq\nr\ns\nt\nu\nv\nw\nx\ny\nz\n"
    "##a\n##b\n##c\n##d\n##e\n##f\n##g\n##h\n##i\n##j\n##k\n##l\n##m\n##n\n##o\n##p\n##q\n"
    "##r\n##s\n##t\n##u\n##v\n##w\n##x\n##y\n##z\n"
    "0\n1\n2\n##0\n##1\n##2\n!\n\"\n#\n$\n%\n&\n'\n(\n)\n*\n+\n,\n-\n.\n/\n:\n;\n<\n=\n>\n?\n@\n"
    "[\n\\\n]\n^\n_\n`\n{\n|\n}\n~\n"
    "the\nhello\nworld\nun\n##aff\n##able\ntoken\n##izer\nH\n##ELLO\n"
    "\xC3\xA9\n##\xC3\xA9\nt\xC3\xA9\n\xC3\xA9t\xC3\xA9\n\xE5\x8C\x97\n\xE4\xBA\xAC\n##\xE4\xBA\xAC\n"
    "\xE1\x84\x92\n##\xE1\x85\xA1\n##\xE1\x86\xAB\n\xE2\x89\xAE\n\xC2\xBF\n\xE3\x80\x81\n";

static electra_tokenizer *tokenizers[4];

static void load_tokenizers(void)
{
    static const int settings[4][3] = {{-1, -1, -1}, {0, -1, -1}, {1, 0, -1}, {1, 1, 0}};
    for (int i = 0; i < 4; i++) {
        electra_options *o = NULL;
        struct el_tokenizer_settings s;
        el_tokenizer_settings_init(&s);
        if (electra_options_create(&o) != ELECTRA_OK)
            abort();
        electra_options_set_int(o, ELECTRA_OPT_LOWERCASE, settings[i][0]);
        electra_options_set_int(o, ELECTRA_OPT_STRIP_ACCENTS, settings[i][1]);
        electra_options_set_int(o, ELECTRA_OPT_CHINESE_CHARS, settings[i][2]);
        if (el_tokenizer_from_vocab_text(vocab_text, sizeof vocab_text - 1, "embedded", &s, o,
                                         &tokenizers[i]) != ELECTRA_OK)
            abort();
        el_tokenizer_settings_free(&s);
        electra_options_free(o);
    }
}

#define CHECK(cond)                                                                              \
    do {                                                                                         \
        if (!(cond))                                                                             \
            __builtin_trap();                                                                    \
    } while (0)

static void check_rows(const electra_tokenizer *t, const electra_encoding *e, const char *text,
                       size_t text_len, const char *pair, size_t pair_len)
{
    CHECK(electra_encoding_rows(e) >= 1);
    for (size_t r = 0; r < electra_encoding_rows(e); r++) {
        size_t n = electra_encoding_length(e, r);
        const int32_t *ids = electra_encoding_ids(e, r), *type = electra_encoding_type_ids(e, r),
                      *att = electra_encoding_attention_mask(e, r),
                      *spec = electra_encoding_special_tokens_mask(e, r),
                      *seq = electra_encoding_sequence_ids(e, r), *word = el_encoding_word_ids(e, r);
        const size_t *off = electra_encoding_offsets(e, r);
        CHECK(ids && type && att && spec && seq && word && off);
        CHECK(electra_encoding_source(e, r) == 0);
        for (size_t i = 0; i < n; i++) {
            CHECK(ids[i] >= 0 && (size_t)ids[i] < electra_tokenizer_vocab_size(t));
            CHECK(seq[i] >= -1 && seq[i] <= 1);
            CHECK((seq[i] < 0) == (word[i] < 0));
            if (seq[i] < 0) {
                CHECK(off[2 * i] == 0 && off[2 * i + 1] == 0);
                CHECK(spec[i] == 1);
                continue;
            }
            CHECK(spec[i] == 0 && att[i] == 1 && type[i] == seq[i]);
            const char *src = seq[i] == 0 ? text : pair;
            size_t len = seq[i] == 0 ? text_len : pair_len;
            size_t b = off[2 * i], en = off[2 * i + 1];
            CHECK(b < en && en <= len);
            CHECK(((unsigned char)src[b] & 0xC0) != 0x80);
            CHECK(en == len || ((unsigned char)src[en] & 0xC0) != 0x80);
        }
    }
}

static int same_rows(const electra_encoding *a, const electra_encoding *b)
{
    if (electra_encoding_rows(a) != electra_encoding_rows(b))
        return 0;
    for (size_t r = 0; r < electra_encoding_rows(a); r++) {
        size_t n = electra_encoding_length(a, r);
        if (n != electra_encoding_length(b, r) ||
            memcmp(electra_encoding_ids(a, r), electra_encoding_ids(b, r), n * 4) ||
            memcmp(el_encoding_word_ids(a, r), el_encoding_word_ids(b, r), n * 4) ||
            memcmp(electra_encoding_offsets(a, r), electra_encoding_offsets(b, r),
                   2 * n * sizeof(size_t)))
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static electra_encoding *fast, *general;
    static electra_options *o;
    if (!tokenizers[0]) {
        load_tokenizers();
        if (electra_encoding_create(&fast) != ELECTRA_OK ||
            electra_encoding_create(&general) != ELECTRA_OK ||
            electra_options_create(&o) != ELECTRA_OK)
            abort();
        el_encoding_set_general_path(general, 1);
    }
    if (size < 2)
        return 0;
    uint8_t a = data[0], b = data[1];
    const char *text = (const char *)data + 2, *pair = NULL;
    size_t text_len = size - 2, pair_len = 0;
    const uint8_t *sep = memchr(text, 0xFF, text_len);
    if (sep) {
        pair = (const char *)sep + 1;
        pair_len = text_len - (size_t)((const char *)sep + 1 - text);
        text_len = (size_t)((const char *)sep - text);
    }
    const electra_tokenizer *t = tokenizers[a & 3];
    electra_options_set_int(o, ELECTRA_OPT_ADD_SPECIAL_TOKENS, !(a & 4));
    electra_options_set_int(o, ELECTRA_OPT_PADDING, (a >> 3) % 3);
    electra_options_set_int(o, ELECTRA_OPT_PAD_TO_MULTIPLE_OF, (a >> 5) & 1 ? 4 : 0);
    electra_options_set_int(o, ELECTRA_OPT_RETURN_OVERFLOW, (a >> 6) & 1);
    electra_options_set_int(o, ELECTRA_OPT_TRUNCATION, b & 3);
    electra_options_set_int(o, ELECTRA_OPT_MAX_LENGTH, ((b >> 2) & 15) * 2);
    electra_options_set_int(o, ELECTRA_OPT_STRIDE, (b >> 6) & 3);

    electra_status s1 = electra_tokenizer_encode(t, text, text_len, pair, pair_len, o, fast);
    electra_status s2 = electra_tokenizer_encode(t, text, text_len, pair, pair_len, o, general);
    CHECK(s1 == s2);
    if (s1 != ELECTRA_OK) {
        CHECK(electra_encoding_rows(fast) == 0 && electra_encoding_last_error(fast)[0]);
        return 0;
    }
    CHECK(same_rows(fast, general));
    check_rows(t, fast, text, text_len, pair, pair_len);

    char buf[64];
    size_t len = 0;
    electra_status d = electra_tokenizer_decode(t, electra_encoding_ids(fast, 0),
                                                electra_encoding_length(fast, 0), a & 1, b & 1,
                                                buf, sizeof buf, &len);
    CHECK(d == ELECTRA_OK ? len < sizeof buf && buf[len] == '\0'
                          : d == ELECTRA_ERR_BUFFER_TOO_SMALL && len >= sizeof buf);
    return 0;
}
