/* HTML report of a directory of results (see dnncrit/report.h). */
#include "dnncrit/report.h"

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "dnncrit/io.h"
#include "dnncrit/plot.h"
#include "dnncrit/result.h"
#include "dnncrit/version.h"
#include "app/report_html.h"

dnc_report_opts dnc_report_opts_default(void)
{
    return (dnc_report_opts){.max_figures = 200, .max_rows = 25, .figures = true};
}

char *dnc_base64(const unsigned char *data, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (n > (SIZE_MAX - 1) / 4 * 3 - 3)
        return NULL;
    char *out = malloc((n + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63];
        out[o++] = tab[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)data[i] << 16 | (i + 1 < n ? (uint32_t)data[i + 1] << 8 : 0);
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

/* ------------------------------------------------------------ finding */

typedef struct {
    char **paths;
    size_t n;
} path_list;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static dnc_status collect(const char *dir, int depth, path_list *list)
{
    DIR *d = opendir(dir);
    if (!d)
        return depth == 0 ? dnc_fail(DNC_EIO, "cannot open directory '%s'", dir) : DNC_OK;
    struct dirent *e;
    dnc_status st = DNC_OK;
    while (!st && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp."))
            continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(n);
        if (!path) {
            st = dnc_fail(DNC_ENOMEM, "out of memory");
            break;
        }
        snprintf(path, n, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(path, &sb) != 0) {
            free(path);
            continue;
        }
        if (S_ISDIR(sb.st_mode) && depth < 2) {
            st = collect(path, depth + 1, list);
            free(path);
        } else if (S_ISREG(sb.st_mode) && ends_with(e->d_name, ".json")) {
            char **g = realloc(list->paths, (list->n + 1) * sizeof *g);
            if (!g) {
                free(path);
                st = dnc_fail(DNC_ENOMEM, "out of memory");
                break;
            }
            list->paths = g;
            list->paths[list->n++] = path;
        } else {
            free(path);
        }
    }
    closedir(d);
    return st;
}

/* ------------------------------------------------------------ writing */

void dnc_html_text(FILE *fp, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '&': fputs("&amp;", fp); break;
        case '"': fputs("&quot;", fp); break;
        case '\'': fputs("&#39;", fp); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
                fputc(*s, fp);
        }
    }
}

void dnc_html_number(FILE *fp, double v)
{
    if (isnan(v))
        fputs("–", fp);
    else
        fprintf(fp, "%.6g", v);
}

bool dnc_html_embed_png(FILE *fp, const char *path, const char *alt)
{
    char *png;
    size_t len;
    if (dnc_read_file(path, &png, &len))
        return false;
    char *b64 = dnc_base64((const unsigned char *)png, len);
    free(png);
    if (!b64)
        return false;
    fputs("<figure><img alt=\"", fp);
    dnc_html_text(fp, alt);
    fprintf(fp, "\" src=\"data:image/png;base64,%s\"></figure>\n", b64);
    free(b64);
    return true;
}

static void html_json_value(FILE *fp, const cJSON *it);

static void html_json_value(FILE *fp, const cJSON *it)
{
    if (cJSON_IsNumber(it)) {
        dnc_html_number(fp, it->valuedouble);
    } else if (cJSON_IsString(it)) {
        dnc_html_text(fp, it->valuestring);
    } else if (cJSON_IsObject(it) && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(it, "value"))) {
        dnc_html_number(fp, cJSON_GetObjectItemCaseSensitive(it, "value")->valuedouble);
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(it, "error");
        if (cJSON_IsNumber(e)) {
            fputs(" ± ", fp);
            dnc_html_number(fp, e->valuedouble);
        }
    } else if (cJSON_IsObject(it) && it->child) {
        fputs("<table class=\"sub\">", fp);
        for (const cJSON *k = it->child; k; k = k->next) {
            fputs("<tr><th>", fp);
            dnc_html_text(fp, k->string);
            fputs("</th><td>", fp);
            html_json_value(fp, k);
            fputs("</td></tr>", fp);
        }
        fputs("</table>", fp);
    } else if (cJSON_IsArray(it) && cJSON_IsObject(it->child) && it->child->child) {
        /* an array of records (per-series fits, critical lines): a table */
        fputs("<table class=\"sub\"><tr>", fp);
        for (const cJSON *k = it->child->child; k; k = k->next) {
            fputs("<th>", fp);
            dnc_html_text(fp, k->string);
            fputs("</th>", fp);
        }
        fputs("</tr>\n", fp);
        int rows = 0;
        for (const cJSON *row = it->child; row && rows < 50; row = row->next, rows++) {
            fputs("<tr>", fp);
            for (const cJSON *k = it->child->child; k; k = k->next) {
                fputs("<td>", fp);
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, k->string);
                if (v)
                    html_json_value(fp, v);
                fputs("</td>", fp);
            }
            fputs("</tr>\n", fp);
        }
        fputs("</table>", fp);
    } else {
        char *s = cJSON_PrintUnformatted(it);
        if (s && strlen(s) > 300)
            strcpy(s + 290, " …");
        dnc_html_text(fp, s ? s : "?");
        free(s);
    }
}

