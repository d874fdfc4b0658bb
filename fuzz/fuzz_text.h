/* For harnesses whose parser takes a string: the input as a NUL-terminated
 * copy (NULL when out of memory); the caller frees it. */
#ifndef DNNCRIT_FUZZ_TEXT_H
#define DNNCRIT_FUZZ_TEXT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return NULL;
    memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

#endif
