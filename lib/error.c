/* error.c - status strings, per-thread error text, the log callback. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_error[EL_ERRMSG_SIZE];

static const char *const status_text[] = {
    [ELECTRA_OK] = "success",
    [ELECTRA_ERR_INVALID_ARGUMENT] = "invalid argument",
    [ELECTRA_ERR_NOMEM] = "out of memory",
    [ELECTRA_ERR_IO] = "file missing or unreadable",
    [ELECTRA_ERR_INVALID_UTF8] = "invalid UTF-8",
    [ELECTRA_ERR_FORMAT] = "malformed file",
    [ELECTRA_ERR_UNSAFE_PICKLE] = "pickle refused: it goes beyond a state dict",
    [ELECTRA_ERR_UNSUPPORTED] = "unsupported",
    [ELECTRA_ERR_CONFIG] = "invalid model configuration",
    [ELECTRA_ERR_MISSING_TENSOR] = "missing weight tensor",
    [ELECTRA_ERR_UNEXPECTED_TENSOR] = "unexpected weight tensor",
    [ELECTRA_ERR_SHAPE] = "wrong shape",
    [ELECTRA_ERR_TOO_LONG] = "input too long for the model",
    [ELECTRA_ERR_TRUNCATION] = "impossible truncation",
    [ELECTRA_ERR_BUFFER_TOO_SMALL] = "buffer too small",
    [ELECTRA_ERR_WRONG_HEAD] = "the model has no head for this task",
    [ELECTRA_ERR_NO_MASK] = "no [MASK] token in the text",
    [ELECTRA_ERR_INTERNAL] = "internal error",
};

ELECTRA_API const char *electra_status_string(electra_status status)
{
    if ((unsigned)status < sizeof status_text / sizeof status_text[0] &&
        status_text[status])
        return status_text[status];
    return "unknown status";
}

ELECTRA_API const char *electra_last_error(void)
{
    return last_error;
}

electra_status el_fail(electra_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return status;
}

electra_status el_fail_context(electra_status status, const char *fmt, ...)
{
    /* The prefix is kept short so the original message survives. */
    char prefix[EL_ERRMSG_SIZE / 2];
    char old[EL_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, last_error, sizeof old);
    size_t n = strlen(prefix);
    memcpy(last_error, prefix, n);
    snprintf(last_error + n, sizeof last_error - n, ": %s",
             old[0] ? old : electra_status_string(status));
    return status;
}

electra_status el_nomem(const char *what)
{
    return el_fail(ELECTRA_ERR_NOMEM, "out of memory while %s", what);
}

void el_error_capture(char *dst)
{
    memcpy(dst, last_error, EL_ERRMSG_SIZE);
}

static electra_log_fn log_fn;
static int log_max_level;
static void *log_user;

ELECTRA_API void electra_set_log_callback(electra_log_fn fn, int max_level, void *user)
{
    log_fn = fn;
    log_max_level = max_level;
    log_user = user;
}

void el_log(int level, const char *fmt, ...)
{
    if (!log_fn || level > log_max_level)
        return;
    char msg[EL_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_fn(level, msg, log_user);
}
