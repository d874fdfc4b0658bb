/* dnncrit plot RESULT.json: the figure for a result record. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dnncrit/plot.h"

typedef struct {
    const char *format, *out;
} plot_args;

/* The figure's file name when --out is not given: RESULT without ".json", plus the format's
 * extension. */
static void print_written(const char *json, const char *out, dnc_plot_format fmt)
{
    if (out) {
        printf("wrote %s\n", out);
        return;
    }
    size_t n = strlen(json);
    size_t base = n >= 5 && strcmp(json + n - 5, ".json") == 0 ? n - 5 : n;
    printf("wrote %.*s.%s\n", (int)base, json, dnc_plot_format_ext(fmt));
}

static int run(void *ctx, const cli_command *cli, int argc, char **argv)
{
    (void)argc, (void)argv;
    const plot_args *a = ctx;
    dnc_plot_format fmt = DNC_PLOT_PNG;
    dnc_status st = DNC_OK;
    if (a->format)
        st = dnc_plot_format_parse(a->format, &fmt);
    else if (a->out)
        st = dnc_plot_format_from_path(a->out, &fmt);
    if (st)
        return cli_fail("plot") + 1;
    const char *json = cli->positional[0];
    if (dnc_plot_result(json, a->out, fmt))
        return cli_fail("plot");
    print_written(json, a->out, fmt);
    return 0;
}

int cmd_plot(int argc, char **argv)
{
    plot_args a = {NULL, NULL};
    cli_opt opts[] = {
        CLI_OPT("format", CLI_OPT_STRING, &a.format, "png, svg or pdf (default: from --out, else png)"),
        CLI_OPT("out", CLI_OPT_STRING, &a.out, "figure file (default: RESULT with .png/.svg/.pdf)"),
    };
    cli_command cli = {.command = "plot",
                       .summary = "Render the figure for a dnncrit result (PREFIX.json and the "
                                  "CSV it names) with gnuplot: rho(l) with the mean-field "
                                  "prediction, effective exponents, collapses, phase diagrams, "
                                  "avalanche distributions, ... chosen by the result's command.",
                       .example = "dnncrit plot out/prop.json --format svg",
                       .opts = opts,
                       .nopts = sizeof opts / sizeof opts[0],
                       .positional_name = "RESULT.json",
                       .min_positional = 1,
                       .max_positional = 1};
    cli_runner r = {.run = run, .ctx = &a};
    return cli_run(&cli, argc, argv, &r);
}
