/* fuzz_model_config.c - electra_model_load of a directory whose
 * config.json is the input and whose weights and vocabulary are those of
 * the tiny generator: any config the weights do not match must be refused
 * before a forward pass could read outside a tensor. When the load works,
 * a short forward pass runs. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[4096], config[4200];
    if (!dir[0]) {
        const char *tiny = fuzz_tiny_model_dir(ELECTRA_HEAD_MASKED_LM);
        fuzz_scratch_path(dir, "model-config");
        mkdir(dir, 0700);
        static const char *const files[] = {"model.safetensors", "vocab.txt"};
        for (int i = 0; i < 2; i++) {
            char from[4200], to[4200];
            snprintf(from, sizeof from, "%s/%s", tiny, files[i]);
            snprintf(to, sizeof to, "%s/%s", dir, files[i]);
            if (symlink(from, to) != 0)
                fuzz_fail(__FILE__, __LINE__, "symlink");
        }
        snprintf(config, sizeof config, "%s/config.json", dir);
    }
    fuzz_write_file(config, data, size);
    electra_model *m = NULL;
    if (electra_model_load(dir, NULL, &m) != ELECTRA_OK)
        return 0;
    electra_context *ctx = NULL;
    if (electra_context_create(m, NULL, &ctx) == ELECTRA_OK) {
        const int32_t ids[] = {2, 35, 4, 3};
        if (electra_forward(ctx, 1, 4, ids, NULL, NULL) == ELECTRA_OK) {
            size_t shape[4], ndim = 0;
            FUZZ_CHECK(electra_output_shape(ctx, ELECTRA_OUTPUT_LAST_HIDDEN_STATE, shape,
                                            &ndim) == ELECTRA_OK);
        }
        electra_context_free(ctx);
    }
    electra_model_free(m);
    return 0;
}
