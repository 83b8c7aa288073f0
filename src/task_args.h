/* task_args.h - what the task commands (fill-mask, detect, classify, tag,
 * qa) share: the model options, a text argument (or "-" for stdin), the
 * task options, and running one task on a loaded model. */
#ifndef TASK_ARGS_H
#define TASK_ARGS_H

#include "model_args.h"

struct task_args {
    struct model_args model;
    const char *text;     /* the positional TEXT, read from stdin for "-" */
    char *text_owned;     /* when read from stdin */
    size_t text_len;
    const char *pair;     /* --pair (classify) / --context (qa) */
    char **targets;       /* --targets a,b,c (fill-mask) */
    size_t n_targets;
};

/* Parse argv: model options, task options (--top-k N, --threshold X,
 * --aggregation S, --truncate, --max-answer-len N, --doc-stride N,
 * --allow-no-answer, --targets LIST, and pair_flag VALUE when pair_flag is
 * not NULL), and one TEXT. usage() prints the command's help. Returns 0
 * or a CLI exit code (CLI_OK after --help). */
int task_args_parse(struct task_args *a, const char *cmd, const char *pair_flag, int argc,
                    char **argv, void (*usage)(void));
void task_args_free(struct task_args *a);
extern const char task_args_usage[];

/* Load the model and a context; 0 or a CLI exit code. */
int task_args_open(struct task_args *a, const char *cmd, electra_model **model,
                   electra_context **context);

#endif
