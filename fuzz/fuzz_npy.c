/* libFuzzer: NumPy .npy arrays (dnc_npy_parse: header dict, dtypes, byte
 * orders, C and Fortran order) and, for a 2-D array, the raster built from
 * it by `dnncrit raster` (dnc_activity_from_matrix; the first input byte
 * picks transpose and rebin) and the avalanche split that follows. The file
 * path (with gzip) is the same code after dnc_read_file, fuzzed by numtable. */
#include <stdint.h>
#include <stdlib.h>

#include "dnncrit/avalanche.h"
#include "dnncrit/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    dnc_npy x;
    if (dnc_npy_parse(data + 1, size - 1, "fuzz.npy", &x) != DNC_OK)
        return 0;
    if (x.ndim == 2) {
        dnc_activity a;
        if (dnc_activity_from_matrix(x.v, x.shape[0], x.shape[1], mode & 1,
                                     (size_t)(mode >> 1) % 4 + 1, "fuzz.npy", &a) == DNC_OK) {
            dnc_avalanches av = {0};
            if (dnc_avalanches_from_activity(a.count, a.bins, mode & 0x80, &av) == DNC_OK)
                dnc_avalanches_free(&av);
            dnc_activity_free(&a);
        }
    }
    dnc_npy_free(&x);
    return 0;
}
