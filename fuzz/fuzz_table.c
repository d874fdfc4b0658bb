/* libFuzzer: the table reader (dnc_table_parse) under each caller's policy:
 * result files (header, text cells kept; plus the column accessors), the
 * scaling series (header, nan allowed) and the default (finite numbers,
 * optional header, any separator). Aborts when a policy is not kept. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "dnncrit/plot.h"
#include "dnncrit/scaling.h"

static void check_policy(const char *data, size_t size, const dnc_table_opts *o)
{
    dnc_table t;
    if (dnc_table_parse(data, size, "fuzz.csv", o, &t) != DNC_OK)
        return;
    if (t.text || (o->need_header && !t.names) || (!o->empty_ok && t.nrows == 0))
        abort();
    for (size_t i = 0; o->cells == DNC_TABLE_FINITE && i < t.nrows * t.ncols; i++)
        if (!isfinite(t.v[i]))
            abort();
    dnc_table_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    check_policy(text, size, &(dnc_table_opts){0});
    check_policy(text, size, &dnc_series_table_opts);
    dnc_table t;
    if (dnc_table_parse(text, size, "fuzz.csv", &dnc_result_table_opts, &t) != DNC_OK)
        return 0;
    for (size_t c = 0; c < t.ncols; c++) {
        long e = dnc_table_err_col(&t, c);
        if (e >= (long)t.ncols)
            abort();
        double *col = dnc_table_column(&t, c);
        free(col);
        for (size_t r = 0; r < t.nrows; r++)
            if (dnc_table_is_text(&t, c) != (dnc_table_text(&t, r, c) != NULL))
                abort();
    }
    dnc_table_free(&t);
    return 0;
}
