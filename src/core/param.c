#include "dnncrit/param.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/io.h"

char *dnc_param_option_name(const char *key, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    size_t i = 0;
    for (; key[i] && i + 1 < size; i++)
        buf[i] = key[i] == '_' ? '-' : key[i];
    buf[i] = '\0';
    return buf;
}

/* An interval "(lo,hi)", "[lo,hi]" or mixed; lo may be -inf, hi inf. */
typedef struct {
    double lo, hi;
    bool lo_open, hi_open;
} interval;

static const char *label_of(const dnc_param *p, const char *label)
{
    return label ? label : p->name;
}

static dnc_status parse_interval(const dnc_param *p, interval *iv)
{
    const char *d = p->domain;
    size_t n = strlen(d);
    const char *comma = strchr(d, ',');
    bool ok = n >= 5 && comma && (d[0] == '(' || d[0] == '[') &&
              (d[n - 1] == ')' || d[n - 1] == ']');
    if (ok) {
        char *end;
        iv->lo = strtod(d + 1, &end);
        ok = end == comma;
        iv->hi = strtod(comma + 1, &end);
        ok = ok && end == d + n - 1 && !(iv->lo > iv->hi);
    }
    if (!ok)
        return dnc_fail(DNC_EINVAL, "%s: malformed domain '%s'", p->name, d);
    iv->lo_open = d[0] == '(';
    iv->hi_open = d[n - 1] == ')';
    return DNC_OK;
}

static bool in_interval(const interval *iv, double v)
{
    bool above = iv->lo_open ? v > iv->lo : v >= iv->lo;
    bool below = iv->hi_open ? v < iv->hi : v <= iv->hi;
    return above && below;
}

dnc_status dnc_param_check_double(const dnc_param *p, const char *label, double v)
{
    const char *what = label_of(p, label);
    if (!p->domain)
        return isfinite(v) ? DNC_OK
                           : dnc_fail(DNC_EINVAL, "%s must be a finite number, got %g", what, v);
    interval iv;
    dnc_status st = parse_interval(p, &iv);
    if (st || (isfinite(v) && in_interval(&iv, v)))
        return st;
    if (isinf(iv.hi))
        return dnc_fail(DNC_EINVAL, "%s must be a finite number %s %g, got %g", what,
                        iv.lo_open ? ">" : ">=", iv.lo, v);
    return dnc_fail(DNC_EINVAL, "%s must be a finite number in %s, got %g", what, p->domain, v);
}

dnc_status dnc_param_check_integer(const dnc_param *p, const char *label, uint64_t v)
{
    if (!p->domain)
        return DNC_OK;
    interval iv;
    dnc_status st = parse_interval(p, &iv);
    if (st || in_interval(&iv, (double)v))
        return st;
    const char *what = label_of(p, label);
    unsigned long long got = (unsigned long long)v;
    if (isinf(iv.hi))
        return dnc_fail(DNC_EINVAL, "%s must be at least %.0f, got %llu", what, iv.lo, got);
    if (iv.lo <= 0)
        return dnc_fail(DNC_EINVAL, "%s must be at most %.0f, got %llu", what, iv.hi, got);
    return dnc_fail(DNC_EINVAL, "%s must be between %.0f and %.0f, got %llu", what, iv.lo, iv.hi,
                    got);
}

dnc_status dnc_param_default_double(const dnc_param *p, double *out)
{
    if (p->type != DNC_PARAM_DOUBLE || !p->default_value)
        return dnc_fail(DNC_EINVAL, "%s: no default number", p->name);
    return dnc_parse_double(p->default_value, p->name, out);
}

dnc_status dnc_param_default_integer(const dnc_param *p, uint64_t *out)
{
    if ((p->type != DNC_PARAM_SIZE && p->type != DNC_PARAM_U64) || !p->default_value)
        return dnc_fail(DNC_EINVAL, "%s: no default integer", p->name);
    unsigned long long v;
    dnc_status st = dnc_parse_u64(p->default_value, p->name, &v);
    if (!st)
        *out = (uint64_t)v;
    return st;
}
