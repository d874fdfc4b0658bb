/* Helpers of the plot recipes (app/plot_recipe.h): reading a result's
 * record and tables, and building panels from its columns. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/plot_recipe.h"

const dnc_table_opts dnc_result_table_opts = {
    .cells = DNC_TABLE_TEXT, .need_header = true, .sep = ',', .empty_ok = true};

bool dnc_recipe_safe_basename(const char *name)
{
    return name && *name && !strchr(name, '/') && strcmp(name, "..") != 0 && strcmp(name, ".") != 0;
}

/* Another CSV of the result: outputs.<key>, read from the result's folder.
 * false (and an empty table) when absent or unreadable. */
static bool is_number_text(const char *s)
{
    char *end;
    if (!s || !*s)
        return false;
    (void)strtod(s, &end);
    return *end == '\0';
}

/* A column of numbers with a cell that is not one: a damaged row. */
static dnc_status check_mixed_column(const dnc_table *t, size_t c, const char *path)
{
    long bad = -1;
    bool numbers = false;
    for (size_t r = 0; r < t->nrows; r++) {
        const char *cell = dnc_table_text(t, r, c);
        if (is_number_text(cell))
            numbers = true;
        else if (cell && *cell && bad < 0)
            bad = (long)r;
    }
    if (!numbers || bad < 0)
        return DNC_OK;
    return dnc_fail(DNC_EINVAL,
                    "'%s': corrupt CSV: data row %ld, column '%s': '%.40s' is not a number "
                    "(the column's other cells are)",
                    path, bad + 1, t->names[c], dnc_table_text(t, (size_t)bad, c));
}

dnc_status dnc_recipe_check_numeric_columns(const dnc_table *t, const char *path)
{
    dnc_status st = DNC_OK;
    for (size_t c = 0; c < t->ncols && !st; c++)
        if (dnc_table_is_text(t, c))
            st = check_mixed_column(t, c, path);
    return st;
}

/* A missing file is no error (the panel is left out); a damaged one is
 * recorded in r->aux_error, so that the figure fails naming it. */
bool dnc_recipe_load_aux(dnc_recipe_ctx *r, const char *key, dnc_table *t)
{
    memset(t, 0, sizeof *t);
    const cJSON *outs = cJSON_GetObjectItemCaseSensitive(r->rec, "outputs");
    const cJSON *it = outs ? cJSON_GetObjectItemCaseSensitive(outs, key) : NULL;
    if (!r->dir || !cJSON_IsString(it) || !dnc_recipe_safe_basename(it->valuestring))
        return false;
    size_t n = strlen(r->dir) + strlen(it->valuestring) + 2;
    char *path = malloc(n);
    if (!path)
        return false;
    snprintf(path, n, "%s/%s", r->dir, it->valuestring);
    dnc_status st = dnc_table_read(path, &dnc_result_table_opts, t);
    if (!st) {
        st = dnc_recipe_check_numeric_columns(t, path);
        if (st)
            dnc_table_free(t);
    }
    free(path);
    if (st && st != DNC_EIO && !r->aux_error)
        r->aux_error = st;
    if (st)
        memset(t, 0, sizeof *t);
    return !st;
}

long dnc_recipe_col(const dnc_recipe_ctx *r, size_t id)
{
    return dnc_result_col(r->t, r->kind, id);
}

long dnc_recipe_col_foreign(const dnc_recipe_ctx *r, const char *const *names)
{
    return dnc_table_col_any(r->t, names);
}

long dnc_recipe_err_col(const dnc_table *t, long c)
{
    return c < 0 ? -1 : dnc_table_err_col(t, (size_t)c);
}

