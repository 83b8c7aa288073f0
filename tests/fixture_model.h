/* fixture_model.h - reading a fixture model's expected/ folder: the
 * batch of inputs and the float32 reference outputs named by its
 * manifest. */
#ifndef FIXTURE_MODEL_H
#define FIXTURE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

typedef struct fixture_inputs {
    size_t batch, seq;
    int32_t *ids, *mask, *types; /* batch x seq */
    char **texts, **pairs;       /* batch strings; pairs[i] NULL when none */
} fixture_inputs;

typedef struct fixture_array {
    char name[64];
    size_t ndim, shape[4], count;
    float *data;
} fixture_array;

/* model_dir/expected/inputs.json; 0 on success. */
int fixture_inputs_load(const char *model_dir, fixture_inputs *in);
void fixture_inputs_free(fixture_inputs *in);
/* All arrays listed in model_dir/expected/manifest.json "files"; returns
 * how many (arrays malloc'ed into *out), -1 on error. */
int fixture_arrays_load(const char *model_dir, fixture_array **out);
void fixture_arrays_free(fixture_array *arrays, int n);
/* dir/rel parsed; NULL when unreadable or not JSON. */
cJSON *fixture_read_json(const char *dir, const char *rel);

#endif
