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
#include "dnncrit/network.h"
#include "dnncrit/param.h"
#include "dnncrit/weights.h"

typedef enum {
    CLI_OPT_FLAG,       /* bool *; "--name" alone, or "name = true|false" in a config */
    CLI_OPT_DOUBLE,     /* double *, finite */
    CLI_OPT_SIZE,       /* size_t *, non-negative integer */
    CLI_OPT_U64,        /* uint64_t * */
    CLI_OPT_STRING,     /* const char ** (owned by the cli_command) */
    CLI_OPT_ACTIVATION, /* dnc_activation * */
    CLI_OPT_DLIST,      /* cli_dlist *: "a,b,c" or "lo:hi:n" (n points, ends included) */
    CLI_OPT_ALIAS,      /* a deprecated spelling: target is the name of the option it stands
                           for (declare with CLI_OPT_ALIAS_OF) */
    CLI_OPT_PARAM       /* the type of the declared parameter (declare with CLI_PARAM);
                           the parser resolves it to one of the above */
} cli_opt_type;

typedef struct {
    double *v;
    size_t n;
} cli_dlist;

typedef struct {
    const char *name; /* long name without "--" (CLI_PARAM: from the declaration) */
    cli_opt_type type;
    void *target; /* holds the default on entry */
    const char *help;
    bool seen;              /* set by the parser */
    const dnc_param *param; /* the declared parameter it sets, or NULL */
    const char *domain;     /* this command's accepted values when they differ from the
                               declaration's (CLI_PARAM_DOMAIN), else NULL */
    char spelling[32];      /* the name of a CLI_PARAM option, filled by the parser */
} cli_opt;

/* A command's own option NAME (without "--") of TYPE into *TARGET. */
#define CLI_OPT(name_, type_, target_, help_)                                                 \
    {.name = (name_), .type = (type_), .target = (target_), .help = (help_)}

/* An option for a declared parameter (dnncrit/param.h, e.g. dnc_net_param_sigma_w from
 * dnncrit/network.h): spelled as the key with '-' for '_' ("--sigma-w"), type and help from
 * the declaration; *TARGET holds this command's default. The parser checks a given value
 * against the declaration's domain: out of it is a usage error (exit 2), like a malformed
 * value. */
#define CLI_PARAM(decl, target_) {.type = CLI_OPT_PARAM, .target = (target_), .param = &(decl)}
/* The same with this command's own help text. */
#define CLI_PARAM_HELP(decl, target_, help_)                                                  \
    {.type = CLI_OPT_PARAM, .target = (target_), .help = (help_), .param = &(decl)}
/* A declared parameter whose accepted values differ in this command (DOMAIN as in
 * dnncrit/param.h, e.g. "[0,1048576]" where 0 turns a feature off). */
#define CLI_PARAM_DOMAIN(decl, target_, help_, domain_)                                       \
    {.type = CLI_OPT_PARAM, .target = (target_), .help = (help_), .param = &(decl),         \
     .domain = (domain_)}
/* An option only this command has, with the values it accepts (a domain as in
 * dnncrit/param.h, e.g. "[0,inf)"): out of it is a usage error (exit 2). For
 * CLI_OPT_DOUBLE, CLI_OPT_SIZE and CLI_OPT_U64. */
#define CLI_OPT_IN(name_, type_, target_, help_, domain_)                                     \
    {.name = (name_), .type = (type_), .target = (target_), .help = (help_), .domain = (domain_)}
/* A list of values of a declared parameter (each checked against its domain) into a cli_dlist (e.g. --sigma-b 0:1:11). */
#define CLI_PARAM_LIST(decl, target_, help_)                                                  \
    {.type = CLI_OPT_DLIST, .target = (target_), .help = (help_), .param = &(decl)}

/* --quiet, the same in every command: no progress on stderr and no summary on
 * stdout; errors and warnings still go to stderr, the output files are the same. */
#define CLI_QUIET_HELP "no progress on stderr, no summary on stdout (errors still shown)"
#define CLI_QUIET_OPTION(target_) CLI_OPT("quiet", CLI_OPT_FLAG, (target_), CLI_QUIET_HELP)

/* A deprecated spelling OLD of the option named NEW (both without "--"):
 * accepted on the command line and in config files with a warning on
 * stderr, listed in --help as deprecated. */
#define CLI_OPT_ALIAS_OF(old, new) {.name = (old), .type = CLI_OPT_ALIAS, .target = (void *)(new)}

