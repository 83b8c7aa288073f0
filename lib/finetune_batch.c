/* finetune_batch.c - shuffled, dynamically padded batches. */
#include "finetune_batch.h"

#include <string.h>

#include "alloc.h"
#include "error.h"
#include "train_rng.h"

electra_status el_ft_batcher_init(el_ft_batcher *b, const el_ft_features *f, size_t batch_size,
                                  int32_t pad_id)
{
    if (!b || !f || batch_size == 0)
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "el_ft_batcher_init: %s",
                       batch_size ? "NULL argument" : "batch size 0");
    memset(b, 0, sizeof *b);
    b->f = f;
    b->batch_size = batch_size;
    b->pad_id = pad_id;
    size_t cells = batch_size * (f->max_len ? f->max_len : 1);
    if (cells / batch_size != (f->max_len ? f->max_len : 1))
        return el_fail(ELECTRA_ERR_INVALID_ARGUMENT, "batch size %zu is too large", batch_size);
    b->order = el_malloc_array(f->n ? f->n : 1, sizeof *b->order);
    b->ids = el_malloc_array(cells, sizeof *b->ids);
    b->mask = el_malloc_array(cells, sizeof *b->mask);
    b->types = el_malloc_array(cells, sizeof *b->types);
    b->labels = el_malloc_array(f->task == EL_FT_TAG ? cells : batch_size, sizeof *b->labels);
    b->starts = el_malloc_array(batch_size, sizeof *b->starts);
    b->ends = el_malloc_array(batch_size, sizeof *b->ends);
    if (!b->order || !b->ids || !b->mask || !b->types || !b->labels || !b->starts || !b->ends) {
        el_ft_batcher_free(b);
        return el_nomem("allocating a batch");
    }
    el_ft_batcher_order(b, 0, 0);
    return ELECTRA_OK;
}

void el_ft_batcher_free(el_ft_batcher *b)
{
    if (!b)
        return;
    el_free(b->order);
    el_free(b->ids);
    el_free(b->mask);
    el_free(b->types);
    el_free(b->labels);
    el_free(b->starts);
    el_free(b->ends);
    memset(b, 0, sizeof *b);
}

void el_ft_batcher_order(el_ft_batcher *b, int shuffle, uint64_t seed)
{
    size_t n = b->f->n;
    for (size_t i = 0; i < n; i++)
        b->order[i] = i;
    if (!shuffle)
        return;
    el_rng rng;
    el_rng_seed(&rng, seed);
    for (size_t i = n; i > 1; i--) {
        /* Modulo bias is below 2^-40 for any feature count we can hold. */
        size_t j = (size_t)(el_rng_next(&rng) % i);
        size_t t = b->order[i - 1];
        b->order[i - 1] = b->order[j];
        b->order[j] = t;
    }
}

size_t el_ft_batcher_count(const el_ft_batcher *b)
{
    return (b->f->n + b->batch_size - 1) / b->batch_size;
}

const el_train_batch *el_ft_batcher_get(el_ft_batcher *b, size_t k, const size_t **features,
                                        size_t *tokens)
{
    const el_ft_features *f = b->f;
    size_t first = k * b->batch_size;
    size_t rows = f->n - first < b->batch_size ? f->n - first : b->batch_size;
    const size_t *idx = b->order + first;
    size_t seq = 0, real = 0;
    for (size_t r = 0; r < rows; r++)
        if (f->rows[idx[r]].len > seq)
            seq = f->rows[idx[r]].len;
    for (size_t r = 0; r < rows; r++) {
        const el_ft_feature *row = &f->rows[idx[r]];
        size_t at = r * seq, n = row->len;
        memcpy(b->ids + at, f->ids + row->begin, n * sizeof *b->ids);
        memcpy(b->types + at, f->types + row->begin, n * sizeof *b->types);
        for (size_t t = 0; t < seq; t++) {
            b->mask[at + t] = t < n;
            if (t >= n) {
                b->ids[at + t] = b->pad_id;
                b->types[at + t] = 0;
            }
        }
        if (f->task == EL_FT_TAG) {
            memcpy(b->labels + at, f->labels + row->begin, n * sizeof *b->labels);
            for (size_t t = n; t < seq; t++)
                b->labels[at + t] = EL_FT_IGNORE;
        } else {
            b->labels[r] = row->label;
        }
        b->starts[r] = row->start;
        b->ends[r] = row->end;
        real += n;
    }
    b->batch = (el_train_batch){.batch = rows, .seq = seq, .input_ids = b->ids,
                                .attention_mask = b->mask, .token_type_ids = b->types};
    if (f->task == EL_FT_QA) {
        b->batch.start_positions = b->starts;
        b->batch.end_positions = b->ends;
    } else {
        b->batch.labels = b->labels;
    }
    if (features)
        *features = idx;
    if (tokens)
        *tokens = real;
    return &b->batch;
}
