/* pretrain_mask.h - the random parts of an ELECTRA pre-training step, as
 * google-research/electra's pretrain_helpers.py does them: choosing and
 * masking the positions the generator predicts, sampling its
 * replacements (Gumbel-max), and the discriminator's input and labels.
 *
 * Every draw comes from a counter-based hash of a key and an index (see
 * train_rng.h), so a step's randomness depends only on its key: a resumed
 * run draws exactly what an uninterrupted one would. */
#ifndef EL_PRETRAIN_MASK_H
#define EL_PRETRAIN_MASK_H

#include <stddef.h>
#include <stdint.h>

#include "threadpool.h"

#define EL_MLM_IGNORE (-100)

typedef struct el_mask_config {
    double mask_prob;       /* share of tokens predicted: 0.15 */
    size_t max_predictions; /* per row at most: int((mask_prob + 0.005) * seq) */
    double mask_token_prob; /* share of those that become [MASK]: 0.85 */
    int32_t cls, sep, mask; /* never chosen ([MASK] becomes the input) */
} el_mask_config;

/* config for rows of seq tokens with google's defaults. */
void el_mask_config_default(el_mask_config *c, size_t seq, int32_t cls, int32_t sep,
                            int32_t mask);

/* pretrain_helpers.mask on one row of seq tokens: of the attended
 * positions (attn 1) that are not [CLS], [SEP] or [MASK], n are chosen
 * uniformly without replacement, n = round-half-even(0.15 x attended
 * tokens) clamped to [1, max_predictions] and to the candidates there
 * are (google draws with replacement, which can pick a position twice;
 * this does not). Each chosen position becomes [MASK] with probability
 * 0.85 and keeps its token otherwise (no random-token replacement, unlike
 * BERT). Writes the generator's input (masked) and its labels (the
 * original token at chosen positions, EL_MLM_IGNORE elsewhere); returns
 * n. scratch holds seq ints. */
size_t el_pretrain_mask_row(const el_mask_config *c, const int32_t *ids, const int32_t *attn,
                            size_t seq, uint64_t key, int32_t *masked, int32_t *labels,
                            int32_t *scratch);

/* Gumbel noise -log(-log u) for draw `index` of key, u uniform in (0, 1)
 * with 52 random bits, in double. */
double el_gumbel_noise(uint64_t key, uint64_t index);

/* pretrain_helpers.sample_from_softmax at temperature 1, with no
 * gradient: for each row r of logits (rows x vocab), the argmax over v of
 * logits[r][v] + el_gumbel_noise(key, (first_row + r) * vocab + v): a
 * draw from softmax(logits[r]) (the Gumbel-max trick). first_row numbers
 * the rows within a larger set (a slice of a batch draws what the whole
 * batch would). Rows are spread over the pool. */
void el_gumbel_argmax(const float *logits, size_t rows, size_t vocab, uint64_t key,
                      uint64_t first_row, int32_t *out, el_threadpool *pool);

/* The discriminator's input: ids with the n sampled tokens written at
 * their positions (flat indices into ids); labels 1 where the result
 * differs from the original (a sample equal to the original is real),
 * else 0. Returns the number of replaced tokens. */
size_t el_pretrain_replace(const int32_t *ids, size_t tokens, const int32_t *positions,
                           const int32_t *sampled, size_t n, int32_t *fake, int32_t *labels);

#endif
