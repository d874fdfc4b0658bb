/* libFuzzer: activity rasters of `dnncrit raster` (dense 0/1 matrices and
 * time,unit event lists; the first input byte picks the reader and the
 * binning) and the avalanche split that follows. */
#include <stdint.h>
#include <stdlib.h>

#include "dnncrit/avalanche.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    const char *path = fuzz_write_input(data + 1, size - 1, ".csv");
    dnc_activity a = {0};
    dnc_status st;
    if (mode & 1) {
        double dt_used;
        double dt = (mode & 2) ? 0.0 : 0.5 * (double)((mode >> 2) + 1);
        st = dnc_activity_read_events(path, dt, &a, &dt_used);
    } else {
        st = dnc_activity_read_dense(path, (size_t)(mode >> 1) % 4 + 1, &a);
    }
    if (st == DNC_OK) {
        dnc_avalanches av = {0};
        if (dnc_avalanches_from_activity(a.active, a.bins, mode & 0x80, &av) == DNC_OK)
            dnc_avalanches_free(&av);
        dnc_activity_free(&a);
    }
    return 0;
}
