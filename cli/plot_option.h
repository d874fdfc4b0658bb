/* --plot FORMAT for any subcommand that writes PREFIX.json:
 *   const char *plot = NULL;
 *   cli_opt opts[] = { ..., CLI_PLOT_OPTION(plot) };
 *   ...
 *   cli_runner r = {run, &args, &plot, &args.out, ".json"};
 *   return cli_run(&cli, argc, argv, &r);
 * cli_run (cli.h) checks the format right after parsing (bad: usage
 * error, before any work) and renders the figure once run returned 0. The
 * figure goes next to the JSON (PREFIX.png / .svg / .pdf). */
#ifndef DNNCRIT_CLI_PLOT_OPTION_H
#define DNNCRIT_CLI_PLOT_OPTION_H

#include "cli.h"

#define CLI_PLOT_OPTION(var)                                                                   \
    CLI_OPT("plot", CLI_OPT_STRING, &(var), "also render the figure of PREFIX.json: png, svg or pdf")

/* Non-zero (after printing the error) unless format is png, svg or pdf. */
int cli_plot_check(const char *command, const char *format);
/* Renders json_path's figure in `format`; prints "wrote FILE" on success
 * or "dnncrit <command>: error: ..." and returns 1 on failure. */
int cli_plot(const char *command, const char *format, const char *json_path);
/* For the end of a subcommand: returns rc unchanged when rc != 0 or format is
 * NULL, else renders the figure of PREFIX SUFFIX (e.g. out ".json", or dir
 * "/sweep.json") and returns 1 if that fails (the results stay written). */
int cli_plot_after(const char *command, const char *format, int rc, const char *prefix,
                       const char *suffix);

#endif