static void key_value_table(FILE *fp, const char *caption, const cJSON *obj)
{
    if (!cJSON_IsObject(obj) || !obj->child)
        return;
    fprintf(fp, "<table class=\"kv\"><caption>%s</caption>\n", caption);
    for (const cJSON *it = obj->child; it; it = it->next) {
        fputs("<tr><th>", fp);
        dnc_html_text(fp, it->string);
        fputs("</th><td>", fp);
        html_json_value(fp, it);
        fputs("</td></tr>\n", fp);
    }
    fputs("</table>\n", fp);
}

static void csv_table(FILE *fp, const dnc_table *t, size_t max_rows, const char *csv_name)
{
    bool *is_err = calloc(t->ncols ? t->ncols : 1, sizeof *is_err);
    long *err = malloc((t->ncols ? t->ncols : 1) * sizeof *err);
    if (!is_err || !err) {
        free(is_err);
        free(err);
        return;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        err[c] = dnc_table_err_col(t, c);
        if (err[c] >= 0)
            is_err[err[c]] = true;
    }
    fputs("<table class=\"data\"><caption>", fp);
    dnc_html_text(fp, csv_name);
    fprintf(fp, ": %zu rows%s</caption>\n<tr>", t->nrows,
            t->nrows > max_rows ? " (first rows shown)" : "");
    for (size_t c = 0; c < t->ncols; c++) {
        if (is_err[c])
            continue;
        fputs("<th>", fp);
        dnc_html_text(fp, t->names[c]);
        fputs("</th>", fp);
    }
    fputs("</tr>\n", fp);
    for (size_t r = 0; r < t->nrows && r < max_rows; r++) {
        fputs("<tr>", fp);
        for (size_t c = 0; c < t->ncols; c++) {
            if (is_err[c])
                continue;
            fputs("<td>", fp);
            const char *text = dnc_table_text(t, r, c);
            if (text)
                dnc_html_text(fp, text);
            else
                dnc_html_number(fp, t->v[r * t->ncols + c]);
            if (err[c] >= 0) {
                fputs(" ± ", fp);
                dnc_html_number(fp, t->v[r * t->ncols + (size_t)err[c]]);
            }
            fputs("</td>", fp);
        }
        fputs("</tr>\n", fp);
    }
    fputs("</table>\n", fp);
    free(is_err);
    free(err);
}

/* Whether any panel draws something: a heat map or a finite point. */
static bool figure_has_data(const dnc_figure *fig)
{
    for (size_t i = 0; i < fig->npanels; i++)
        if (dnc_panel_has_data(fig->panels[i]))
            return true;
    return false;
}

/* Renders the result's figure to a temporary PNG and embeds it; a figure
 * with nothing to draw is left out (a line says so). */
