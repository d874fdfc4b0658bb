/* libFuzzer: the CLI option layer (cli_parse) with an option of every
 * type, an option of a declared parameter and deprecated aliases included.
 * The input is argv, one argument per line; "--config" is not followed to
 * files (the config parser has its own target). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dnncrit/network.h"
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
    double d = 1.5, sigma_b = 0;
    size_t n = 4;
    uint64_t u = 7;
    const char *str = "x";
    dnc_activation act = DNC_ACT_TANH;
    cli_dlist list = {0};
    cli_opt opts[] = {
        CLI_OPT("flag", CLI_OPT_FLAG, &flag, "a flag"),
        CLI_OPT("sigma-w", CLI_OPT_DOUBLE, &d, "a double"),
        CLI_OPT("width", CLI_OPT_SIZE, &n, "a size"),
        CLI_OPT("seed", CLI_OPT_U64, &u, "a u64"),
        CLI_OPT("out", CLI_OPT_STRING, &str, "a string"),
        CLI_OPT("activation", CLI_OPT_ACTIVATION, &act, "an activation"),
        CLI_OPT("sigma-b", CLI_OPT_DLIST, &list, "a list"),
        CLI_PARAM(dnc_net_param_sigma_b, &sigma_b),
        CLI_OPT_ALIAS_OF("output", "out"),
        CLI_OPT_ALIAS_OF("dangling", "no-such-option"),
    };
    cli_command cli = {.command = "fuzz", .summary = "fuzz", .example = "fuzz", .opts = opts,
                   .nopts = sizeof opts / sizeof opts[0], .positional_name = "FILE",
                   .min_positional = 0, .max_positional = 3};
    int rc = cli_parse(&cli, argc, args);
    if (rc == CLI_OK) {
        for (size_t i = 0; i < list.n; i++)
            if (list.v[i] != list.v[i])
                abort(); /* NaN must never get through */
        if (d != d)
            abort();
    }
    cli_free(&cli);
    free(text);
    return 0;
}
