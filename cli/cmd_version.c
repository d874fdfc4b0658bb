#include <stdio.h>

#include <cblas.h>
#include <cjson/cJSON.h>
#include <gsl/gsl_version.h>

#include "cli.h"
#include "dnncrit/version.h"

static int run(void *ctx, const cli_command *cli, int argc, char **argv)
{
    (void)ctx, (void)cli, (void)argc, (void)argv;
    printf("dnncrit %s\n", DNNCRIT_VERSION);
    printf("  OpenBLAS: %s\n", openblas_get_config());
    printf("  GSL: %s\n", GSL_VERSION);
    printf("  cJSON: %s\n", cJSON_Version());
    return 0;
}

int cmd_version(int argc, char **argv)
{
    cli_command cli = {.command = "version",
                       .summary = "Print the dnncrit version and the versions of the libraries "
                                  "it uses.",
                       .example = "dnncrit version"};
    cli_runner r = {.run = run};
    return cli_run(&cli, argc, argv, &r);
}
