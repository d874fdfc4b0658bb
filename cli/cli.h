/* The thin command-line layer: a declarative option table per subcommand,
 * filled from `--config FILE` (key = value lines) and then from flags,
 * which override the file. Every value is validated on the way in. */
#ifndef DNNCRIT_CLI_H
#define DNNCRIT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "dnncrit/activation.h"
#include "dnncrit/io.h"

typedef enum {
    DNC_OPT_FLAG,       /* bool *; "--name" alone, or "name = true|false" in a config */
    DNC_OPT_DOUBLE,     /* double *, finite */
    DNC_OPT_SIZE,       /* size_t *, non-negative integer */
    DNC_OPT_U64,        /* uint64_t * */
    DNC_OPT_STRING,     /* const char ** (owned by the dnc_cli) */
    DNC_OPT_ACTIVATION, /* dnc_activation * */
    DNC_OPT_DLIST,      /* dnc_dlist *: "a,b,c" or "lo:hi:n" (n points, ends included) */
    DNC_OPT_ALIAS       /* a deprecated spelling: target is the name of the option it stands
                           for (declare with DNC_OPT_ALIAS_OF) */
} dnc_opt_type;

typedef struct {
    double *v;
    size_t n;
} dnc_dlist;

typedef struct {
    const char *name; /* long name without "--" */
    dnc_opt_type type;
    void *target; /* holds the default on entry */
    const char *help;
    bool seen; /* set by the parser */
} dnc_opt;

/* A deprecated spelling OLD of the option named NEW (both without "--"):
 * accepted on the command line and in config files with a warning on
 * stderr, listed in --help as deprecated. */
#define DNC_OPT_ALIAS_OF(old, new) {(old), DNC_OPT_ALIAS, (void *)(new), NULL, false}

typedef struct {
    const char *command;
    const char *summary;  /* one paragraph for --help */
    const char *example;  /* one example command line for --help */
    dnc_opt *opts;
    size_t nopts;
    const char *positional_name; /* e.g. "FILE"; NULL when none taken */
    size_t min_positional, max_positional;
    /* filled by the parser */
    char **positional;
    size_t npositional;
    dnc_config config; /* keeps config-file strings alive */
    char **owned;      /* other strings kept alive */
    size_t nowned;
} dnc_cli;

enum { DNC_CLI_OK = 0, DNC_CLI_HELP = 1, DNC_CLI_ERROR = 2 };

/* Parses argv (argv[0] is the subcommand name). On DNC_CLI_HELP the help
 * has been printed to stdout; on DNC_CLI_ERROR an error to stderr. */
int dnc_cli_parse(dnc_cli *cli, int argc, char **argv);
void dnc_cli_free(dnc_cli *cli);
void dnc_cli_print_help(const dnc_cli *cli, FILE *fp);
bool dnc_cli_seen(const dnc_cli *cli, const char *name);

/* The file-name part of a path ("dir/run.csv" -> "run.csv"), as recorded
 * in a run record's "outputs". */
const char *dnc_cli_base_name(const char *path);

/* Prints "dnncrit <cmd>: error: <dnc_last_error()>" and returns 1. */
int dnc_cli_fail(const char *command);
/* Prints "dnncrit <cmd>: error: <formatted>" and returns 1. */
int dnc_cli_failf(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The body of a subcommand, called by dnc_cli_run once the options are
 * parsed: ctx is the runner's, cli the parsed options (positionals, seen),
 * argc/argv the command line (for the run record). Returns the exit code:
 * 0 ok, 1 run failure, 2 usage error (e.g. a bad combination of options). */
typedef int (*dnc_cli_run_fn)(void *ctx, const dnc_cli *cli, int argc, char **argv);

typedef struct {
    dnc_cli_run_fn run;
    void *ctx;
    /* --plot: the DNC_PLOT_OPTION variable (NULL: the command has no --plot) */
    const char *const *plot;
    /* where the figure's JSON is: *prefix (e.g. the --out variable) followed by suffix
       (".json", "/sweep.json"); prefix NULL: the run renders the figure itself */
    const char *const *prefix;
    const char *suffix;
} dnc_cli_runner;

/* A whole subcommand: parses argv into cli (--help: exit 0, a usage error:
 * 2), checks the --plot format (bad: 2, before any work), calls run, then,
 * when it returned 0 and --plot was given, renders the figure of
 * *prefix suffix (failure: 1), and frees cli. Returns the exit code. */
int dnc_cli_run(dnc_cli *cli, int argc, char **argv, const dnc_cli_runner *r);

/* For a run callback whose work fills a run record: makes the record of
 * argc/argv (dnc_run_record_new), calls fn(ctx, record), reports a failure
 * as "dnncrit <command>: error: <dnc_last_error()>", deletes the record and
 * returns fn's exit code. */
int dnc_cli_run_recorded(const char *command, int argc, char **argv,
                         int (*fn)(void *ctx, cJSON *record), void *ctx);

/* Every subcommand: int cmd_NAME(int argc, char **argv), argv[0] = NAME. */
typedef int (*dnc_command_fn)(int argc, char **argv);

#endif
