#include <stdio.h>

#include <cblas.h>
#include <cjson/cJSON.h>
#include <gsl/gsl_version.h>

#include "cli.h"
#include "dnncrit/version.h"

int cmd_version(int argc, char **argv)
{
    cli_command cli = {.command = "version",
                   .summary = "Print the dnncrit version and the versions of the libraries it uses.",
                   .example = "dnncrit version"};
    int rc = cli_parse(&cli, argc, argv);
    cli_free(&cli);
    if (rc)
        return rc == CLI_HELP ? 0 : 2;
    printf("dnncrit %s\n", DNNCRIT_VERSION);
    printf("  OpenBLAS: %s\n", openblas_get_config());
    printf("  GSL: %s\n", GSL_VERSION);
    printf("  cJSON: %s\n", cJSON_Version());
    return 0;
}
