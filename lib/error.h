/* error.h - status reporting: a per-thread message for every failure,
 * copied into per-thread handles, and the optional log callback. */
#ifndef EL_ERROR_H
#define EL_ERROR_H

#include "electra.h"

#define EL_ERRMSG_SIZE 512

#if defined(__GNUC__)
#define EL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define EL_PRINTF(a, b)
#endif

/* Record a failure: formats the message into this thread's last-error
 * buffer and returns status, so callers can `return el_fail(...)`. */
electra_status el_fail(electra_status status, const char *fmt, ...) EL_PRINTF(2, 3);
/* Prefix this thread's last error with context ("loading X: ..."),
 * keeping the status; returns status. */
electra_status el_fail_context(electra_status status, const char *fmt, ...)
    EL_PRINTF(2, 3);
/* Shorthand for running out of memory while doing what. */
electra_status el_nomem(const char *what);
/* Copy this thread's last error into a handle's buffer (EL_ERRMSG_SIZE). */
void el_error_capture(char *dst);

void el_log(int level, const char *fmt, ...) EL_PRINTF(2, 3);

#endif
