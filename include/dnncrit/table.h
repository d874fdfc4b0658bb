/* Plain numeric text tables (CSV, TSV, whitespace): fields split on ','
 * (or ';', or blanks when a line has neither), '#' comment lines and blank
 * lines skipped, an optional header row of names. Every error names the
 * file, line and field. */
#ifndef DNNCRIT_TABLE_H
#define DNNCRIT_TABLE_H

#include <stddef.h>

#include "dnncrit/error.h"

typedef struct {
    size_t rows, cols;
    double *v;    /* rows x cols, row-major */
    char **names; /* [cols] header names, NULL when the file has no header */
} dnc_table;

/* Every row must have the same number of numeric fields. */
dnc_status dnc_table_read(const char *path, dnc_table *t);
void dnc_table_free(dnc_table *t);

/* One column of numbers: `column` is a 1-based index or a header name
 * (NULL or "" = the first column). Other columns may hold anything. */
dnc_status dnc_table_read_column(const char *path, const char *column, double **x, size_t *n);

#endif
