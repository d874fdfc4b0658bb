/* CSV tables of results: a header row, then rows of numbers (see plot.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/io.h"
#include "dnncrit/plot.h"

enum { MAX_COLS = 4096 };

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* One cell [s, e): surrounding blanks and one pair of double quotes removed. */
static void cell_bounds(const char **s, const char **e)
{
    while (*s < *e && isspace((unsigned char)**s))
        (*s)++;
    while (*e > *s && isspace((unsigned char)(*e)[-1]))
        (*e)--;
    if (*e - *s >= 2 && **s == '"' && (*e)[-1] == '"') {
        (*s)++;
        (*e)--;
    }
}

static bool parse_number(const char *s, size_t n, double *out)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0')
        return false;
    *out = v; /* nan, inf and overflow to inf are kept: plots skip them */
    return true;
}

typedef struct {
    const char *s, *e; /* one line without its newline */
} line_view;

static bool next_line(const char **p, const char *end, line_view *lv)
{
    if (*p >= end)
        return false;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    lv->s = *p;
    lv->e = nl ? nl : end;
    if (lv->e > lv->s && lv->e[-1] == '\r')
        lv->e--;
    *p = nl ? nl + 1 : end;
    return true;
}

static bool blank_or_comment(const line_view *lv)
{
    const char *s = lv->s;
    while (s < lv->e && isspace((unsigned char)*s))
        s++;
    return s == lv->e || *s == '#';
}

static size_t count_cells(const line_view *lv)
{
    size_t n = 1;
    for (const char *s = lv->s; s < lv->e; s++)
        n += *s == ',';
    return n;
}

void dnc_rtable_free(dnc_rtable *t)
{
    if (t->names)
        for (size_t c = 0; c < t->ncols; c++)
            free(t->names[c]);
    if (t->text)
        for (size_t c = 0; c < t->ncols; c++) {
            if (!t->text[c])
                continue;
            for (size_t r = 0; r < t->nrows; r++)
                free(t->text[c][r]);
            free(t->text[c]);
        }
    free(t->names);
    free(t->text);
    free(t->v);
    memset(t, 0, sizeof *t);
}

static dnc_status parse_header(const line_view *lv, const char *name, dnc_rtable *t)
{
    size_t n = count_cells(lv);
    if (n > MAX_COLS)
        return dnc_fail(DNC_EINVAL, "%s: header has %zu columns, at most %d supported", name, n,
                        MAX_COLS);
    t->names = calloc(n, sizeof *t->names);
    t->text = calloc(n, sizeof *t->text);
    if (!t->names || !t->text)
        return dnc_fail(DNC_ENOMEM, "%s: out of memory", name);
    t->ncols = n;
    const char *s = lv->s;
    for (size_t c = 0; c < n; c++) {
        const char *e = memchr(s, ',', (size_t)(lv->e - s));
        if (!e)
            e = lv->e;
        const char *cs = s, *ce = e;
        cell_bounds(&cs, &ce);
        if (cs == ce)
            return dnc_fail(DNC_EINVAL, "%s:1: column %zu has an empty name", name, c + 1);
        if (memchr(cs, '\0', (size_t)(ce - cs)))
            return dnc_fail(DNC_EINVAL, "%s:1: NUL byte in the header", name);
        if (!(t->names[c] = dup_n(cs, (size_t)(ce - cs))))
            return dnc_fail(DNC_ENOMEM, "%s: out of memory", name);
        s = e + 1;
    }
    return DNC_OK;
}

static dnc_status grow_rows(dnc_rtable *t, size_t *cap, const char *name)
{
    if (t->nrows < *cap)
        return DNC_OK;
    size_t ncap = *cap ? *cap * 2 : 64;
    if (ncap > SIZE_MAX / sizeof(double) / t->ncols)
        return dnc_fail(DNC_ENOMEM, "%s: table too large", name);
    double *v = realloc(t->v, ncap * t->ncols * sizeof *v);
    if (!v)
        return dnc_fail(DNC_ENOMEM, "%s: out of memory", name);
    t->v = v;
    for (size_t c = 0; c < t->ncols; c++) {
        if (!t->text[c])
            continue;
        char **g = realloc(t->text[c], ncap * sizeof *g);
        if (!g)
            return dnc_fail(DNC_ENOMEM, "%s: out of memory", name);
        t->text[c] = g;
    }
    *cap = ncap;
    return DNC_OK;
}

/* Makes column c a text column (earlier rows were numbers: keep them as text
 * too, formatted, so every row has its string). */
static dnc_status make_text_column(dnc_rtable *t, size_t c, size_t cap, const char *name)
{
    t->text[c] = calloc(cap ? cap : 1, sizeof *t->text[c]);
    if (!t->text[c])
        return dnc_fail(DNC_ENOMEM, "%s: out of memory", name);
    for (size_t r = 0; r < t->nrows; r++) {
        char buf[40];
        snprintf(buf, sizeof buf, "%.17g", t->v[r * t->ncols + c]);
        if (!(t->text[c][r] = dup_n(buf, strlen(buf))))
            return dnc_fail(DNC_ENOMEM, "%s: out of memory", name);
    }
    return DNC_OK;
}

