/* electra.c - the electra command-line tool: dispatch to a command. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define COMMAND(id) extern const struct cli_command cli_cmd_##id;
#include "commands.inc"
#undef COMMAND

static const struct cli_command *const commands[] = {
#define COMMAND(id) &cli_cmd_##id,
#include "commands.inc"
#undef COMMAND
    NULL,
};

static void usage(FILE *out)
{
    fprintf(out, "usage: electra COMMAND [OPTIONS] [ARGS]\n"
                 "       electra --version | --help\n\n"
                 "Commands:\n");
    for (size_t i = 0; commands[i]; i++)
        fprintf(out, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\n`electra COMMAND --help` describes a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("electra %s (libelectra %s)\n", ELECTRA_VERSION_STRING, electra_version_string());
        return CLI_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    for (size_t i = 0; commands[i]; i++)
        if (strcmp(argv[1], commands[i]->name) == 0)
            return commands[i]->run(argc - 1, argv + 1);
    fprintf(stderr, "electra: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
