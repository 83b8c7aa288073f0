/* precision_report.c - how far ELECTRA_OPT_PRECISION = BF16 or INT8 moves a model's
 * outputs from float32 on a batch of token ids: the largest logit and
 * last-hidden-state differences (absolute, and next to the largest float32
 * value), and how often the decisions agree (generator: top-1 token at every
 * position; discriminator: logit > 0; classifiers: arg-max). One JSON line.
 *
 * usage: precision_report --model DIR [--shape 8x128] [--seed N] [--precision bf16|int8] */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"

static const char *arg(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return def;
}

typedef struct outputs {
    float *logits, *hidden;
    size_t n_logits, n_hidden, cols;
} outputs;

static float *copy_output(electra_context *ctx, int which, size_t *count, size_t *last_dim)
{
    size_t shape[4], ndim;
    if (electra_output_shape(ctx, which, shape, &ndim))
        return NULL;
    *count = 1;
    for (size_t d = 0; d < ndim; d++)
        *count *= shape[d];
    *last_dim = shape[ndim - 1];
    float *out = malloc(*count * sizeof *out);
    if (out && electra_output_copy(ctx, which, out, *count)) {
        free(out);
        return NULL;
    }
    return out;
}

static int run(const char *dir, int precision, size_t b, size_t l, const int32_t *ids,
               outputs *o, int *head)
{
    electra_options *opts;
    electra_model *m;
    electra_context *ctx;
    electra_options_create(&opts);
    electra_options_set_int(opts, ELECTRA_OPT_PRECISION, precision);
    if (electra_model_load(dir, opts, &m) || electra_context_create(m, opts, &ctx)) {
        fprintf(stderr, "precision_report: %s\n", electra_last_error());
        return 1;
    }
    *head = (int)electra_model_info(m, ELECTRA_INFO_HEAD);
    int rc = electra_forward(ctx, b, l, ids, NULL, NULL) != ELECTRA_OK;
    if (rc)
        fprintf(stderr, "precision_report: %s\n", electra_context_last_error(ctx));
    size_t unused;
    o->hidden = rc ? NULL
                   : copy_output(ctx, ELECTRA_OUTPUT_LAST_HIDDEN_STATE, &o->n_hidden, &unused);
    o->logits = rc || *head == ELECTRA_HEAD_NONE || *head == ELECTRA_HEAD_QUESTION_ANSWERING
                    ? NULL
                    : copy_output(ctx, ELECTRA_OUTPUT_LOGITS, &o->n_logits, &o->cols);
    if (*head == ELECTRA_HEAD_PRETRAINING)
        o->cols = 1;
    electra_context_free(ctx);
    electra_model_free(m);
    electra_options_free(opts);
    return rc || !o->hidden;
}

static size_t argmax(const float *x, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (x[i] > x[best])
            best = i;
    return best;
}

static void max_diff(const float *a, const float *b, size_t n, double *diff, double *ref)
{
    *diff = *ref = 0;
    for (size_t i = 0; i < n; i++) {
        *diff = fmax(*diff, fabs((double)a[i] - b[i]));
        *ref = fmax(*ref, fabs((double)a[i]));
    }
}

int main(int argc, char **argv)
{
    const char *dir = arg(argc, argv, "--model", NULL);
    size_t b = 8, l = 128;
    const char *name = arg(argc, argv, "--precision", "bf16");
    const int precision = strcmp(name, "bf16") == 0   ? ELECTRA_PRECISION_BF16
                          : strcmp(name, "int8") == 0 ? ELECTRA_PRECISION_INT8
                                                      : -1;
    if (!dir || precision < 0 ||
        sscanf(arg(argc, argv, "--shape", "8x128"), "%zux%zu", &b, &l) != 2) {
        fprintf(stderr, "usage: precision_report --model DIR [--shape BxL] [--seed N] "
                        "[--precision bf16|int8]\n");
        return 2;
    }
    uint64_t seed = strtoull(arg(argc, argv, "--seed", "1"), NULL, 10);
    electra_model *m;
    if (electra_model_load(dir, NULL, &m)) {
        fprintf(stderr, "precision_report: %s\n", electra_last_error());
        return 1;
    }
    const int64_t vocab = electra_model_info(m, ELECTRA_INFO_VOCAB_SIZE);
    electra_model_free(m);
    /* ids from the vocabulary's word range (after BERT's special and
     * unused tokens) */
    const int64_t first = vocab > 2000 ? 1000 : 0, words = vocab - first;
    int32_t *ids = malloc(b * l * sizeof *ids);
    for (size_t i = 0; i < b * l; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        ids[i] = (int32_t)(first + (int64_t)((seed >> 33) % (uint64_t)words));
    }
    for (size_t r = 0; r < b; r++)
        ids[r * l] = 101, ids[r * l + l - 1] = 102;
    outputs f32 = {0}, low = {0};
    int head;
    if (run(dir, ELECTRA_PRECISION_F32, b, l, ids, &f32, &head) ||
        run(dir, precision, b, l, ids, &low, &head))
        return 1;
    double hd, href, ld = 0, lref = 0;
    max_diff(f32.hidden, low.hidden, f32.n_hidden, &hd, &href);
    size_t agree = 0, total = 0;
    if (f32.logits) {
        max_diff(f32.logits, low.logits, f32.n_logits, &ld, &lref);
        for (size_t r = 0; r < f32.n_logits / f32.cols; r++, total++)
            agree += head == ELECTRA_HEAD_PRETRAINING
                         ? (f32.logits[r] > 0) == (low.logits[r] > 0)
                         : argmax(f32.logits + r * f32.cols, f32.cols) ==
                               argmax(low.logits + r * f32.cols, f32.cols);
    }
    printf("{\"model\":\"%s\",\"precision\":\"%s\",\"batch\":%zu,\"seq\":%zu,"
           "\"max_abs_logit_diff\":%.4g,\"max_abs_logit\":%.4g,"
           "\"max_abs_hidden_diff\":%.4g,\"max_abs_hidden\":%.4g,"
           "\"decisions\":\"%s\",\"agree\":%zu,\"total\":%zu,\"agreement_pct\":%.2f}\n",
           dir, name, b, l, ld, lref, hd, href,
           head == ELECTRA_HEAD_MASKED_LM    ? "top-1 token"
           : head == ELECTRA_HEAD_PRETRAINING ? "replaced (logit > 0)"
                                              : "arg-max",
           agree, total, total ? 100.0 * (double)agree / (double)total : 0.0);
    free(ids);
    free(f32.logits), free(f32.hidden), free(low.logits), free(low.hidden);
    return 0;
}
