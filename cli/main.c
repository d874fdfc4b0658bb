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
            "usage: dnncrit COMMAND [options]     (dnncrit help COMMAND for details)\n\n"
            "commands:\n",
            DNNCRIT_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(fp, "  %-16s %s\n", commands[i].name, commands[i].description);
}

static const command_entry *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

static int unknown_command(const char *name)
{
    fprintf(stderr, "dnncrit: error: unknown command '%s' (see 'dnncrit --help')\n", name);
    return 2;
}

/* "dnncrit help": the global help; "dnncrit help CMD": CMD's own (as CMD --help). */
static int help(int argc, char **argv)
{
    if (argc < 3) {
        usage(stdout);
        return 0;
    }
    if (argc > 3) {
        fprintf(stderr, "dnncrit: error: 'help' takes one command name, got %d\n", argc - 2);
        return 2;
    }
    const command_entry *c = find_command(argv[2]);
    if (!c)
        return unknown_command(argv[2]);
    char *help_argv[] = {argv[2], "--help", NULL};
    return c->fn(2, help_argv);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(name, "help") == 0)
        return help(argc, argv);
    if (strcmp(name, "--version") == 0)
        name = "version";
    const command_entry *c = find_command(name);
    return c ? c->fn(argc - 1, argv + 1) : unknown_command(name);
}
