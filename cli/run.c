/* cli_run: the frame every subcommand shares (parse, --plot check,
 * run, figure, free). See cli.h. */
#include "cli.h"
#include "plot_option.h"

static int run_parsed(cli_command *cli, int argc, char **argv, const cli_runner *r)
{
    const char *plot = r->plot ? *r->plot : NULL;
    if (plot && cli_plot_check(cli->command, plot))
        return CLI_EXIT_USAGE;
    int rc = r->run(r->ctx, cli, argc, argv);
    if (!r->prefix)
        return rc;
    return cli_plot_after(cli->command, plot, rc, *r->prefix, r->suffix);
}

int cli_run(cli_command *cli, int argc, char **argv, const cli_runner *r)
{
    int rc = cli_parse(cli, argc, argv);
    if (rc == CLI_OK)
        rc = run_parsed(cli, argc, argv, r);
    else
        rc = rc == CLI_HELP ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    cli_free(cli);
    return rc;
}

int cli_run_recorded(const char *command, int argc, char **argv,
                         int (*fn)(void *ctx, cJSON *record), void *ctx)
{
    cJSON *record = dnc_run_record_new(command, argc, argv);
    int rc = fn(ctx, record);
    if (rc)
        cli_fail(command);
    cJSON_Delete(record);
    return rc;
}
