/* libFuzzer: the CLI option layer (dnc_cli_parse) with an option of every
 * type, deprecated aliases included. The input is argv, one argument per
 * line; "--config" is not followed to files (the config parser has its own
 * target). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz_text.h"

enum { MAX_ARGS = 64 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* Help and error messages are expected: send the stdio streams to
     * /dev/null. libFuzzer and the sanitizers write to file descriptor 2
     * directly, so their reports still reach the log. */
    FILE *null = fopen("/dev/null", "w");
    if (null) {
        stdout = null;
        stderr = null;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    char *args[MAX_ARGS + 1];
    int argc = 0;
    args[argc++] = "fuzz";
    for (char *s = text; s && argc < MAX_ARGS;) {
        char *nl = strchr(s, '\n');
        if (nl)
            *nl = '\0';
        if (strncmp(s, "--config", 8) != 0)
            args[argc++] = s;
        s = nl ? nl + 1 : NULL;
    }
    args[argc] = NULL;
    bool flag = false;
    double d = 1.5;
    size_t n = 4;
    uint64_t u = 7;
    const char *str = "x";
    dnc_activation act = DNC_ACT_TANH;
    dnc_dlist list = {0};
    dnc_opt opts[] = {
        {"flag", DNC_OPT_FLAG, &flag, "a flag", false},
        {"sigma-w", DNC_OPT_DOUBLE, &d, "a double", false},
        {"width", DNC_OPT_SIZE, &n, "a size", false},
        {"seed", DNC_OPT_U64, &u, "a u64", false},
        {"out", DNC_OPT_STRING, &str, "a string", false},
        {"activation", DNC_OPT_ACTIVATION, &act, "an activation", false},
        {"sigma-b", DNC_OPT_DLIST, &list, "a list", false},
        DNC_OPT_ALIAS_OF("output", "out"),
        DNC_OPT_ALIAS_OF("dangling", "no-such-option"),
    };
    dnc_cli cli = {.command = "fuzz", .summary = "fuzz", .example = "fuzz", .opts = opts,
                   .nopts = sizeof opts / sizeof opts[0], .positional_name = "FILE",
                   .min_positional = 0, .max_positional = 3};
    int rc = dnc_cli_parse(&cli, argc, args);
    if (rc == DNC_CLI_OK) {
        for (size_t i = 0; i < list.n; i++)
            if (list.v[i] != list.v[i])
                abort(); /* NaN must never get through */
        if (d != d)
            abort();
    }
    dnc_cli_free(&cli);
    free(text);
    return 0;
}