static bool embed_figure(FILE *fp, const char *json_path, const cJSON *rec, const dnc_table *t,
                         const char *tmpdir, size_t index)
{
    dnc_figure *fig;
    const char *slash = strrchr(json_path, '/');
    char *dir = slash ? strndup(json_path, slash == json_path ? 1 : (size_t)(slash - json_path))
                      : strdup(".");
    dnc_status fst = dir ? dnc_plot_figure_for_result_in(rec, t, dir, &fig) : DNC_ENOMEM;
    free(dir);
    if (fst)
        return false;
    if (!figure_has_data(fig)) {
        dnc_figure_free(fig);
        fputs("<p class=\"note\">no figure: the result has no data to plot</p>\n", fp);
        return false;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/fig%zu.png", tmpdir, index);
    dnc_status st = dnc_figure_render(fig, path, DNC_PLOT_PNG);
    dnc_figure_free(fig);
    if (st) {
        fputs("<p class=\"warn\">figure not rendered: ", fp);
        dnc_html_text(fp, dnc_last_error());
        fputs("</p>\n", fp);
        return false;
    }
    char alt[32];
    snprintf(alt, sizeof alt, "figure %zu", index);
    bool ok = dnc_html_embed_png(fp, path, alt);
    unlink(path);
    return ok;
}

void dnc_html_head(FILE *fp, const char *title, const char *subject, const char *extra_css)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", fp);
    dnc_html_text(fp, title);
    fputs(": ", fp);
    dnc_html_text(fp, subject);
    fputs("</title>\n<style>\n"
          "body{font-family:sans-serif;max-width:1600px;margin:2em auto;padding:0 1em;"
          "color:#222}\n"
          "h1{font-size:1.6em}h2{font-size:1.25em;border-top:2px solid #ccc;padding-top:.6em}\n"
          "table{border-collapse:collapse;margin:.6em 0;font-size:.9em}\n"
          "caption{text-align:left;font-weight:bold;padding:.2em 0}\n"
          "th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left}\n"
          "table.data td{text-align:right;font-variant-numeric:tabular-nums}\n"
          "table.sub{margin:0;font-size:.95em}table.sub th,table.sub td{border-color:#e4e4e4}\n"
          "img{max-width:100%;border:1px solid #eee}\n.warn{color:#a00}\n"
          "code{background:#f4f4f4;padding:0 .3em}\n"
          "nav li{margin:.1em 0}\n", fp);
    if (extra_css)
        fputs(extra_css, fp);
    fputs("</style></head><body>\n", fp);
    char stamp[40];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S UTC", &tm);
    fputs("<h1>", fp);
    dnc_html_text(fp, title);
    fputs(": <code>", fp);
    dnc_html_text(fp, subject);
    fprintf(fp, "</code></h1>\n<p>Generated %s by dnncrit %s.</p>\n", stamp, DNNCRIT_VERSION);
}

static void write_result(FILE *fp, const char *path, const cJSON *rec, const dnc_table *t,
                         bool has_table, const dnc_report_opts *o, const char *tmpdir,
                         size_t index, size_t *nfig)
{
    fprintf(fp, "<h2 id=\"r%zu\">", index);
    dnc_html_text(fp, cJSON_GetObjectItemCaseSensitive(rec, "command")->valuestring);
    fputs(": <code>", fp);
    dnc_html_text(fp, path);
    fputs("</code></h2>\n", fp);
    const cJSON *argv = cJSON_GetObjectItemCaseSensitive(rec, "argv");
    if (cJSON_IsArray(argv)) {
        fputs("<p>command line: <code>dnncrit", fp);
        for (const cJSON *a = argv->child; a; a = a->next)
            if (cJSON_IsString(a)) {
                fputc(' ', fp);
                dnc_html_text(fp, a->valuestring);
            }
        fputs("</code></p>\n", fp);
    }
    cJSON *run = cJSON_CreateObject();
    static const char *const run_keys[] = {"version", "started", "threads", "seed", NULL};
    for (const char *const *k = run_keys; run && *k; k++) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(rec, *k);
        if (it)
            cJSON_AddItemReferenceToObject(run, *k, (cJSON *)it);
    }
    const cJSON *timings = cJSON_GetObjectItemCaseSensitive(rec, "timings");
    const cJSON *wall = timings ? cJSON_GetObjectItemCaseSensitive(timings, "wall_s") : NULL;
    if (run && wall)
        cJSON_AddItemReferenceToObject(run, "wall time (s)", (cJSON *)wall);
    key_value_table(fp, "run", run);
    cJSON_Delete(run);
    key_value_table(fp, "configuration", cJSON_GetObjectItemCaseSensitive(rec, "config"));
    key_value_table(fp, "results (value ± error)", cJSON_GetObjectItemCaseSensitive(rec, "results"));
    if (o->figures && *nfig < o->max_figures &&
        embed_figure(fp, path, rec, has_table ? t : NULL, tmpdir, index))
        (*nfig)++;
    if (has_table) {
        const cJSON *outs = cJSON_GetObjectItemCaseSensitive(rec, "outputs");
        const cJSON *csv = outs ? cJSON_GetObjectItemCaseSensitive(outs, "csv") : NULL;
        csv_table(fp, t, o->max_rows, cJSON_IsString(csv) ? csv->valuestring : "csv");
    }
}

