/* task_classify.c - electra_classify, as transformers' text-classification
 * pipeline: every label with its score, best first; sigmoid for
 * multi-label models (or a single label), softmax otherwise. */
#include <math.h>
#include <string.h>

#include "options.h"
#include "task.h"

static int choose_function(const electra_model *m, const electra_options *o)
{
    int f = (int)el_opt_int(o, ELECTRA_OPT_CLASSIFY_FUNCTION);
    if (f != ELECTRA_CLASSIFY_AUTO)
        return f;
    if (strcmp(m->cfg.problem_type, "multi_label_classification") == 0 || m->cfg.num_labels == 1)
        return ELECTRA_CLASSIFY_SIGMOID;
    return ELECTRA_CLASSIFY_SOFTMAX;
}

ELECTRA_API electra_status electra_classify(electra_context *context, const char *text,
                                            size_t text_length, const char *pair,
                                            size_t pair_length, const electra_options *options,
                                            electra_result **out)
{
    electra_status s = el_task_begin(context, ELECTRA_HEAD_SEQUENCE_CLASSIFICATION, "classify",
                                     text, text_length, out);
    if (s)
        return s;
    if (!pair && pair_length)
        return el_context_fail(context, el_fail(ELECTRA_ERR_INVALID_ARGUMENT,
                                                "classify: pair is NULL"));
    electra_result *r = NULL;
    if (!(s = el_result_create(&r)) &&
        !(s = el_task_encode(context, text, text_length, pair, pair_length, options)) &&
        !(s = el_task_forward_trunk(context))) {
        el_forward_head(context);
        const electra_model *m = context->model;
        size_t L = (size_t)m->cfg.num_labels;
        const float *logits = context->logits;
        int fn = choose_function(m, options);
        /* softmax with the maximum subtracted, in double */
        double mx = -INFINITY, sum = 0;
        for (size_t i = 0; i < L; i++)
            mx = logits[i] > mx ? logits[i] : mx;
        for (size_t i = 0; i < L; i++)
            sum += exp(logits[i] - mx);
        for (size_t i = 0; !s && i < L; i++) {
            double score = fn == ELECTRA_CLASSIFY_SIGMOID ? el_sigmoid(logits[i])
                           : fn == ELECTRA_CLASSIFY_NONE  ? logits[i]
                                                          : exp(logits[i] - mx) / sum;
            el_item it = {.group = 0, .id = (int32_t)i, .score = score, .logit = logits[i]};
            s = el_result_add(r, &it, m->cfg.labels[i], strlen(m->cfg.labels[i]), NULL, 0);
        }
        if (!s)
            el_result_sort_by_score(r, 0, el_result_size(r));
    }
    return el_task_end(context, s, r, out);
}
