/* Text tables: the one CSV / TSV / whitespace reader. See table.h. */
#include "dnncrit/table.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/io.h"
#include "core/strutil.h"

#define MAX_FIELDS 1048576

/* A field: trimmed, then one pair of surrounding double quotes removed. */
static char *clean_field(char *s)
{
    s = dnc_trim(s);
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s[n - 1] = '\0';
        s++;
    }
    return s;
}

/* ------------------------------------------------------------ lines */

/* The lines of a buffer of len + 1 writable bytes, split in place. */
typedef struct {
    char *p, *end;
    const char *name;
    size_t line;
} line_iter;

/* The next line that is neither blank nor a comment, trimmed, in *out
 * (NULL at the end). */
static dnc_status next_line(line_iter *it, char **out)
{
    *out = NULL;
    while (it->p < it->end) {
        char *s = it->p;
        char *nl = memchr(s, '\n', (size_t)(it->end - s));
        char *e = nl ? nl : it->end;
        it->p = nl ? nl + 1 : it->end;
        it->line++;
        if (memchr(s, '\0', (size_t)(e - s)))
            return dnc_fail(DNC_EINVAL, "%s:%zu: NUL byte (binary file?)", it->name, it->line);
        *e = '\0';
        char *t = dnc_trim(s);
        if (*t && *t != '#') {
            *out = t;
            return DNC_OK;
        }
    }
    return DNC_OK;
}

/* ----------------------------------------------------------- fields */

typedef struct {
    char **f;
    size_t n, cap;
} fields;

/* Splits a line in place on sep (0: ',' if the line has one, else ';',
 * else runs of blanks). */
static dnc_status split(char *line, char sep, const line_iter *it, fields *fs)
{
    fs->n = 0;
    if (!sep)
        sep = strchr(line, ',') ? ',' : strchr(line, ';') ? ';' : ' ';
    bool blanks = sep == ' ';
    char *p = line;
    for (;;) {
        if (fs->n == fs->cap) {
            size_t cap = fs->cap ? 2 * fs->cap : 16;
            if (cap > MAX_FIELDS)
                return dnc_fail(DNC_EINVAL, "%s:%zu: more than %d fields on a line", it->name,
                                it->line, MAX_FIELDS);
            char **f = realloc(fs->f, cap * sizeof *f);
            if (!f)
                return dnc_fail(DNC_ENOMEM, "%s: out of memory", it->name);
            fs->f = f;
            fs->cap = cap;
        }
        if (blanks) {
            while (isspace((unsigned char)*p))
                p++;
            if (!*p)
                break;
            char *s = p;
            while (*p && !isspace((unsigned char)*p))
                p++;
            bool end = !*p;
            *p = '\0';
            fs->f[fs->n++] = clean_field(s);
            if (end)
                break;
            p++;
        } else {
            char *e = strchr(p, sep);
            if (e)
                *e = '\0';
            fs->f[fs->n++] = clean_field(p);
            if (!e)
                break;
            p = e + 1;
        }
    }
    return DNC_OK;
}

/* A decimal [+-]digits[.digits][(e|E)[+-]digits] at s, converted exactly
 * when that is easy, else false (then the caller asks strtod): with at most
 * 19 significant digits forming m <= 2^53 and a decimal exponent e in
 * [-22, 22], m and 10^|e| are exact doubles and one multiplication or
 * division rounds correctly (Clinger, PLDI 1990), the value strtod gives.
 * *end: the first character after the number. Most data files (integers,
 * printf's %.12g) take this path, about 5x faster than glibc's strtod. */
static bool fast_decimal(const char *s, const char **end, double *v)
{
    static const double p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const char *p = s;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    uint64_t m = 0;
    int digits = 0, exp10 = 0, nd = 0; /* significant digits, scale, all digits */
    for (; *p >= '0' && *p <= '9'; p++, nd++) {
        if (m == 0 && *p == '0')
            continue;
        if (++digits > 19)
            return false;
        m = 10 * m + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, nd++) {
            exp10--;
            if (m == 0 && *p == '0')
                continue;
            if (++digits > 19)
                return false;
            m = 10 * m + (uint64_t)(*p - '0');
        }
    }
    if (nd == 0)
        return false;
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        bool eneg = *q == '-';
        if (*q == '-' || *q == '+')
            q++;
        if (!(*q >= '0' && *q <= '9'))
            return false; /* "1e", "1e+": strtod stops before the e */
        int e = 0;
        for (; *q >= '0' && *q <= '9'; q++)
            if ((e = 10 * e + (*q - '0')) > 1000)
                return false;
        exp10 += eneg ? -e : e;
        p = q;
    }
    if (m > (UINT64_C(1) << 53) || exp10 < -22 || exp10 > 22)
        return false;
    double x = (double)m;
    x = exp10 < 0 ? x / p10[-exp10] : x * p10[exp10];
    *v = neg ? -x : x;
    *end = p;
    return true;
}

