/* finetune_batch.h - features into training batches: an order per epoch
 * (shuffled with a seed, or as read), batch_size rows at a time, each
 * batch padded to its own longest row (dynamic padding, as
 * DataCollatorWithPadding) with [PAD], attention mask 0 and labels -100
 * there. */
#ifndef EL_FINETUNE_BATCH_H
#define EL_FINETUNE_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "finetune_features.h"
#include "train_model.h"

typedef struct el_ft_batcher {
    const el_ft_features *f;
    size_t batch_size;
    int32_t pad_id;
    size_t *order;   /* feature indices in this epoch's order */
    int32_t *ids, *mask, *types, *labels, *starts, *ends; /* one batch */
    el_train_batch batch;
} el_ft_batcher;

/* The features must outlive the batcher. The order starts as read. */
electra_status el_ft_batcher_init(el_ft_batcher *b, const el_ft_features *f, size_t batch_size,
                                  int32_t pad_id);
void el_ft_batcher_free(el_ft_batcher *b);

/* A uniformly random order drawn from seed (Fisher-Yates), or the order
 * of the file when shuffle is 0. */
void el_ft_batcher_order(el_ft_batcher *b, int shuffle, uint64_t seed);
/* Batches per pass: ceil(features / batch_size); the last may be short. */
size_t el_ft_batcher_count(const el_ft_batcher *b);
/* Batch k of the current order (valid until the next call); *features
 * gets its feature indices (batch->batch of them) and *tokens the
 * tokens that are not padding, when not NULL. */
const el_train_batch *el_ft_batcher_get(el_ft_batcher *b, size_t k, const size_t **features,
                                        size_t *tokens);

#endif
