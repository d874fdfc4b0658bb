/* dnncrit report SWEEP_DIR: one self-contained HTML report. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "dnncrit/io.h"
#include "dnncrit/report.h"

typedef struct {
    dnc_report_opts ro;
    const char *out;
    bool no_figures;
} report_args;

static int run(void *ctx, const cli_command *cli, int argc, char **argv)
{
    (void)argc, (void)argv;
    report_args *a = ctx;
    a->ro.figures = !a->no_figures;
    const char *dir = cli->positional[0];
    char *def = a->out ? NULL : dnc_path_with_suffix(dir, "/report.html");
    const char *path = a->out ? a->out : def;
    size_t nres = 0, nfig = 0;
    dnc_status st = path ? dnc_report_write(dir, path, &a->ro, &nres, &nfig)
                         : dnc_fail(DNC_ENOMEM, "out of memory");
    if (!st)
        printf("wrote %s (%zu results, %zu figures)\n", path, nres, nfig);
    free(def);
    return st ? cli_fail("report") : 0;
}

int cmd_report(int argc, char **argv)
{
    report_args a = {.ro = dnc_report_opts_default(), .out = NULL, .no_figures = false};
    cli_opt opts[] = {
        CLI_OPT("out", CLI_OPT_STRING, &a.out, "report file (default: SWEEP_DIR/report.html)"),
        CLI_OPT("max-figures", CLI_OPT_SIZE, &a.ro.max_figures, "results with a figure, at most"),
        CLI_OPT("max-rows", CLI_OPT_SIZE, &a.ro.max_rows, "CSV rows shown per result"),
        CLI_OPT("no-figures", CLI_OPT_FLAG, &a.no_figures, "tables only (no gnuplot needed)"),
    };
    cli_command cli = {.command = "report",
                       .summary = "Write one self-contained HTML report of every dnncrit result "
                                  "(*.json, two directory levels deep) in SWEEP_DIR: run records, "
                                  "configuration, results with error bars, CSV tables and figures "
                                  "embedded as PNG. No external links.",
                       .example = "dnncrit report out/sweep --out sweep.html",
                       .opts = opts,
                       .nopts = sizeof opts / sizeof opts[0],
                       .positional_name = "SWEEP_DIR",
                       .min_positional = 1,
                       .max_positional = 1};
    cli_runner r = {.run = run, .ctx = &a};
    return cli_run(&cli, argc, argv, &r);
}
