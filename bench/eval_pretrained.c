/* eval_pretrained.c - held-out figures of a pre-trained generator and
 * discriminator pair, through the public API only:
 *   - generator MLM accuracy: 15% of the tokens selected (85% of them shown
 *     as [MASK], the rest unchanged, as in pre-training), top-1 == original;
 *   - discriminator replaced-token detection on the generator's samples
 *     (Gumbel-max, temperature 1; a sample equal to the original is real):
 *     accuracy at logit 0, ROC AUC, and the all-real baseline accuracy.
 * Text is packed as in pre-training: lines tokenized without specials,
 * concatenated, cut into [CLS] window [SEP] rows of SEQ tokens.
 *
 *   eval_pretrained GENERATOR_DIR DISCRIMINATOR_DIR TEXT [ROWS] [SEQ] [SEED]
 *
 * Prints one JSON line. Exit 0 ok, 1 error, 2 usage. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "electra.h"

struct scored {
    float score;
    int replaced;
};

static uint64_t rng_state;

/* splitmix64: small, seedable, good enough for masking and sampling. */
static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in (0, 1): never 0, so log() stays finite. */
static double rng_uniform(void)
{
    return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "eval_pretrained: %s: %s\n", what, detail);
    return 1;
}

/* Every line of path tokenized without specials, appended to one stream. */
static int read_stream(const electra_tokenizer *tok, const char *path, size_t want,
                       int32_t **out, size_t *out_n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return fail(path, "cannot open");
    electra_options *opt = NULL;
    electra_encoding *enc = NULL;
    int rc = 1;
    size_t n = 0, cap = 1 << 16;
    int32_t *ids = malloc(cap * sizeof *ids);
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t len;
    if (!ids || electra_options_create(&opt) || electra_encoding_create(&enc) ||
        electra_options_set_int(opt, ELECTRA_OPT_ADD_SPECIAL_TOKENS, 0))
        goto done;
    while (n < want && (len = getline(&line, &line_cap, f)) > 0) {
        if (electra_tokenizer_encode(tok, line, (size_t)len, NULL, 0, opt, enc) != ELECTRA_OK) {
            fail(path, electra_encoding_last_error(enc));
            goto done;
        }
        size_t k = electra_encoding_length(enc, 0);
        if (n + k > cap) {
            int32_t *bigger = realloc(ids, 2 * (n + k) * sizeof *ids);
            if (!bigger)
                goto done;
            ids = bigger;
            cap = 2 * (n + k);
        }
        memcpy(ids + n, electra_encoding_ids(enc, 0), k * sizeof *ids);
        n += k;
    }
    rc = 0;
done:
    if (rc)
        free(ids);
    else {
        *out = ids;
        *out_n = n;
    }
    free(line);
    electra_encoding_free(enc);
    electra_options_free(opt);
    fclose(f);
    return rc;
}

static int by_score(const void *a, const void *b)
{
    float x = ((const struct scored *)a)->score, y = ((const struct scored *)b)->score;
    return (x > y) - (x < y);
}

/* ROC AUC by ranks (Mann-Whitney U), ties sharing their mean rank. */
static double roc_auc(struct scored *s, size_t n)
{
    qsort(s, n, sizeof *s, by_score);
    double rank_sum = 0, positives = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j].score == s[i].score)
            j++;
        double mean_rank = (double)(i + 1 + j) / 2.0;
        for (size_t k = i; k < j; k++)
            if (s[k].replaced) {
                rank_sum += mean_rank;
                positives++;
            }
        i = j;
    }
    double negatives = (double)n - positives;
    if (positives == 0 || negatives == 0)
        return NAN;
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives);
}

/* Gumbel-max sample of one row of logits. */
static int32_t sample(const float *logits, size_t vocab)
{
    int32_t best = 0;
    double best_v = -INFINITY;
    for (size_t v = 0; v < vocab; v++) {
        double g = logits[v] - log(-log(rng_uniform()));
        if (g > best_v) {
            best_v = g;
            best = (int32_t)v;
        }
    }
    return best;
}

