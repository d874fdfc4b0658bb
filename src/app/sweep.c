/* Sweep descriptions: parsing, point enumeration and the table header.
 * Directory handling and execution live in sweep_run.c. */
#include "dnncrit/sweep.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include "core/strutil.h"

/* dnc_fail with the previous message appended. */
static dnc_status fail_wrapped(dnc_status code, const char *prefix)
{
    return dnc_fail(code, "%s: %s", prefix, dnc_last_error());
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* '-' and '_' are the same in keys, as for command-line options. */
static bool same_key(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

/* ------------------------------------------------------ value parsing */

static dnc_status parse_choice(const dnc_sweep_param *par, const char *s, const char *what,
                               uint64_t *out)
{
    const char *c = par->domain;
    size_t len = strlen(s);
    for (uint64_t i = 0; c && *c; i++) {
        const char *comma = strchr(c, ',');
        size_t n = comma ? (size_t)(comma - c) : strlen(c);
        if (n == len && strncmp(c, s, n) == 0) {
            *out = i;
            return DNC_OK;
        }
        c = comma ? comma + 1 : c + n;
    }
    return dnc_fail(DNC_EINVAL, "%s: '%s' is not one of %s", what, s, par->domain);
}

static dnc_status parse_scalar(const dnc_sweep_param *par, const char *s, const char *what,
                               dnc_sweep_value *v)
{
    v->d = 0;
    v->u = 0;
    v->s = NULL;
    switch (par->type) {
    case DNC_SWEEP_DOUBLE: return dnc_parse_double(s, what, &v->d);
    case DNC_SWEEP_SIZE:
    case DNC_SWEEP_U64: {
        unsigned long long u = 0;
        dnc_status st = dnc_parse_u64(s, what, &u);
        v->u = (uint64_t)u;
        v->d = (double)u;
        return st;
    }
    case DNC_SWEEP_ACTIVATION: {
        dnc_activation a;
        dnc_status st = dnc_activation_parse(s, &a);
        if (st)
            return fail_wrapped(st, what);
        v->u = (uint64_t)a;
        return DNC_OK;
    }
    case DNC_SWEEP_BOOL:
        if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0 || strcmp(s, "1") == 0)
            v->u = 1;
        else if (strcmp(s, "false") && strcmp(s, "no") && strcmp(s, "0"))
            return dnc_fail(DNC_EINVAL, "%s: '%s' is not true or false", what, s);
        return DNC_OK;
    case DNC_SWEEP_CHOICE: return parse_choice(par, s, what, &v->u);
    case DNC_SWEEP_STRING: v->s = s; return DNC_OK;
    }
    return dnc_fail(DNC_EINVAL, "%s: unknown parameter type", what);
}

static bool is_integer_type(dnc_sweep_type t)
{
    return t == DNC_SWEEP_SIZE || t == DNC_SWEEP_U64;
}

/* Exact integer steps: lo + i (hi - lo) / (n - 1) must be whole numbers. */
static dnc_status integer_linear_range(const char *lo_s, const char *hi_s, size_t n,
                                       const char *what, dnc_sweep_value *v)
{
    unsigned long long lo, hi;
    dnc_status st;
    if ((st = dnc_parse_u64(lo_s, what, &lo)) || (st = dnc_parse_u64(hi_s, what, &hi)))
        return st;
    if (hi < lo)
        return dnc_fail(DNC_EINVAL, "%s: integer range needs lo <= hi, got %llu:%llu", what, lo,
                        hi);
    if (n > 1 && (hi - lo) % (n - 1) != 0)
        return dnc_fail(DNC_EINVAL,
                        "%s: %llu:%llu:%zu does not have integer steps (hi - lo = %llu is not "
                        "a multiple of n - 1 = %zu)",
                        what, lo, hi, n, hi - lo, n - 1);
    unsigned long long step = n > 1 ? (hi - lo) / (n - 1) : 0;
    for (size_t i = 0; i < n; i++) {
        v[i].u = lo + step * i;
        v[i].d = (double)v[i].u;
    }
    return DNC_OK;
}

static dnc_status real_range(const char *lo_s, const char *hi_s, size_t n, bool geometric,
                             const dnc_sweep_param *par, const char *what, dnc_sweep_value *v)
{
    double lo, hi;
    dnc_status st;
    if ((st = dnc_parse_double(lo_s, what, &lo)) || (st = dnc_parse_double(hi_s, what, &hi)))
        return st;
    if (geometric && !(lo > 0 && hi > 0))
        return dnc_fail(DNC_EINVAL, "%s: a log range needs lo > 0 and hi > 0, got %g:%g", what,
                        lo, hi);
    for (size_t i = 0; i < n; i++) {
        double t = n > 1 ? (double)i / (double)(n - 1) : 0;
        double x = geometric ? lo * pow(hi / lo, t) : lo + (hi - lo) * t;
        if (i == n - 1)
            x = hi; /* exact end point */
        v[i].d = x;
        v[i].u = 0;
        if (is_integer_type(par->type)) {
            double r = nearbyint(x);
            if (r < 0 || fabs(x - r) > 1e-9 * fmax(1, fabs(x)) || r >= 18446744073709551616.0)
                return dnc_fail(DNC_EINVAL,
                                "%s: point %zu of the range is %.10g, not a non-negative integer",
                                what, i, x);
            v[i].u = (uint64_t)r;
            v[i].d = r;
        }
    }
    return DNC_OK;
}

/* "lo:hi:n" or "lo:hi:n:log" (numeric parameters only). */
static dnc_status parse_range(const dnc_sweep_param *par, const char *text, const char *what,
                              dnc_sweep_value **out, size_t *nout)
{
    if (par->type != DNC_SWEEP_DOUBLE && !is_integer_type(par->type))
        return dnc_fail(DNC_EINVAL, "%s: ranges (lo:hi:n) only work for numbers, got '%s'",
                        what, text);
    char buf[256];
    if (strlen(text) >= sizeof buf)
        return dnc_fail(DNC_EINVAL, "%s: range '%s' is too long", what, text);
    strcpy(buf, text);
    char *part[5] = {buf};
    int nparts = 1;
    for (char *c = buf; *c; c++) {
        if (*c == ':') {
            if (nparts == 5)
                break;
            *c = '\0';
            part[nparts++] = c + 1;
        }
    }
    bool geometric = nparts == 4 && strcmp(part[3], "log") == 0;
    bool linear_tag = nparts == 4 && strcmp(part[3], "lin") == 0;
    if (nparts != 3 && !geometric && !linear_tag)
        return dnc_fail(DNC_EINVAL, "%s: range '%s' must be lo:hi:n or lo:hi:n:log", what, text);
    size_t n;
    dnc_status st = dnc_parse_size(part[2], what, &n);
    if (st)
        return st;
    if (n == 0 || n > DNC_SWEEP_MAX_POINTS)
        return dnc_fail(DNC_EINVAL, "%s: range '%s' needs 1 <= n <= %zu points", what, text,
                        DNC_SWEEP_MAX_POINTS);
    dnc_sweep_value *v = calloc(n, sizeof *v);
    if (!v)
        return dnc_fail(DNC_ENOMEM, "%s: out of memory", what);
    if (is_integer_type(par->type) && !geometric)
        st = integer_linear_range(part[0], part[1], n, what, v);
    else
        st = real_range(part[0], part[1], n, geometric, par, what, v);
    if (!st && n == 1 && strcmp(part[0], part[1]) != 0 && v[0].d != strtod(part[0], NULL))
        st = dnc_fail(DNC_EINVAL, "%s: range '%s' with one point needs lo == hi", what, text);
    if (st) {
        free(v);
        return st;
    }
    *out = v;
    *nout = n;
    return DNC_OK;
}

/* "a,b,c": every element non-empty and valid for the parameter's type. */
static dnc_status parse_list(const dnc_sweep_param *par, const char *text, const char *what,
                             dnc_sweep_value **out, size_t *nout)
{
    size_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == ',';
    dnc_sweep_value *v = calloc(n, sizeof *v);
    char *copy = dup_str(text);
    if (!v || !copy) {
        free(v);
        free(copy);
        return dnc_fail(DNC_ENOMEM, "%s: out of memory", what);
    }
    dnc_status st = DNC_OK;
    char *start = copy;
    for (size_t i = 0; i < n && !st; i++) {
        char *comma = strchr(start, ',');
        if (comma)
            *comma = '\0';
        char *item = dnc_trim(start);
        if (!*item)
            st = dnc_fail(DNC_EINVAL, "%s: empty element %zu in the list '%s'", what, i + 1,
                          text);
        else
            st = parse_scalar(par, item, what, &v[i]);
        start = comma ? comma + 1 : start;
    }
    free(copy);
    if (st) {
        free(v);
        return st;
    }
    *out = v;
    *nout = n;
    return DNC_OK;
}

/* text must outlive the values (strings point into it). */
static dnc_status parse_values(const dnc_sweep_param *par, const char *text, const char *what,
                               dnc_sweep_value **out, size_t *nout)
{
    if (par->type == DNC_SWEEP_STRING) {
        *out = calloc(1, sizeof **out);
        if (!*out)
            return dnc_fail(DNC_ENOMEM, "%s: out of memory", what);
        (*out)->s = text;
        *nout = 1;
        return DNC_OK;
    }
    if (strchr(text, ':'))
        return parse_range(par, text, what, out, nout);
    return parse_list(par, text, what, out, nout);
}

/* ---------------------------------------------------------- the sweep */

void dnc_sweep_free(dnc_sweep *s)
{
    if (s->exp) {
        for (size_t k = 0; k < s->exp->nparams; k++) {
            if (s->values)
                free(s->values[k]);
            if (s->texts)
                free(s->texts[k]);
        }
    }
    free(s->values);
    free(s->nvalues);
    free(s->texts);
    free(s->canonical);
    free(s->source);
    memset(s, 0, sizeof *s);
}

static char *known_keys(const dnc_sweep_experiment *e)
{
    size_t len = 8;
    for (size_t k = 0; k < e->nparams; k++)
        len += strlen(e->params[k].name) + 2;
    char *s = malloc(len);
    if (!s)
        return NULL;
    strcpy(s, "type");
    for (size_t k = 0; k < e->nparams; k++) {
        strcat(s, ", ");
        strcat(s, e->params[k].name);
    }
    return s;
}

static dnc_status find_type(const dnc_config *cfg, const dnc_sweep_experiment **exp)
{
    const dnc_config_entry *type = NULL;
    for (size_t i = 0; i < cfg->count; i++) {
        if (!same_key(cfg->entries[i].key, "type"))
            continue;
        if (type)
            return dnc_fail(DNC_EINVAL, "%s:%d: 'type' given twice (first on line %d)",
                            cfg->path, cfg->entries[i].line, type->line);
        type = &cfg->entries[i];
    }
    if (!type)
        return dnc_fail(DNC_EINVAL, "%s: no 'type = ...' line (experiment types: %s)", cfg->path,
                        dnc_sweep_experiment_list());
    *exp = dnc_sweep_find_experiment(type->value);
    if (!*exp)
        return dnc_fail(DNC_EINVAL, "%s:%d: unknown experiment type '%s' (known: %s)", cfg->path,
                        type->line, type->value, dnc_sweep_experiment_list());
    return DNC_OK;
}

/* Each schema key at most once, no key outside the schema. */
static dnc_status assign_entries(const dnc_config *cfg, const dnc_sweep_experiment *e,
                                 const dnc_config_entry **by_param)
{
    for (size_t i = 0; i < cfg->count; i++) {
        const dnc_config_entry *en = &cfg->entries[i];
        if (same_key(en->key, "type"))
            continue;
        size_t k = 0;
        while (k < e->nparams && !same_key(en->key, e->params[k].name))
            k++;
        if (k == e->nparams) {
            char *keys = known_keys(e);
            dnc_status st = dnc_fail(DNC_EINVAL, "%s:%d: unknown key '%s' for type = %s (known: %s)",
                                     cfg->path, en->line, en->key, e->name, keys ? keys : "?");
            free(keys);
            return st;
        }
        if (by_param[k])
            return dnc_fail(DNC_EINVAL, "%s:%d: '%s' given twice (first on line %d)", cfg->path,
                            en->line, en->key, by_param[k]->line);
        by_param[k] = en;
    }
    return DNC_OK;
}

static dnc_status count_points(dnc_sweep *s)
{
    s->npoints = 1;
    for (size_t k = 0; k < s->exp->nparams; k++) {
        if (s->npoints > DNC_SWEEP_MAX_POINTS / s->nvalues[k])
            return dnc_fail(DNC_EINVAL, "%s: the sweep has more than %zu points", s->source,
                            DNC_SWEEP_MAX_POINTS);
        s->npoints *= s->nvalues[k];
    }
    return DNC_OK;
}

static dnc_status build_canonical(dnc_sweep *s)
{
    size_t len = strlen(s->exp->name) + 16;
    for (size_t k = 0; k < s->exp->nparams; k++)
        len += strlen(s->exp->params[k].name) + strlen(s->texts[k]) + 8;
    s->canonical = malloc(len);
    if (!s->canonical)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    char *p = s->canonical;
    p += sprintf(p, "type = %s\n", s->exp->name);
    for (size_t k = 0; k < s->exp->nparams; k++)
        p += sprintf(p, "%s = %s\n", s->exp->params[k].name, s->texts[k]);
    return DNC_OK;
}

static dnc_status validate_points(const dnc_sweep *s)
{
    if (!s->exp->validate)
        return DNC_OK;
    dnc_sweep_value *vals = calloc(s->exp->nparams, sizeof *vals);
    if (!vals)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    dnc_status st = DNC_OK;
    for (size_t i = 0; i < s->npoints && !st; i++) {
        dnc_sweep_point_values(s, i, vals);
        dnc_sweep_point pt = {i, s->exp, vals, s->context};
        st = s->exp->validate(&pt);
        if (st) {
            char prefix[512];
            snprintf(prefix, sizeof prefix, "%s: point %zu", s->source, i);
            st = fail_wrapped(st, prefix);
        }
    }
    free(vals);
    return st;
}

static dnc_status parse_params(const dnc_config *cfg, dnc_sweep *s,
                               const dnc_config_entry **by_param)
{
    const dnc_sweep_experiment *e = s->exp;
    for (size_t k = 0; k < e->nparams; k++) {
        const dnc_sweep_param *par = &e->params[k];
        const char *text = by_param[k] ? by_param[k]->value : par->default_value;
        if (!text)
            return dnc_fail(DNC_EINVAL, "%s: type = %s needs the key '%s' (%s)", cfg->path,
                            e->name, par->name, par->help);
        char what[160];
        if (by_param[k])
            snprintf(what, sizeof what, "%s:%d: %s", cfg->path, by_param[k]->line, par->name);
        else
            snprintf(what, sizeof what, "default of %s", par->name);
        s->texts[k] = dup_str(text);
        if (!s->texts[k])
            return dnc_fail(DNC_ENOMEM, "out of memory");
        dnc_status st = parse_values(par, s->texts[k], what, &s->values[k], &s->nvalues[k]);
        if (st)
            return st;
    }
    return DNC_OK;
}

/* The arrays of a sweep over e, all empty. */
static dnc_status sweep_alloc(const dnc_sweep_experiment *e, const char *source, dnc_sweep *s)
{
    memset(s, 0, sizeof *s);
    s->exp = e;
    s->values = calloc(e->nparams + 1, sizeof *s->values);
    s->nvalues = calloc(e->nparams + 1, sizeof *s->nvalues);
    s->texts = calloc(e->nparams + 1, sizeof *s->texts);
    s->source = dup_str(source);
    if (!s->values || !s->nvalues || !s->texts || !s->source)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    return DNC_OK;
}

/* Once every parameter has its values: the point count, the canonical
 * text and every point's validate(); frees the sweep on failure. */
static dnc_status sweep_complete(dnc_status st, dnc_sweep *s)
{
    if (!st)
        st = count_points(s);
    if (!st)
        st = build_canonical(s);
    if (!st)
        st = validate_points(s);
    if (st)
        dnc_sweep_free(s);
    return st;
}

dnc_status dnc_sweep_parse(const dnc_config *cfg, dnc_sweep *s)
{
    memset(s, 0, sizeof *s);
    const dnc_sweep_experiment *e;
    dnc_status st = find_type(cfg, &e);
    if (st)
        return st;
    const dnc_config_entry **by_param = calloc(e->nparams + 1, sizeof *by_param);
    st = sweep_alloc(e, cfg->path ? cfg->path : "<sweep>", s);
    if (!st && !by_param)
        st = dnc_fail(DNC_ENOMEM, "out of memory");
    if (!st)
        st = assign_entries(cfg, e, by_param);
    if (!st)
        st = parse_params(cfg, s, by_param);
    free(by_param);
    return sweep_complete(st, s);
}

dnc_status dnc_sweep_build(const dnc_sweep_experiment *e, const char *const *texts,
                           const char *source, dnc_sweep *s)
{
    dnc_status st = sweep_alloc(e, source, s);
    for (size_t k = 0; k < e->nparams && !st; k++) {
        const dnc_sweep_param *par = &e->params[k];
        const char *text = texts[k] ? texts[k] : par->default_value;
        if (!text)
            return sweep_complete(dnc_fail(DNC_EINVAL, "%s: no value for '%s' (%s)", source,
                                           par->name, par->help),
                                  s);
        char what[160];
        snprintf(what, sizeof what, "%s: %s", source, par->name);
        s->texts[k] = dup_str(text);
        st = s->texts[k] ? parse_values(par, s->texts[k], what, &s->values[k], &s->nvalues[k])
                         : dnc_fail(DNC_ENOMEM, "out of memory");
    }
    return sweep_complete(st, s);
}

dnc_status dnc_sweep_load(const char *path, dnc_sweep *s)
{
    memset(s, 0, sizeof *s);
    dnc_config cfg;
    dnc_status st = dnc_config_read(path, &cfg);
    if (st)
        return st;
    st = dnc_sweep_parse(&cfg, s);
    dnc_config_free(&cfg);
    return st;
}

void dnc_sweep_point_values(const dnc_sweep *s, size_t index, dnc_sweep_value *values)
{
    size_t rem = index;
    for (size_t k = s->exp->nparams; k-- > 0;) {
        values[k] = s->values[k][rem % s->nvalues[k]];
        rem /= s->nvalues[k];
    }
}

char *dnc_sweep_csv_header(const dnc_sweep *s)
{
    size_t len = 8;
    for (size_t k = 0; k < s->exp->nparams; k++)
        len += strlen(s->exp->params[k].name) + 1;
    for (size_t c = 0; c < s->exp->ncolumns; c++)
        len += strlen(s->exp->columns[c]) + 1;
    char *h = malloc(len);
    if (!h)
        return NULL;
    strcpy(h, "index");
    for (size_t k = 0; k < s->exp->nparams; k++) {
        if (s->nvalues[k] > 1) {
            strcat(h, ",");
            strcat(h, s->exp->params[k].name);
        }
    }
    for (size_t c = 0; c < s->exp->ncolumns; c++) {
        strcat(h, ",");
        strcat(h, s->exp->columns[c]);
    }
    return h;
}

/* ------------------------------------------------------- description */

static cJSON *value_json(const dnc_sweep_param *par, const dnc_sweep_value *v)
{
    switch (par->type) {
    case DNC_SWEEP_DOUBLE: return dnc_json_exact_number(v->d);
    case DNC_SWEEP_SIZE:
    case DNC_SWEEP_U64:
        if (v->u < ((uint64_t)1 << 53))
            return cJSON_CreateNumber((double)v->u);
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)v->u);
        return cJSON_CreateString(buf);
    case DNC_SWEEP_ACTIVATION:
        return cJSON_CreateString(dnc_activation_name((dnc_activation)v->u));
    case DNC_SWEEP_BOOL: return cJSON_CreateBool(v->u != 0);
    case DNC_SWEEP_STRING: return cJSON_CreateString(v->s ? v->s : "");
    case DNC_SWEEP_CHOICE: {
        const char *c = par->domain;
        for (uint64_t i = 0; i < v->u && c; i++) {
            c = strchr(c, ',');
            c = c ? c + 1 : NULL;
        }
        if (!c)
            return cJSON_CreateNull();
        size_t n = strcspn(c, ",");
        char buf[64];
        snprintf(buf, sizeof buf, "%.*s", (int)(n < 63 ? n : 63), c);
        return cJSON_CreateString(buf);
    }
    }
    return cJSON_CreateNull();
}

