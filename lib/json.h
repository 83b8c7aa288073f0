/* json.h - the library's one way into cJSON's parser. */
#ifndef EL_JSON_H
#define EL_JSON_H

#include <cJSON.h>
#include <stddef.h>

/* Parse len bytes of JSON (no NUL needed). NULL on a syntax error (or no
 * memory), with *error_at, when not NULL, set to the byte where parsing
 * stopped. cJSON's parser writes a process-wide error position on every
 * call, so the library's parses take a lock: loading models from several
 * threads at once stays free of data races among themselves. */
cJSON *el_json_parse(const char *text, size_t len, size_t *error_at);

#endif