static void write_skipped(FILE *fp, const char *path, const char *why)
{
    fputs("<p class=\"warn\">skipped <code>", fp);
    dnc_html_text(fp, path);
    fputs("</code>: ", fp);
    dnc_html_text(fp, why);
    fputs("</p>\n", fp);
}

static dnc_status make_tmpdir(char **dir)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    size_t n = strlen(base) + 32;
    *dir = malloc(n);
    if (!*dir)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    snprintf(*dir, n, "%s/dnncrit-report-XXXXXX", base);
    if (!mkdtemp(*dir)) {
        free(*dir);
        *dir = NULL;
        return dnc_fail(DNC_EIO, "cannot create a temporary directory in '%s'", base);
    }
    return DNC_OK;
}

static bool is_dnncrit_record(const cJSON *rec)
{
    const cJSON *tool = cJSON_GetObjectItemCaseSensitive(rec, "tool");
    return cJSON_IsString(tool) && tool->valuestring && strcmp(tool->valuestring, "dnncrit") == 0 &&
           cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rec, "command"));
}

/* ------------------------------------------------------------ the entries */

typedef enum {
    ENTRY_IGNORED, /* JSON that is not a run record (a sweep's per-point records) */
    ENTRY_SKIPPED, /* unreadable JSON */
    ENTRY_RESULT   /* a run record, with its CSV or a note why not */
} entry_state;

typedef struct {
    const char *path;
    entry_state state;
    cJSON *rec;
    dnc_table t;
    bool has_table;
    char *note; /* ENTRY_SKIPPED: why; ENTRY_RESULT: "CSV missing: x.csv", ...; else NULL */
} report_entry;

static char *note_of(const char *prefix, const char *what)
{
    size_t n = strlen(prefix) + strlen(what) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s", prefix, what);
    return s;
}

/* The record's CSV could not be read: missing (the usual case: deleted or
 * not copied along) or damaged. */
static char *csv_problem(const char *json_path, const cJSON *rec, const char *error)
{
    const cJSON *outs = cJSON_GetObjectItemCaseSensitive(rec, "outputs");
    const cJSON *csv = outs ? cJSON_GetObjectItemCaseSensitive(outs, "csv") : NULL;
    if (!cJSON_IsString(csv) || !csv->valuestring)
        return note_of("CSV unreadable: ", error);
    const char *slash = strrchr(json_path, '/');
    size_t dir = slash ? (size_t)(slash - json_path) + 1 : 0;
    size_t n = dir + strlen(csv->valuestring) + 1;
    char *path = malloc(n);
    if (!path)
        return NULL;
    snprintf(path, n, "%.*s%s", (int)dir, json_path, csv->valuestring);
    struct stat sb;
    bool missing = stat(path, &sb) != 0;
    free(path);
    return missing ? note_of("CSV missing: ", csv->valuestring) : note_of("CSV unreadable: ", error);
}

static void load_entry(const char *path, report_entry *e)
{
    memset(e, 0, sizeof *e);
    e->path = path;
    if (dnc_read_json(path, &e->rec)) {
        e->state = ENTRY_SKIPPED;
        e->note = strdup(dnc_last_error());
        return;
    }
    if (!is_dnncrit_record(e->rec)) {
        cJSON_Delete(e->rec);
        e->rec = NULL;
        e->state = ENTRY_IGNORED;
        return;
    }
    e->state = ENTRY_RESULT;
    cJSON *again;
    if (dnc_plot_load_result(path, &again, &e->t, &e->has_table)) {
        e->note = csv_problem(path, e->rec, dnc_last_error());
        return;
    }
    cJSON_Delete(e->rec);
    e->rec = again;
}

