/* The one reader of text tables (CSV, TSV, whitespace) in dnncrit.
 *
 * Grammar, the same for every caller: lines end in "\n" or "\r\n"; blank
 * lines and lines whose first non-blank character is '#' are skipped; a NUL
 * byte anywhere is an error (binary file). Fields are split on the separator
 * (dnc_table_opts.sep; by default ',' when the line has one, else ';', else
 * runs of blanks), then surrounding blanks and one pair of double quotes are
 * removed. The first line is the header row of column names when the caller
 * requires one, or else when it is not all numbers (never, when the caller
 * says there is none). Every data row must have as many fields as the first
 * line (or as the caller requires). Numbers are strtod's whole field.
 *
 * What a cell may hold is the caller's policy (dnc_table_cells): finite
 * numbers only (e.g. `powerlaw`, activity rasters), any number including
 * nan and inf (e.g. the `exponents` / `fss` series, whose error column may
 * be nan), or numbers and text (result CSVs read by `plot` and `report`).
 *
 * Every error names the file (or the name given to dnc_table_parse), the
 * line and, for a bad cell, the field. */
#ifndef DNNCRIT_TABLE_H
#define DNNCRIT_TABLE_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>

#include "dnncrit/error.h"

typedef enum {
    DNC_TABLE_FINITE = 0, /* every cell a finite number (no nan, inf or overflow) */
    DNC_TABLE_NUMBERS,    /* every cell a number; nan and inf accepted */
    DNC_TABLE_TEXT        /* numbers (nan and inf too) or text: a column with a cell that is
                             not a number becomes a text column, its cells read as NAN */
} dnc_table_cells;

typedef struct {
    dnc_table_cells cells;
    bool need_header; /* the first line is always the header, its names non-empty; false:
                         it is a header when not all numbers (names may be empty, as in
                         pandas' index column) */
    char sep;         /* field separator; 0: ',' or ';' or blanks, chosen per line */
    bool empty_ok;    /* no data rows is fine (otherwise an error) */
    bool no_header;   /* the first line is data like every other, never a header (a cell
                         that is not a number is an error there too); need_header must be
                         false */
    size_t ncols;     /* fields every line must have (the header too); 0: as many as the
                         first line */
} dnc_table_opts;

typedef struct {
    size_t nrows, ncols;
    double *v;    /* v[row * ncols + col] */
    char **names; /* [ncols] header names; NULL when the table has no header */
    char ***text; /* DNC_TABLE_TEXT: text[col] holds nrows strings for a text column, NULL
                     for a numeric one; text itself is NULL when no column is text */
    char *source; /* the file name used in messages */
} dnc_table;

/* NULL opts: the zero policy (finite numbers, optional header, any of the
 * separators, at least one data row). On failure t is left empty. */
dnc_status dnc_table_read(const char *path, const dnc_table_opts *opts, dnc_table *t);
/* The same from memory (len bytes, need not be NUL-terminated); `name`
 * stands for the file in messages (NULL: "<csv>"). */
dnc_status dnc_table_parse(const char *text, size_t len, const char *name,
                           const dnc_table_opts *opts, dnc_table *t);
void dnc_table_free(dnc_table *t);

/* Index of the column named `name`, or -1 (also when there is no header). */
long dnc_table_col(const dnc_table *t, const char *name);
/* The first of the NULL-terminated candidate names present, or -1. */
long dnc_table_col_any(const dnc_table *t, const char *const *names);
/* The error column of column c: the next column when it is named "err" or
 * "error", else "<name>_err", "_error", "_se", "_stderr", "_std" or
 * "d<name>"; -1 when none. */
long dnc_table_err_col(const dnc_table *t, size_t c);
/* A freshly allocated copy of column c (nrows values); caller frees. */
double *dnc_table_column(const dnc_table *t, size_t c);
/* Whether column c is a text column (DNC_TABLE_TEXT only). */
bool dnc_table_is_text(const dnc_table *t, size_t c);
/* Cell text (text column) or NULL. */
const char *dnc_table_text(const dnc_table *t, size_t row, size_t col);

/* One column of finite numbers from a file in the grammar above: `column`
 * is a 1-based index or a header name (NULL or "" = the first column).
 * Other columns may hold anything and rows may differ in length. path "-"
 * reads standard input (dnc_read_file). */
dnc_status dnc_table_read_column(const char *path, const char *column, double **x, size_t *n);

DNC_END_DECLS
#endif
