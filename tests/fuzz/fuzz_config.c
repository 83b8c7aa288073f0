/* fuzz_config.c - config.json. */
#include "model.h" /* lib/config.h: el_config */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    el_config cfg;
    if (el_config_parse((const char *)data, size, &cfg) == ELECTRA_OK) {
        FUZZ_CHECK(cfg.num_labels >= 1 && cfg.labels != NULL);
        for (int i = 0; i < cfg.num_labels; i++)
            FUZZ_CHECK(cfg.labels[i] != NULL);
        FUZZ_CHECK(cfg.hidden_size % cfg.num_heads == 0);
        el_config_free(&cfg);
    }
    return 0;
}
