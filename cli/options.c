#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static dnc_opt *find_opt(const dnc_cli *cli, const char *name, size_t len)
{
    for (size_t i = 0; i < cli->nopts; i++) {
        const char *n = cli->opts[i].name;
        if (strlen(n) != len)
            continue;
        /* '-' and '_' are interchangeable so config keys may use either. */
        bool same = true;
        for (size_t k = 0; k < len && same; k++) {
            char a = n[k] == '_' ? '-' : n[k], b = name[k] == '_' ? '-' : name[k];
            same = a == b;
        }
        if (same)
            return &cli->opts[i];
    }
    return NULL;
}

/* The option an alias stands for (NULL when it names no plain option). */
static dnc_opt *alias_target(const dnc_cli *cli, const dnc_opt *alias)
{
    const char *name = alias->target;
    dnc_opt *o = find_opt(cli, name, strlen(name));
    return o && o->type != DNC_OPT_ALIAS ? o : NULL;
}

/* find_opt, with a deprecated alias resolved to its option and a warning
 * naming the new spelling (`where` is "--" on the command line, else the
 * config file's "path:line: "). */
static dnc_opt *lookup_opt(const dnc_cli *cli, const char *name, size_t len, const char *where)
{
    dnc_opt *o = find_opt(cli, name, len);
    if (!o || o->type != DNC_OPT_ALIAS)
        return o;
    dnc_opt *target = alias_target(cli, o);
    if (target)
        fprintf(stderr, "dnncrit %s: warning: %s%.*s is deprecated, use %s%s\n", cli->command,
                where, (int)len, name, strcmp(where, "--") == 0 ? "--" : "",
                target->name);
    return target;
}

static dnc_status parse_dlist(const char *s, const char *what, dnc_dlist *out)
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

static char *keep_string(dnc_cli *cli, const char *s)
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

static dnc_status set_option(dnc_cli *cli, dnc_opt *o, const char *value)
{
    char what[96];
    snprintf(what, sizeof what, "--%s", o->name);
    dnc_status st = DNC_OK;
    switch (o->type) {
    case DNC_OPT_FLAG:
        if (value == NULL || strcmp(value, "true") == 0 || strcmp(value, "1") == 0 ||
            strcmp(value, "yes") == 0)
            *(bool *)o->target = true;
        else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0 ||
                 strcmp(value, "no") == 0)
            *(bool *)o->target = false;
        else
            st = dnc_fail(DNC_EINVAL, "%s: '%s' is not true or false", what, value);
        break;
    case DNC_OPT_DOUBLE: st = dnc_parse_double(value, what, (double *)o->target); break;
    case DNC_OPT_SIZE: st = dnc_parse_size(value, what, (size_t *)o->target); break;
    case DNC_OPT_U64: {
        unsigned long long v;
        st = dnc_parse_u64(value, what, &v);
        if (!st)
            *(uint64_t *)o->target = (uint64_t)v;
        break;
    }
    case DNC_OPT_STRING: {
        const char *kept = keep_string(cli, value);
        if (!kept)
            return dnc_fail(DNC_ENOMEM, "out of memory");
        *(const char **)o->target = kept;
        break;
    }
    case DNC_OPT_ACTIVATION: st = dnc_activation_parse(value, (dnc_activation *)o->target); break;
    case DNC_OPT_DLIST: st = parse_dlist(value, what, (dnc_dlist *)o->target); break;
    case DNC_OPT_ALIAS: return dnc_fail(DNC_EINVAL, "%s: alias of no option", what);
    }
    if (!st)
        o->seen = true;
    return st;
}

static int apply_config(dnc_cli *cli, const char *path)
{
    dnc_status st = dnc_config_read(path, &cli->config);
    if (st) {
        dnc_cli_fail(cli->command);
        return DNC_CLI_ERROR;
    }
    for (size_t i = 0; i < cli->config.count; i++) {
        const dnc_config_entry *e = &cli->config.entries[i];
        char where[4200];
        snprintf(where, sizeof where, "%s:%d: ", path, e->line);
        dnc_opt *o = lookup_opt(cli, e->key, strlen(e->key), where);
        if (!o) {
            dnc_cli_failf(cli->command, "%s:%d: unknown option '%s' (see --help)", path, e->line,
                          e->key);
            return DNC_CLI_ERROR;
        }
        if (set_option(cli, o, e->value)) {
            dnc_cli_failf(cli->command, "%s:%d: %s", path, e->line, dnc_last_error());
            return DNC_CLI_ERROR;
        }
    }
    return DNC_CLI_OK;
}

static bool is_help(const char *a) { return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0; }

