/* fill_mask.c - the generator's guesses for [MASK], through the public API.
 *
 *   cc fill_mask.c $(pkg-config --cflags --libs electra) -o fill_mask
 *   ./fill_mask path/to/electra-small-generator "The capital of France is [MASK]."
 */
#include <electra.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL_DIR TEXT\n", argv[0]);
        return 2;
    }
    electra_model *model = NULL;
    electra_context *ctx = NULL;
    electra_result *result = NULL;
    electra_status s = electra_model_load(argv[1], NULL, &model);
    if (s == ELECTRA_OK)
        s = electra_context_create(model, NULL, &ctx);
    if (s == ELECTRA_OK)
        s = electra_fill_mask(ctx, argv[2], strlen(argv[2]), NULL, 0, NULL, &result);
    if (s != ELECTRA_OK) {
        fprintf(stderr, "%s: %s\n", electra_status_string(s), electra_last_error());
    } else {
        for (size_t i = 0; i < electra_result_count(result); i++)
            printf("mask %d  %-12s %.4f  %s\n", electra_result_group(result, i),
                   electra_result_label(result, i), electra_result_score(result, i),
                   electra_result_text(result, i));
    }
    electra_result_free(result);
    electra_context_free(ctx);
    electra_model_free(model);
    return s == ELECTRA_OK ? 0 : 1;
}
