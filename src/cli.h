/* cli.h - what the electra tool's commands share. */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>

#include <cJSON.h>

#include "electra.h"

struct cli_command {
    const char *name;    /* as typed: "fill-mask" */
    const char *summary; /* one line for `electra --help` */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
};

/* Exit codes: 0 success, 1 the work failed (bad input, model error),
 * 2 usage error. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Print "electra CMD: message" to stderr; returns code. */
int cli_error(const char *cmd, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Print a status with the library's last error text; returns CLI_FAIL. */
int cli_status_error(const char *cmd, electra_status status, const char *detail);
/* Print a cJSON value on one line to stdout and free it; CLI_FAIL when
 * the JSON could not be built (value NULL or printing failed). */
int cli_print_json(cJSON *value);
/* Whether stdout is a terminal (colour and progress bars only there). */
int cli_stdout_is_tty(void);
/* Parse a non-negative integer flag value; returns -1 on garbage. */
long long cli_parse_count(const char *s);
/* Read a whole file (NUL-terminated, length in *len); NULL with errno set. */
char *cli_read_file(const char *path, size_t *len);

#endif
