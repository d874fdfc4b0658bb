/* libFuzzer: the CSV table reader of result files (dnc_csv_parse). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/plot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dnc_csv t;
    if (dnc_csv_parse((const char *)data, size, "fuzz.csv", &t) != DNC_OK)
        return 0;
    for (size_t c = 0; c < t.ncols; c++) {
        long e = dnc_csv_err_col(&t, c);
        if (e >= (long)t.ncols)
            abort();
        double *col = dnc_csv_column(&t, c);
        free(col);
        for (size_t r = 0; r < t.nrows; r++)
            (void)dnc_csv_text(&t, r, c);
    }
    dnc_csv_free(&t);
    return 0;
}
