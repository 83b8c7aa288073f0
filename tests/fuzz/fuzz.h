/* fuzz.h - what the fuzz targets share.
 *
 * Each tests/fuzz/fuzz_<name>.c defines LLVMFuzzerTestOneInput for one
 * parser or entry point that takes outside data. The same file is linked
 * two ways: with libFuzzer (`make fuzz`, clang; see tests/fuzz/README)
 * to search for inputs, and with replay.c into tests/fuzz/replay_<name>,
 * which `make check` runs over the committed corpus tests/fuzz/corpus/<name>/
 * (seeds and every crasher found). A target must never fail on its own:
 * only a crash, a sanitizer report or a leak is a finding. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "electra.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A scratch directory private to this process (on /dev/shm when it
 * exists), removed with its contents at exit. */
const char *fuzz_scratch_dir(void);
/* scratch/name, in a buffer owned by the caller (at least 4096 bytes). */
char *fuzz_scratch_path(char *buf, const char *name);
/* Write size bytes to path (replacing it); 0 on success. */
int fuzz_write_file(const char *path, const void *data, size_t size);
/* A directory holding the tiny model (tests/tiny_model.h) with this head,
 * built on first use. Aborts when it cannot be built: that is a broken
 * harness, not a finding. */
const char *fuzz_tiny_model_dir(int head);

/* A finding that is not a crash: a broken invariant. Prints and aborts. */
#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            fuzz_fail(__FILE__, __LINE__, #cond);                              \
    } while (0)
void fuzz_fail(const char *file, int line, const char *what);

/* Check an encoding made by tok of count inputs of these text (and pair,
 * when not NULL) lengths: ids in the vocabulary, offsets inside their
 * sequence's text, flags 0/1, sources in range. */
void fuzz_check_encoding(const electra_tokenizer *tok, const electra_encoding *enc,
                         const size_t *text_lens, const size_t *pair_lens, size_t count);
/* Decode ids with every flag combination, through a too-small buffer
 * first, checking the length reported. */
void fuzz_decode_ids(const electra_tokenizer *tok, const int32_t *ids, size_t n);
/* Use a tokenizer the way a caller would (encode text alone and as a
 * pair, decode the ids, look tokens up), checking the encoding's
 * invariants: ids in the vocabulary, offsets inside the text. */
void fuzz_exercise_tokenizer(const electra_tokenizer *tok, const char *text, size_t len);

struct el_tensor_set;
/* Read every byte of every tensor (so ASan sees data outside its file)
 * and take the float32 view of each float tensor. */
void fuzz_touch_tensors(struct el_tensor_set *set);

/* Consuming an input piece by piece. */
typedef struct fuzz_input {
    const uint8_t *p;
    size_t n;
} fuzz_input;

/* The next byte, 0 once the input is used up. */
uint8_t fuzz_byte(fuzz_input *in);
/* The next piece: the bytes up to (not including) the next 0xFF, or the
 * rest; the 0xFF is consumed. */
size_t fuzz_piece(fuzz_input *in, const char **piece);

#endif
