/* finetune_squad.c - answer spans to tokens and back. */
#include "finetune_squad.h"

void el_ft_squad_label(const size_t *offsets, const uint8_t *in_context, size_t n, size_t begin,
                       size_t end, int32_t *start, int32_t *end_token)
{
    size_t first = 0, last = n;
    while (first < n && !in_context[first])
        first++;
    while (last > first && !in_context[last - 1])
        last--;
    *start = *end_token = 0;
    if (first == last || !(offsets[2 * first] <= begin && offsets[2 * (last - 1) + 1] >= end))
        return;
    size_t s = first, e = last - 1;
    while (s + 1 < last && offsets[2 * (s + 1)] <= begin)
        s++;
    while (e > first && offsets[2 * (e - 1) + 1] >= end)
        e--;
    *start = (int32_t)s;
    *end_token = (int32_t)e;
}

void el_ft_squad_best_span(const float *logits, const uint8_t *in_context, const size_t *offsets,
                           size_t n, size_t max_tokens, el_ft_squad_span *best,
                           double *null_score)
{
    best->found = 0;
    best->score = 0;
    best->start = best->end = 0;
    *null_score = n ? (double)logits[0] + (double)logits[1] : 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!in_context[i])
            continue;
        for (size_t j = i; j < n && j - i < max_tokens; j++) {
            if (!in_context[j])
                continue;
            double score = (double)logits[2 * i] + (double)logits[2 * j + 1];
            if (!best->found || score > best->score)
                *best = (el_ft_squad_span){1, score, offsets[2 * i], offsets[2 * j + 1]};
        }
    }
}
