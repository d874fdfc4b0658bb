/* libFuzzer: reading a result (JSON record + its CSV) and building its
 * figure and gnuplot script, as `dnncrit plot` and `dnncrit report` do.
 * Input: the JSON, a line "---", then the CSV. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "dnncrit/plot.h"

static const char *find_sep(const char *s, size_t n)
{
    for (size_t i = 0; i + 5 <= n; i++)
        if (memcmp(s + i, "\n---\n", 5) == 0)
            return s + i;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *sep = find_sep(text, size);
    size_t jlen = sep ? (size_t)(sep - text) : size;
    cJSON *rec = cJSON_ParseWithLength(text, jlen);
    if (!rec)
        return 0;
    dnc_csv t;
    bool has = false;
    if (sep)
        has = dnc_csv_parse(sep + 5, size - jlen - 5, "fuzz.csv", &t) == DNC_OK;
    dnc_figure *fig = NULL;
    if (dnc_plot_figure_for_result(rec, has ? &t : NULL, &fig) == DNC_OK) {
        int w, h;
        dnc_figure_size(fig, &w, &h);
        if (w <= 0 || h <= 0)
            abort();
        for (int f = 0; f < 3; f++) {
            char *script = dnc_figure_script(fig, (dnc_plot_format)f, "/tmp/fuzz");
            free(script);
        }
        dnc_figure_free(fig);
    }
    if (has)
        dnc_csv_free(&t);
    cJSON_Delete(rec);
    return 0;
}