static int32_t argmax(const float *logits, size_t vocab)
{
    int32_t best = 0;
    for (size_t v = 1; v < vocab; v++)
        if (logits[v] > logits[best])
            best = (int32_t)v;
    return best;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 7) {
        fprintf(stderr, "usage: eval_pretrained GENERATOR_DIR DISCRIMINATOR_DIR TEXT "
                        "[ROWS (2000)] [SEQ (128)] [SEED (0)]\n");
        return 2;
    }
    size_t rows = argc > 4 ? strtoul(argv[4], NULL, 10) : 2000;
    size_t seq = argc > 5 ? strtoul(argv[5], NULL, 10) : 128;
    rng_state = argc > 6 ? strtoull(argv[6], NULL, 10) : 0;
    if (rows == 0 || seq < 3) {
        fprintf(stderr, "eval_pretrained: ROWS must be >= 1 and SEQ >= 3\n");
        return 2;
    }

    electra_model *gen = NULL, *disc = NULL;
    electra_context *gctx = NULL, *dctx = NULL;
    int32_t *stream = NULL, *gen_in = NULL, *disc_in = NULL;
    float *glogits = NULL, *dlogits = NULL;
    struct scored *scores = NULL;
    int rc = 1;
    electra_status st;
    if ((st = electra_model_load(argv[1], NULL, &gen)) != ELECTRA_OK ||
        (st = electra_model_load(argv[2], NULL, &disc)) != ELECTRA_OK) {
        rc = fail("load", electra_last_error());
        goto done;
    }
    if (electra_context_create(gen, NULL, &gctx) || electra_context_create(disc, NULL, &dctx))
        goto done;
    const electra_tokenizer *tok = electra_model_tokenizer(disc);
    size_t vocab = (size_t)electra_model_info(gen, ELECTRA_INFO_VOCAB_SIZE);
    int32_t cls = electra_tokenizer_special_id(tok, ELECTRA_TOKEN_CLS);
    int32_t sep = electra_tokenizer_special_id(tok, ELECTRA_TOKEN_SEP);
    int32_t mask = electra_tokenizer_special_id(tok, ELECTRA_TOKEN_MASK);
    size_t body = seq - 2, n_stream = 0;
    if (read_stream(tok, argv[3], rows * body, &stream, &n_stream))
        goto done;
    if (n_stream / body < rows)
        rows = n_stream / body;
    if (rows == 0) {
        rc = fail(argv[3], "not enough text for one row");
        goto done;
    }
    gen_in = malloc(seq * sizeof *gen_in);
    disc_in = malloc(seq * sizeof *disc_in);
    glogits = malloc(seq * vocab * sizeof *glogits);
    dlogits = malloc(seq * sizeof *dlogits);
    scores = malloc(rows * body * sizeof *scores);
    if (!gen_in || !disc_in || !glogits || !dlogits || !scores) {
        rc = fail("memory", "out of memory");
        goto done;
    }

    size_t selected = 0, mlm_correct = 0, n_scores = 0, replaced = 0;
    size_t rtd_correct = 0, all_real_correct = 0;
    for (size_t r = 0; r < rows; r++) {
        const int32_t *orig = stream + r * body;
        unsigned char chosen[4096];
        if (body > sizeof chosen) {
            rc = fail("SEQ", "at most 4098");
            goto done;
        }
        gen_in[0] = disc_in[0] = cls;
        gen_in[seq - 1] = disc_in[seq - 1] = sep;
        for (size_t i = 0; i < body; i++) {
            chosen[i] = rng_uniform() < 0.15;
            gen_in[i + 1] = chosen[i] && rng_uniform() < 0.85 ? mask : orig[i];
        }
        if (electra_forward(gctx, 1, seq, gen_in, NULL, NULL) ||
            electra_output_copy(gctx, ELECTRA_OUTPUT_LOGITS, glogits, seq * vocab)) {
            rc = fail("generator", electra_context_last_error(gctx));
            goto done;
        }
        for (size_t i = 0; i < body; i++) {
            disc_in[i + 1] = orig[i];
            if (!chosen[i])
                continue;
            const float *row = glogits + (i + 1) * vocab;
            selected++;
            mlm_correct += argmax(row, vocab) == orig[i];
            disc_in[i + 1] = sample(row, vocab);
        }
        if (electra_forward(dctx, 1, seq, disc_in, NULL, NULL) ||
            electra_output_copy(dctx, ELECTRA_OUTPUT_LOGITS, dlogits, seq)) {
            rc = fail("discriminator", electra_context_last_error(dctx));
            goto done;
        }
        for (size_t i = 0; i < body; i++) {
            int is_replaced = disc_in[i + 1] != orig[i];
            float logit = dlogits[i + 1];
            scores[n_scores++] = (struct scored){logit, is_replaced};
            replaced += (size_t)is_replaced;
            rtd_correct += (logit > 0) == is_replaced;
            all_real_correct += !is_replaced;
        }
    }
    double auc = roc_auc(scores, n_scores);
    printf("{\"rows\":%zu,\"seq\":%zu,\"tokens\":%zu,\"masked\":%zu,"
           "\"mlm_accuracy\":%.4f,\"replaced\":%zu,\"rtd_accuracy\":%.4f,"
           "\"rtd_all_real_accuracy\":%.4f,\"rtd_auc\":%.4f}\n",
           rows, seq, n_scores, selected, selected ? (double)mlm_correct / selected : 0.0,
           replaced, (double)rtd_correct / n_scores, (double)all_real_correct / n_scores, auc);
    rc = 0;
done:
    free(scores);
    free(dlogits);
    free(glogits);
    free(disc_in);
    free(gen_in);
    free(stream);
    electra_context_free(dctx);
    electra_context_free(gctx);
    electra_model_free(disc);
    electra_model_free(gen);
    return rc;
}
