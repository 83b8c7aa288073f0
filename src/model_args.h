/* model_args.h - the options every model command shares: --model DIR,
 * --threads N, --weights FORMAT, --kernels KIND, --json. */
#ifndef MODEL_ARGS_H
#define MODEL_ARGS_H

#include "electra.h"

struct model_args {
    const char *model_dir;
    /* Without --model: this part of the bundled model ("generator",
     * "discriminator"), or NULL when --model is required. */
    const char *bundled_part;
    char bundled_dir[4096];
    int json;
    electra_options *options; /* threads, weight format, kernels */
};

/* Initialise (creates the options handle); 0 or a CLI exit code. */
int model_args_init(struct model_args *a, const char *cmd);
void model_args_free(struct model_args *a);
/* Consume argv[*i] (and its value) when it is a shared option: returns 1
 * when consumed, 0 when not ours, or -CLI_USAGE after printing an error. */
int model_args_parse(struct model_args *a, const char *cmd, int argc, char **argv, int *i);
/* The usage lines for the shared options. */
extern const char model_args_usage[];
/* Load the model (--model, else the bundled part) and a context; prints the error and returns a CLI code
 * on failure. */
int model_args_open(struct model_args *a, const char *cmd, electra_model **model,
                    electra_context **context);

#endif
