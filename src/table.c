#include "dnncrit/table.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/io.h"

#define MAX_FIELDS 1048576

typedef struct {
    char **f;
    size_t n, cap;
} fields;

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* Splits a line in place. */
static dnc_status split(char *line, fields *fs)
{
    fs->n = 0;
    char sep = strchr(line, ',') ? ',' : strchr(line, ';') ? ';' : ' ';
    char *p = line;
    for (;;) {
        if (fs->n == fs->cap) {
            size_t cap = fs->cap ? 2 * fs->cap : 16;
            if (cap > MAX_FIELDS)
                return dnc_fail(DNC_EINVAL, "more than %d fields on a line", MAX_FIELDS);
            char **f = realloc(fs->f, cap * sizeof *f);
            if (!f)
                return dnc_fail(DNC_ENOMEM, "out of memory");
            fs->f = f;
            fs->cap = cap;
        }
        if (sep == ' ') {
            while (isspace((unsigned char)*p))
                p++;
            if (!*p)
                break;
            char *s = p;
            while (*p && !isspace((unsigned char)*p))
                p++;
            bool end = !*p;
            *p = '\0';
            fs->f[fs->n++] = s;
            if (end)
                break;
            p++;
        } else {
            char *e = strchr(p, sep);
            if (e)
                *e = '\0';
            fs->f[fs->n++] = trim(p);
            if (!e)
                break;
            p = e + 1;
        }
    }
    return DNC_OK;
}

static bool parse_num(const char *s, double *v)
{
    if (!*s)
        return false;
    errno = 0;
    char *end;
    *v = strtod(s, &end);
    return *end == '\0' && errno != ERANGE && isfinite(*v);
}

/* Iterates over the data lines of a file held in memory. */
typedef struct {
    char *text, *p;
    const char *path;
    size_t line;
} line_iter;

static char *next_line(line_iter *it)
{
    while (it->p && *it->p) {
        char *s = it->p;
        char *nl = strchr(s, '\n');
        if (nl) {
            *nl = '\0';
            it->p = nl + 1;
        } else {
            it->p = NULL;
        }
        it->line++;
        size_t len = strlen(s);
        if (len && s[len - 1] == '\r')
            s[len - 1] = '\0';
        char *t = trim(s);
        if (*t && *t != '#')
            return t;
    }
    return NULL;
}

static bool all_numeric(const fields *fs)
{
    double v;
    for (size_t i = 0; i < fs->n; i++)
        if (!parse_num(fs->f[i], &v))
            return false;
    return true;
}

void dnc_table_free(dnc_table *t)
{
    if (t->names)
        for (size_t i = 0; i < t->cols; i++)
            free(t->names[i]);
    free(t->names);
    free(t->v);
    memset(t, 0, sizeof *t);
}

static dnc_status push(double **v, size_t *n, size_t *cap, double x)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 1024;
        double *nv = realloc(*v, c * sizeof *nv);
        if (!nv)
            return dnc_fail(DNC_ENOMEM, "out of memory");
        *v = nv;
        *cap = c;
    }
    (*v)[(*n)++] = x;
    return DNC_OK;
}

dnc_status dnc_table_read(const char *path, dnc_table *t)
{
    memset(t, 0, sizeof *t);
    char *text;
    size_t len;
    dnc_status st = dnc_read_file(path, &text, &len);
    if (st)
        return st;
    line_iter it = {text, text, path, 0};
    fields fs = {0};
    size_t cap = 0, nv = 0;
    char *line;
    bool first = true;
    while (!st && (line = next_line(&it))) {
        if ((st = split(line, &fs)))
            break;
        if (first && !all_numeric(&fs)) {
            t->cols = fs.n;
            t->names = calloc(fs.n, sizeof *t->names);
            for (size_t i = 0; t->names && i < fs.n; i++)
                t->names[i] = strdup(fs.f[i]);
            first = false;
            continue;
        }
        if (first)
            t->cols = fs.n;
        first = false;
        if (fs.n != t->cols) {
            st = dnc_fail(DNC_EINVAL, "%s:%zu: expected %zu fields, got %zu", path, it.line,
                          t->cols, fs.n);
            break;
        }
        for (size_t i = 0; i < fs.n && !st; i++) {
            double v;
            if (!parse_num(fs.f[i], &v))
                st = dnc_fail(DNC_EINVAL, "%s:%zu: field %zu '%s' is not a finite number", path,
                              it.line, i + 1, fs.f[i]);
            else
                st = push(&t->v, &nv, &cap, v);
        }
        if (!st)
            t->rows++;
    }
    free(fs.f);
    free(text);
    if (!st && t->rows == 0)
        st = dnc_fail(DNC_EINVAL, "%s: no data rows", path);
    if (st)
        dnc_table_free(t);
    return st;
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
    line_iter it = {text, text, path, 0};
    fields fs = {0};
    size_t cap = 0, col = 0;
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
    char *line;
    while (!st && (line = next_line(&it))) {
        if ((st = split(line, &fs)))
            break;
        double v;
        if (first) {
            first = false;
            bool numeric = !by_name && col < fs.n && parse_num(fs.f[col], &v);
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
                } else if (col >= fs.n || all_numeric(&fs) || !isalpha((unsigned char)fs.f[col][0])) {
                    if (col >= fs.n)
                        st = dnc_fail(DNC_EINVAL, "%s:%zu: no column %zu (the line has %zu fields)",
                                      path, it.line, col + 1, fs.n);
                    else
                        st = dnc_fail(DNC_EINVAL, "%s:%zu: field %zu '%s' is not a finite number",
                                      path, it.line, col + 1, fs.f[col]);
                }
                continue;
            }
        }
        if (by_name) {
            st = dnc_fail(DNC_EINVAL, "%s: column '%s' given by name but the file has no header",
                          path, column);
            break;
        }
        if (col >= fs.n)
            st = dnc_fail(DNC_EINVAL, "%s:%zu: no column %zu (the line has %zu fields)", path,
                          it.line, col + 1, fs.n);
        else if (!parse_num(fs.f[col], &v))
            st = dnc_fail(DNC_EINVAL, "%s:%zu: field %zu '%s' is not a finite number", path,
                          it.line, col + 1, fs.f[col]);
        else
            st = push(x, n, &cap, v);
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