/* A whole field as a number; DNC_TABLE_FINITE also rejects nan, inf and
 * out-of-range values. */
static bool parse_num(const char *s, dnc_table_cells cells, double *v)
{
    if (!*s)
        return false;
    const char *fend;
    if (fast_decimal(s, &fend, v) && *fend == '\0')
        return true; /* finite, in range */
    errno = 0;
    char *end;
    *v = strtod(s, &end);
    if (*end != '\0')
        return false;
    return cells != DNC_TABLE_FINITE || (errno != ERANGE && isfinite(*v));
}

static bool all_numbers(const fields *fs, dnc_table_cells cells)
{
    double v;
    for (size_t i = 0; i < fs->n; i++)
        if (!parse_num(fs->f[i], cells, &v))
            return false;
    return true;
}

/* ------------------------------------------------------------ tables */

static const dnc_table_opts default_opts = {0};

void dnc_table_free(dnc_table *t)
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
    free(t->source);
    memset(t, 0, sizeof *t);
}

static dnc_status set_header(dnc_table *t, const fields *fs, const dnc_table_opts *o,
                             const line_iter *it)
{
    t->names = calloc(fs->n ? fs->n : 1, sizeof *t->names);
    if (!t->names)
        return dnc_fail(DNC_ENOMEM, "%s: out of memory", it->name);
    for (size_t c = 0; c < fs->n; c++) {
        if (o->need_header && !*fs->f[c])
            return dnc_fail(DNC_EINVAL, "%s:%zu: column %zu has an empty name", it->name,
                            it->line, c + 1);
        if (!(t->names[c] = strdup(fs->f[c])))
            return dnc_fail(DNC_ENOMEM, "%s: out of memory", it->name);
    }
    return DNC_OK;
}

