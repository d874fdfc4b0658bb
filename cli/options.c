#include <ctype.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static cli_opt_type option_type_of(dnc_param_type t)
{
    switch (t) {
    case DNC_PARAM_DOUBLE: return CLI_OPT_DOUBLE;
    case DNC_PARAM_SIZE: return CLI_OPT_SIZE;
    case DNC_PARAM_U64: return CLI_OPT_U64;
    case DNC_PARAM_ACTIVATION: return CLI_OPT_ACTIVATION;
    case DNC_PARAM_BOOL: return CLI_OPT_FLAG;
    case DNC_PARAM_CHOICE:
    case DNC_PARAM_STRING: break;
    }
    return CLI_OPT_STRING;
}

/* Name, type and help of CLI_PARAM options from their declarations (those
 * the table left unset). */
static void resolve_params(const cli_command *cli)
{
    for (size_t i = 0; i < cli->nopts; i++) {
        cli_opt *o = &cli->opts[i];
        if (!o->param)
            continue;
        if (!o->name)
            o->name = dnc_param_option_name(o->param->name, o->spelling, sizeof o->spelling);
        if (o->type == CLI_OPT_PARAM)
            o->type = option_type_of(o->param->type);
        if (!o->help)
            o->help = o->param->help;
    }
}

/* Names equal with '-' and '_' interchangeable (config keys may use either). */
static bool same_spelling(const char *n, const char *name, size_t len)
{
    if (strlen(n) != len)
        return false;
    for (size_t k = 0; k < len; k++)
        if ((n[k] == '_' ? '-' : n[k]) != (name[k] == '_' ? '-' : name[k]))
            return false;
    return true;
}

/* The option spelled exactly `name` (so a deprecated alias such as nu_perp
 * beside its option nu-perp is found), else the first of the same spelling. */
static cli_opt *find_opt(const cli_command *cli, const char *name, size_t len)
{
    for (size_t i = 0; i < cli->nopts; i++)
        if (strlen(cli->opts[i].name) == len && strncmp(cli->opts[i].name, name, len) == 0)
            return &cli->opts[i];
    for (size_t i = 0; i < cli->nopts; i++)
        if (same_spelling(cli->opts[i].name, name, len))
            return &cli->opts[i];
    return NULL;
}

/* The option an alias stands for (NULL when it names no plain option). */
static cli_opt *alias_target(const cli_command *cli, const cli_opt *alias)
{
    const char *name = alias->target;
    cli_opt *o = find_opt(cli, name, strlen(name));
    return o && o->type != CLI_OPT_ALIAS ? o : NULL;
}

/* find_opt, with a deprecated alias resolved to its option and a warning
 * naming the new spelling (`where` is "--" on the command line, else the
 * config file's "path:line: "). */
static cli_opt *lookup_opt(const cli_command *cli, const char *name, size_t len, const char *where)
{
    cli_opt *o = find_opt(cli, name, len);
    if (!o || o->type != CLI_OPT_ALIAS)
        return o;
    cli_opt *target = alias_target(cli, o);
    bool in_config = strcmp(where, "--") != 0;
    if (target && in_config && same_spelling(target->name, name, len))
        return target; /* nu_perp = ... is the config spelling of nu-perp */
    if (target)
        fprintf(stderr, "dnncrit %s: warning: %s%.*s is deprecated, use %s%s\n", cli->command,
                where, (int)len, name, strcmp(where, "--") == 0 ? "--" : "",
                target->name);
    return target;
}

static dnc_status parse_dlist(const char *s, const char *what, cli_dlist *out)
{
    const char *colon = strchr(s, ':');
    if (colon) {
        char buf[256];
        if (strlen(s) >= sizeof buf)
            return dnc_fail(DNC_EINVAL, "%s: range '%s' too long", what, s);
        strcpy(buf, s);
        char *c1 = strchr(buf, ':');
        char *c2 = strchr(c1 + 1, ':');
        if (!c2)
            return dnc_fail(DNC_EINVAL, "%s: range '%s' must be lo:hi:n", what, s);
        *c1 = *c2 = '\0';
        double lo, hi;
        size_t n;
        dnc_status st;
        if ((st = dnc_parse_double(buf, what, &lo)) || (st = dnc_parse_double(c1 + 1, what, &hi)) ||
            (st = dnc_parse_size(c2 + 1, what, &n)))
            return st;
        if (n == 0 || n > 10000000)
            return dnc_fail(DNC_EINVAL, "%s: range '%s' needs 1 <= n <= 1e7 points", what, s);
        if (n == 1 && lo != hi)
            return dnc_fail(DNC_EINVAL, "%s: range '%s' with one point needs lo == hi", what, s);
        double *v = malloc(n * sizeof *v);
        if (!v)
            return dnc_fail(DNC_ENOMEM, "%s: out of memory", what);
        for (size_t i = 0; i < n; i++)
            v[i] = n == 1 ? lo : lo + (hi - lo) * (double)i / (double)(n - 1);
        free(out->v);
        out->v = v;
        out->n = n;
        return DNC_OK;
    }
    size_t n = 1;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    double *v = malloc(n * sizeof *v);
    char *copy = malloc(strlen(s) + 1);
    if (!v || !copy) {
        free(v);
        free(copy);
        return dnc_fail(DNC_ENOMEM, "%s: out of memory", what);
    }
    strcpy(copy, s);
    size_t i = 0;
    dnc_status st = DNC_OK;
    char *start = copy;
    for (;;) {
        char *comma = strchr(start, ',');
        if (comma)
            *comma = '\0';
        st = dnc_parse_double(start, what, &v[i++]);
        if (st || !comma)
            break;
        start = comma + 1;
    }
    free(copy);
    if (st) {
        free(v);
        return st;
    }
    free(out->v);
    out->v = v;
    out->n = n;
    return DNC_OK;
}

