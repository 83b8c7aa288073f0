/* task.h - what the task modules (fill-mask, detect, classify, tag,
 * answer) share: argument checks, encoding text for the model, running
 * it, and small numeric helpers. */
#ifndef EL_TASK_H
#define EL_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "result.h"

/* Check the context, text and out pointers and that the model has the
 * head a task needs; records failures in the context. */
electra_status el_task_begin(electra_context *ctx, int head, const char *task, const char *text,
                             size_t text_len, electra_result **out);
/* The tokenizer of the context's model (error when it has none). */
electra_status el_task_tokenizer(electra_context *ctx, const electra_tokenizer **tok);
/* Encode text (and pair, when not NULL) into ctx->encoding with [CLS]/[SEP]
 * as one row. When the caller's options set ELECTRA_OPT_TRUNCATION the row
 * is cut to MAX_LENGTH (default: the model's positions) that way; else a
 * row longer than the model's positions is ELECTRA_ERR_TOO_LONG. With
 * windows > 0 (question answering), overflow rows of that many tokens with
 * `stride` overlap are made instead, truncating only the pair. */
electra_status el_task_encode(electra_context *ctx, const char *text, size_t text_len,
                              const char *pair, size_t pair_len, const electra_options *opts);
electra_status el_task_encode_windows(electra_context *ctx, const char *question, size_t q_len,
                                      const char *text, size_t text_len, size_t max_length,
                                      size_t stride);
/* Run the trunk on every row of ctx->encoding (rows padded alike). */
electra_status el_task_forward_trunk(electra_context *ctx);
/* The same on rows [first, first + batch) only (batch >= 1). */
electra_status el_task_forward_rows(electra_context *ctx, size_t first, size_t batch);

/* In-place softmax of n values (max subtracted first, as torch). */
void el_softmax(float *x, size_t n);
double el_sigmoid(double x);
/* Join word pieces as BertTokenizer.convert_tokens_to_string does:
 * " ".join(tokens).replace(" ##", "").strip(). Returns a new string. */
char *el_join_word_pieces(const char *const *pieces, size_t n);
/* Finish: on failure free the partial result and record the error in the
 * context; on success hand the result out. */
electra_status el_task_end(electra_context *ctx, electra_status s, electra_result *r,
                           electra_result **out);

#endif