/* Room for one more row (the value array and every text column). */
static dnc_status grow_rows(dnc_table *t, size_t *cap, const char *name)
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
    for (size_t c = 0; t->text && c < t->ncols; c++) {
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

/* Makes column c a text column; its earlier rows were numbers and are kept
 * as text too, formatted, so that every row has its string. */
static dnc_status make_text_column(dnc_table *t, size_t c, size_t cap, const char *name)
{
    if (!t->text && !(t->text = calloc(t->ncols, sizeof *t->text)))
        return dnc_fail(DNC_ENOMEM, "%s: out of memory", name);
    if (!(t->text[c] = calloc(cap, sizeof *t->text[c])))
        return dnc_fail(DNC_ENOMEM, "%s: out of memory", name);
    for (size_t r = 0; r < t->nrows; r++) {
        char buf[40];
        snprintf(buf, sizeof buf, "%.17g", t->v[r * t->ncols + c]);
        if (!(t->text[c][r] = strdup(buf)))
            return dnc_fail(DNC_ENOMEM, "%s: out of memory", name);
    }
    return DNC_OK;
}

static dnc_status cell_error(const dnc_table *t, const fields *fs, size_t c,
                             const dnc_table_opts *o, const line_iter *it)
{
    const char *what = o->cells == DNC_TABLE_FINITE ? "a finite number" : "a number";
    if (t->names && *t->names[c])
        return dnc_fail(DNC_EINVAL, "%s:%zu: field %zu (%s) '%s' is not %s", it->name, it->line,
                        c + 1, t->names[c], fs->f[c], what);
    return dnc_fail(DNC_EINVAL, "%s:%zu: field %zu '%s' is not %s", it->name, it->line, c + 1,
                    fs->f[c], what);
}

static dnc_status width_error(const dnc_table *t, const fields *fs, const line_iter *it)
{
    return dnc_fail(DNC_EINVAL, "%s:%zu: expected %zu fields%s, got %zu", it->name, it->line,
                    t->ncols, t->names ? " (as in the header)" : "", fs->n);
}

static dnc_status add_row(dnc_table *t, const fields *fs, const dnc_table_opts *o,
                          const line_iter *it, size_t *cap)
{
    if (fs->n != t->ncols)
        return width_error(t, fs, it);
    dnc_status st = grow_rows(t, cap, it->name);
    if (st)
        return st;
    size_t r = t->nrows;
    for (size_t c = 0; c < t->ncols && !st; c++) {
        double v;
        if (!parse_num(fs->f[c], o->cells, &v)) {
            if (o->cells != DNC_TABLE_TEXT)
                st = cell_error(t, fs, c, o, it);
            else if (!dnc_table_is_text(t, c))
                st = make_text_column(t, c, *cap, it->name);
            v = NAN;
        }
        if (!st)
            t->v[r * t->ncols + c] = v;
        if (!st && dnc_table_is_text(t, c) && !(t->text[c][r] = strdup(fs->f[c])))
            st = dnc_fail(DNC_ENOMEM, "%s: out of memory", it->name);
        if (st) /* row r is not counted: free what it already holds */
            for (size_t k = 0; k < c; k++)
                if (dnc_table_is_text(t, k)) {
                    free(t->text[k][r]);
                    t->text[k][r] = NULL;
                }
    }
    if (!st)
        t->nrows++;
    return st;
}

/* Parses buf[0, len) in place (buf has len + 1 bytes). */
static dnc_status parse_buffer(char *buf, size_t len, const dnc_table_opts *o, dnc_table *t)
{
    line_iter it = {buf, buf + len, t->source, 0};
    fields fs = {0};
    size_t cap = 0;
    bool first = true;
    char *line;
    dnc_status st;
    while (!(st = next_line(&it, &line)) && line) {
        if ((st = split(line, o->sep, &it, &fs)))
            break;
        if (first) {
            first = false;
            t->ncols = o->ncols ? o->ncols : fs.n;
            if (!o->no_header && (o->need_header || !all_numbers(&fs, o->cells))) {
                if ((st = fs.n != t->ncols ? width_error(t, &fs, &it)
                                           : set_header(t, &fs, o, &it)))
                    break;
                continue;
            }
        }
        if ((st = add_row(t, &fs, o, &it, &cap)))
            break;
    }
    free(fs.f);
    if (!st && first && o->need_header)
        st = dnc_fail(DNC_EINVAL, "%s: empty table (no header row)", t->source);
    else if (!st && t->nrows == 0 && !o->empty_ok)
        st = dnc_fail(DNC_EINVAL, "%s: no data rows", t->source);
    return st;
}

dnc_status dnc_table_parse(const char *text, size_t len, const char *name,
                           const dnc_table_opts *opts, dnc_table *t)
{
    memset(t, 0, sizeof *t);
    char *buf = malloc(len + 1);
    t->source = strdup(name ? name : "<csv>");
    dnc_status st = DNC_OK;
    if (!buf || !t->source) {
        st = dnc_fail(DNC_ENOMEM, "out of memory");
    } else {
        if (len)
            memcpy(buf, text, len);
        buf[len] = '\0';
        st = parse_buffer(buf, len, opts ? opts : &default_opts, t);
    }
    free(buf);
    if (st)
        dnc_table_free(t);
    return st;
}

dnc_status dnc_table_read(const char *path, const dnc_table_opts *opts, dnc_table *t)
{
    memset(t, 0, sizeof *t);
    char *text;
    size_t len;
    dnc_status st = dnc_read_file(path, &text, &len);
    if (st)
        return st;
    if (!(t->source = strdup(path)))
        st = dnc_fail(DNC_ENOMEM, "out of memory");
    else
        st = parse_buffer(text, len, opts ? opts : &default_opts, t);
    free(text);
    if (st)
        dnc_table_free(t);
    return st;
}

long dnc_table_col(const dnc_table *t, const char *name)
{
    for (size_t c = 0; t->names && c < t->ncols; c++)
        if (strcmp(t->names[c], name) == 0)
            return (long)c;
    return -1;
}

long dnc_table_col_any(const dnc_table *t, const char *const *names)
{
    for (; *names; names++) {
        long c = dnc_table_col(t, *names);
        if (c >= 0)
            return c;
    }
    return -1;
}

long dnc_table_err_col(const dnc_table *t, size_t c)
{
    if (c >= t->ncols || !t->names)
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
        found = dnc_table_col(t, buf);
    }
    if (found < 0) {
        buf[0] = 'd';
        memcpy(buf + 1, t->names[c], n + 1);
        found = dnc_table_col(t, buf);
    }
    free(buf);
    return found == (long)c ? -1 : found;
}

double *dnc_table_column(const dnc_table *t, size_t c)
{
    double *v = malloc((t->nrows ? t->nrows : 1) * sizeof *v);
    if (!v || c >= t->ncols)
        return v;
    for (size_t r = 0; r < t->nrows; r++)
        v[r] = t->v[r * t->ncols + c];
    return v;
}

