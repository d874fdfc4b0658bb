/* libFuzzer: key = value config files (dnc_config_parse). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/io.h"
#include "fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
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
