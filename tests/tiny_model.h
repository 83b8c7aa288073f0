/* tiny_model.h - a self-made ELECTRA model small enough to build at the
 * start of a test or fuzz run: a 60-token vocabulary, embedding 8, hidden
 * 16, 2 layers of 2 heads, 32 positions, random weights from a fixed seed,
 * written with the library's own safetensors writer. The fuzz targets and
 * the reliability suites use it so that they need no fixtures. */
#ifndef TINY_MODEL_H
#define TINY_MODEL_H

#include <stddef.h>

#define TINY_MAX_POSITIONS 32
#define TINY_NUM_LABELS 5 /* token classification: O B-PER I-PER B-LOC I-LOC */

/* The vocabulary, one token per line (vocab.txt text). */
extern const char tiny_vocab_txt[];

/* Write config.json, model.safetensors and vocab.txt of a model with the
 * given head (electra_head) into the existing directory dir. 0 on
 * success, -1 on failure (message on stderr). */
int tiny_model_write(const char *dir, int head);

#endif
