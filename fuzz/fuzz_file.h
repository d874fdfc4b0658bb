/* For harnesses whose parser takes a path: each input is written to one
 * private temporary file (created once per process). */
#ifndef DNNCRIT_FUZZ_FILE_H
#define DNNCRIT_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_path[4096];

static const char *fuzz_write_input(const uint8_t *data, size_t size, const char *suffix)
{
    if (!fuzz_path[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(fuzz_path, sizeof fuzz_path, "%s/dnncrit-fuzz-%ld%s",
                 base && *base ? base : "/tmp", (long)getpid(), suffix);
    }
    FILE *fp = fopen(fuzz_path, "wb");
    if (!fp)
        abort();
    if (size && fwrite(data, 1, size, fp) != size)
        abort();
    fclose(fp);
    return fuzz_path;
}

#endif
