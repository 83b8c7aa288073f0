/* fuzz_tokenizer_json.c - a Hugging Face tokenizer.json. */
#include "fuzz.h"
#include "tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct el_tokenizer_settings s;
    el_tokenizer_settings_init(&s);
    electra_tokenizer *tok = NULL;
    if (el_tokenizer_from_json_text((const char *)data, size, "tokenizer.json", &s, NULL,
                                    &tok) == ELECTRA_OK) {
        fuzz_exercise_tokenizer(tok, (const char *)data, size < 4096 ? size : 4096);
        electra_tokenizer_free(tok);
    }
    el_tokenizer_settings_free(&s);
    return 0;
}