static void free_entry(report_entry *e)
{
    cJSON_Delete(e->rec);
    if (e->has_table)
        dnc_table_free(&e->t);
    free(e->note);
}

static const char *command_of(const report_entry *e)
{
    return cJSON_GetObjectItemCaseSensitive(e->rec, "command")->valuestring;
}

/* ------------------------------------------------ contents and summary */

static void write_contents(FILE *fp, const report_entry *es, size_t n)
{
    fputs("<nav><h2 id=\"contents\">Contents</h2><ol>\n"
          "<li><a href=\"#summary\">Summary</a></li>\n", fp);
    for (size_t i = 0; i < n; i++) {
        if (es[i].state != ENTRY_RESULT)
            continue;
        fprintf(fp, "<li><a href=\"#r%zu\">", i);
        dnc_html_text(fp, command_of(&es[i]));
        fputs("</a>: <code>", fp);
        dnc_html_text(fp, es[i].path);
        fputs("</code>", fp);
        if (es[i].note) {
            fputs(" <span class=\"warn\">(", fp);
            dnc_html_text(fp, es[i].note);
            fputs(")</span>", fp);
        }
        fputs("</li>\n", fp);
    }
    fputs("</ol></nav>\n", fp);
}

/* A value in one cell: a number, text, value ± error, or a list of numbers
 * as its first and last (and how many); false for anything else. */
static bool short_value(FILE *fp, const cJSON *it)
{
    const cJSON *first = cJSON_IsArray(it) ? it->child : NULL;
    if (first && cJSON_IsNumber(first)) {
        int n = cJSON_GetArraySize(it);
        dnc_html_number(fp, first->valuedouble);
        if (n > 1) {
            fputs(" … ", fp);
            dnc_html_number(fp, cJSON_GetArrayItem(it, n - 1)->valuedouble);
            fprintf(fp, " (%d values)", n);
        }
        return true;
    }
    bool scalar = cJSON_IsNumber(it) || cJSON_IsString(it) ||
                  (cJSON_IsObject(it) && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(it, "value")));
    if (scalar)
        html_json_value(fp, it);
    return scalar;
}

static void short_pair(FILE *fp, const cJSON *it, size_t *shown)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        return;
    bool ok = short_value(mem, it);
    fclose(mem);
    if (ok && len < 120) {
        fputs(*shown ? ", " : "", fp);
        dnc_html_text(fp, it->string);
        fprintf(fp, " = %s", buf);
        (*shown)++;
    }
    free(buf);
}

/* The parameters a reader compares runs by, those the record has. */
static void key_parameters(FILE *fp, const cJSON *rec)
{
    static const char *const keys[] = {"type",   "activation", "model",  "sigma_w", "sigma_b",
                                       "width",  "widths",     "depth",  "L",       "dims",
                                       "channels", "kernel",   "epochs", "samples", "networks"};
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(rec, "config");
    size_t shown = 0;
    for (size_t k = 0; cfg && k < sizeof keys / sizeof keys[0] && shown < 6; k++) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(cfg, keys[k]);
        if (it)
            short_pair(fp, it, &shown);
    }
}

/* The results every record of the command has (dnncrit/result.h), else
 * the record's first ones; those that fit in a cell. */
static void key_results(FILE *fp, const cJSON *rec, const char *command)
{
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(rec, "results");
    const dnc_result_record *rr = dnc_result_record_for_command(command);
    size_t shown = 0;
    if (rr && rr->results)
        for (const char *const *k = rr->results; *k && shown < 5; k++) {
            const cJSON *it = res ? cJSON_GetObjectItemCaseSensitive(res, *k) : NULL;
            if (it)
                short_pair(fp, it, &shown);
        }
    for (const cJSON *it = res ? res->child : NULL; it && shown == 0 && it->next; it = it->next)
        short_pair(fp, it, &shown);
}

