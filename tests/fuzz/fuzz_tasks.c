/* fuzz_tasks.c - the task entry points (fill-mask, detect, classify, tag,
 * answer) and the raw forward pass, on tiny models built at start.
 *
 * Input: 4 bytes, then pieces separated by 0xFF (text, second text,
 * targets...).
 *   byte 0: which call (mod 6: fill_mask, detect, classify, tag, answer,
 *           forward); bit 3: truncation; bit 4: pass the pair/targets
 *   byte 1: top_k; byte 2: bits 0-2 aggregation, bit 3 allow no answer,
 *           bits 4-5 classify function, bits 6-7 threshold;
 *   byte 3: max_answer_length (answer), doc_stride (answer, x4), max_length
 * Results must keep their spans inside the text they point into. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define MAX_PIECES 8

static electra_context *context(int head)
{
    static electra_model *models[6];
    static electra_context *contexts[6];
    if (!contexts[head]) {
        if (electra_model_load(fuzz_tiny_model_dir(head), NULL, &models[head]) != ELECTRA_OK ||
            electra_context_create(models[head], NULL, &contexts[head]) != ELECTRA_OK) {
            fprintf(stderr, "%s\n", electra_last_error());
            fuzz_fail(__FILE__, __LINE__, "cannot load the tiny model");
        }
    }
    return contexts[head];
}

static void check_result(const electra_result *r, size_t text_len, int spans)
{
    size_t n = electra_result_count(r);
    for (size_t i = 0; i < n; i++) {
        const char *label = electra_result_label(r, i), *text = electra_result_text(r, i);
        if (label)
            FUZZ_CHECK(strlen(label) < 1u << 20);
        if (text)
            FUZZ_CHECK(strlen(text) < 1u << 20);
        size_t start = electra_result_start(r, i), end = electra_result_end(r, i);
        if (spans)
            FUZZ_CHECK(start <= end && end <= text_len);
        double score = electra_result_score(r, i);
        FUZZ_CHECK(!(score < -1e30) && !(score > 1e30));
    }
    FUZZ_CHECK(electra_result_label(r, n) == NULL && electra_result_text(r, n) == NULL);
}

static void run_forward(electra_context *ctx, fuzz_input *in, uint8_t shape)
{
    size_t batch = 1 + shape % 3, seq = in->n / batch;
    int32_t ids[256], mask[256], types[256];
    if (seq * batch > 256)
        seq = 256 / batch;
    for (size_t i = 0; i < batch * seq; i++) {
        uint8_t b = fuzz_byte(in);
        ids[i] = (int8_t)b; /* negative and past-the-vocabulary ids too */
        mask[i] = b & 1;
        types[i] = (b >> 7) & (b >> 6);
    }
    if (electra_forward(ctx, batch, seq, ids, shape & 8 ? mask : NULL, shape & 16 ? types : NULL) !=
        ELECTRA_OK)
        return;
    for (int which = 0; which < 6; which++) {
        size_t dims[4], ndim = 0;
        if (electra_output_shape(ctx, which, dims, &ndim) != ELECTRA_OK)
            continue;
        size_t count = 1;
        for (size_t d = 0; d < ndim; d++)
            count *= dims[d];
        float *out = malloc((count ? count : 1) * sizeof *out);
        FUZZ_CHECK(out != NULL);
        FUZZ_CHECK(electra_output_copy(ctx, which, out, count) == ELECTRA_OK);
        if (count)
            FUZZ_CHECK(electra_output_copy(ctx, which, out, count - 1) != ELECTRA_OK);
        free(out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    uint8_t call = fuzz_byte(&in), top_k = fuzz_byte(&in), flags = fuzz_byte(&in),
            length = fuzz_byte(&in);
    static const int heads[6] = {ELECTRA_HEAD_MASKED_LM,
                                 ELECTRA_HEAD_PRETRAINING,
                                 ELECTRA_HEAD_SEQUENCE_CLASSIFICATION,
                                 ELECTRA_HEAD_TOKEN_CLASSIFICATION,
                                 ELECTRA_HEAD_QUESTION_ANSWERING,
                                 ELECTRA_HEAD_PRETRAINING};
    int task = (call & 7) % 6;
    electra_context *ctx = context(heads[task]);
    if (task == 5) {
        run_forward(ctx, &in, top_k);
        return 0;
    }
    const char *pieces[MAX_PIECES];
    size_t lens[MAX_PIECES], n = 0;
    while (n < MAX_PIECES && (in.n || n == 0)) {
        lens[n] = fuzz_piece(&in, &pieces[n]);
        n++;
    }
    electra_options *o = NULL;
    if (electra_options_create(&o) != ELECTRA_OK)
        return 0;
    electra_options_set_int(o, ELECTRA_OPT_TOP_K, top_k);
    electra_options_set_int(o, ELECTRA_OPT_TRUNCATION, (call >> 3) & 1);
    electra_options_set_int(o, ELECTRA_OPT_MAX_LENGTH, length & 63);
    electra_options_set_int(o, ELECTRA_OPT_AGGREGATION, (flags & 7) % 5);
    electra_options_set_int(o, ELECTRA_OPT_ALLOW_NO_ANSWER, (flags >> 3) & 1);
    electra_options_set_int(o, ELECTRA_OPT_CLASSIFY_FUNCTION, (flags >> 4) & 3);
    electra_options_set_float(o, ELECTRA_OPT_THRESHOLD, (flags >> 6) / 3.0);
    electra_options_set_int(o, ELECTRA_OPT_MAX_ANSWER_LENGTH, 1 + (length & 31));
    electra_options_set_int(o, ELECTRA_OPT_DOC_STRIDE, 4 * (length >> 5));
    int second = (call >> 4) & 1 && n > 1;
    electra_result *r = NULL;
    electra_status s;
    size_t span_len = lens[0];
    switch (task) {
    case 0: {
        /* targets: the pieces after the text, NUL-terminated copies */
        char *targets[MAX_PIECES];
        size_t nt = second ? n - 1 : 0;
        for (size_t i = 0; i < nt; i++) {
            targets[i] = malloc(lens[i + 1] + 1);
            FUZZ_CHECK(targets[i] != NULL);
            memcpy(targets[i], pieces[i + 1], lens[i + 1]);
            targets[i][lens[i + 1]] = '\0';
        }
        s = electra_fill_mask(ctx, pieces[0], lens[0], (const char *const *)targets, nt, o, &r);
        for (size_t i = 0; i < nt; i++)
            free(targets[i]);
        break;
    }
    case 1:
        s = electra_detect(ctx, pieces[0], lens[0], o, &r);
        break;
    case 2:
        s = electra_classify(ctx, pieces[0], lens[0], second ? pieces[1] : NULL,
                             second ? lens[1] : 0, o, &r);
        break;
    case 3:
        s = electra_tag(ctx, pieces[0], lens[0], o, &r);
        break;
    default:
        span_len = n > 1 ? lens[1] : 0;
        s = electra_answer(ctx, pieces[0], lens[0], n > 1 ? pieces[1] : "", span_len, o, &r);
        break;
    }
    if (s == ELECTRA_OK) {
        check_result(r, span_len, task != 2);
        electra_result_free(r);
    } else {
        FUZZ_CHECK(r == NULL);
        FUZZ_CHECK(electra_context_last_error(ctx)[0] != '\0');
    }
    electra_options_free(o);
    return 0;
}