cJSON *dnc_sweep_value_json(const dnc_sweep_param *par, const dnc_sweep_value *v)
{
    return value_json(par, v);
}

const char *dnc_sweep_value_text(const dnc_sweep_param *par, const dnc_sweep_value *v,
                                 char buf[64])
{
    cJSON *j;
    switch (par->type) {
    case DNC_SWEEP_DOUBLE: return dnc_format_double(v->d, buf);
    case DNC_SWEEP_SIZE:
    case DNC_SWEEP_U64: snprintf(buf, 64, "%llu", (unsigned long long)v->u); return buf;
    case DNC_SWEEP_ACTIVATION: return dnc_activation_name((dnc_activation)v->u);
    case DNC_SWEEP_BOOL: return v->u ? "true" : "false";
    case DNC_SWEEP_STRING: return v->s ? v->s : "";
    case DNC_SWEEP_CHOICE:
        j = value_json(par, v);
        snprintf(buf, 64, "%s", cJSON_IsString(j) ? j->valuestring : "?");
        cJSON_Delete(j);
        return buf;
    }
    return "?";
}

void dnc_sweep_describe(const dnc_sweep *s, cJSON *obj)
{
    cJSON_AddStringToObject(obj, "type", s->exp->name);
    cJSON_AddStringToObject(obj, "file", s->source);
    cJSON *params = cJSON_AddObjectToObject(obj, "parameters");
    cJSON *order = cJSON_AddArrayToObject(obj, "order");
    cJSON *texts = cJSON_AddObjectToObject(obj, "as_written");
    for (size_t k = 0; k < s->exp->nparams; k++) {
        const dnc_sweep_param *par = &s->exp->params[k];
        if (texts)
            cJSON_AddStringToObject(texts, par->name, s->texts[k]);
        if (order)
            cJSON_AddItemToArray(order, cJSON_CreateString(par->name));
        if (!params)
            continue;
        if (s->nvalues[k] == 1) {
            cJSON_AddItemToObject(params, par->name, value_json(par, &s->values[k][0]));
            continue;
        }
        cJSON *list = cJSON_AddArrayToObject(params, par->name);
        for (size_t i = 0; list && i < s->nvalues[k]; i++)
            cJSON_AddItemToArray(list, value_json(par, &s->values[k][i]));
    }
    cJSON_AddNumberToObject(obj, "points", (double)s->npoints);
}