static char *keep_string(cli_command *cli, const char *s)
{
    char **grown = realloc(cli->owned, (cli->nowned + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    cli->owned = grown;
    char *d = malloc(strlen(s) + 1);
    if (!d)
        return NULL;
    strcpy(d, s);
    cli->owned[cli->nowned++] = d;
    return d;
}

/* The declaration an option's values are checked against: its own, or a
 * copy with this command's domain (CLI_PARAM_DOMAIN). */
static dnc_param checked_param(const cli_opt *o)
{
    dnc_param p = *o->param;
    if (o->domain)
        p.domain = o->domain;
    return p;
}

/* A parsed value of a declared parameter against its domain ("--width must
 * be between 1 and 1048576, got 0"). */
static dnc_status check_domain(const cli_opt *o, const char *what)
{
    if (!o->param && !o->domain)
        return DNC_OK;
    /* a command's own option with a domain (CLI_OPT_IN) is checked as a
     * declaration of its type */
    dnc_param p = o->param ? checked_param(o)
                           : (dnc_param){.name = o->name,
                                         .type = o->type == CLI_OPT_DOUBLE ? DNC_PARAM_DOUBLE
                                                                           : DNC_PARAM_SIZE,
                                         .domain = o->domain};
    switch (o->type) {
    case CLI_OPT_DOUBLE: return dnc_param_check_double(&p, what, *(double *)o->target);
    case CLI_OPT_SIZE: return dnc_param_check_integer(&p, what, *(size_t *)o->target);
    case CLI_OPT_U64: return dnc_param_check_integer(&p, what, *(uint64_t *)o->target);
    case CLI_OPT_DLIST: {
        const cli_dlist *l = o->target;
        dnc_status st = DNC_OK;
        for (size_t i = 0; i < l->n && !st; i++)
            st = p.type == DNC_PARAM_DOUBLE ? dnc_param_check_double(&p, what, l->v[i])
                 : l->v[i] >= 0 && l->v[i] == floor(l->v[i])
                     ? dnc_param_check_integer(&p, what, (uint64_t)l->v[i])
                     : dnc_fail(DNC_EINVAL, "%s: %g is not a whole number >= 0", what,
                                l->v[i]);
        return st;
    }
    default: return DNC_OK;
    }
}

void cli_say(bool quiet, const char *fmt, ...)
{
    if (quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

/* --out names files: a value naming a directory would write hidden files
 * such as "res/.csv" (see cli.h). */
static dnc_status check_out_value(const cli_opt *o, const char *value)
{
    if (strcmp(o->name, "out") != 0 || o->type != CLI_OPT_STRING)
        return DNC_OK;
    const char *base = cli_base_name(value);
    if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return dnc_fail(DNC_EINVAL,
                        "--out '%s' names a directory; --out takes a file name or prefix "
                        "such as '%sresult'",
                        value, *base ? "" : value);
    return DNC_OK;
}

static dnc_status set_option(cli_command *cli, cli_opt *o, const char *value)
{
    char what[96];
    snprintf(what, sizeof what, "--%s", o->name);
    dnc_status st = DNC_OK;
    switch (o->type) {
    case CLI_OPT_FLAG:
        if (value == NULL || strcmp(value, "true") == 0 || strcmp(value, "1") == 0 ||
            strcmp(value, "yes") == 0)
            *(bool *)o->target = true;
        else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0 ||
                 strcmp(value, "no") == 0)
            *(bool *)o->target = false;
        else
            st = dnc_fail(DNC_EINVAL, "%s: '%s' is not true or false", what, value);
        break;
    case CLI_OPT_DOUBLE: st = dnc_parse_double(value, what, (double *)o->target); break;
    case CLI_OPT_SIZE: st = dnc_parse_size(value, what, (size_t *)o->target); break;
    case CLI_OPT_U64: {
        unsigned long long v;
        st = dnc_parse_u64(value, what, &v);
        if (!st)
            *(uint64_t *)o->target = (uint64_t)v;
        break;
    }
    case CLI_OPT_STRING: {
        if ((st = check_out_value(o, value)))
            return st;
        const char *kept = keep_string(cli, value);
        if (!kept)
            return dnc_fail(DNC_ENOMEM, "out of memory");
        *(const char **)o->target = kept;
        break;
    }
    case CLI_OPT_ACTIVATION: st = dnc_activation_parse(value, (dnc_activation *)o->target); break;
    case CLI_OPT_DLIST: st = parse_dlist(value, what, (cli_dlist *)o->target); break;
    case CLI_OPT_ALIAS: return dnc_fail(DNC_EINVAL, "%s: alias of no option", what);
    case CLI_OPT_PARAM: return dnc_fail(DNC_EINVAL, "%s: declaration not resolved", what);
    }
    if (!st)
        st = check_domain(o, what);
    if (!st)
        o->seen = true;
    return st;
}

static int apply_config(cli_command *cli, const char *path)
{
    dnc_status st = dnc_config_read(path, &cli->config);
    if (st) {
        cli_fail(cli->command);
        return CLI_ERROR;
    }
    for (size_t i = 0; i < cli->config.count; i++) {
        const dnc_config_entry *e = &cli->config.entries[i];
        char where[4200];
        snprintf(where, sizeof where, "%s:%d: ", path, e->line);
        cli_opt *o = lookup_opt(cli, e->key, strlen(e->key), where);
        if (!o) {
            cli_failf(cli->command, "%s:%d: unknown option '%s' (see --help)", path, e->line,
                          e->key);
            return CLI_ERROR;
        }
        if (set_option(cli, o, e->value)) {
            cli_failf(cli->command, "%s:%d: %s", path, e->line, dnc_last_error());
            return CLI_ERROR;
        }
    }
    return CLI_OK;
}

static bool is_help(const char *a) { return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0; }

int cli_parse(cli_command *cli, int argc, char **argv)
{
    resolve_params(cli);
    cli->positional = calloc((size_t)argc + 1, sizeof *cli->positional);
    cli->npositional = 0;
    if (!cli->positional) {
        cli_failf(cli->command, "out of memory");
        return CLI_ERROR;
    }
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            cli_print_help(cli, stdout);
            return CLI_HELP;
        }
    }
    /* The config file first, so that flags override it. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *path = NULL;
        if (strcmp(a, "--config") == 0) {
            if (i + 1 >= argc) {
                cli_failf(cli->command, "--config needs a file name");
                return CLI_ERROR;
            }
            path = argv[i + 1];
        } else if (strncmp(a, "--config=", 9) == 0) {
            path = a + 9;
        }
        if (path) {
            if (cli->config.path) {
                cli_failf(cli->command, "--config given twice");
                return CLI_ERROR;
            }
            int rc = apply_config(cli, path);
            if (rc)
                return rc;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--config") == 0) {
            i++;
            continue;
        }
        if (strncmp(a, "--config=", 9) == 0)
            continue;
        if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++)
                cli->positional[cli->npositional++] = argv[i];
            break;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            cli->positional[cli->npositional++] = argv[i];
            continue;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        cli_opt *o = lookup_opt(cli, name, len, "--");
        if (!o) {
            cli_failf(cli->command, "unknown option '%.*s' (see 'dnncrit %s --help')",
                          (int)len + 2, a, cli->command);
            return CLI_ERROR;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value && o->type != CLI_OPT_FLAG) {
            if (i + 1 >= argc) {
                cli_failf(cli->command, "--%s needs a value", o->name);
                return CLI_ERROR;
            }
            value = argv[++i];
        }
        if (set_option(cli, o, value)) {
            cli_fail(cli->command);
            return CLI_ERROR;
        }
    }
    if (cli->npositional < cli->min_positional || cli->npositional > cli->max_positional) {
        if (cli->max_positional == 0)
            cli_failf(cli->command, "unexpected argument '%s' (see --help)",
                          cli->positional[0]);
        else
            cli_failf(cli->command, "expected %s (see --help)",
                          cli->positional_name ? cli->positional_name : "arguments");
        return CLI_ERROR;
    }
    return CLI_OK;
}

void cli_free(cli_command *cli)
{
    for (size_t i = 0; i < cli->nopts; i++) {
        if (cli->opts[i].type == CLI_OPT_DLIST) {
            cli_dlist *l = cli->opts[i].target;
            free(l->v);
            l->v = NULL;
            l->n = 0;
        }
    }
    for (size_t i = 0; i < cli->nowned; i++)
        free(cli->owned[i]);
    free(cli->owned);
    cli->owned = NULL;
    cli->nowned = 0;
    free(cli->positional);
    cli->positional = NULL;
    dnc_config_free(&cli->config);
}

bool cli_seen(const cli_command *cli, const char *name)
{
    for (size_t i = 0; i < cli->nopts; i++)
        if (strcmp(cli->opts[i].name, name) == 0)
            return cli->opts[i].seen;
    return false;
}

static void print_default(const cli_opt *o, FILE *fp)
{
    switch (o->type) {
    case CLI_OPT_FLAG:
    case CLI_OPT_ALIAS:
    case CLI_OPT_PARAM: break;
    case CLI_OPT_DOUBLE: fprintf(fp, " (default %g)", *(double *)o->target); break;
    case CLI_OPT_SIZE: fprintf(fp, " (default %zu)", *(size_t *)o->target); break;
    case CLI_OPT_U64:
        fprintf(fp, " (default %llu)", (unsigned long long)*(uint64_t *)o->target);
        break;
    case CLI_OPT_STRING:
        if (*(const char **)o->target)
            fprintf(fp, " (default %s)", *(const char **)o->target);
        break;
    case CLI_OPT_ACTIVATION:
        fprintf(fp, " (default %s)", dnc_activation_name(*(dnc_activation *)o->target));
        break;
    case CLI_OPT_DLIST: {
        const cli_dlist *l = o->target;
        if (l->n) {
            fprintf(fp, " (default ");
            for (size_t i = 0; i < l->n && i < 6; i++)
                fprintf(fp, "%s%g", i ? "," : "", l->v[i]);
            fprintf(fp, "%s)", l->n > 6 ? ",..." : "");
        }
        break;
    }
    }
}

static const char *type_metavar(cli_opt_type t)
{
    switch (t) {
    case CLI_OPT_FLAG:
    case CLI_OPT_ALIAS:
    case CLI_OPT_PARAM: return "";
    case CLI_OPT_DOUBLE: return " X";
    case CLI_OPT_SIZE:
    case CLI_OPT_U64: return " N";
    case CLI_OPT_STRING: return " S";
    case CLI_OPT_ACTIVATION: return " NAME";
    case CLI_OPT_DLIST: return " LIST";
    }
    return "";
}

void cli_print_help(const cli_command *cli, FILE *fp)
{
    resolve_params(cli);
    fprintf(fp, "usage: dnncrit %s [options]%s%s\n\n%s\n\noptions:\n", cli->command,
            cli->positional_name ? " " : "", cli->positional_name ? cli->positional_name : "",
            cli->summary);
    for (size_t i = 0; i < cli->nopts; i++) {
        const cli_opt *o = &cli->opts[i];
        char head[64];
        if (o->type == CLI_OPT_ALIAS) {
            const cli_opt *t = alias_target(cli, o);
            if (!t)
                continue;
            snprintf(head, sizeof head, "--%s%s", o->name, type_metavar(t->type));
            fprintf(fp, "  %-24s deprecated spelling of --%s\n", head, t->name);
            continue;
        }
        snprintf(head, sizeof head, "--%s%s", o->name, type_metavar(o->type));
        fprintf(fp, "  %-24s %s", head, o->help);
        print_default(o, fp);
        fputc('\n', fp);
    }
    fprintf(fp, "  %-24s %s\n", "--config FILE", "read options from 'key = value' lines; flags override");
    fprintf(fp, "  %-24s %s\n", "--help", "show this help");
    fprintf(fp, "\nLISTs are 'a,b,c' or 'lo:hi:n' (n evenly spaced points, ends included).\n");
    if (cli->example)
        fprintf(fp, "\nexample:\n  %s\n", cli->example);
}

int cli_fail(const char *command)
{
    fprintf(stderr, "dnncrit %s: error: %s\n", command, dnc_last_error());
    return 1;
}

int cli_failf(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "dnncrit %s: error: ", command);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

const char *cli_base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void cli_json_number(cJSON *obj, const char *name, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(obj, name, v);
    else
        cJSON_AddNullToObject(obj, name);
}

void cli_json_value_error(cJSON *obj, const char *name, double v, double err)
{
    cJSON *o = cJSON_AddObjectToObject(obj, name);
    cli_json_number(o, "value", v);
    cli_json_number(o, "error", err);
}
