/* libFuzzer: reading a result (JSON record + its CSV) and building its
 * figure and gnuplot script, as `dnncrit plot` and `dnncrit report` do.
 * Input: the JSON, a line "---", then the CSV. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "dnncrit/plot.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* The same input also goes through the file loader: the JSON as
 * <dir>/r.json and the CSV as <dir>/fuzz.csv (what outputs.csv names, if
 * it names that). */
static char fuzz_dir[4096];

static void write_file(const char *name, const char *data, size_t n)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp)
        abort();
    if (n && fwrite(data, 1, n, fp) != n)
        abort();
    fclose(fp);
}

static void load_from_files(const char *json, size_t jlen, const char *csv, size_t clen)
{
    if (!fuzz_dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/dnncrit-fuzz-result-%ld",
                 base && *base ? base : "/tmp", (long)getpid());
        mkdir(fuzz_dir, 0700);
    }
    write_file("r.json", json, jlen);
    write_file("fuzz.csv", csv ? csv : "", csv ? clen : 0);
    char path[4200];
    snprintf(path, sizeof path, "%s/r.json", fuzz_dir);
    cJSON *rec;
    dnc_table t;
    bool has;
    if (dnc_plot_load_result(path, &rec, &t, &has) == DNC_OK) {
        dnc_figure *fig;
        if (dnc_plot_figure_for_result_in(rec, has ? &t : NULL, fuzz_dir, &fig) == DNC_OK)
            dnc_figure_free(fig);
        if (has)
            dnc_table_free(&t);
        cJSON_Delete(rec);
    }
}

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
    load_from_files(text, jlen, sep ? sep + 5 : NULL, sep ? size - jlen - 5 : 0);
    cJSON *rec = cJSON_ParseWithLength(text, jlen);
    if (!rec)
        return 0;
    dnc_table t;
    bool has = false;
    if (sep)
        has = dnc_table_parse(sep + 5, size - jlen - 5, "fuzz.csv", &dnc_result_table_opts,
                              &t) == DNC_OK;
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
        dnc_table_free(&t);
    cJSON_Delete(rec);
    return 0;
}
