/* email.h - the readable text of an e-mail: its subject and body, headers
 * dropped, MIME parts and transfer encodings undone, HTML reduced to its
 * text, everything as UTF-8 with whitespace squeezed. */
#ifndef EMAIL_H
#define EMAIL_H

#include <stddef.h>

#include "corpus.h"

/* Replace out with the subject, a newline, and the body of the message
 * msg[0..n), cut to max_chars characters (at a space when one is near).
 * Returns whether it had to cut. */
bool email_text(const char *msg, size_t n, size_t max_chars, struct buf *out);

#endif
