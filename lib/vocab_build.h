/* vocab_build.h - learning a WordPiece vocabulary from text, the way
 * Hugging Face tokenizers' WordPieceTrainer does (its BPE engine with the
 * "##" continuation prefix):
 *
 *  1. words: the text goes through this library's BERT normalizer and
 *     pre-tokenizer (uncased: lowercase, strip accents, split on whitespace
 *     and punctuation, CJK ideographs alone) and each distinct word is
 *     counted;
 *  2. alphabet: the characters of all words, weighted by word counts; only
 *     the limit_alphabet most frequent are kept (ties: lower code point);
 *  3. every word starts as its characters, "c" first then "##c";
 *  4. repeatedly the most frequent adjacent pair (x, ##y) anywhere is
 *     merged into the token "xy" (or (##x, ##y) into "##xy"), left to
 *     right in each word, until the vocabulary holds vocab_size tokens or
 *     no pair occurs min_frequency times. A pair's count is its adjacent
 *     occurrences times the word counts, overlapping ones included ("aaaa"
 *     holds (##a, ##a) twice), as in HF. The counts are kept up to date
 *     per merge (only the words holding the pair are touched), never
 *     recounted; a test checks the result against recounting.
 *
 * The layout is BERT's: 0 [PAD], 1-99 [unused0]-[unused98], 100 [UNK],
 * 101 [CLS], 102 [SEP], 103 [MASK]; then every kept character "c" in code
 * point order, then every "##c" in the same order (so any word of the
 * alphabet can be tokenized); then the merged tokens in the order learned.
 *
 * Where it differs from the HF trainer, on purpose:
 *  - ties are broken by a fixed rule (count, then the ids of the pair,
 *    lower first; the alphabet by code point) so that a corpus always
 *    gives the same vocabulary (HF's hash maps make ties order-dependent);
 *  - a word with a character outside the kept alphabet is left out (HF
 *    drops just the character, gluing the rest into a word that never
 *    occurs; WordPiece makes such a word [UNK] anyway);
 *  - a merged pair is applied to every word holding it at once (HF may
 *    apply one pair in several rounds, recording it more than once);
 *  - all "##c" are present, not only those seen inside a word;
 *  - words longer than 100 characters are not counted (WordPiece makes
 *    them [UNK] whole).
 * The result depends only on the word counts, not on the input order. */
#ifndef EL_VOCAB_BUILD_H
#define EL_VOCAB_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "electra.h"

/* [PAD], [unused0..98], [UNK], [CLS], [SEP], [MASK]. */
#define EL_VOCAB_BUILD_SPECIALS 104

struct el_vocab_build_params {
    size_t vocab_size;      /* tokens wanted, the specials included */
    size_t limit_alphabet;  /* characters kept at most (HF's BertWordPieceTokenizer: 1000) */
    uint64_t min_frequency; /* stop once the best pair occurs fewer times (HF: 2) */
};

struct el_vocab_build_stats {
    size_t words;            /* distinct words counted */
    uint64_t occurrences;    /* words counted in all */
    size_t alphabet;         /* characters kept */
    size_t alphabet_dropped; /* characters left out by limit_alphabet */
    size_t words_dropped;    /* distinct words holding a left-out character */
    size_t merges;           /* pairs merged */
    size_t tokens;           /* size of the vocabulary made */
};

typedef struct el_vocab_trainer el_vocab_trainer;

electra_status el_vocab_trainer_create(el_vocab_trainer **out);
void el_vocab_trainer_free(el_vocab_trainer *t);

/* Count the words of text[0..n) (UTF-8; what names it in messages:
 * invalid UTF-8 gives ELECTRA_ERR_INVALID_UTF8 with the line and byte,
 * before any word is counted). After another failure (no memory) the
 * words counted so far stay counted and the trainer stays usable. */
electra_status el_vocab_trainer_feed(el_vocab_trainer *t, const char *text, size_t n,
                                     const char *what);
/* The same for a whole file (ELECTRA_ERR_IO naming it when unreadable). */
electra_status el_vocab_trainer_feed_file(el_vocab_trainer *t, const char *path);

/* Learn a vocabulary from the words counted so far (the trainer is not
 * changed: it can learn again with other params). *text gets vocab.txt
 * (one token per line, the id is the line number; release with el_free),
 * *len its length; stats may be NULL. A vocab_size below the specials
 * plus twice the kept alphabet is ELECTRA_ERR_INVALID_ARGUMENT. */
electra_status el_vocab_trainer_learn(const el_vocab_trainer *t,
                                      const struct el_vocab_build_params *params, char **text,
                                      size_t *len, struct el_vocab_build_stats *stats);

/* How a tokenizer covers a text: words (as el_pretokenize sees them, added
 * tokens included), the word pieces they become, and the words that became
 * [UNK]. Added to what *c holds. */
struct el_vocab_coverage {
    uint64_t words, pieces, unknown;
};

electra_status el_vocab_coverage_add(const electra_tokenizer *tokenizer, const char *text,
                                     size_t n, const char *what, struct el_vocab_coverage *c);

#endif
