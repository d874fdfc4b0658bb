/* libFuzzer: numeric text tables (dnncrit/table.h: `dnncrit powerlaw`
 * columns) and the scaling tables of `dnncrit exponents` / `fss`. */
#include <stdint.h>
#include <stdlib.h>

#include "dnncrit/scaling.h"
#include "dnncrit/table.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_input(data, size, ".csv");
    dnc_table t;
    if (dnc_table_read(path, &t) == DNC_OK)
        dnc_table_free(&t);
    double *x = NULL;
    size_t n;
    if (dnc_table_read_column(path, NULL, &x, &n) == DNC_OK)
        free(x);
    x = NULL;
    if (dnc_table_read_column(path, "size", &x, &n) == DNC_OK)
        free(x);
    dnc_csv_table st;
    if (dnc_csv_read(path, &st) == DNC_OK) {
        dnc_series s;
        if (dnc_series_from_tables(&st, 1, "rho", &s) == DNC_OK)
            dnc_series_free(&s);
        dnc_csv_free(&st);
    }
    return 0;
}