/* "results": {"name": x} or {"name": {"value": x, "error": dx}}. */
bool dnc_recipe_result_value(const cJSON *rec, const char *name, double *v, double *err)
{
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(rec, "results");
    const cJSON *it = res ? cJSON_GetObjectItemCaseSensitive(res, name) : NULL;
    if (!it)
        return false;
    if (err)
        *err = NAN;
    if (cJSON_IsNumber(it)) {
        *v = it->valuedouble;
        return isfinite(*v);
    }
    const cJSON *val = cJSON_GetObjectItemCaseSensitive(it, "value");
    if (!cJSON_IsNumber(val) || !isfinite(val->valuedouble))
        return false;
    *v = val->valuedouble;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(it, "error");
    if (err && cJSON_IsNumber(e))
        *err = e->valuedouble;
    return true;
}

/* "config": {"name": x or "text"} */
const cJSON *dnc_recipe_config_item(const cJSON *rec, const char *name)
{
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(rec, "config");
    return cfg ? cJSON_GetObjectItemCaseSensitive(cfg, name) : NULL;
}

bool dnc_recipe_config_number(const cJSON *rec, const char *name, double *v)
{
    const cJSON *it = dnc_recipe_config_item(rec, name);
    if (cJSON_IsNumber(it) && isfinite(it->valuedouble)) {
        *v = it->valuedouble;
        return true;
    }
    return false;
}

/* A one-line description of the run for panel notes:
 * "tanh, σ_w = 1.2, σ_b = 0.3, N = 512". Caller frees. */
char *dnc_recipe_run_note(const cJSON *rec)
{
    char buf[400] = "";
    size_t n = 0;
    const cJSON *act = dnc_recipe_config_item(rec, "activation");
    if (cJSON_IsString(act) && act->valuestring) {
        char *e = dnc_plot_escape(act->valuestring);
        if (e) {
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%.60s", e);
            free(e);
        }
    }
    static const struct {
        const char *key, *sym;
    } keys[] = {{"sigma_w", "σ_w"}, {"sigma-w", "σ_w"}, {"sigma_b", "σ_b"},
                {"sigma-b", "σ_b"}, {"width", "N"},     {"channels", "C"},
                {"kernel", "k"},    {"size_x", "L_x"},  {"depth", "L"}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0] && n < sizeof buf - 64; i++) {
        double v;
        if (dnc_recipe_config_number(rec, keys[i].key, &v))
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s = %g", n ? ", " : "", keys[i].sym,
                                  v);
    }
    char *s = malloc(n + 1);
    if (s)
        memcpy(s, buf, n + 1);
    return s;
}

dnc_status dnc_recipe_add_col_series(dnc_plot_panel *p, const dnc_table *t, long cx, long cy,
                                     long ce, const char *label, dnc_plot_style style, int color)
{
    double *x = dnc_table_column(t, (size_t)cx), *y = dnc_table_column(t, (size_t)cy);
    double *e = ce >= 0 ? dnc_table_column(t, (size_t)ce) : NULL;
    dnc_status st;
    if (!x || !y || (ce >= 0 && !e))
        st = dnc_fail(DNC_ENOMEM, "out of memory");
    else
        st = dnc_panel_add_series_color(p, label, ce >= 0 ? DNC_STYLE_ERRORBARS : style, x, y, e,
                                        t->nrows, color);
    free(x);
    free(y);
    free(e);
    return st;
}

dnc_status dnc_recipe_find_groups(const dnc_table *t, long g, size_t max_groups,
                                  dnc_recipe_groups *out)
{
    out->keys = malloc((max_groups ? max_groups : 1) * sizeof *out->keys);
    out->n = 0;
    if (!out->keys)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    for (size_t r = 0; r < t->nrows; r++) {
        double k = t->v[r * t->ncols + (size_t)g];
        bool seen = false;
        for (size_t i = 0; i < out->n && !seen; i++)
            seen = out->keys[i] == k || (isnan(k) && isnan(out->keys[i]));
        if (!seen) {
            if (out->n == max_groups)
                return DNC_OK;
            out->keys[out->n++] = k;
        }
    }
    return DNC_OK;
}

