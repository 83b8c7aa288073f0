/* tok_fixtures.h - reading the tokenizer fixture files (JSON lines) for the
 * tokenizer suites. */
#ifndef TOK_FIXTURES_H
#define TOK_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "electra.h"

/* One line of a fixture file: its JSON and its "text" / "pair" strings with
 * their real lengths (NUL bytes kept; pair NULL when absent or null). */
struct tok_record {
    cJSON *json;
    const char *text, *pair;
    size_t text_len, pair_len;
};

struct tok_records {
    struct tok_record *items;
    size_t count;
};

/* Reads fixtures/tokenizer/<name>; fails the test when unreadable. */
void tok_records_load(const char *name, struct tok_records *out);
void tok_records_free(struct tok_records *r);

/* A tokenizer from a path under the fixtures (or absolute); fails the
 * test when it does not load. */
electra_tokenizer *tok_load(const char *path, const electra_options *options);

/* Whether the word pieces of row 0 (inserted [CLS]/[SEP] left out) are
 * the JSON string lists tokens then pair_tokens (may be NULL). */
int tok_pieces_equal(const electra_tokenizer *t, const electra_encoding *e, const cJSON *tokens,
                     const cJSON *pair_tokens);
/* Whether the JSON array a holds exactly v[0..n). */
int tok_ints_equal(const cJSON *a, const int32_t *v, size_t n);
/* Whether a holds the [begin, end] pairs of off[0..2n). */
int tok_offsets_equal(const cJSON *a, const size_t *off, size_t n);
/* "[1, 2, 3]" of v[0..n) in a static buffer, for failure messages. */
const char *tok_ints_str(const int32_t *v, size_t n);

#endif
