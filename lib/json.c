/* json.c - serialised access to cJSON's parser. */
#include "json.h"

#include <pthread.h>

static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;

cJSON *el_json_parse(const char *text, size_t len, size_t *error_at)
{
    const char *end = NULL;
    pthread_mutex_lock(&parse_lock);
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    pthread_mutex_unlock(&parse_lock);
    if (!root && error_at)
        *error_at = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
    return root;
}
