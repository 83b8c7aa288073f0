/* fuzz_tokenizer_use.h - what the loader fuzz targets do with a tokenizer
 * that loaded: encode a few texts (pairs, truncation, padding, overflow)
 * and decode every id it knows, so that a bad table shows up as a crash. */
#ifndef FUZZ_TOKENIZER_USE_H
#define FUZZ_TOKENIZER_USE_H

#include <stdint.h>
#include <string.h>

#include "electra.h"

static void fuzz_use_tokenizer(const electra_tokenizer *t, const uint8_t *data, size_t size)
{
    static const char *const texts[] = {
        "Hello, world! [MASK] unaffable", "na\xC3\xAFve caf\xC3\xA9 \xE5\x8C\x97\xE4\xBA\xAC",
        "[CLS][SEP][PAD][UNK]", "", "x[MASK]y aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    };
    electra_encoding *e = NULL;
    electra_options *o = NULL;
    if (electra_encoding_create(&e) != ELECTRA_OK || electra_options_create(&o) != ELECTRA_OK)
        goto done;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        electra_tokenizer_encode(t, texts[i], strlen(texts[i]), texts[(i + 1) % 5],
                                 strlen(texts[(i + 1) % 5]), NULL, e);
    /* The file's own bytes as text (mostly invalid UTF-8 for JSON/binary). */
    electra_tokenizer_encode(t, (const char *)data, size, NULL, 0, NULL, e);
    electra_options_set_int(o, ELECTRA_OPT_MAX_LENGTH, 6);
    electra_options_set_int(o, ELECTRA_OPT_TRUNCATION, ELECTRA_TRUNCATION_ONLY_SECOND);
    electra_options_set_int(o, ELECTRA_OPT_RETURN_OVERFLOW, 1);
    electra_options_set_int(o, ELECTRA_OPT_STRIDE, 1);
    electra_options_set_int(o, ELECTRA_OPT_PADDING, ELECTRA_PADDING_LONGEST);
    electra_tokenizer_encode(t, "a", 1, texts[0], strlen(texts[0]), o, e);
    size_t n = electra_tokenizer_vocab_size(t);
    int32_t ids[64];
    size_t count = 0;
    for (size_t id = 0; id < n && count < 64; id += 1 + n / 64)
        ids[count++] = (int32_t)id;
    ids[count > 0 ? count - 1 : 0] = -7;
    char buf[256];
    size_t len;
    electra_tokenizer_decode(t, ids, count, 0, 1, buf, sizeof buf, &len);
    electra_tokenizer_decode(t, ids, count, 1, 0, NULL, 0, &len);
    for (int s = 0; s < 5; s++)
        electra_tokenizer_id_to_token(t, electra_tokenizer_special_id(t, s));
done:
    electra_options_free(o);
    electra_encoding_free(e);
}

#endif
