/* pretrain_util.h - what the pre-training suites share: a small
 * BERT-layout vocabulary and a tiny pre-training setup. */
#ifndef PRETRAIN_UTIL_H
#define PRETRAIN_UTIL_H

#include <stddef.h>

#include "electra.h"
#include "pretrain.h"

/* Words of the test vocabulary after BERT's 104 specials: "w0" ... */
#define TEST_WORDS 96
#define TEST_VOCAB (104 + TEST_WORDS)

/* The vocabulary text: [PAD], [unused0..98], [UNK], [CLS], [SEP], [MASK],
 * w0 .. w95, one per line (static). */
const char *test_vocab_text(size_t *len);
/* A tokenizer over it (asserts). */
electra_tokenizer *test_tokenizer(void);
/* The vocabulary written to dir/vocab.txt; the path (static buffer). */
const char *test_vocab_file(const char *dir);

/* Text of `docs` documents of `lines` lines each, each line one word
 * repeated (malloc'ed, NUL-terminated). */
char *test_corpus(size_t docs, size_t lines);

/* A tiny model: E 16, discriminator H 32 (2 layers, 2 heads), generator
 * H 16 (0.5), seq 16, batch 4, dropout 0.1, lr 1e-3, 2 warm-up steps of
 * 40. */
void test_pretrain_options(el_pretrain_options *o);

/* Examples of test_corpus(8, 40) for o->seq_len (asserts). */
el_pretrain_data *test_pretrain_data(const electra_tokenizer *tok, const el_pretrain_options *o);

#endif
