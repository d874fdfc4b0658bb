/* dnncrit: command-line front end. Dispatches to cli/cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dnncrit/version.h"

typedef struct {
    const char *name;
    int (*fn)(int, char **);
    const char *description;
} command_entry;

#define CLI_COMMAND_ENTRY(name, fn, desc) {name, fn, desc},
static const command_entry commands[] = {CLI_COMMANDS(CLI_COMMAND_ENTRY)};

static void usage(FILE *fp)
{
    fprintf(fp,
            "dnncrit %s: deep neural networks as systems at an absorbing phase transition\n\n"
            "usage: dnncrit COMMAND [options]     (dnncrit COMMAND --help for details)\n\n"
            "commands:\n",
            DNNCRIT_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(fp, "  %-16s %s\n", commands[i].name, commands[i].description);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(name, "--version") == 0)
        name = "version";
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "dnncrit: error: unknown command '%s' (see 'dnncrit --help')\n", name);
    return 2;
}
