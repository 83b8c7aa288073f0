/* json_line.h - one line of JSON Lines parsed with cJSON, keeping strings
 * that contain "\u0000" whole (cJSON ends its strings at the first NUL).
 * Shared by `electra tokenize --jsonl` and the tokenizer tests. */
#ifndef JSON_LINE_H
#define JSON_LINE_H

#include <stddef.h>

#include <cJSON.h>

/* Parse line[0..len) (modified in place). NULL when the line is not valid
 * UTF-8 or not JSON; then *error (if not NULL) says which. */
cJSON *json_line_parse(char *line, size_t len, const char **error);

/* The string value of obj[key] with its real length (the bytes stay owned
 * by obj; call once per item). NULL when absent or not a string. */
const char *json_line_string(cJSON *obj, const char *key, size_t *len);

#endif
