#include "plot_option.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/io.h"
#include "dnncrit/plot.h"

int cli_plot(const char *command, const char *format, const char *json_path)
{
    dnc_plot_format fmt;
    if (dnc_plot_format_parse(format, &fmt) || dnc_plot_result(json_path, NULL, fmt))
        return cli_fail(command);
    size_t n = strlen(json_path);
    size_t base = n >= 5 && strcmp(json_path + n - 5, ".json") == 0 ? n - 5 : n;
    printf("  wrote %.*s.%s\n", (int)base, json_path, dnc_plot_format_ext(fmt));
    return 0;
}

int cli_plot_check(const char *command, const char *format)
{
    dnc_plot_format fmt;
    if (dnc_plot_format_parse(format, &fmt))
        return cli_fail(command);
    return 0;
}

int cli_plot_after(const char *command, const char *format, int rc, const char *prefix,
                       const char *suffix)
{
    if (rc || !format)
        return rc;
    char *json = dnc_path_with_suffix(prefix, suffix);
    if (!json)
        return cli_failf(command, "out of memory");
    rc = cli_plot(command, format, json);
    free(json);
    return rc;
}
