/* dnc_cli_run: the frame every subcommand shares (parse, --plot check,
 * run, figure, free). See cli.h. */
#include "cli.h"
#include "plot_option.h"

static int run_parsed(dnc_cli *cli, int argc, char **argv, const dnc_cli_runner *r)
{
    const char *plot = r->plot ? *r->plot : NULL;
    if (plot && dnc_cli_plot_check(cli->command, plot))
        return 2;
    int rc = r->run(r->ctx, cli, argc, argv);
    if (!r->prefix)
        return rc;
    return dnc_cli_plot_after(cli->command, plot, rc, *r->prefix, r->suffix);
}

int dnc_cli_run(dnc_cli *cli, int argc, char **argv, const dnc_cli_runner *r)
{
    int rc = dnc_cli_parse(cli, argc, argv);
    if (rc == DNC_CLI_OK)
        rc = run_parsed(cli, argc, argv, r);
    else
        rc = rc == DNC_CLI_HELP ? 0 : 2;
    dnc_cli_free(cli);
    return rc;
}

int dnc_cli_run_recorded(const char *command, int argc, char **argv,
                         int (*fn)(void *ctx, cJSON *record), void *ctx)
{
    cJSON *record = dnc_run_record_new(command, argc, argv);
    int rc = fn(ctx, record);
    if (rc)
        dnc_cli_fail(command);
    cJSON_Delete(record);
    return rc;
}
