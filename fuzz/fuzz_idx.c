/* libFuzzer: the IDX reader of `dnncrit train` (images and labels, plain
 * or gzip; the first input byte picks which and the item limit). */
#include <stdint.h>
#include <stdlib.h>

#include "dnncrit/dataset.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    const char *path = fuzz_write_input(data + 1, size - 1, ".idx");
    size_t max_count = (size_t)(mode >> 1) % 8;
    if (mode & 1) {
        uint8_t *img = NULL;
        size_t count, rows, cols;
        if (dnc_idx_read_images(path, max_count, &img, &count, &rows, &cols) == DNC_OK)
            free(img);
    } else {
        uint8_t *lab = NULL;
        size_t count;
        if (dnc_idx_read_labels(path, max_count, 10, &lab, &count) == DNC_OK)
            free(lab);
    }
    return 0;
}