int dnc_cli_parse(dnc_cli *cli, int argc, char **argv)
{
    cli->positional = calloc((size_t)argc + 1, sizeof *cli->positional);
    cli->npositional = 0;
    if (!cli->positional) {
        dnc_cli_failf(cli->command, "out of memory");
        return DNC_CLI_ERROR;
    }
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            dnc_cli_print_help(cli, stdout);
            return DNC_CLI_HELP;
        }
    }
    /* The config file first, so that flags override it. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *path = NULL;
        if (strcmp(a, "--config") == 0) {
            if (i + 1 >= argc) {
                dnc_cli_failf(cli->command, "--config needs a file name");
                return DNC_CLI_ERROR;
            }
            path = argv[i + 1];
        } else if (strncmp(a, "--config=", 9) == 0) {
            path = a + 9;
        }
        if (path) {
            if (cli->config.path) {
                dnc_cli_failf(cli->command, "--config given twice");
                return DNC_CLI_ERROR;
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
        dnc_opt *o = lookup_opt(cli, name, len, "--");
        if (!o) {
            dnc_cli_failf(cli->command, "unknown option '%.*s' (see 'dnncrit %s --help')",
                          (int)len + 2, a, cli->command);
            return DNC_CLI_ERROR;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value && o->type != DNC_OPT_FLAG) {
            if (i + 1 >= argc) {
                dnc_cli_failf(cli->command, "--%s needs a value", o->name);
                return DNC_CLI_ERROR;
            }
            value = argv[++i];
        }
        if (set_option(cli, o, value)) {
            dnc_cli_fail(cli->command);
            return DNC_CLI_ERROR;
        }
    }
    if (cli->npositional < cli->min_positional || cli->npositional > cli->max_positional) {
        if (cli->max_positional == 0)
            dnc_cli_failf(cli->command, "unexpected argument '%s' (see --help)",
                          cli->positional[0]);
        else
            dnc_cli_failf(cli->command, "expected %s (see --help)",
                          cli->positional_name ? cli->positional_name : "arguments");
        return DNC_CLI_ERROR;
    }
    return DNC_CLI_OK;
}

void dnc_cli_free(dnc_cli *cli)
{
    for (size_t i = 0; i < cli->nopts; i++) {
        if (cli->opts[i].type == DNC_OPT_DLIST) {
            dnc_dlist *l = cli->opts[i].target;
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

bool dnc_cli_seen(const dnc_cli *cli, const char *name)
{
    for (size_t i = 0; i < cli->nopts; i++)
        if (strcmp(cli->opts[i].name, name) == 0)
            return cli->opts[i].seen;
    return false;
}

static void print_default(const dnc_opt *o, FILE *fp)
{
    switch (o->type) {
    case DNC_OPT_FLAG:
    case DNC_OPT_ALIAS: break;
    case DNC_OPT_DOUBLE: fprintf(fp, " (default %g)", *(double *)o->target); break;
    case DNC_OPT_SIZE: fprintf(fp, " (default %zu)", *(size_t *)o->target); break;
    case DNC_OPT_U64:
        fprintf(fp, " (default %llu)", (unsigned long long)*(uint64_t *)o->target);
        break;
    case DNC_OPT_STRING:
        if (*(const char **)o->target)
            fprintf(fp, " (default %s)", *(const char **)o->target);
        break;
    case DNC_OPT_ACTIVATION:
        fprintf(fp, " (default %s)", dnc_activation_name(*(dnc_activation *)o->target));
        break;
    case DNC_OPT_DLIST: {
        const dnc_dlist *l = o->target;
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

static const char *type_metavar(dnc_opt_type t)
{
    switch (t) {
    case DNC_OPT_FLAG:
    case DNC_OPT_ALIAS: return "";
    case DNC_OPT_DOUBLE: return " X";
    case DNC_OPT_SIZE:
    case DNC_OPT_U64: return " N";
    case DNC_OPT_STRING: return " S";
    case DNC_OPT_ACTIVATION: return " NAME";
    case DNC_OPT_DLIST: return " LIST";
    }
    return "";
}

void dnc_cli_print_help(const dnc_cli *cli, FILE *fp)
{
    fprintf(fp, "usage: dnncrit %s [options]%s%s\n\n%s\n\noptions:\n", cli->command,
            cli->positional_name ? " " : "", cli->positional_name ? cli->positional_name : "",
            cli->summary);
    for (size_t i = 0; i < cli->nopts; i++) {
        const dnc_opt *o = &cli->opts[i];
        char head[64];
        if (o->type == DNC_OPT_ALIAS) {
            const dnc_opt *t = alias_target(cli, o);
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

int dnc_cli_fail(const char *command)
{
    fprintf(stderr, "dnncrit %s: error: %s\n", command, dnc_last_error());
    return 1;
}

int dnc_cli_failf(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "dnncrit %s: error: ", command);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

const char *dnc_cli_base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}
