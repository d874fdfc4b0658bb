/* libFuzzer: the CSV table reader of result files (dnc_rtable_parse). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/plot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dnc_rtable t;
    if (dnc_rtable_parse((const char *)data, size, "fuzz.csv", &t) != DNC_OK)
        return 0;
    for (size_t c = 0; c < t.ncols; c++) {
        long e = dnc_rtable_err_col(&t, c);
        if (e >= (long)t.ncols)
            abort();
        double *col = dnc_rtable_column(&t, c);
        free(col);
        for (size_t r = 0; r < t.nrows; r++)
            (void)dnc_rtable_text(&t, r, c);
    }
    dnc_rtable_free(&t);
    return 0;
}
