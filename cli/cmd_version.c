#include <stdio.h>

#include <cblas.h>
#include <cjson/cJSON.h>
#include <gsl/gsl_version.h>

#include "cli.h"
#include "dnncrit/version.h"

int cmd_version(int argc, char **argv)
{
    dnc_cli cli = {.command = "version",
                   .summary = "Print the dnncrit version and the versions of the libraries it uses.",
                   .example = "dnncrit version"};
    int rc = dnc_cli_parse(&cli, argc, argv);
    dnc_cli_free(&cli);
    if (rc)
        return rc == DNC_CLI_HELP ? 0 : 2;
    printf("dnncrit %s\n", DNNCRIT_VERSION);
    printf("  OpenBLAS: %s\n", openblas_get_config());
    printf("  GSL: %s\n", GSL_VERSION);
    printf("  cJSON: %s\n", cJSON_Version());
    return 0;
}
