/* task_answer.c - electra_answer, as transformers' question-answering
 * pipeline (4.34, fast-tokenizer path): the context is read in windows of
 * the question + a slice of the context (overlapping by DOC_STRIDE tokens);
 * in each window start and end logits outside the context (and padding)
 * are set to -10000, both are softmaxed, [CLS] is zeroed, and a span
 * (start <= end < start + MAX_ANSWER_LENGTH, both in the context) scores
 * start_prob * end_prob. The best TOP_K spans over all windows win;
 * ALLOW_NO_ANSWER adds "" scored by the lowest [CLS]-[CLS] product. */
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "options.h"
#include "task.h"

/* transformers' pipeline reads at most 384 tokens at a time. */
#define QA_MAX_SEQ_LEN 384
/* Windows go through the model a few at a time (up to this many tokens per
 * pass), so that the memory a call needs follows the window size, not the
 * length of the context: a 10 MB context is 40,000 windows. */
#define QA_TOKENS_PER_PASS 4096

struct span {
    double score;
    size_t start, end; /* byte offsets into the context */
};

struct answers {
    struct span *best;
    size_t k, n;
};

/* Keep the k best spans, best first; an equal score keeps the earlier. */
static void offer(struct answers *a, double score, size_t start, size_t end)
{
    if (a->n == a->k && !(score > a->best[a->k - 1].score))
        return;
    size_t j = a->n < a->k ? a->n++ : a->k - 1;
    while (j > 0 && score > a->best[j - 1].score) {
        a->best[j] = a->best[j - 1];
        j--;
    }
    a->best[j] = (struct span){score, start, end};
}

/* Softmax over a window's positions with undesired ones at -10000. */
static void masked_softmax(const float *logits, const int *wanted, size_t n, double *out)
{
    double mx = -INFINITY, sum = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = wanted[i] ? logits[2 * i] : -10000.0;
        mx = out[i] > mx ? out[i] : mx;
    }
    for (size_t i = 0; i < n; i++)
        sum += out[i] = exp(out[i] - mx);
    for (size_t i = 0; i < n; i++)
        out[i] /= sum;
}

/* Offer the spans of windows [first, first + rows), whose logits the last
 * pass left in ctx->logits. */
static electra_status answer_windows(electra_context *ctx, const electra_options *options,
                                     size_t first, size_t rows, struct answers *a,
                                     double *null_score)
{
    const electra_encoding *e = ctx->encoding;
    size_t seq = electra_encoding_length(e, 0);
    size_t max_len = (size_t)el_opt_int(options, ELECTRA_OPT_MAX_ANSWER_LENGTH);
    int32_t cls = electra_tokenizer_special_id(ctx->model->tokenizer, ELECTRA_TOKEN_CLS);
    int *wanted = el_malloc_array(seq, sizeof *wanted);
    double *start = el_malloc_array(seq, sizeof *start), *end = el_malloc_array(seq, sizeof *end);
    if (!wanted || !start || !end) {
        el_free(wanted);
        el_free(start);
        el_free(end);
        return el_nomem("answering");
    }
    for (size_t r = 0; r < rows; r++) {
        const int32_t *ids = electra_encoding_ids(e, first + r);
        const int32_t *seq_ids = electra_encoding_sequence_ids(e, first + r);
        const int32_t *mask = electra_encoding_attention_mask(e, first + r);
        const size_t *off = electra_encoding_offsets(e, first + r);
        /* Context tokens may answer; [CLS] stays in the softmax. */
        for (size_t i = 0; i < seq; i++)
            wanted[i] = mask[i] && (seq_ids[i] == 1 || ids[i] == cls);
        const float *logits = ctx->logits + r * seq * 2;
        masked_softmax(logits, wanted, seq, start);
        masked_softmax(logits + 1, wanted, seq, end);
        double null = start[0] * end[0];
        if (null < *null_score)
            *null_score = null;
        start[0] = end[0] = 0.0;
        /* Spans run over the context (and the leading [CLS], scored 0):
         * a "[CLS]" typed into the question is in the softmax, as in the
         * pipeline, but its offsets point into the question. */
        for (size_t i = 1; i < seq; i++)
            wanted[i] = wanted[i] && seq_ids[i] == 1;
        for (size_t i = 0; i < seq; i++) {
            if (!wanted[i])
                continue;
            for (size_t j = i; j < seq && j - i < max_len; j++)
                if (wanted[j])
                    offer(a, start[i] * end[j], off[2 * i], off[2 * j + 1]);
        }
    }
    el_free(wanted);
    el_free(start);
    el_free(end);
    return ELECTRA_OK;
}

ELECTRA_API electra_status electra_answer(electra_context *context, const char *question,
                                          size_t question_length, const char *text,
                                          size_t text_length, const electra_options *options,
                                          electra_result **out)
{
    electra_status s = el_task_begin(context, ELECTRA_HEAD_QUESTION_ANSWERING, "answer", question,
                                     question_length, out);
    if (s)
        return s;
    if (!text && text_length)
        return el_context_fail(context, el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                                                "answer: context text is NULL"));
    size_t window = (size_t)context->model->cfg.max_positions;
    if (window > QA_MAX_SEQ_LEN)
        window = QA_MAX_SEQ_LEN;
    size_t stride = (size_t)el_opt_int(options, ELECTRA_OPT_DOC_STRIDE);
    if (stride > window / 2)
        stride = window / 2; /* the pipeline's own default never exceeds half a window */
    size_t k = (size_t)el_opt_int(options, ELECTRA_OPT_TOP_K);
    struct answers a = {.k = k ? k : 1};
    double null_score = INFINITY;
    electra_result *r = NULL;
    s = el_result_create(&r);
    if (!s)
        s = el_task_encode_windows(context, question, question_length, text, text_length, window,
                                   stride);
    size_t rows = electra_encoding_rows(context->encoding);
    size_t seq = electra_encoding_length(context->encoding, 0);
    if (!s) {
        /* No more answers than spans (and the empty one): TOP_K may be
         * anything up to INT32_MAX. */
        size_t max_len = (size_t)el_opt_int(options, ELECTRA_OPT_MAX_ANSWER_LENGTH);
        size_t spans = rows * seq * (max_len < seq ? max_len : seq) + 1;
        if (a.k > spans)
            a.k = spans;
        a.best = el_malloc_array(a.k, sizeof *a.best);
        if (!a.best)
            s = el_nomem("answering");
    }
    size_t per_pass = seq && seq < QA_TOKENS_PER_PASS ? QA_TOKENS_PER_PASS / seq : 1;
    for (size_t first = 0; !s && first < rows; first += per_pass) {
        size_t n = rows - first < per_pass ? rows - first : per_pass;
        s = el_task_forward_rows(context, first, n);
        if (!s) {
            el_forward_head(context);
            s = answer_windows(context, options, first, n, &a, &null_score);
        }
    }
    for (size_t i = 0; !s && i < a.n; i++) {
        el_item it = {.id = -1, .start = a.best[i].start, .end = a.best[i].end,
                      .score = a.best[i].score};
        s = el_result_add(r, &it, NULL, 0, text + it.start, it.end - it.start);
    }
    if (!s && el_opt_int(options, ELECTRA_OPT_ALLOW_NO_ANSWER) && isfinite(null_score)) {
        el_item it = {.id = -1, .score = null_score, .flag = 1};
        s = el_result_add(r, &it, NULL, 0, "", 0);
        if (!s) {
            el_result_sort_by_score(r, 0, el_result_size(r));
            el_result_truncate(r, a.k);
        }
    }
    el_free(a.best);
    return el_task_end(context, s, r, out);
}