typedef struct {
    const char *command;
    const char *summary;  /* one paragraph for --help */
    const char *example;  /* one example command line for --help */
    cli_opt *opts;
    size_t nopts;
    const char *positional_name; /* e.g. "FILE"; NULL when none taken */
    size_t min_positional, max_positional;
    /* filled by the parser */
    char **positional;
    size_t npositional;
    dnc_config config; /* keeps config-file strings alive */
    char **owned;      /* other strings kept alive */
    size_t nowned;
} cli_command;

enum { CLI_OK = 0, CLI_HELP = 1, CLI_ERROR = 2 };

/* Exit codes of every subcommand (README, docs/CONVENTIONS.md): 0 success;
 * 1 a run that failed (I/O, numerical failure, bad data); 2 bad usage,
 * anything detectable before running (unknown option, malformed value, value
 * outside its declared domain, contradictory options). */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILED = 1, CLI_EXIT_USAGE = 2 };

/* --out, the common output option, names files (a prefix such as "res/run" for
 * PREFIX.csv and PREFIX.json, or one file): the parser refuses a value that
 * names a directory ("res/", ".", "..", "") for every command, exit 2. */

/* Parses argv (argv[0] is the subcommand name). On CLI_HELP the help
 * has been printed to stdout; on CLI_ERROR an error to stderr. */
int cli_parse(cli_command *cli, int argc, char **argv);
void cli_free(cli_command *cli);
void cli_print_help(const cli_command *cli, FILE *fp);
bool cli_seen(const cli_command *cli, const char *name);

/* The file-name part of a path ("dir/run.csv" -> "run.csv"), as recorded
 * in a run record's "outputs". */
const char *cli_base_name(const char *path);

/* Finite numbers as numbers, NaN/inf as null. */
void cli_json_number(cJSON *obj, const char *name, double v);
/* name: {"value": v, "error": err}, each as cli_json_number. */
void cli_json_value_error(cJSON *obj, const char *name, double v, double err);

/* The human-readable summary on stdout, unless quiet (--quiet). */
void cli_say(bool quiet, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "dnncrit <cmd>: error: <dnc_last_error()>" and returns 1. */
int cli_fail(const char *command);
/* Prints "dnncrit <cmd>: error: <formatted>" and returns 1. */
int cli_failf(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The body of a subcommand, called by cli_run once the options are
 * parsed: ctx is the runner's, cli the parsed options (positionals, seen),
 * argc/argv the command line (for the run record). Returns the exit code:
 * 0 ok, 1 run failure, 2 usage error (e.g. a bad combination of options). */
typedef int (*cli_run_fn)(void *ctx, const cli_command *cli, int argc, char **argv);

typedef struct {
    cli_run_fn run;
    void *ctx;
    /* --plot: the CLI_PLOT_OPTION variable (NULL: the command has no --plot) */
    const char *const *plot;
    /* where the figure's JSON is: *prefix (e.g. the --out variable) followed by suffix
       (".json", "/sweep.json"); prefix NULL: the run renders the figure itself */
    const char *const *prefix;
    const char *suffix;
} cli_runner;

/* A whole subcommand: parses argv into cli (--help: exit 0, a usage error:
 * 2), checks the --plot format (bad: 2, before any work), calls run, then,
 * when it returned 0 and --plot was given, renders the figure of
 * *prefix suffix (failure: 1), and frees cli. Returns the exit code. */
int cli_run(cli_command *cli, int argc, char **argv, const cli_runner *r);

/* For a run callback whose work fills a run record: makes the record of
 * argc/argv (dnc_run_record_new), calls fn(ctx, record), reports a failure
 * as "dnncrit <command>: error: <dnc_last_error()>", deletes the record and
 * returns fn's exit code. */
int cli_run_recorded(const char *command, int argc, char **argv,
                         int (*fn)(void *ctx, cJSON *record), void *ctx);

/* --weights FILE (weights_option.c). cli_weights_drawn_option: whether one of
 * the `drawn` options (those describing a random network: "width", ...) was
 * given, with the error set. cli_weights_open: the file's network into *w
 * and its widths and depth into net, with a note on stderr when a readout of
 * another width is left out. */
bool cli_weights_drawn_option(const cli_command *cli, const char *const *drawn, size_t n);
dnc_status cli_weights_open(const char *command, const char *path, dnc_mlp_config *net,
                            dnc_weights **w);

/* Every subcommand: int cmd_NAME(int argc, char **argv), argv[0] = NAME. */
typedef int (*cli_command_fn)(int argc, char **argv);

#endif
