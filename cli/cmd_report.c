/* dnncrit report SWEEP_DIR: one self-contained HTML report. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "dnncrit/io.h"
#include "dnncrit/report.h"

int cmd_report(int argc, char **argv)
{
    dnc_report_opts ro = dnc_report_opts_default();
    const char *out = NULL;
    bool no_figures = false;
    cli_opt opts[] = {
        {"out", CLI_OPT_STRING, &out, "report file (default: SWEEP_DIR/report.html)", false},
        {"max-figures", CLI_OPT_SIZE, &ro.max_figures, "results with a figure, at most", false},
        {"max-rows", CLI_OPT_SIZE, &ro.max_rows, "CSV rows shown per result", false},
        {"no-figures", CLI_OPT_FLAG, &no_figures, "tables only (no gnuplot needed)", false},
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
    int rc = cli_parse(&cli, argc, argv);
    if (rc) {
        cli_free(&cli);
        return rc == CLI_HELP ? 0 : 2;
    }
    ro.figures = !no_figures;
    const char *dir = cli.positional[0];
    char *def = out ? NULL : dnc_path_with_suffix(dir, "/report.html");
    const char *path = out ? out : def;
    size_t nres = 0, nfig = 0;
    dnc_status st = path ? dnc_report_write(dir, path, &ro, &nres, &nfig)
                         : dnc_fail(DNC_ENOMEM, "out of memory");
    if (st)
        rc = cli_fail("report");
    else
        printf("wrote %s (%zu results, %zu figures)\n", path, nres, nfig);
    free(def);
    cli_free(&cli);
    return st ? rc : 0;
}
