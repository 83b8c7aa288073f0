/* task_detect.c - electra_detect: replaced-token detection with the
 * discriminator. Per word piece the logit and sigmoid probability that it
 * was replaced; per word (the pieces of one pre-tokenized word) the
 * highest piece probability, so a word is flagged when any piece is. */
#include <string.h>

#include "encoding.h"
#include "options.h"
#include "task.h"

static electra_status add_word(electra_result *r, const char *text, size_t start, size_t end,
                               float best_logit, double threshold)
{
    double p = el_sigmoid(best_logit);
    el_item it = {.group = 1, .id = -1, .start = start, .end = end, .score = p,
                  .logit = best_logit, .flag = p > threshold};
    return el_result_add(r, &it, text + start, end - start, NULL, 0);
}

ELECTRA_API electra_status electra_detect(electra_context *context, const char *text,
                                          size_t text_length, const electra_options *options,
                                          electra_result **out)
{
    electra_status s = el_task_begin(context, ELECTRA_HEAD_PRETRAINING, "detect", text,
                                     text_length, out);
    if (s)
        return s;
    electra_result *r = NULL;
    const electra_tokenizer *tok;
    if (!(s = el_result_create(&r)) && !(s = el_task_tokenizer(context, &tok)) &&
        !(s = el_task_encode(context, text, text_length, NULL, 0, options)) &&
        !(s = el_task_forward_trunk(context))) {
        el_forward_head(context);
        const electra_encoding *e = context->encoding;
        size_t n = electra_encoding_length(e, 0);
        const int32_t *ids = electra_encoding_ids(e, 0);
        const int32_t *special = electra_encoding_special_tokens_mask(e, 0);
        const size_t *off = electra_encoding_offsets(e, 0);
        const float *logits = context->logits;
        /* threshold: "replaced" when the probability is above it, as the
         * original code's round(sigmoid) is for 0.5 */
        double threshold = el_opt_float(options, ELECTRA_OPT_THRESHOLD);
        for (size_t i = 0; !s && i < n; i++) {
            if (special[i])
                continue;
            const char *token = electra_tokenizer_id_to_token(tok, ids[i]);
            double p = el_sigmoid(logits[i]);
            el_item it = {.group = 0, .id = ids[i], .start = off[2 * i], .end = off[2 * i + 1],
                          .score = p, .logit = logits[i], .flag = p > threshold};
            s = el_result_add(r, &it, token, strlen(token), NULL, 0);
        }
        /* Words: runs of pieces that share a word index. */
        const int32_t *word = el_encoding_word_ids(e, 0);
        size_t i = 0;
        while (!s && i < n) {
            if (special[i] || word[i] < 0) {
                i++;
                continue;
            }
            size_t j = i;
            float best = logits[i];
            while (j + 1 < n && !special[j + 1] && word[j + 1] == word[i]) {
                j++;
                if (logits[j] > best)
                    best = logits[j];
            }
            s = add_word(r, text, off[2 * i], off[2 * j + 1], best, threshold);
            i = j + 1;
        }
    }
    return el_task_end(context, s, r, out);
}
