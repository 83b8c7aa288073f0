/* fuzz_tokenizer_dir.c - the JSON files beside vocab.txt in a model
 * directory: tokenizer_config.json and special_tokens_map.json.
 *
 * Input: a flags byte (bit 0: write tokenizer_config.json, bit 1: write
 * special_tokens_map.json), then the two files' text separated by 0xFF. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "tiny_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[4096], config[4200], special[4200];
    if (!dir[0]) {
        char vocab[4200];
        fuzz_scratch_path(dir, "tokdir");
        mkdir(dir, 0700);
        snprintf(vocab, sizeof vocab, "%s/vocab.txt", dir);
        snprintf(config, sizeof config, "%s/tokenizer_config.json", dir);
        snprintf(special, sizeof special, "%s/special_tokens_map.json", dir);
        fuzz_write_file(vocab, tiny_vocab_txt, strlen(tiny_vocab_txt));
    }
    fuzz_input in = {data, size};
    uint8_t flags = fuzz_byte(&in);
    const char *a, *b;
    size_t na = fuzz_piece(&in, &a), nb = fuzz_piece(&in, &b);
    remove(config);
    remove(special);
    if (flags & 1)
        fuzz_write_file(config, a, na);
    if (flags & 2)
        fuzz_write_file(special, b, nb);
    electra_tokenizer *tok = NULL;
    if (electra_tokenizer_load(dir, NULL, &tok) == ELECTRA_OK) {
        fuzz_exercise_tokenizer(tok, b, nb);
        electra_tokenizer_free(tok);
    }
    return 0;
}
