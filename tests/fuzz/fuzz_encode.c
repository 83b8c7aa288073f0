/* fuzz_encode.c - tokenizer input text: encode (alone, as a pair, in a
 * batch) with options from the input, and decode of any ids.
 *
 * Input: 4 option bytes, then pieces separated by 0xFF: the text, the pair,
 * further batch texts; the last piece is also read as int32 ids to decode.
 *   byte 0: bit 0 no special tokens, bit 1 use the pair, bits 2-3
 *           truncation, bit 4 overflow rows, bits 5-6 padding, bit 7 the
 *           cased tokenizer (no lowercasing, no CJK splitting)
 *   byte 1: max_length; byte 2: stride; byte 3: pad_to_multiple_of */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tiny_model.h"
#include "tokenizer.h"

#define MAX_PIECES 16

static const electra_tokenizer *tokenizer(int cased)
{
    static electra_tokenizer *toks[2];
    if (!toks[cased]) {
        electra_options *o = NULL;
        struct el_tokenizer_settings s;
        el_tokenizer_settings_init(&s);
        if (electra_options_create(&o) != ELECTRA_OK ||
            (cased && (electra_options_set_int(o, ELECTRA_OPT_LOWERCASE, 0) ||
                       electra_options_set_int(o, ELECTRA_OPT_CHINESE_CHARS, 0))) ||
            el_tokenizer_from_vocab_text(tiny_vocab_txt, strlen(tiny_vocab_txt), "vocab.txt",
                                         &s, o, &toks[cased]) != ELECTRA_OK)
            fuzz_fail(__FILE__, __LINE__, "cannot build the tokenizer");
        el_tokenizer_settings_free(&s);
        electra_options_free(o);
    }
    return toks[cased];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    uint8_t flags = fuzz_byte(&in), max_length = fuzz_byte(&in), stride = fuzz_byte(&in),
            multiple = fuzz_byte(&in);
    const char *pieces[MAX_PIECES];
    size_t lens[MAX_PIECES], n = 0;
    while (n < MAX_PIECES && (in.n || n == 0)) {
        lens[n] = fuzz_piece(&in, &pieces[n]);
        n++;
    }
    const electra_tokenizer *tok = tokenizer(flags >> 7);
    electra_options *o = NULL;
    electra_encoding *enc = NULL;
    if (electra_options_create(&o) != ELECTRA_OK || electra_encoding_create(&enc) != ELECTRA_OK)
        goto done;
    electra_options_set_int(o, ELECTRA_OPT_ADD_SPECIAL_TOKENS, !(flags & 1));
    electra_options_set_int(o, ELECTRA_OPT_TRUNCATION, (flags >> 2) & 3);
    electra_options_set_int(o, ELECTRA_OPT_RETURN_OVERFLOW, (flags >> 4) & 1);
    electra_options_set_int(o, ELECTRA_OPT_PADDING, ((flags >> 5) & 3) % 3);
    electra_options_set_int(o, ELECTRA_OPT_MAX_LENGTH, max_length);
    electra_options_set_int(o, ELECTRA_OPT_STRIDE, stride);
    electra_options_set_int(o, ELECTRA_OPT_PAD_TO_MULTIPLE_OF, multiple);

    int pair = (flags & 2) && n > 1;
    size_t pair_len = pair ? lens[1] : 0;
    if (electra_tokenizer_encode(tok, pieces[0], lens[0], pair ? pieces[1] : NULL, pair_len, o,
                                 enc) == ELECTRA_OK) {
        fuzz_check_encoding(tok, enc, &lens[0], &pair_len, 1);
        for (size_t r = 0; r < electra_encoding_rows(enc); r++)
            fuzz_decode_ids(tok, electra_encoding_ids(enc, r), electra_encoding_length(enc, r));
    }

    /* The pieces as a batch; with the pair flag, odd pieces are the pairs. */
    const char *texts[MAX_PIECES], *pairs[MAX_PIECES];
    size_t tl[MAX_PIECES], pl[MAX_PIECES], count = 0;
    for (size_t i = 0; i < n; i += pair ? 2 : 1) {
        texts[count] = pieces[i];
        tl[count] = lens[i];
        pairs[count] = pair && i + 1 < n ? pieces[i + 1] : NULL;
        pl[count] = pairs[count] ? lens[i + 1] : 0;
        count++;
    }
    if (electra_tokenizer_encode_batch(tok, count, texts, tl, pair ? pairs : NULL,
                                       pair ? pl : NULL, o, enc) == ELECTRA_OK)
        fuzz_check_encoding(tok, enc, tl, pl, count);

    /* Any ids, in range or not. */
    size_t n_ids = lens[n - 1] / 4;
    int32_t *ids = malloc((n_ids ? n_ids : 1) * sizeof *ids);
    if (ids) {
        memcpy(ids, pieces[n - 1], n_ids * 4);
        fuzz_decode_ids(tok, ids, n_ids);
        free(ids);
    }
    electra_tokenizer_token_to_id(tok, pieces[0], lens[0]);
done:
    electra_encoding_free(enc);
    electra_options_free(o);
    return 0;
}
