/* libFuzzer: the text-table reader (dnncrit/table.h) with the policies of
 * `dnncrit powerlaw` and `raster` (finite numbers, optional header, one
 * column) and of `exponents` / `fss` (header, nan allowed, then a series). */
#include <stdint.h>
#include <stdlib.h>

#include "dnncrit/scaling.h"
#include "dnncrit/table.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_input(data, size, ".csv");
    dnc_table t;
    if (dnc_table_read(path, NULL, &t) == DNC_OK)
        dnc_table_free(&t);
    double *x = NULL;
    size_t n;
    if (dnc_table_read_column(path, NULL, &x, &n) == DNC_OK)
        free(x);
    x = NULL;
    if (dnc_table_read_column(path, "size", &x, &n) == DNC_OK)
        free(x);
    if (dnc_table_read(path, &dnc_series_table_opts, &t) == DNC_OK) {
        dnc_series s;
        if (dnc_series_from_tables(&t, 1, "rho", &s) == DNC_OK)
            dnc_series_free(&s);
        dnc_table_free(&t);
    }
    return 0;
}