static void write_summary(FILE *fp, const report_entry *es, size_t n)
{
    fputs("<h2 id=\"summary\">Summary</h2>\n<table class=\"summary\"><tr><th>command</th>"
          "<th>result</th><th>key parameters</th><th>key results</th><th>note</th></tr>\n", fp);
    for (size_t i = 0; i < n; i++) {
        const report_entry *e = &es[i];
        if (e->state != ENTRY_RESULT)
            continue;
        fprintf(fp, "<tr><td><a href=\"#r%zu\">", i);
        dnc_html_text(fp, command_of(e));
        fputs("</a></td><td><code>", fp);
        dnc_html_text(fp, e->path);
        fputs("</code></td><td>", fp);
        key_parameters(fp, e->rec);
        fputs("</td><td>", fp);
        key_results(fp, e->rec, command_of(e));
        fputs("</td><td class=\"warn\">", fp);
        dnc_html_text(fp, e->note ? e->note : "");
        fputs("</td></tr>\n", fp);
    }
    fputs("</table>\n", fp);
}

/* ------------------------------------------------------------ the report */

static void write_entry(FILE *fp, report_entry *e, size_t index, const dnc_report_opts *o,
                        const char *tmpdir, size_t *nfig)
{
    if (e->state == ENTRY_SKIPPED) {
        write_skipped(fp, e->path, e->note ? e->note : "unreadable");
        return;
    }
    if (e->state != ENTRY_RESULT)
        return;
    dnc_report_opts without_figure = *o;
    if (e->note) /* no CSV: no figure, a note instead */
        without_figure.figures = false;
    write_result(fp, e->path, e->rec, &e->t, e->has_table, &without_figure, tmpdir, index, nfig);
    if (e->note) {
        fputs("<p class=\"warn\">", fp);
        dnc_html_text(fp, e->note);
        fputs(" (listed from its run record only)</p>\n", fp);
    }
}

static void write_body(FILE *fp, const char *dir, report_entry *es, size_t n,
                       const dnc_report_opts *o, const char *tmpdir, size_t *nfig)
{
    dnc_html_head(fp, "dnncrit report", dir, NULL);
    if (!o->figures)
        fputs("<p class=\"warn\">Figures omitted (gnuplot not available or disabled).</p>\n", fp);
    write_contents(fp, es, n);
    write_summary(fp, es, n);
    for (size_t i = 0; i < n; i++)
        write_entry(fp, &es[i], i, o, tmpdir, nfig);
}

dnc_status dnc_report_write(const char *dir, const char *out, const dnc_report_opts *opts,
                            size_t *nresults, size_t *nfigures)
{
    dnc_report_opts o = opts ? *opts : dnc_report_opts_default();
    if (o.figures && !dnc_plot_available())
        o.figures = false;
    path_list list = {0};
    dnc_status st = collect(dir, 0, &list);
    if (!st && list.n == 0)
        st = dnc_fail(DNC_EINVAL, "no result files (*.json) in '%s'", dir);
    report_entry *es = st ? NULL : calloc(list.n, sizeof *es);
    if (!st && !es)
        st = dnc_fail(DNC_ENOMEM, "out of memory");
    size_t found = 0, nfig = 0, ignored = 0;
    if (!st) {
        qsort(list.paths, list.n, sizeof *list.paths, cmp_str);
        for (size_t i = 0; i < list.n; i++) {
            load_entry(list.paths[i], &es[i]);
            found += es[i].state == ENTRY_RESULT;
            ignored += es[i].state == ENTRY_IGNORED;
        }
        if (found == 0)
            st = dnc_fail(DNC_EINVAL, "no dnncrit results among the %zu JSON files in '%s'",
                          list.n, dir);
    }
    char *tmpdir = NULL;
    if (!st && o.figures)
        st = make_tmpdir(&tmpdir);
    dnc_afile f = {0};
    if (!st)
        st = dnc_afile_open(&f, out);
    if (!st) {
        write_body(f.fp, dir, es, list.n, &o, tmpdir, &nfig);
        fprintf(f.fp, "<p>%zu results, %zu figures; %zu other JSON files (not run records) "
                      "ignored.</p>\n</body></html>\n", found, nfig, ignored);
        st = dnc_afile_commit(&f);
    }
    if (tmpdir) {
        rmdir(tmpdir);
        free(tmpdir);
    }
    for (size_t i = 0; i < list.n; i++) {
        if (es)
            free_entry(&es[i]);
        free(list.paths[i]);
    }
    free(es);
    free(list.paths);
    if (nresults)
        *nresults = found;
    if (nfigures)
        *nfigures = nfig;
    return st;
}