static dnc_status parse_row(const line_view *lv, size_t lineno, const char *name, dnc_rtable *t,
                            size_t *cap)
{
    size_t n = count_cells(lv);
    if (n != t->ncols)
        return dnc_fail(DNC_EINVAL, "%s:%zu: %zu cells, but the header has %zu columns", name,
                        lineno, n, t->ncols);
    dnc_status st = grow_rows(t, cap, name);
    if (st)
        return st;
    size_t r = t->nrows;
    const char *s = lv->s;
    for (size_t c = 0; c < t->ncols; c++) {
        const char *e = memchr(s, ',', (size_t)(lv->e - s));
        if (!e)
            e = lv->e;
        const char *cs = s, *ce = e;
        cell_bounds(&cs, &ce);
        double v = NAN;
        bool numeric = parse_number(cs, (size_t)(ce - cs), &v);
        t->v[r * t->ncols + c] = numeric ? v : NAN;
        if (!numeric && !t->text[c])
            st = make_text_column(t, c, *cap, name);
        if (!st && t->text[c] && !(t->text[c][r] = dup_n(cs, (size_t)(ce - cs))))
            st = dnc_fail(DNC_ENOMEM, "%s: out of memory", name);
        if (st) {
            /* row r is not counted: free what it already holds */
            for (size_t k = 0; k < c; k++)
                if (t->text[k]) {
                    free(t->text[k][r]);
                    t->text[k][r] = NULL;
                }
            return st;
        }
        s = e + 1;
    }
    t->nrows++;
    return DNC_OK;
}

dnc_status dnc_rtable_parse(const char *text, size_t len, const char *name, dnc_rtable *t)
{
    memset(t, 0, sizeof *t);
    if (!name)
        name = "<csv>";
    const char *p = text, *end = text + len;
    line_view lv;
    size_t lineno = 0, cap = 0;
    bool have_header = false;
    dnc_status st = DNC_OK;
    while (!st && next_line(&p, end, &lv)) {
        lineno++;
        if (blank_or_comment(&lv))
            continue;
        if (memchr(lv.s, '\0', (size_t)(lv.e - lv.s))) {
            st = dnc_fail(DNC_EINVAL, "%s:%zu: NUL byte (binary file?)", name, lineno);
            break;
        }
        if (!have_header) {
            st = parse_header(&lv, name, t);
            have_header = true;
        } else {
            st = parse_row(&lv, lineno, name, t, &cap);
        }
    }
    if (!st && !have_header)
        st = dnc_fail(DNC_EINVAL, "%s: empty table (no header row)", name);
    if (st)
        dnc_rtable_free(t);
    return st;
}

dnc_status dnc_rtable_read(const char *path, dnc_rtable *t)
{
    memset(t, 0, sizeof *t);
    char *text;
    size_t len;
    dnc_status st = dnc_read_file(path, &text, &len);
    if (st)
        return st;
    st = dnc_rtable_parse(text, len, path, t);
    free(text);
    return st;
}

long dnc_rtable_col(const dnc_rtable *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->names[c], name) == 0)
            return (long)c;
    return -1;
}

long dnc_rtable_col_any(const dnc_rtable *t, const char *const *names)
{
    for (; *names; names++) {
        long c = dnc_rtable_col(t, *names);
        if (c >= 0)
            return c;
    }
    return -1;
}

double *dnc_rtable_column(const dnc_rtable *t, size_t c)
{
    double *v = malloc((t->nrows ? t->nrows : 1) * sizeof *v);
    if (!v || c >= t->ncols)
        return v;
    for (size_t r = 0; r < t->nrows; r++)
        v[r] = t->v[r * t->ncols + c];
    return v;
}

const char *dnc_rtable_text(const dnc_rtable *t, size_t row, size_t col)
{
    if (col >= t->ncols || row >= t->nrows || !t->text[col])
        return NULL;
    return t->text[col][row];
}

long dnc_rtable_err_col(const dnc_rtable *t, size_t c)
{
    if (c >= t->ncols)
        return -1;
    /* "rho,err": a bare err column belongs to the column before it */
    if (c + 1 < t->ncols &&
        (strcmp(t->names[c + 1], "err") == 0 || strcmp(t->names[c + 1], "error") == 0))
        return (long)c + 1;
    static const char *const suffixes[] = {"_err", "_error", "_se", "_stderr", "_std", NULL};
    size_t n = strlen(t->names[c]);
    char *buf = malloc(n + 16);
    if (!buf)
        return -1;
    long found = -1;
    for (const char *const *s = suffixes; *s && found < 0; s++) {
        memcpy(buf, t->names[c], n);
        strcpy(buf + n, *s);
        found = dnc_rtable_col(t, buf);
    }
    if (found < 0) {
        buf[0] = 'd';
        memcpy(buf + 1, t->names[c], n + 1);
        found = dnc_rtable_col(t, buf);
    }
    free(buf);
    return found == (long)c ? -1 : found;
}
