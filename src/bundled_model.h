/* bundled_model.h - where the model libelectra ships (models/ in the
 * source tree, installed under $(pkgdatadir)/models) is found, for the
 * commands that run without --model. */
#ifndef BUNDLED_MODEL_H
#define BUNDLED_MODEL_H

#include <stddef.h>

/* The directory of the bundled model's part ("generator" or
 * "discriminator"), looked for in $ELECTRA_MODELS, then the source tree's
 * models/ (a build that is not installed), then the installed copy.
 * Writes it into buf and returns buf, or NULL when none has the part's
 * config.json. */
const char *bundled_model_dir(const char *part, char *buf, size_t size);

/* The places bundled_model_dir() looks, for error messages. */
extern const char bundled_model_places[];

#endif
