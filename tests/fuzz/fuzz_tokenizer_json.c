/* fuzz_tokenizer_json.c - arbitrary bytes as a tokenizer.json. */
#include <stdint.h>

#include "fuzz_tokenizer_use.h"
#include "tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct el_tokenizer_settings s;
    el_tokenizer_settings_init(&s);
    electra_tokenizer *t = NULL;
    if (el_tokenizer_from_json_text((const char *)data, size, "fuzz", &s, NULL, &t) ==
        ELECTRA_OK) {
        fuzz_use_tokenizer(t, data, size);
        electra_tokenizer_free(t);
    }
    el_tokenizer_settings_free(&s);
    return 0;
}
