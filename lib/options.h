/* options.h - internal access to an electra_options handle. */
#ifndef EL_OPTIONS_H
#define EL_OPTIONS_H

#include <stdint.h>

#include "electra.h"

/* The value of an option: the one set, else its default. A NULL options
 * pointer gives the defaults. Keys must be valid (internal callers only). */
int64_t el_opt_int(const electra_options *options, int key);
double el_opt_float(const electra_options *options, int key);

#endif
