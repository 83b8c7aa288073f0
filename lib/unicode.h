/* unicode.h - the Unicode facts BERT's tokenizer depends on, as Python 3.11
 * (unicodedata 14.0.0) sees them: categories, full lowercasing, canonical
 * decomposition and composition, combining classes, whitespace.
 *
 * utf8proc supplies the data. Where its tables are newer than Unicode 14.0
 * the code points assigned later are reported as unassigned (Cn), exactly
 * what transformers' slow BertTokenizer sees under Python 3.11. */
#ifndef EL_UNICODE_H
#define EL_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest canonical decomposition of one code point (U+1F82 and friends
 * have 4), with room to spare. */
#define EL_UNI_MAX_DECOMP 8

/* Whether cp was assigned in Unicode 14.0 (surrogates and private use
 * count as assigned, as their categories Cs/Co say). */
bool el_uni_assigned14(int32_t cp);
/* Two-letter general category ("Lu", "Mn", ...) under Unicode 14.0. */
const char *el_uni_category(int32_t cp);

/* Python's str.lower() of the one-character string cp: the simple mapping,
 * except U+0130 which lowers to "i" + U+0307. Writes 1 or 2 code points. */
int el_uni_lower(int32_t cp, int32_t out[2]);

/* BertTokenizer's _clean_text drops these: U+0000, U+FFFD and every
 * category C* character except \t, \n, \r. */
bool el_uni_is_removed(int32_t cp);
/* Python's str.isspace(): what str.split() splits on. */
bool el_uni_is_space(int32_t cp);
/* BertTokenizer's _is_punctuation: category P*, or any ASCII symbol. */
bool el_uni_is_punct(int32_t cp);
/* BertTokenizer's _is_chinese_char: the CJK ideograph blocks it isolates. */
bool el_uni_is_cjk(int32_t cp);
/* Category Mn, what accent stripping drops after NFD. */
bool el_uni_is_nonspacing_mark(int32_t cp);

/* Canonical combining class. */
int el_uni_ccc(int32_t cp);
/* Full canonical decomposition of cp (Hangul included), not yet
 * canonically ordered; returns the number of code points written. */
int el_uni_decompose(int32_t cp, int32_t out[EL_UNI_MAX_DECOMP]);
/* The primary composite of a starter and a following character, or -1. */
int32_t el_uni_compose(int32_t first, int32_t second);

/* The Unicode version of the linked utf8proc ("15.0.0"). */
const char *el_uni_data_version(void);

#endif
