/* Self-contained HTML report of a directory of dnncrit results: for every
 * PREFIX.json (the directory and its subdirectories, two levels deep) the
 * run record, configuration, results with error bars, the head of its CSV
 * and its figure, embedded as a base64 PNG. No external links. */
#ifndef DNNCRIT_REPORT_H
#define DNNCRIT_REPORT_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>

#include "dnncrit/error.h"

typedef struct {
    size_t max_figures; /* results beyond this get tables only (0: no figures) */
    size_t max_rows;    /* CSV rows shown per result */
    bool figures;       /* false: tables only (also when gnuplot is missing) */
} dnc_report_opts;

dnc_report_opts dnc_report_opts_default(void);

/* Writes the report for `dir` to `out` atomically. nresults (may be NULL)
 * receives the number of results found; no result is an error. */
dnc_status dnc_report_write(const char *dir, const char *out, const dnc_report_opts *opts,
                            size_t *nresults, size_t *nfigures);

/* Standard base64 (RFC 4648) of n bytes; caller frees. */
char *dnc_base64(const unsigned char *data, size_t n);

DNC_END_DECLS
#endif
