/* json_dump.h - JSON text laid out as Python's
 * json.dumps(obj, indent=2, sort_keys=True) writes it (the form of the
 * config.json files transformers saves): two-space indentation, ": "
 * after keys, keys sorted, non-ASCII escaped as \uXXXX, floats in
 * Python's shortest repr. */
#ifndef EL_JSON_DUMP_H
#define EL_JSON_DUMP_H

#include <cJSON.h>

#include "electra.h"

/* A float as Python's repr writes it ("0.1", "1e-12", "2.0"), into buf
 * (32 bytes). NaN and infinities are not JSON and give "null". */
void el_json_float(double x, char buf[32]);

/* A cJSON number that always prints as a Python float (cJSON itself
 * cannot tell 2.0 from 2). NULL on no memory. */
cJSON *el_json_create_float(double x);

/* Numbers print as integers when integral, else as floats; raw items
 * verbatim. *out is el_malloc'ed. */
electra_status el_json_dump(const cJSON *root, char **out, size_t *length);

/* root dumped with a final newline into dir/name (el_write_file: all or
 * nothing). Takes root, deleting it whatever happens; NULL root (a
 * failed build) gives ELECTRA_ERR_NOMEM. */
electra_status el_json_write_file(cJSON *root, const char *dir, const char *name);

#endif