/* Adds one series per group of column g: y against x (optional error). */
dnc_status dnc_recipe_add_grouped(dnc_plot_panel *p, const dnc_table *t, long g, long cx, long cy,
                                  long ce, const char *label_fmt, dnc_plot_style style,
                                  size_t max_groups)
{
    dnc_recipe_groups gr;
    dnc_status st = dnc_recipe_find_groups(t, g, max_groups, &gr);
    double *x = malloc((t->nrows ? t->nrows : 1) * sizeof *x);
    double *y = malloc((t->nrows ? t->nrows : 1) * sizeof *y);
    double *e = malloc((t->nrows ? t->nrows : 1) * sizeof *e);
    if (!st && (!x || !y || !e))
        st = dnc_fail(DNC_ENOMEM, "out of memory");
    for (size_t i = 0; !st && i < gr.n; i++) {
        size_t n = 0;
        for (size_t r = 0; r < t->nrows; r++) {
            const double *row = &t->v[r * t->ncols];
            double k = row[g];
            if (!(k == gr.keys[i] || (isnan(k) && isnan(gr.keys[i]))))
                continue;
            x[n] = row[cx];
            y[n] = row[cy];
            e[n] = ce >= 0 ? row[ce] : 0;
            n++;
        }
        char label[160];
        snprintf(label, sizeof label, label_fmt, gr.keys[i]);
        st = dnc_panel_add_series_color(p, label, ce >= 0 ? DNC_STYLE_ERRORBARS : style, x, y,
                                        ce >= 0 ? e : NULL, n, (int)(i % 8) + 1);
    }
    free(x);
    free(y);
    free(e);
    free(gr.keys);
    return st;
}

bool dnc_recipe_all_positive(const dnc_table *t, long c)
{
    size_t pos = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        double v = t->v[r * t->ncols + (size_t)c];
        if (isfinite(v) && v <= 0)
            return false;
        pos += isfinite(v);
    }
    return pos > 0;
}

/* Positive values spanning more than two decades: show them logarithmically. */
bool dnc_recipe_wants_log(const dnc_table *t, long c)
{
    if (!dnc_recipe_all_positive(t, c))
        return false;
    double lo = INFINITY, hi = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        double v = t->v[r * t->ncols + (size_t)c];
        if (isfinite(v)) {
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
    }
    return hi / lo > 100;
}

dnc_plot_panel *dnc_recipe_panel(dnc_recipe_ctx *r, const char *title, const char *xl,
                                 const char *yl)
{
    dnc_plot_panel *p = dnc_figure_add_panel(r->fig, title, xl, yl);
    if (!p)
        dnc_fail(DNC_ENOMEM, "out of memory");
    return p;
}

dnc_status dnc_recipe_need_cols(const char *what, long a, long b)
{
    if (a < 0 || b < 0)
        return dnc_fail(DNC_EUNSUPPORTED, "%s: columns not found", what);
    return DNC_OK;
}

/* Axis label for a column: the symbol of a known quantity, else the
 * escaped column name. Caller frees. */
char *dnc_recipe_column_label(const char *name)
{
    static const struct {
        const char *name, *label;
    } known[] = {
        {"sigma_w", "σ_w"},
        {"sigma_b", "σ_b"},
        {"width", "width N"},
        {"depth", "depth L"},
        {"layer", "layer ℓ"},
        {"rho", "ρ"},
        {"rho_L", "ρ^L (last layer)"},
        {"c_L", "c^L (last layer)"},
        {"q_L", "q^L (last layer)"},
        {"q", "q"},
        {"c", "c"},
        {"lyapunov", "Lyapunov exponent λ"},
        {"chi_1", "χ_1"},
        {"chi1_mf", "χ_1 (mean field)"},
        {"xi_c", "ξ_c (layers)"},
        {"kappa", "κ"},
        {"susceptibility", "susceptibility χ"},
        {"final_test_acc", "final test accuracy"},
        {"t", "time t"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(name, known[i].name) == 0)
            return strdup(known[i].label);
    return dnc_plot_escape(name);
}

/* Distinct sorted values of column c. */
size_t dnc_recipe_distinct_sorted(const dnc_table *t, long c, double *out, size_t max)
{
    size_t n = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        double v = t->v[r * t->ncols + (size_t)c];
        if (!isfinite(v))
            continue;
        size_t i = 0;
        while (i < n && out[i] < v)
            i++;
        if (i < n && out[i] == v)
            continue;
        if (n == max)
            return 0;
        memmove(out + i + 1, out + i, (n - i) * sizeof *out);
        out[i] = v;
        n++;
    }
    return n;
}

