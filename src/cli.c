/* cli.c - helpers shared by the electra tool's commands. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int cli_error(const char *cmd, int code, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "electra %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int cli_status_error(const char *cmd, electra_status status, const char *detail)
{
    /* The library's message says what went wrong; the status text is the
     * fallback when there is none. */
    const char *msg = detail && *detail ? detail : electra_last_error();
    return cli_error(cmd, CLI_FAIL, "%s", msg && *msg ? msg : electra_status_string(status));
}

int cli_print_json(cJSON *value)
{
    char *s = value ? cJSON_PrintUnformatted(value) : NULL;
    cJSON_Delete(value);
    if (!s) {
        fprintf(stderr, "electra: out of memory while printing JSON\n");
        return CLI_FAIL;
    }
    puts(s);
    cJSON_free(s);
    return CLI_OK;
}

int cli_stdout_is_tty(void)
{
    return isatty(STDOUT_FILENO);
}

long long cli_parse_count(const char *s)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < 0)
        return -1;
    return v;
}

char *cli_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n < cap - 1)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            errno = ENOMEM;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf)
        return NULL;
    if (err) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}
