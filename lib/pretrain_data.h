/* pretrain_data.h - pre-training examples from text, packed as
 * google-research/electra's build_pretraining_dataset.py packs them, and
 * the seeded, shuffled stream of batches that reads them.
 *
 * Text is one sentence or paragraph per line, a blank line between
 * documents. Lines are tokenised (no special tokens) and accumulated until
 * they reach the target length, or a document ends; the sentences then
 * split into two segments and make one example
 *     [CLS] A [SEP] B [SEP]   (token types 0 ... 0 1 ... 1)
 * or, one time in ten, [CLS] A [SEP] alone:
 *  - A is meant to be about half of (target - 3) tokens: a sentence joins
 *    A when A is empty, or fits under that length, or (when B is still
 *    empty and A short of it) on a coin flip; otherwise it joins B;
 *  - A is cut to max_length - 2 tokens and B to what is left after A and
 *    the three special tokens;
 *  - the target is max_length, except after one example in twenty a
 *    random length in [5, max_length] (so short sequences are seen too).
 * The end of each text flushes what is left, as the end of a document.
 * The randomness comes from a seeded generator: the same text, vocabulary,
 * length and seed always give the same examples.
 *
 * The stream visits the examples in a shuffled order, a fresh permutation
 * per epoch (from the seed and the epoch number), as many epochs as asked
 * for. Its whole state is the number of examples consumed. */
#ifndef EL_PRETRAIN_DATA_H
#define EL_PRETRAIN_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "electra.h"
#include "train_rng.h"

typedef struct el_pretrain_data {
    size_t max_length;
    int32_t cls, sep;
    /* The examples: tokens back to back ([CLS] A [SEP] B [SEP]), example
     * i at [begin[i], begin[i + 1]), the first type0[i] of them of token
     * type 0. */
    int32_t *tokens;
    size_t n_tokens, cap_tokens;
    size_t *begin;
    uint32_t *type0;
    size_t n_examples, cap_examples;
    /* The example being built: its sentences' tokens back to back, where
     * each sentence ends, and which segment it went to. */
    int32_t *pending;
    size_t n_pending, cap_pending;
    struct el_pending_sentence {
        size_t end;
        int in_a;
    } *sentences;
    size_t n_sentences, cap_sentences;
    size_t target_length;
    el_rng rng;
} el_pretrain_data;

/* An empty set of examples of max_length tokens (at least 5) using the
 * given [CLS] and [SEP] ids. */
electra_status el_pretrain_data_create(size_t max_length, int32_t cls, int32_t sep,
                                       uint64_t seed, el_pretrain_data **out);
void el_pretrain_data_free(el_pretrain_data *d);

/* The tokens of one non-blank line. */
electra_status el_pretrain_data_add_sentence(el_pretrain_data *d, const int32_t *ids, size_t n);
/* A blank line (or the end of a text): the example being built, if any,
 * is finished. */
electra_status el_pretrain_data_end_document(el_pretrain_data *d);

/* Tokenise UTF-8 text (lines of `len` bytes; blank lines end documents,
 * and so does the end of the text) with tokenizer and add it. what names
 * the text in errors. */
electra_status el_pretrain_data_add_text(el_pretrain_data *d, const electra_tokenizer *tokenizer,
                                         const char *text, size_t len, const char *what);
/* The same for a file. */
electra_status el_pretrain_data_add_file(el_pretrain_data *d, const electra_tokenizer *tokenizer,
                                         const char *path);

/* Example i as a padded row of max_length: ids (padding 0), token types
 * and attention mask. */
void el_pretrain_data_example(const el_pretrain_data *d, size_t i, int32_t *ids, int32_t *types,
                              int32_t *mask);

typedef struct el_pretrain_stream {
    const el_pretrain_data *data;
    uint64_t seed;
    uint64_t consumed; /* examples handed out so far */
    uint64_t epoch;    /* the epoch `order` is the permutation of */
    uint32_t *order;
} el_pretrain_stream;

/* A stream over data (which must outlive it and hold at least one
 * example), at position `consumed`. */
electra_status el_pretrain_stream_init(el_pretrain_stream *s, const el_pretrain_data *data,
                                       uint64_t seed, uint64_t consumed);
void el_pretrain_stream_release(el_pretrain_stream *s);
/* Move to position `consumed`. */
void el_pretrain_stream_seek(el_pretrain_stream *s, uint64_t consumed);
/* The next `batch` examples as rows of data->max_length (ids, types,
 * mask: batch x max_length each), crossing into the next epoch when one
 * ends. */
void el_pretrain_stream_next(el_pretrain_stream *s, size_t batch, int32_t *ids, int32_t *types,
                             int32_t *mask);

#endif
