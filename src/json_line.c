/* json_line.c - JSON lines with NULs inside strings.
 *
 * A "\u0000" escape is swapped for the byte 0xFF before cJSON parses the
 * line (0xFF never occurs in valid UTF-8, which the line was checked to
 * be) and swapped back, with the length taken before, when a string is
 * read. */
#include "json_line.h"

#include <string.h>

#include "utf8.h"

cJSON *json_line_parse(char *line, size_t len, const char **error)
{
    if (el_utf8_check(line, len) < len) {
        if (error)
            *error = "the line is not valid UTF-8";
        return NULL;
    }
    size_t w = 0;
    for (size_t r = 0; r < len;) {
        /* Backslashes only occur in strings, each starting an escape. */
        if (line[r] == '\\' && r + 1 < len) {
            if (len - r >= 6 && memcmp(line + r, "\\u0000", 6) == 0) {
                line[w++] = (char)0xFF;
                r += 6;
            } else {
                line[w++] = line[r++];
                line[w++] = line[r++];
            }
        } else {
            line[w++] = line[r++];
        }
    }
    cJSON *root = cJSON_ParseWithLengthOpts(line, w, NULL, 0);
    if (!root && error)
        *error = "the line is not valid JSON";
    return root;
}

const char *json_line_string(cJSON *obj, const char *key, size_t *len)
{
    cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(item))
        return NULL;
    char *s = item->valuestring;
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] == 0xFF)
            s[i] = '\0';
    *len = n;
    return s;
}
