/* brown_tags.h - the Brown corpus's tags mapped to the 12-tag universal
 * tagset (rules in brown_tags.c and doc/data-formats.md). */
#ifndef BROWN_TAGS_H
#define BROWN_TAGS_H

#include <stdbool.h>
#include <stddef.h>

/* The universal tag of Brown tag[0..n) (static text). */
const char *brown_to_universal(const char *tag, size_t n);

#endif
