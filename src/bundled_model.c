/* bundled_model.c - finding the bundled model's directories. */
#include "bundled_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef ELECTRA_SOURCE_MODELS
#error "ELECTRA_SOURCE_MODELS must name the source tree's models/ (mk/cli.am)"
#endif
#ifndef ELECTRA_INSTALLED_MODELS
#error "ELECTRA_INSTALLED_MODELS must name the installed models/ (mk/cli.am)"
#endif

const char bundled_model_places[] =
    "$ELECTRA_MODELS, " ELECTRA_SOURCE_MODELS ", " ELECTRA_INSTALLED_MODELS;

static int has_part(const char *root, const char *part, char *buf, size_t size)
{
    if (!root || !*root)
        return 0;
    int n = snprintf(buf, size, "%s/%s/config.json", root, part);
    if (n < 0 || (size_t)n >= size || access(buf, R_OK) != 0)
        return 0;
    snprintf(buf, size, "%s/%s", root, part);
    return 1;
}

const char *bundled_model_dir(const char *part, char *buf, size_t size)
{
    const char *roots[] = {getenv("ELECTRA_MODELS"), ELECTRA_SOURCE_MODELS,
                           ELECTRA_INSTALLED_MODELS};
    for (size_t i = 0; i < sizeof roots / sizeof *roots; i++)
        if (has_part(roots[i], part, buf, size))
            return buf;
    return NULL;
}