static size_t index_of(const double *v, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo] == x ? lo : n;
}

/* An infinite cell (xi_c = inf at an exactly critical point) is off the
 * colour scale: it is drawn at the end of the scale it lies beyond (the
 * largest or smallest finite value), so that it stays in its place with
 * the extreme colour instead of vanishing (NaN: a blank cell). */
static void clip_infinities(double *z, size_t n)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(z[i])) {
            lo = fmin(lo, z[i]);
            hi = fmax(hi, z[i]);
        }
    for (size_t i = 0; i < n; i++)
        if (isinf(z[i]))
            z[i] = isfinite(hi) ? (z[i] > 0 ? hi : lo) : NAN;
}

/* Heat map of column cz over the grid (cx, cy) with contours at levels;
 * values averaged over repeated grid points (seeds). */
dnc_status dnc_recipe_add_heatmap(dnc_plot_panel *p, const dnc_table *t, long cx, long cy, long cz,
                                  const char *zlabel, const double *levels, size_t nlevels,
                                  const char *level_name)
{
    size_t max = t->nrows < 4096 ? t->nrows : 4096;
    double *xs = malloc((max + 1) * sizeof *xs), *ys = malloc((max + 1) * sizeof *ys);
    dnc_status st = DNC_OK;
    if (!xs || !ys) {
        st = dnc_fail(DNC_ENOMEM, "out of memory");
        goto out;
    }
    size_t nx = dnc_recipe_distinct_sorted(t, cx, xs, max),
           ny = dnc_recipe_distinct_sorted(t, cy, ys, max);
    if (nx < 2 || ny < 2 || nx * ny > 4 * 1024 * 1024) {
        st = dnc_fail(DNC_EUNSUPPORTED, "not a regular grid of at least 2 x 2 points");
        goto out;
    }
    double *z = calloc(nx * ny, sizeof *z), *cnt = calloc(nx * ny, sizeof *cnt);
    if (!z || !cnt) {
        free(z);
        free(cnt);
        st = dnc_fail(DNC_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        const double *row = &t->v[r * t->ncols];
        size_t ix = index_of(xs, nx, row[cx]), iy = index_of(ys, ny, row[cy]);
        if (ix < nx && iy < ny && !isnan(row[cz])) {
            z[iy * nx + ix] += row[cz];
            cnt[iy * nx + ix] += 1;
        }
    }
    for (size_t i = 0; i < nx * ny; i++)
        z[i] = cnt[i] > 0 ? z[i] / cnt[i] : NAN;
    clip_infinities(z, nx * ny);
    st = dnc_panel_set_grid(p, xs, nx, ys, ny, z, zlabel, levels, nlevels, level_name);
    free(z);
    free(cnt);
out:
    free(xs);
    free(ys);
    return st;
}

void dnc_recipe_aggregate_free(dnc_recipe_aggregate *a)
{
    free(a->x);
    free(a->mean);
    free(a->se);
    memset(a, 0, sizeof *a);
}

dnc_status dnc_recipe_aggregate_rows(const dnc_table *t, long cx, long cy, long cg, double g,
                                     dnc_recipe_aggregate *a)
{
    size_t cap = t->nrows ? t->nrows : 1;
    a->x = malloc(cap * sizeof *a->x);
    a->mean = calloc(cap, sizeof *a->mean);
    a->se = calloc(cap, sizeof *a->se);
    a->n = 0;
    double *cnt = calloc(cap, sizeof *cnt), *sq = calloc(cap, sizeof *sq);
    if (!a->x || !a->mean || !a->se || !cnt || !sq) {
        free(cnt);
        free(sq);
        dnc_recipe_aggregate_free(a);
        return dnc_fail(DNC_ENOMEM, "out of memory");
    }
    size_t nx = dnc_recipe_distinct_sorted(t, cx, a->x, cap);
    for (size_t r = 0; r < t->nrows; r++) {
        const double *row = &t->v[r * t->ncols];
        if (cg >= 0 && row[cg] != g)
            continue;
        size_t i = index_of(a->x, nx, row[cx]);
        if (i < nx && isfinite(row[cy])) {
            a->mean[i] += row[cy];
            sq[i] += row[cy] * row[cy];
            cnt[i] += 1;
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < nx; i++) {
        if (cnt[i] == 0)
            continue;
        double m = a->mean[i] / cnt[i];
        double var = cnt[i] > 1 ? (sq[i] - cnt[i] * m * m) / (cnt[i] - 1) : 0;
        a->x[k] = a->x[i];
        a->mean[k] = m;
        a->se[k] = var > 0 ? sqrt(var / cnt[i]) : 0;
        k++;
    }
    a->n = k;
    free(cnt);
    free(sq);
    return DNC_OK;
}

/* Mean +- standard error of cy against cx, one series per value of cg
 * (cg < 0: one series). */
dnc_status dnc_recipe_add_aggregated(dnc_plot_panel *p, const dnc_table *t, long cx, long cy,
                                     long cg, const char *label_fmt, const char *single_label)
{
    dnc_recipe_groups gr = {0};
    dnc_status st = DNC_OK;
    if (cg >= 0)
        st = dnc_recipe_find_groups(t, cg, 12, &gr);
    size_t ng = cg >= 0 ? gr.n : 1;
    for (size_t i = 0; !st && i < ng; i++) {
        dnc_recipe_aggregate a;
        st = dnc_recipe_aggregate_rows(t, cx, cy, cg, cg >= 0 ? gr.keys[i] : 0, &a);
        if (st)
            break;
        char label[160];
        if (cg >= 0)
            snprintf(label, sizeof label, label_fmt, gr.keys[i]);
        else
            snprintf(label, sizeof label, "%s", single_label ? single_label : "");
        bool any_err = false;
        for (size_t k = 0; k < a.n; k++)
            any_err |= a.se[k] > 0;
        st = dnc_panel_add_series_color(p, (cg >= 0 || single_label) ? label : NULL,
                                        any_err ? DNC_STYLE_ERRORBARS : DNC_STYLE_LINESPOINTS, a.x,
                                        a.mean, any_err ? a.se : NULL, a.n, (int)(i % 8) + 1);
        if (!st && any_err) /* join the points too */
            st = dnc_panel_add_series_color(p, NULL, DNC_STYLE_LINES, a.x, a.mean, NULL, a.n,
                                            (int)(i % 8) + 1);
        dnc_recipe_aggregate_free(&a);
    }
    free(gr.keys);
    return st;
}

size_t dnc_recipe_count_distinct(const dnc_table *t, long c)
{
    dnc_recipe_groups gr;
    if (dnc_recipe_find_groups(t, c, 1000, &gr))
        return 0;
    size_t n = gr.n;
    free(gr.keys);
    return n;
}

bool dnc_recipe_entry_value(const cJSON *obj, const char *name, double *v, double *e)
{
    const cJSON *it = obj ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
    const cJSON *val = cJSON_IsObject(it) ? cJSON_GetObjectItemCaseSensitive(it, "value") : it;
    if (!cJSON_IsNumber(val) || !isfinite(val->valuedouble))
        return false;
    *v = val->valuedouble;
    const cJSON *err = cJSON_IsObject(it) ? cJSON_GetObjectItemCaseSensitive(it, "error") : NULL;
    *e = cJSON_IsNumber(err) ? err->valuedouble : NAN;
    return true;
}
