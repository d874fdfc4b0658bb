/* libFuzzer: key = value config files (dnc_config_parse). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    dnc_config cfg;
    if (dnc_config_parse(text, "fuzz.cfg", &cfg) == DNC_OK) {
        for (size_t i = 0; i < cfg.count; i++)
            if (!cfg.entries[i].key[0] || !cfg.entries[i].value[0])
                abort(); /* the parser promised non-empty keys and values */
        dnc_config_free(&cfg);
    }
    free(text);
    return 0;
}
