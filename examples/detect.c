/* detect.c - replaced-token detection with a discriminator, through the
 * public API: prints each word and the probability that it was replaced.
 *
 *   cc detect.c $(pkg-config --cflags --libs electra) -o detect
 *   ./detect path/to/electra-small-discriminator "The chef cooked the meal."
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
        s = electra_detect(ctx, argv[2], strlen(argv[2]), NULL, &result);
    if (s != ELECTRA_OK) {
        fprintf(stderr, "%s: %s\n", electra_status_string(s), electra_last_error());
    } else {
        /* group 1 holds the words; group 0 the word pieces */
        for (size_t i = 0; i < electra_result_count(result); i++)
            if (electra_result_group(result, i) == 1)
                printf("%-20s %.3f%s\n", electra_result_label(result, i),
                       electra_result_score(result, i),
                       electra_result_flag(result, i) ? "  <- replaced?" : "");
    }
    electra_result_free(result);
    electra_context_free(ctx);
    electra_model_free(model);
    return s == ELECTRA_OK ? 0 : 1;
}