bool dnc_table_is_text(const dnc_table *t, size_t c)
{
    return t->text && c < t->ncols && t->text[c];
}

const char *dnc_table_text(const dnc_table *t, size_t row, size_t col)
{
    if (row >= t->nrows || !dnc_table_is_text(t, col))
        return NULL;
    return t->text[col][row];
}

/* ------------------------------------------------------ one column */

/* Lines in text, the last one counted even without its newline; >= 1. */
static size_t count_lines(const char *text, size_t len)
{
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    return lines;
}

static dnc_status column_error(const line_iter *it, size_t col, const fields *fs)
{
    if (col >= fs->n)
        return dnc_fail(DNC_EINVAL, "%s:%zu: no column %zu (the line has %zu fields)", it->name,
                        it->line, col + 1, fs->n);
    return dnc_fail(DNC_EINVAL, "%s:%zu: field %zu '%s' is not a finite number", it->name,
                    it->line, col + 1, fs->f[col]);
}

dnc_status dnc_table_read_column(const char *path, const char *column, double **x, size_t *n)
{
    *x = NULL;
    *n = 0;
    char *text;
    size_t len;
    dnc_status st = dnc_read_file(path, &text, &len);
    if (st)
        return st;
    line_iter it = {text, text + len, path, 0};
    fields fs = {0};
    size_t col = 0;
    bool by_name = false, first = true;
    if (column && *column) {
        char *end;
        errno = 0;
        long c = strtol(column, &end, 10);
        if (*end == '\0' && c >= 1)
            col = (size_t)c - 1;
        else
            by_name = true;
    }
    /* Fast path for a data line that is one number (the usual one-column
     * file), column 1: the value the general path below would read (that
     * line's only field), without splitting. Anything else, and every line
     * of a file with a NUL byte, takes the general path. */
    bool fast = memchr(text, '\0', len) == NULL;
    /* room for every line at once (each value takes a line of its own, so
     * the column never outgrows it): growing by doubling copied the column
     * and faulted in each new buffer, a tenth of a 10^4-sample fit */
    size_t lines = count_lines(text, len);
    *x = malloc(lines * sizeof **x);
    if (!*x) {
        free(text);
        return dnc_fail(DNC_ENOMEM, "out of memory reading %s (%zu lines)", path, lines);
    }
    char *line;
    for (;;) {
        if (fast && !first && !by_name && col == 0) {
            const char *p = it.p, *q;
            double v;
            while (p < it.end && (*p == ' ' || *p == '\t'))
                p++;
            if (p < it.end && fast_decimal(p, &q, &v)) {
                while (q < it.end && *q != '\n' && isspace((unsigned char)*q))
                    q++;
                if (q == it.end || *q == '\n') {
                    it.p = q == it.end ? it.end : (char *)q + 1;
                    it.line++;
                    (*x)[(*n)++] = v;
                    continue;
                }
            }
        }
        if ((st = next_line(&it, &line)) || !line)
            break;
        if ((st = split(line, 0, &it, &fs)))
            break;
        double v;
        if (first) {
            first = false;
            bool numeric =
                !by_name && col < fs.n && parse_num(fs.f[col], DNC_TABLE_FINITE, &v);
            if (!numeric) { /* header */
                if (by_name) {
                    size_t i = 0;
                    while (i < fs.n && strcmp(fs.f[i], column) != 0)
                        i++;
                    if (i == fs.n) {
                        st = dnc_fail(DNC_EINVAL, "%s: no column named '%s' in the header", path,
                                      column);
                        break;
                    }
                    col = i;
                    by_name = false;
                } else if (col >= fs.n || !isalpha((unsigned char)fs.f[col][0])) {
                    st = column_error(&it, col, &fs);
                    break;
                }
                continue;
            }
        }
        if (by_name) {
            st = dnc_fail(DNC_EINVAL, "%s: column '%s' given by name but the file has no header",
                          path, column);
            break;
        }
        if (col >= fs.n || !parse_num(fs.f[col], DNC_TABLE_FINITE, &v)) {
            st = column_error(&it, col, &fs);
            break;
        }
        (*x)[(*n)++] = v;
    }
    free(fs.f);
    free(text);
    if (!st && *n == 0)
        st = dnc_fail(DNC_EINVAL, "%s: no data rows", path);
    if (st) {
        free(*x);
        *x = NULL;
        *n = 0;
    }
    return st;
}
