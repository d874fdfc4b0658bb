/* dnncrit plot RESULT.json: the figure for a result record. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dnncrit/plot.h"

int cmd_plot(int argc, char **argv)
{
    const char *format = NULL, *out = NULL;
    cli_opt opts[] = {
        {"format", CLI_OPT_STRING, &format, "png, svg or pdf (default: from --out, else png)", false},
        {"out", CLI_OPT_STRING, &out, "figure file (default: RESULT with .png/.svg/.pdf)", false},
    };
    cli_command cli = {.command = "plot",
                   .summary = "Render the figure for a dnncrit result (PREFIX.json and the CSV it "
                              "names) with gnuplot: rho(l) with the mean-field prediction, "
                              "effective exponents, collapses, phase diagrams, avalanche "
                              "distributions, ... chosen by the result's command.",
                   .example = "dnncrit plot out/prop.json --format svg",
                   .opts = opts,
                   .nopts = sizeof opts / sizeof opts[0],
                   .positional_name = "RESULT.json",
                   .min_positional = 1,
                   .max_positional = 1};
    int rc = cli_parse(&cli, argc, argv);
    if (rc) {
        cli_free(&cli);
        return rc == CLI_HELP ? 0 : 2;
    }
    dnc_plot_format fmt = DNC_PLOT_PNG;
    dnc_status st = DNC_OK;
    if (format)
        st = dnc_plot_format_parse(format, &fmt);
    else if (out)
        st = dnc_plot_format_from_path(out, &fmt);
    if (st) {
        cli_fail("plot");
        cli_free(&cli);
        return 2;
    }
    const char *json = cli.positional[0];
    st = dnc_plot_result(json, out, fmt);
    if (st) {
        cli_fail("plot");
        cli_free(&cli);
        return 1;
    }
    if (out)
        printf("wrote %s\n", out);
    else {
        size_t n = strlen(json);
        size_t base = n >= 5 && strcmp(json + n - 5, ".json") == 0 ? n - 5 : n;
        printf("wrote %.*s.%s\n", (int)base, json, dnc_plot_format_ext(fmt));
    }
    cli_free(&cli);
    return 0;
}
