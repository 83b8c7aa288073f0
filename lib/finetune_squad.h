/* finetune_squad.h - question answering's two mappings between answers
 * and tokens, as transformers' run_qa.py (SQuAD 2.0 preprocessing and
 * postprocessing):
 *   label: an answer's byte span in the context -> its first and last
 *          token in a window, or [CLS] when the window does not hold it;
 *   best span: a window's start/end logits -> the highest-scoring answer
 *          (start_logit + end_logit over context tokens, end >= start,
 *          at most max_tokens long) and the no-answer score
 *          start_logit[0] + end_logit[0]. */
#ifndef EL_FINETUNE_SQUAD_H
#define EL_FINETUNE_SQUAD_H

#include <stddef.h>
#include <stdint.h>

/* offsets: 2 per token (bytes into the context for context tokens);
 * in_context: 1 for context tokens. Sets *start and *end to the tokens
 * holding bytes [begin, end) of the context, or both to 0 ([CLS]) when
 * the window's context does not cover the whole span. As run_qa, start is
 * the last token beginning at or before `begin` and end the first token
 * ending at or after `end`, both searched inside the context only. */
void el_ft_squad_label(const size_t *offsets, const uint8_t *in_context, size_t n, size_t begin,
                       size_t end, int32_t *start, int32_t *end_token);

typedef struct el_ft_squad_span {
    int found;            /* 0: the window has no candidate */
    double score;         /* start_logit + end_logit */
    size_t start, end;    /* bytes [start, end) of the context */
} el_ft_squad_span;

/* logits: 2 per token (start, end) as the QA head gives them. Every
 * (i, j) with both in the context, i <= j < i + max_tokens is considered
 * (run_qa keeps the 20 best starts and ends first, which only ever
 * misses spans scoring below the best). */
void el_ft_squad_best_span(const float *logits, const uint8_t *in_context, const size_t *offsets,
                           size_t n, size_t max_tokens, el_ft_squad_span *best,
                           double *null_score);

#endif
