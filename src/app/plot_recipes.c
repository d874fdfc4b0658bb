/* Recipes: the figure a paper would show for each dnncrit result
 * (PREFIX.json + PREFIX.csv), chosen by the record's "command". A recipe
 * that does not find the columns it needs returns DNC_EUNSUPPORTED and the
 * generic recipe (every column against the first) draws the result instead. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "dnncrit/io.h"
#include "dnncrit/plot.h"

/* ------------------------------------------------------------ helpers */

const dnc_table_opts dnc_result_table_opts = {
    .cells = DNC_TABLE_TEXT, .need_header = true, .sep = ',', .empty_ok = true};

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

typedef struct {
    const cJSON *rec;
    const dnc_table *t; /* never NULL inside a recipe (an empty table at worst) */
    dnc_figure *fig;
    const char *dir;  /* folder of the result, for its other CSVs; NULL: none */
} recipe_ctx;

static bool safe_basename(const char *name)
{
    return name && *name && !strchr(name, '/') && strcmp(name, "..") != 0 &&
           strcmp(name, ".") != 0;
}

/* Another CSV of the result: outputs.<key>, read from the result's folder.
 * false (and an empty table) when absent or unreadable. */
static bool load_aux(const recipe_ctx *r, const char *key, dnc_table *t)
{
    memset(t, 0, sizeof *t);
    const cJSON *outs = cJSON_GetObjectItemCaseSensitive(r->rec, "outputs");
    const cJSON *it = outs ? cJSON_GetObjectItemCaseSensitive(outs, key) : NULL;
    if (!r->dir || !cJSON_IsString(it) || !safe_basename(it->valuestring))
        return false;
    size_t n = strlen(r->dir) + strlen(it->valuestring) + 2;
    char *path = malloc(n);
    if (!path)
        return false;
    snprintf(path, n, "%s/%s", r->dir, it->valuestring);
    bool ok = dnc_table_read(path, &dnc_result_table_opts, t) == DNC_OK;
    free(path);
    if (!ok)
        memset(t, 0, sizeof *t);
    return ok;
}

static long col(const recipe_ctx *r, const char *const *names)
{
    return dnc_table_col_any(r->t, names);
}

static long err_col(const dnc_table *t, long c)
{
    return c < 0 ? -1 : dnc_table_err_col(t, (size_t)c);
}

static bool is_error_column(const dnc_table *t, size_t c)
{
    for (size_t k = 0; k < t->ncols; k++)
        if (k != c && err_col(t, (long)k) == (long)c)
            return true;
    return false;
}

/* "results": {"name": x} or {"name": {"value": x, "error": dx}}. */
static bool result_value(const cJSON *rec, const char *name, double *v, double *err)
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

__attribute__((unused)) static bool result_any(const cJSON *rec, const char *const *names, double *v, double *err)
{
    for (; *names; names++)
        if (result_value(rec, *names, v, err))
            return true;
    return false;
}

/* "config": {"name": x or "text"} */
static const cJSON *config_item(const cJSON *rec, const char *name)
{
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(rec, "config");
    return cfg ? cJSON_GetObjectItemCaseSensitive(cfg, name) : NULL;
}

static bool config_number(const cJSON *rec, const char *name, double *v)
{
    const cJSON *it = config_item(rec, name);
    if (cJSON_IsNumber(it) && isfinite(it->valuedouble)) {
        *v = it->valuedouble;
        return true;
    }
    return false;
}

/* A one-line description of the run for panel notes:
 * "tanh, σ_w = 1.2, σ_b = 0.3, N = 512". Caller frees. */
static char *run_note(const cJSON *rec)
{
    char buf[400] = "";
    size_t n = 0;
    const cJSON *act = config_item(rec, "activation");
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
        if (config_number(rec, keys[i].key, &v))
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s = %g", n ? ", " : "",
                                  keys[i].sym, v);
    }
    char *s = malloc(n + 1);
    if (s)
        memcpy(s, buf, n + 1);
    return s;
}

static dnc_status add_col_series(dnc_plot_panel *p, const dnc_table *t, long cx, long cy,
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

/* Rows grouped by the distinct values of column g (in order of first
 * appearance), at most max_groups groups. */
typedef struct {
    double *keys;
    size_t n;
} groups;

static dnc_status find_groups(const dnc_table *t, long g, size_t max_groups, groups *out)
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
static dnc_status add_grouped(dnc_plot_panel *p, const dnc_table *t, long g, long cx, long cy,
                              long ce, const char *label_fmt, dnc_plot_style style,
                              size_t max_groups)
{
    groups gr;
    dnc_status st = find_groups(t, g, max_groups, &gr);
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

static bool all_positive(const dnc_table *t, long c)
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
static bool wants_log(const dnc_table *t, long c)
{
    if (!all_positive(t, c))
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

static dnc_plot_panel *panel(recipe_ctx *r, const char *title, const char *xl, const char *yl)
{
    dnc_plot_panel *p = dnc_figure_add_panel(r->fig, title, xl, yl);
    if (!p)
        dnc_fail(DNC_ENOMEM, "out of memory");
    return p;
}

static dnc_status need_cols(const char *what, long a, long b)
{
    if (a < 0 || b < 0)
        return dnc_fail(DNC_EUNSUPPORTED, "%s: columns not found", what);
    return DNC_OK;
}

static const char *cmd_name(const cJSON *rec)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(rec, "command");
    return cJSON_IsString(c) && c->valuestring ? c->valuestring : "";
}

/* Axis label for a column: the symbol of a known quantity, else the
 * escaped column name. Caller frees. */
static char *column_label(const char *name)
{
    static const struct {
        const char *name, *label;
    } known[] = {
        {"sigma_w", "σ_w"},           {"sigma_b", "σ_b"},
        {"width", "width N"},         {"depth", "depth L"},
        {"layer", "layer ℓ"},         {"rho", "ρ"},
        {"rho_L", "ρ^L (last layer)"}, {"c_L", "c^L (last layer)"},
        {"q_L", "q^L (last layer)"},  {"q", "q"},
        {"c", "c"},                   {"lyapunov", "Lyapunov exponent λ"},
        {"chi_1", "χ_1"},             {"chi1_mf", "χ_1 (mean field)"},
        {"xi_c", "ξ_c (layers)"},     {"kappa", "κ"},
        {"susceptibility", "susceptibility χ"},
        {"final_test_acc", "final test accuracy"},
        {"t", "time t"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(name, known[i].name) == 0)
            return strdup(known[i].label);
    return dnc_plot_escape(name);
}

/* ---------------------------------------------------- generic recipe */

/* The first column is the abscissa; every other column that is not an
 * error column gets a panel (at most 9), with its error bars. */
static dnc_status recipe_generic(recipe_ctx *r)
{
    const dnc_table *t = r->t;
    if (t->ncols < 2 || t->nrows == 0) {
        dnc_plot_panel *p = panel(r, "no table to plot", "", "");
        return p ? dnc_panel_set_note(p, "this result has no CSV rows") : DNC_ENOMEM;
    }
    char *xl = column_label(t->names[0]);
    size_t panels = 0;
    dnc_status st = xl ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    for (size_t c = 1; !st && c < t->ncols && panels < 9; c++) {
        if (dnc_table_is_text(t, c) || is_error_column(t, c))
            continue;
        char *yl = column_label(t->names[c]);
        dnc_plot_panel *p = yl ? panel(r, NULL, xl, yl) : NULL;
        if (!p) {
            free(yl);
            st = dnc_fail(DNC_ENOMEM, "out of memory");
            break;
        }
        p->logx = wants_log(t, 0);
        p->logy = wants_log(t, (long)c);
        st = add_col_series(p, t, 0, (long)c, err_col(t, (long)c), NULL, DNC_STYLE_LINESPOINTS,
                            1);
        free(yl);
        panels++;
    }
    free(xl);
    return st;
}

/* ------------------------------------------- propagation: rho(l) etc. */

#define LAYER_NAMES NAMES("layer", "l", "depth", "t", "time")
#define RHO_NAMES NAMES("rho", "rho_mean", "rho_sim", "rho_finite")
#define RHO_MF_NAMES NAMES("rho_mf", "rho_meanfield", "rho_theory")

/* rho(l) on log-log axes with the mean-field trajectory (a column) or the
 * asymptote 1/(kappa l) from results.kappa at criticality. */
static dnc_status panel_rho(recipe_ctx *r, long cl, long crho)
{
    const dnc_table *t = r->t;
    dnc_plot_panel *p = panel(r, "order parameter", "layer ℓ", "ρ^ℓ = 1 − c^ℓ");
    if (!p)
        return DNC_ENOMEM;
    p->logx = p->logy = true;
    p->key = strdup("bottom left");
    char *note = run_note(r->rec);
    dnc_status st = DNC_OK;
    if (note && *note) { /* the run's parameters as the panel title */
        free(p->title);
        p->title = note;
    } else {
        free(note);
    }
    long cw = col(r, NAMES("sigma_w", "width", "N"));
    long group = -1;
    if (cw >= 0) {
        groups gr;
        if (!find_groups(t, cw, 64, &gr) && gr.n > 1 && gr.n <= 12)
            group = cw;
        free(gr.keys);
    }
    if (!st && group >= 0) {
        const char *fmt = strcmp(t->names[cw], "sigma_w") == 0 ? "σ_w = %g" : "N = %g";
        st = add_grouped(p, t, group, cl, crho, err_col(t, crho), fmt, DNC_STYLE_LINESPOINTS, 12);
    } else if (!st) {
        st = add_col_series(p, t, cl, crho, err_col(t, crho), "finite width",
                            DNC_STYLE_LINESPOINTS, 1);
    }
    long cmf = col(r, RHO_MF_NAMES);
    if (!st && cmf >= 0 && group < 0)
        st = add_col_series(p, t, cl, cmf, -1, "mean field", DNC_STYLE_DASHED, 2);
    double kappa;
    if (!st && cmf < 0 && result_value(r->rec, "kappa", &kappa, NULL) && kappa > 0) {
        double *x = dnc_table_column(t, (size_t)cl), *y = malloc(t->nrows * sizeof *y + 1);
        if (!x || !y)
            st = dnc_fail(DNC_ENOMEM, "out of memory");
        for (size_t i = 0; !st && i < t->nrows; i++)
            y[i] = x[i] > 0 ? 1.0 / (kappa * x[i]) : NAN;
        if (!st)
            st = dnc_panel_add_series_color(p, "1/(κℓ), mean field", DNC_STYLE_DASHED, x, y,
                                            NULL, t->nrows, 7);
        free(x);
        free(y);
    }
    return st;
}

static dnc_status recipe_propagate(recipe_ctx *r)
{
    long cl = col(r, LAYER_NAMES), crho = col(r, RHO_NAMES);
    dnc_status st = need_cols("propagate", cl, crho);
    if (st || (st = panel_rho(r, cl, crho)))
        return st;
    long cq = col(r, NAMES("q", "q_mean"));
    if (cq >= 0) {
        dnc_plot_panel *p = panel(r, "length", "layer ℓ", "q^ℓ");
        if (!p)
            return DNC_ENOMEM;
        p->logx = true;
        st = add_col_series(p, r->t, cl, cq, err_col(r->t, cq), "finite width",
                            DNC_STYLE_LINESPOINTS, 1);
        long cqm = col(r, NAMES("q_mf", "q_meanfield"));
        if (!st && cqm >= 0)
            st = add_col_series(p, r->t, cl, cqm, -1, "mean field", DNC_STYLE_DASHED, 2);
    }
    long cly = col(r, NAMES("lyap", "lyapunov", "lambda"));
    if (!st && cly >= 0) {
        dnc_plot_panel *p = panel(r, "tangent dynamics", "layer ℓ", "log growth λ^ℓ");
        if (!p)
            return DNC_ENOMEM;
        st = add_col_series(p, r->t, cl, cly, -1, "per layer", DNC_STYLE_LINES, 3);
        double lam;
        if (!st && result_value(r->rec, "lyapunov", &lam, NULL)) {
            double x[2] = {r->t->v[(size_t)cl], r->t->v[(r->t->nrows - 1) * r->t->ncols + (size_t)cl]},
                   y[2] = {lam, lam};
            st = dnc_panel_add_series_color(p, "mean λ", DNC_STYLE_DASHED, x, y, NULL, 2, 7);
        }
    }
    return st;
}

/* ---------------------------------- phase diagram and landscapes */

/* Distinct sorted values of column c. */
static size_t distinct_sorted(const dnc_table *t, long c, double *out, size_t max)
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

/* Heat map of column cz over the grid (cx, cy) with contours at levels;
 * values averaged over repeated grid points (seeds). */
static dnc_status add_heatmap(dnc_plot_panel *p, const dnc_table *t, long cx, long cy, long cz,
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
    size_t nx = distinct_sorted(t, cx, xs, max), ny = distinct_sorted(t, cy, ys, max);
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
        if (ix < nx && iy < ny && isfinite(row[cz])) {
            z[iy * nx + ix] += row[cz];
            cnt[iy * nx + ix] += 1;
        }
    }
    for (size_t i = 0; i < nx * ny; i++)
        z[i] = cnt[i] > 0 ? z[i] / cnt[i] : NAN;
    st = dnc_panel_set_grid(p, xs, nx, ys, ny, z, zlabel, levels, nlevels, level_name);
    free(z);
    free(cnt);
out:
    free(xs);
    free(ys);
    return st;
}

#define SW_NAMES NAMES("sigma_w", "sigma-w", "sw")
#define SB_NAMES NAMES("sigma_b", "sigma-b", "sb")

/* The critical line from a result's CSV columns (sigma_b, sigma_w_crit) or
 * from results.critical_sigma_w at one sigma_b. */
static dnc_status add_critical_line(dnc_plot_panel *p, recipe_ctx *r, long cb)
{
    long cc = col(r, NAMES("sigma_w_crit", "sigma_w_critical", "critical_sigma_w", "sigma_w_c"));
    if (cc >= 0 && cb >= 0) {
        /* one point per distinct sigma_b */
        size_t n = 0;
        double *x = malloc((r->t->nrows + 1) * sizeof *x), *y = malloc((r->t->nrows + 1) * sizeof *y);
        if (!x || !y) {
            free(x);
            free(y);
            return dnc_fail(DNC_ENOMEM, "out of memory");
        }
        size_t nb = distinct_sorted(r->t, cb, x, r->t->nrows);
        for (size_t i = 0; i < nb; i++) {
            y[i] = NAN;
            for (size_t k = 0; k < r->t->nrows; k++)
                if (r->t->v[k * r->t->ncols + (size_t)cb] == x[i]) {
                    y[i] = r->t->v[k * r->t->ncols + (size_t)cc];
                    break;
                }
            n++;
        }
        /* plotted as (sigma_b, sigma_w_c) */
        dnc_status st = dnc_panel_add_series_color(p, "critical line χ_1 = 1", DNC_STYLE_LINES, x,
                                                   y, NULL, n, 7);
        free(x);
        free(y);
        return st;
    }
    return DNC_OK;
}

static dnc_status add_critical_line_from_results(dnc_plot_panel *p, const cJSON *rec);

static dnc_status recipe_phase_diagram(recipe_ctx *r)
{
    long cb = col(r, SB_NAMES), cw = col(r, SW_NAMES);
    long cchi = col(r, NAMES("chi_1", "chi1", "chi"));
    dnc_status st = need_cols("phase-diagram", cb, cw);
    if (!st && cchi < 0)
        st = dnc_fail(DNC_EUNSUPPORTED, "phase-diagram: no chi_1 column");
    if (st)
        return st;
    dnc_plot_panel *p = panel(r, "phase diagram", "σ_b", "σ_w");
    if (!p)
        return DNC_ENOMEM;
    p->key = strdup("top left");
    char *note = NULL;
    const cJSON *act = config_item(r->rec, "activation");
    if (cJSON_IsString(act) && act->valuestring)
        note = dnc_plot_escape(act->valuestring);
    if (note) {
        free(p->title);
        size_t n = strlen(note) + 40;
        p->title = malloc(n);
        if (p->title)
            snprintf(p->title, n, "phase diagram, φ = %s", note);
        free(note);
    }
    static const double levels[] = {0.5, 0.8, 1.25, 2.0};
    st = add_heatmap(p, r->t, cb, cw, cchi, "χ_1 (log scale)", levels, 4, "χ_1");
    if (!st) {
        p->grid->logz = true;
        p->grid->center = 1.0;
    }
    if (!st)
        st = add_critical_line(p, r, cb);
    if (!st && col(r, NAMES("sigma_w_crit", "sigma_w_critical", "critical_sigma_w", "sigma_w_c")) < 0)
        st = add_critical_line_from_results(p, r->rec);
    long cxi = col(r, NAMES("xi_c", "xi"));
    if (!st && cxi >= 0) {
        dnc_plot_panel *q = panel(r, "depth scale", "σ_b", "σ_w");
        if (!q)
            return DNC_ENOMEM;
        static const double xl[] = {10, 100};
        st = add_heatmap(q, r->t, cb, cw, cxi, "ξ_c (layers)", xl, 2, "ξ_c");
        if (!st && q->grid)
            q->grid->logz = true;
    }
    return st;
}

/* -------------------------------------------- aggregation over seeds */

/* Mean and standard error of column cy at each distinct x (column cx),
 * restricted to rows whose column cg equals g (cg < 0: all rows). */
typedef struct {
    double *x, *mean, *se;
    size_t n;
} aggregate;

static void aggregate_free(aggregate *a)
{
    free(a->x);
    free(a->mean);
    free(a->se);
    memset(a, 0, sizeof *a);
}

static dnc_status aggregate_rows(const dnc_table *t, long cx, long cy, long cg, double g,
                                 aggregate *a)
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
        aggregate_free(a);
        return dnc_fail(DNC_ENOMEM, "out of memory");
    }
    size_t nx = distinct_sorted(t, cx, a->x, cap);
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
static dnc_status add_aggregated(dnc_plot_panel *p, const dnc_table *t, long cx, long cy, long cg,
                                 const char *label_fmt, const char *single_label)
{
    groups gr = {0};
    dnc_status st = DNC_OK;
    if (cg >= 0)
        st = find_groups(t, cg, 12, &gr);
    size_t ng = cg >= 0 ? gr.n : 1;
    for (size_t i = 0; !st && i < ng; i++) {
        aggregate a;
        st = aggregate_rows(t, cx, cy, cg, cg >= 0 ? gr.keys[i] : 0, &a);
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
                                        any_err ? DNC_STYLE_ERRORBARS : DNC_STYLE_LINESPOINTS,
                                        a.x, a.mean, any_err ? a.se : NULL, a.n, (int)(i % 8) + 1);
        if (!st && any_err) /* join the points too */
            st = dnc_panel_add_series_color(p, NULL, DNC_STYLE_LINES, a.x, a.mean, NULL, a.n,
                                            (int)(i % 8) + 1);
        aggregate_free(&a);
    }
    free(gr.keys);
    return st;
}

static size_t count_distinct(const dnc_table *t, long c)
{
    groups gr;
    if (find_groups(t, c, 1000, &gr))
        return 0;
    size_t n = gr.n;
    free(gr.keys);
    return n;
}

/* ------------------------------------------------ directed percolation */

/* Known decay exponents delta of the DP classes (Hinrichsen 2000;
 * Jensen 1999), to draw the t^-delta guide line. */
static double dp_delta_for_model(const char *model)
{
    if (!model)
        return NAN;
    if (strstr(model, "1d"))
        return 0.159464;
    if (strstr(model, "2d"))
        return 0.451;
    if (strstr(model, "mf") || strstr(model, "mean"))
        return 1.0;
    return NAN;
}

/* A power law c x^-slope through the last plottable point of series s. */
static dnc_status add_guide(dnc_plot_panel *p, const double *x, const double *y, size_t n,
                            double slope, const char *label)
{
    size_t last = n;
    for (size_t i = 0; i < n; i++)
        if (x[i] > 0 && y[i] > 0 && isfinite(y[i]))
            last = i;
    size_t first = n;
    for (size_t i = 0; i < n && first == n; i++)
        if (x[i] > 0 && y[i] > 0 && isfinite(y[i]))
            first = i;
    if (last == n || first == last || !isfinite(slope))
        return DNC_OK;
    double gx[2] = {x[first], x[last]};
    double gy[2] = {y[last] * pow(x[first] / x[last], -slope), y[last]};
    return dnc_panel_add_series_color(p, label, DNC_STYLE_DASHED, gx, gy, NULL, 2, 7);
}

static dnc_status recipe_dp(recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long ct = col(r, NAMES("t", "time", "layer")), crho = col(r, NAMES("rho", "density"));
    dnc_status st = need_cols("dp", ct, crho);
    if (st)
        return st;
    const cJSON *model = config_item(r->rec, "model");
    const char *mname = cJSON_IsString(model) ? model->valuestring : NULL;
    char note[200] = "";
    double pp, pc, L;
    char *mesc = dnc_plot_escape(mname ? mname : "");
    size_t n = (size_t)snprintf(note, sizeof note, "%s", mesc ? mesc : "");
    free(mesc);
    if (config_number(r->rec, "p", &pp) && n < sizeof note)
        n += (size_t)snprintf(note + n, sizeof note - n, ", p = %.6g", pp);
    if (config_number(r->rec, "p_c", &pc) && n < sizeof note)
        n += (size_t)snprintf(note + n, sizeof note - n, " (p_c = %.6g)", pc);
    if (config_number(r->rec, "L", &L) && n < sizeof note)
        snprintf(note + n, sizeof note - n, ", L = %g", L);
    double delta = dp_delta_for_model(mname);
    char guide[80];
    snprintf(guide, sizeof guide, "t^{-δ}, δ = %g (DP)", delta);

    dnc_plot_panel *p = panel(r, "density of active sites", "time t", "ρ(t)");
    if (!p)
        return DNC_ENOMEM;
    p->logx = p->logy = true;
    p->key = strdup("bottom left");
    st = dnc_panel_set_note(p, note);
    if (!st)
        st = add_col_series(p, t, ct, crho, err_col(t, crho), "simulation", DNC_STYLE_POINTS, 1);
    double *x = dnc_table_column(t, (size_t)ct), *y = dnc_table_column(t, (size_t)crho);
    if (!st && x && y)
        st = add_guide(p, x, y, t->nrows, delta, guide);
    free(y);
    long cs = col(r, NAMES("surv", "survival", "P_surv"));
    if (!st && cs >= 0) {
        dnc_plot_panel *q = panel(r, "survival probability", "time t", "P_s(t)");
        if (!q) {
            free(x);
            return DNC_ENOMEM;
        }
        q->logx = q->logy = true;
        q->key = strdup("bottom left");
        st = add_col_series(q, t, ct, cs, err_col(t, cs), "simulation", DNC_STYLE_POINTS, 2);
    }
    free(x);
    return st;
}

/* --------------------------------------------- exponents (local slopes) */

/* The i-th element of results.decay (an array) or results itself. */
static const cJSON *decay_entry(const cJSON *rec, size_t i)
{
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(rec, "results");
    const cJSON *d = res ? cJSON_GetObjectItemCaseSensitive(res, "decay") : NULL;
    if (cJSON_IsArray(d))
        return cJSON_GetArrayItem(d, (int)i);
    return i == 0 ? res : NULL;
}

static bool entry_value(const cJSON *obj, const char *name, double *v, double *e)
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

static dnc_status recipe_exponents(recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long ct = col(r, NAMES("t", "layer")), cy = col(r, NAMES("y", "rho"));
    long cd = col(r, NAMES("delta_eff")), cp = col(r, NAMES("param"));
    dnc_status st = need_cols("exponents", ct, cd);
    if (st || cy < 0)
        return st ? st : dnc_fail(DNC_EUNSUPPORTED, "exponents: no y column");
    /* 1/t as the abscissa of the effective exponents */
    double *inv = malloc((t->nrows ? t->nrows : 1) * sizeof *inv);
    if (!inv)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    for (size_t i = 0; i < t->nrows; i++) {
        double tt = t->v[i * t->ncols + (size_t)ct];
        inv[i] = tt > 0 ? 1.0 / tt : NAN;
    }
    bool grouped = cp >= 0 && count_distinct(t, cp) > 1;
    dnc_plot_panel *p = panel(r, "order parameter", "t (layers or time)", "ρ(t)");
    dnc_plot_panel *q = p ? panel(r, "effective exponent", "1/t", "δ_{eff}(t)") : NULL;
    if (!p || !q) {
        free(inv);
        return DNC_ENOMEM;
    }
    p->logx = p->logy = true;
    p->key = strdup("bottom left");
    q->key = strdup("top right");
    if (grouped) {
        st = add_grouped(p, t, cp, ct, cy, -1, "p = %g", DNC_STYLE_LINES, 12);
        /* delta_eff per group against 1/t */
        groups gr = {0};
        if (!st)
            st = find_groups(t, cp, 12, &gr);
        double *x = malloc((t->nrows + 1) * sizeof *x), *y = malloc((t->nrows + 1) * sizeof *y);
        for (size_t g = 0; !st && x && y && g < gr.n; g++) {
            size_t n = 0;
            for (size_t i = 0; i < t->nrows; i++)
                if (t->v[i * t->ncols + (size_t)cp] == gr.keys[g]) {
                    x[n] = inv[i];
                    y[n++] = t->v[i * t->ncols + (size_t)cd];
                }
            char label[64];
            snprintf(label, sizeof label, "p = %g", gr.keys[g]);
            st = dnc_panel_add_series_color(q, label, DNC_STYLE_LINESPOINTS, x, y, NULL, n,
                                            (int)(g % 8) + 1);
        }
        free(x);
        free(y);
        free(gr.keys);
    } else {
        st = add_col_series(p, t, ct, cy, err_col(t, cy), "data", DNC_STYLE_POINTS, 1);
        double *d = dnc_table_column(t, (size_t)cd);
        double *de = err_col(t, cd) >= 0 ? dnc_table_column(t, (size_t)err_col(t, cd)) : NULL;
        if (!st && d)
            st = dnc_panel_add_series_color(q, "local slope", de ? DNC_STYLE_ERRORBARS
                                                                 : DNC_STYLE_POINTS,
                                            inv, d, de, t->nrows, 1);
        free(d);
        free(de);
    }
    /* the fitted delta, its extrapolation to 1/t = 0 and the fitted law */
    double delta, derr, dinf, dinf_err, amp, aerr;
    const cJSON *e0 = decay_entry(r->rec, 0);
    if (!st && !grouped && entry_value(e0, "delta", &delta, &derr)) {
        char label[96];
        snprintf(label, sizeof label, "fit δ = %.4g ± %.2g", delta, derr);
        st = dnc_panel_add_refline(q, false, delta, label);
        if (!st && entry_value(e0, "amplitude", &amp, &aerr)) {
            double *x = dnc_table_column(t, (size_t)ct), *y = malloc(t->nrows * sizeof *y + 1);
            for (size_t i = 0; x && y && i < t->nrows; i++)
                y[i] = x[i] > 0 ? amp * pow(x[i], -delta) : NAN;
            if (x && y)
                st = dnc_panel_add_series_color(p, "A t^{-δ}", DNC_STYLE_DASHED, x, y, NULL,
                                                t->nrows, 7);
            free(x);
            free(y);
        }
    }
    if (!st && !grouped && entry_value(e0, "delta_inf", &dinf, &dinf_err)) {
        double x0 = 0, y0 = dinf, e = dinf_err;
        st = dnc_panel_add_series_color(q, "δ_∞ (1/t → 0)", DNC_STYLE_ERRORBARS, &x0, &y0, &e,
                                        1, 2);
    }
    free(inv);
    return st;
}

/* --------------------------------------------- finite-size scaling */

static dnc_status recipe_fss(recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long cn = col(r, NAMES("size", "N", "width", "L")), ct = col(r, NAMES("t", "layer"));
    long cy = col(r, NAMES("y", "rho")), cxs = col(r, NAMES("x_scaled")),
         cys = col(r, NAMES("y_scaled"));
    dnc_status st = need_cols("fss", cn, ct);
    if (!st)
        st = need_cols("fss", cxs, cys);
    if (st || cy < 0)
        return st ? st : dnc_fail(DNC_EUNSUPPORTED, "fss: no y column");
    double a, ae, b, be, S;
    char note[160] = "";
    if (result_value(r->rec, "a", &a, &ae) && result_value(r->rec, "b", &b, &be)) {
        int n = snprintf(note, sizeof note, "a = %.3g ± %.2g, b = %.3g ± %.2g", a, ae, b, be);
        if (result_value(r->rec, "quality_S", &S, NULL) && n > 0 && (size_t)n < sizeof note)
            snprintf(note + n, sizeof note - (size_t)n, ", S = %.3g", S);
    }
    dnc_plot_panel *p = panel(r, "raw data", "t (layers or time)", "ρ(t, N)");
    dnc_plot_panel *q = p ? panel(r, "data collapse", "t / N^b", "N^a ρ(t, N)") : NULL;
    if (!p || !q)
        return DNC_ENOMEM;
    p->logx = p->logy = q->logx = q->logy = true;
    p->key = strdup("bottom left");
    q->key = strdup("bottom left");
    st = add_grouped(p, t, cn, ct, cy, -1, "N = %g", DNC_STYLE_LINES, 12);
    if (!st)
        st = add_grouped(q, t, cn, cxs, cys, err_col(t, cys), "N = %g", DNC_STYLE_POINTS, 12);
    if (!st && note[0])
        st = dnc_panel_set_note(q, note);
    return st;
}

/* ------------------------------------------------------------ classify */

static dnc_status recipe_classify(recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long cc = col(r, NAMES("class")), cd = col(r, NAMES("distance"));
    dnc_status st = need_cols("classify", cc, cd);
    if (st || !dnc_table_is_text(t, (size_t)cc) || t->nrows == 0)
        return st ? st : dnc_fail(DNC_EUNSUPPORTED, "classify: no class names");
    size_t n = t->nrows < 16 ? t->nrows : 16;
    const char *names[16];
    double x[16], y[16];
    char *esc[16] = {0};
    for (size_t i = 0; i < n; i++) {
        esc[i] = dnc_plot_escape(dnc_table_text(t, i, (size_t)cc));
        names[i] = esc[i] ? esc[i] : "?";
        x[i] = (double)i;
        y[i] = t->v[i * t->ncols + (size_t)cd];
        if (y[i] <= 0)
            y[i] = 1e-3; /* a perfect match still shows on the log axis */
    }
    dnc_plot_panel *p = panel(r, "distance to each universality class",
                              NULL, "distance (error bars)");
    if (p) {
        p->logy = true;
        st = dnc_panel_set_xticlabels(p, names, n);
        if (!st)
            st = dnc_panel_add_series_color(p, NULL, DNC_STYLE_POINTS, x, y, NULL, n, 1);
        if (!st)
            st = dnc_panel_add_refline(p, false, 2.0, "2σ");
        const cJSON *res = cJSON_GetObjectItemCaseSensitive(r->rec, "results");
        const cJSON *best = res ? cJSON_GetObjectItemCaseSensitive(res, "best") : NULL;
        if (!st && cJSON_IsString(best) && best->valuestring) {
            char *e = dnc_plot_escape(best->valuestring);
            char note[160];
            snprintf(note, sizeof note, "best match: %s", e ? e : "?");
            free(e);
            st = dnc_panel_set_note(p, note);
        }
    } else {
        st = DNC_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        free(esc[i]);
    return st;
}

/* ------------------------------------------------------------- CNN */

static dnc_status recipe_cnn(recipe_ctx *r)
{
    long cl = col(r, LAYER_NAMES), crho = col(r, RHO_NAMES);
    dnc_status st = need_cols("cnn", cl, crho);
    if (st || (st = panel_rho(r, cl, crho)))
        return st;
    long ca = col(r, NAMES("active_fraction")), cs = col(r, NAMES("survival"));
    if (ca >= 0) {
        dnc_plot_panel *p = panel(r, "activity", "layer ℓ", "active fraction of sites");
        if (!p)
            return DNC_ENOMEM;
        p->logx = true;
        p->logy = all_positive(r->t, ca);
        st = add_col_series(p, r->t, cl, ca, err_col(r->t, ca), NULL, DNC_STYLE_POINTS, 2);
    }
    if (!st && cs >= 0) {
        dnc_plot_panel *p = panel(r, "survival", "layer ℓ", "P_s(ℓ)");
        if (!p)
            return DNC_ENOMEM;
        p->logx = true;
        p->logy = all_positive(r->t, cs);
        st = add_col_series(p, r->t, cl, cs, err_col(r->t, cs), NULL, DNC_STYLE_POINTS, 3);
    }
    return st;
}

/* ------------------------------------------------------------ training */

static dnc_status add_if(dnc_plot_panel *p, recipe_ctx *r, long cx, const char *name,
                         const char *label, int color, dnc_plot_style style)
{
    long c = dnc_table_col(r->t, name);
    if (c < 0)
        return DNC_OK;
    return add_col_series(p, r->t, cx, c, err_col(r->t, c), label, style, color);
}

static dnc_status recipe_train(recipe_ctx *r)
{
    long ce = col(r, NAMES("epoch"));
    if (ce < 0 || col(r, NAMES("test_acc", "train_acc")) < 0)
        return dnc_fail(DNC_EUNSUPPORTED, "train: columns not found");
    dnc_plot_panel *p = panel(r, "loss", "epoch", "cross-entropy loss");
    dnc_plot_panel *q = p ? panel(r, "accuracy", "epoch", "accuracy") : NULL;
    dnc_plot_panel *o = q ? panel(r, "order parameter during training", "epoch", "ρ") : NULL;
    dnc_plot_panel *c = o ? panel(r, "criticality during training", "epoch", "χ_1") : NULL;
    if (!c)
        return DNC_ENOMEM;
    char *note = run_note(r->rec);
    dnc_status st = note ? dnc_panel_set_note(q, note) : DNC_OK;
    free(note);
    q->key = strdup("center right");
    if (!st)
        st = add_if(p, r, ce, "train_loss", "train", 1, DNC_STYLE_LINESPOINTS);
    if (!st)
        st = add_if(p, r, ce, "test_loss", "test", 2, DNC_STYLE_LINESPOINTS);
    if (!st)
        st = add_if(q, r, ce, "train_acc", "train", 1, DNC_STYLE_LINESPOINTS);
    if (!st)
        st = add_if(q, r, ce, "test_acc", "test", 2, DNC_STYLE_LINESPOINTS);
    if (!st)
        st = dnc_panel_add_refline(q, false, 0.1, "chance (10 classes)");
    if (!st)
        st = add_if(o, r, ce, "rho_first", "first layer", 1, DNC_STYLE_LINESPOINTS);
    if (!st)
        st = add_if(o, r, ce, "rho_mean", "mean over layers", 3, DNC_STYLE_LINESPOINTS);
    if (!st)
        st = add_if(o, r, ce, "rho_last", "last layer", 2, DNC_STYLE_LINESPOINTS);
    if (!st)
        st = add_if(c, r, ce, "chi1_weights", "χ_1 from the weights", 1, DNC_STYLE_LINESPOINTS);
    if (!st)
        st = add_if(c, r, ce, "chi1_lyap", "χ_1 = e^{λ} (tangent)", 2, DNC_STYLE_LINESPOINTS);
    if (!st)
        st = dnc_panel_add_refline(c, false, 1.0, "edge of chaos");
    return st;
}

/* Accuracy landscape of train-sweep: over (sigma_b, sigma_w) when several
 * sigma_b were trained, and against sigma_w, the distance to the critical
 * line and depth / xi_c. */
static dnc_status recipe_train_sweep(recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long cw = col(r, SW_NAMES), cb = col(r, SB_NAMES);
    long ca = col(r, NAMES("final_test_acc", "test_acc_mean", "test_acc"));
    long cc = col(r, NAMES("sigma_w_crit"));
    dnc_status st = need_cols("train-sweep", cw, ca);
    if (st)
        return st;
    size_t nb = cb >= 0 ? count_distinct(t, cb) : 0;
    if (nb >= 2 && count_distinct(t, cw) >= 2) {
        dnc_plot_panel *h = panel(r, "test accuracy over the phase diagram", "σ_b", "σ_w");
        if (!h)
            return DNC_ENOMEM;
        h->key = strdup("top left");
        st = add_heatmap(h, t, cb, cw, ca, "test accuracy", NULL, 0, NULL);
        if (!st && cc >= 0) {
            aggregate a;
            st = aggregate_rows(t, cb, cc, -1, 0, &a);
            if (!st)
                st = dnc_panel_add_series_color(h, "critical line χ_1 = 1", DNC_STYLE_LINES,
                                                a.x, a.mean, NULL, a.n, 7);
            aggregate_free(&a);
        }
        if (st == DNC_EUNSUPPORTED)
            st = DNC_OK; /* not a regular grid: the line plots below still work */
    }
    dnc_plot_panel *p = panel(r, "test accuracy", "σ_w", "test accuracy");
    if (!p)
        return DNC_ENOMEM;
    if (!st)
        st = add_aggregated(p, t, cw, ca, nb >= 2 ? cb : -1, "σ_b = %g", "mean ± s.e. over seeds");
    if (!st && cc >= 0) {
        /* critical sigma_w of each sigma_b as a vertical line */
        aggregate a;
        st = nb >= 1 ? aggregate_rows(t, cb, cc, -1, 0, &a) : aggregate_rows(t, cc, cc, -1, 0, &a);
        for (size_t i = 0; !st && i < a.n && i < 6; i++) {
            char label[64];
            snprintf(label, sizeof label, "σ_w^c = %.3g", a.mean[i]);
            st = dnc_panel_add_refline(p, true, a.mean[i], label);
        }
        aggregate_free(&a);
    }
    if (!st)
        st = dnc_panel_add_refline(p, false, 0.1, "chance");
    long cd = col(r, NAMES("dist_crit")), cx = col(r, NAMES("depth_over_xi"));
    if (!st && cd >= 0) {
        dnc_plot_panel *q = panel(r, "distance to the critical line", "σ_w − σ_w^c",
                                  "test accuracy");
        if (!q)
            return DNC_ENOMEM;
        st = add_col_series(q, t, cd, ca, -1, NULL, DNC_STYLE_POINTS, 2);
        if (!st)
            st = dnc_panel_add_refline(q, true, 0.0, "critical");
    }
    if (!st && cx >= 0) {
        dnc_plot_panel *q = panel(r, "depth in units of ξ_c", "L / ξ_c", "test accuracy");
        if (!q)
            return DNC_ENOMEM;
        q->logx = all_positive(t, cx);
        st = add_col_series(q, t, cx, ca, -1, NULL, DNC_STYLE_POINTS, 3);
    }
    return st;
}

/* --------------------------------------------------------------- sweep */

/* Swept parameters: config.parameters entries that are arrays. */
static size_t swept_columns(const recipe_ctx *r, long *cols, size_t max)
{
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(r->rec, "config");
    const cJSON *pars = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "parameters") : NULL;
    size_t n = 0;
    for (const cJSON *it = pars ? pars->child : NULL; it && n < max; it = it->next) {
        if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) < 2 || !it->string ||
            strcmp(it->string, "seed") == 0)
            continue;
        long c = dnc_table_col(r->t, it->string);
        if (c >= 0 && !dnc_table_is_text(r->t, (size_t)c))
            cols[n++] = c;
    }
    return n;
}

static bool is_param_column(const recipe_ctx *r, size_t c)
{
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(r->rec, "config");
    const cJSON *pars = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "parameters") : NULL;
    const char *name = r->t->names[c];
    return strcmp(name, "index") == 0 || strcmp(name, "seed") == 0 ||
           (pars && cJSON_GetObjectItemCaseSensitive(pars, name));
}

static dnc_status recipe_sweep(recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long swept[4];
    size_t ns = swept_columns(r, swept, 4);
    if (ns == 0)
        return dnc_fail(DNC_EUNSUPPORTED, "sweep: no swept parameter in the table");
    long cx = swept[0], cg = ns > 1 ? swept[1] : -1;
    char *xl = column_label(t->names[cx]);
    char gfmt[96] = "";
    if (cg >= 0) {
        char *g = strcmp(t->names[cg], "width") == 0 ? strdup("N") : column_label(t->names[cg]);
        /* the name becomes part of a printf format: double every '%' */
        size_t k = 0;
        for (const char *q = g ? g : ""; *q && k < 60; q++) {
            if (*q == '%')
                gfmt[k++] = '%';
            gfmt[k++] = *q;
        }
        snprintf(gfmt + k, sizeof gfmt - k, " = %%g");
        free(g);
    }
    dnc_status st = xl ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    size_t panels = 0;
    for (size_t c = 0; !st && c < t->ncols && panels < 9; c++) {
        if (is_param_column(r, c) || dnc_table_is_text(t, c))
            continue;
        char *yl = column_label(t->names[c]);
        dnc_plot_panel *p = yl ? panel(r, NULL, xl, yl) : NULL;
        free(yl);
        if (!p) {
            st = dnc_fail(DNC_ENOMEM, "out of memory");
            break;
        }
        p->logy = wants_log(t, (long)c);
        st = add_aggregated(p, t, cx, (long)c, cg, gfmt, NULL);
        panels++;
    }
    free(xl);
    return st;
}

/* ------------------------------------------------- mean-field theory */

static dnc_status recipe_meanfield(recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long cl = col(r, LAYER_NAMES), crho = col(r, RHO_NAMES), cq = col(r, NAMES("q"));
    dnc_status st = need_cols("meanfield", cl, crho);
    if (st)
        return st;
    dnc_plot_panel *p = panel(r, "order parameter (infinite width)", "layer ℓ", "ρ^ℓ = 1 − c^ℓ");
    if (!p)
        return DNC_ENOMEM;
    p->logx = p->logy = true;
    p->key = strdup("bottom left");
    char *note = run_note(r->rec);
    const cJSON *phase = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r->rec, "results"), "phase");
    if (note && cJSON_IsString(phase) && phase->valuestring) {
        char *e = dnc_plot_escape(phase->valuestring);
        size_t n = strlen(note) + (e ? strlen(e) : 0) + 16;
        char *both = malloc(n);
        if (both)
            snprintf(both, n, "%s (%s)", note, e ? e : "");
        free(e);
        free(note);
        note = both;
    }
    st = note ? dnc_panel_set_note(p, note) : DNC_OK;
    free(note);
    if (!st)
        st = add_col_series(p, t, cl, crho, -1, "mean-field map", DNC_STYLE_LINES, 1);
    long cp = col(r, NAMES("rho_pred"));
    double kappa;
    if (!st && cp >= 0) {
        char label[96] = "1/(κℓ)";
        if (result_value(r->rec, "kappa", &kappa, NULL))
            snprintf(label, sizeof label, "1/(κℓ), κ = %.4g", kappa);
        st = add_col_series(p, t, cl, cp, -1, label, DNC_STYLE_DASHED, 7);
    }
    if (!st && cq >= 0) {
        dnc_plot_panel *q = panel(r, "length map", "layer ℓ", "q^ℓ");
        if (!q)
            return DNC_ENOMEM;
        q->logx = true;
        st = add_col_series(q, t, cl, cq, -1, "q^ℓ", DNC_STYLE_LINES, 2);
        double qs;
        if (!st && result_value(r->rec, "q_star", &qs, NULL))
            st = dnc_panel_add_refline(q, false, qs, "q*");
    }
    return st;
}

static dnc_status recipe_critical(recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long cb = col(r, SB_NAMES), cw = col(r, SW_NAMES);
    dnc_status st = need_cols("critical", cb, cw);
    if (st)
        return st;
    dnc_plot_panel *p = panel(r, "critical line χ_1 = 1", "σ_b", "σ_w^c");
    if (!p)
        return DNC_ENOMEM;
    const cJSON *act = config_item(r->rec, "activation");
    if (cJSON_IsString(act) && act->valuestring) {
        char *e = dnc_plot_escape(act->valuestring);
        char note[96];
        snprintf(note, sizeof note, "φ = %s: ordered below, chaotic above", e ? e : "");
        free(e);
        st = dnc_panel_set_note(p, note);
    }
    if (!st)
        st = add_col_series(p, t, cb, cw, -1, NULL, DNC_STYLE_LINESPOINTS, 7);
    long ck = col(r, NAMES("kappa")), cq = col(r, NAMES("q_star"));
    if (!st && ck >= 0) {
        dnc_plot_panel *q = panel(r, "metric factor on the critical line", "σ_b", "κ = f″(1)/2");
        if (!q)
            return DNC_ENOMEM;
        st = add_col_series(q, t, cb, ck, -1, NULL, DNC_STYLE_LINESPOINTS, 2);
    }
    if (!st && cq >= 0) {
        dnc_plot_panel *q = panel(r, "fixed point on the critical line", "σ_b", "q*");
        if (!q)
            return DNC_ENOMEM;
        st = add_col_series(q, t, cb, cq, -1, NULL, DNC_STYLE_LINESPOINTS, 3);
    }
    return st;
}

/* results.critical_line: [{"sigma_b": .., "sigma_w": ..}, ...] */
static dnc_status add_critical_line_from_results(dnc_plot_panel *p, const cJSON *rec)
{
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(rec, "results");
    const cJSON *line = res ? cJSON_GetObjectItemCaseSensitive(res, "critical_line") : NULL;
    int n = cJSON_IsArray(line) ? cJSON_GetArraySize(line) : 0;
    if (n <= 0)
        return DNC_OK;
    double *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        return dnc_fail(DNC_ENOMEM, "out of memory");
    }
    size_t k = 0;
    for (const cJSON *it = line->child; it; it = it->next) {
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(it, "sigma_b");
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(it, "sigma_w");
        if (cJSON_IsNumber(b) && cJSON_IsNumber(w) && k < (size_t)n) {
            x[k] = b->valuedouble;
            y[k++] = w->valuedouble;
        }
    }
    dnc_status st = k ? dnc_panel_add_series_color(p, "critical line χ_1 = 1", DNC_STYLE_LINES, x,
                                                   y, NULL, k, 7)
                      : DNC_OK;
    free(x);
    free(y);
    return st;
}

/* ------------------------------------------------------------ avalanches */

static char *estimate_text(const cJSON *rec, const char *name, const char *sym)
{
    double v, e;
    char buf[96];
    if (!result_value(rec, name, &v, &e))
        return NULL;
    if (isfinite(e))
        snprintf(buf, sizeof buf, "%s = %.3g ± %.2g", sym, v, e);
    else
        snprintf(buf, sizeof buf, "%s = %.3g", sym, v);
    return strdup(buf);
}

/* A distribution panel from a CSV "x,density_data,density_fit" (or ccdf). */
static dnc_status distribution_panel(recipe_ctx *r, const dnc_table *d, const char *title,
                                     const char *xl, const char *yl, const char *fit_label,
                                     int color)
{
    long cx = dnc_table_col(d, "x");
    long cd = dnc_table_col_any(d, NAMES("density_data", "ccdf_data", "pdf_data"));
    long cf = dnc_table_col_any(d, NAMES("density_fit", "ccdf_fit", "pdf_fit"));
    if (cx < 0 || cd < 0)
        return DNC_OK;
    dnc_plot_panel *p = panel(r, title, xl, yl);
    if (!p)
        return DNC_ENOMEM;
    p->logx = p->logy = true;
    p->key = strdup("bottom left");
    dnc_status st = add_col_series(p, d, cx, cd, -1, "data", DNC_STYLE_POINTS, color);
    if (!st && cf >= 0)
        st = add_col_series(p, d, cx, cf, -1, fit_label, DNC_STYLE_DASHED, 7);
    return st;
}

static dnc_status recipe_avalanches(recipe_ctx *r)
{
    dnc_table sizes, durs, sd, shape;
    bool hs = load_aux(r, "sizes_pdf_csv", &sizes), hd = load_aux(r, "durations_pdf_csv", &durs);
    bool hsd = load_aux(r, "sizedur_csv", &sd), hsh = load_aux(r, "shape_csv", &shape);
    dnc_status st = DNC_OK;
    if (!hs && !hd && !hsd && !hsh)
        st = dnc_fail(DNC_EUNSUPPORTED, "avalanches: distribution CSVs not found");
    char *tau = estimate_text(r->rec, "tau", "τ"), *alpha = estimate_text(r->rec, "alpha", "α");
    char lt[128], la[128];
    snprintf(lt, sizeof lt, "S^{-τ}, %s", tau ? tau : "fit");
    snprintf(la, sizeof la, "T^{-α}, %s", alpha ? alpha : "fit");
    if (!st && hs)
        st = distribution_panel(r, &sizes, "avalanche sizes", "size S (active units)", "P(S)",
                                lt, 1);
    if (!st && hd)
        st = distribution_panel(r, &durs, "avalanche durations", "duration T (layers or bins)",
                                "P(T)", la, 2);
    if (!st && hsd) {
        long cT = dnc_table_col(&sd, "T"), cm = dnc_table_col(&sd, "mean_S"),
             ce = dnc_table_col(&sd, "sem_S"), cf = dnc_table_col(&sd, "fit");
        if (cT >= 0 && cm >= 0) {
            dnc_plot_panel *p = panel(r, "crackling noise", "duration T", "⟨S⟩(T)");
            if (!p)
                st = DNC_ENOMEM;
            else {
                p->logx = p->logy = true;
                p->key = strdup("bottom right");
                st = add_col_series(p, &sd, cT, cm, ce, "data", DNC_STYLE_ERRORBARS, 3);
                char *g = estimate_text(r->rec, "gamma", "γ");
                const cJSON *cr = cJSON_GetObjectItemCaseSensitive(
                    cJSON_GetObjectItemCaseSensitive(r->rec, "results"), "crackling");
                double pv = NAN, pe = NAN;
                entry_value(cr, "predicted_gamma", &pv, &pe);
                char label[160];
                snprintf(label, sizeof label, "T^{γ}, %s", g ? g : "fit");
                if (!st && cf >= 0)
                    st = add_col_series(p, &sd, cT, cf, -1, label, DNC_STYLE_DASHED, 7);
                if (!st && isfinite(pv)) {
                    char note[160];
                    snprintf(note, sizeof note, "(α − 1)/(τ − 1) = %.3g ± %.2g", pv, pe);
                    st = dnc_panel_set_note(p, note);
                }
                free(g);
            }
        }
    }
    if (!st && hsh) {
        long cx = dnc_table_col(&shape, "t_over_T"), cm = dnc_table_col(&shape, "shape");
        if (cx >= 0) {
            dnc_plot_panel *p = panel(r, "avalanche shape collapse", "t / T",
                                      "T^{1−γ} ⟨s(t, T)⟩");
            if (!p)
                st = DNC_ENOMEM;
            for (size_t c = 0; !st && c < shape.ncols && p; c++) {
                if ((long)c == cx || (long)c == cm || dnc_table_is_text(&shape, c))
                    continue;
                char label[64];
                const char *nm = shape.names[c];
                snprintf(label, sizeof label, "T = %.20s", nm[0] == 'T' ? nm + 1 : nm);
                char *e = dnc_plot_escape(label);
                st = add_col_series(p, &shape, cx, (long)c, -1, c < 8 ? e : NULL,
                                    DNC_STYLE_LINES, (int)(c % 7) + 1);
                free(e);
            }
            if (!st && p && cm >= 0)
                st = add_col_series(p, &shape, cx, cm, -1, "mean shape", DNC_STYLE_DASHED, 7);
            const cJSON *sc = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(r->rec, "results"), "shape_collapse");
            double ex, ee;
            if (!st && p && entry_value(sc, "exponent", &ex, &ee)) {
                char note[96];
                snprintf(note, sizeof note, "collapse exponent γ = %.3g ± %.2g", ex, ee);
                st = dnc_panel_set_note(p, note);
            }
            if (p)
                p->key = strdup("bottom center horizontal maxrows 2");
        }
    }
    free(tau);
    free(alpha);
    if (hs)
        dnc_table_free(&sizes);
    if (hd)
        dnc_table_free(&durs);
    if (hsd)
        dnc_table_free(&sd);
    if (hsh)
        dnc_table_free(&shape);
    return st;
}

static dnc_status recipe_powerlaw(recipe_ctx *r)
{
    const dnc_table *t = r->t;
    if (dnc_table_col(t, "x") < 0 || dnc_table_col(t, "ccdf_data") < 0)
        return dnc_fail(DNC_EUNSUPPORTED, "powerlaw: columns not found");
    const cJSON *fit = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r->rec, "results"), "fit");
    double a = NAN, ae = NAN;
    entry_value(fit, "alpha", &a, &ae);
    const cJSON *xm = fit ? cJSON_GetObjectItemCaseSensitive(fit, "xmin") : NULL;
    char label[128];
    snprintf(label, sizeof label, "power law, α = %.3g ± %.2g", a, ae);
    dnc_status st = distribution_panel(r, t, "complementary CDF", "x", "P(X ≥ x)", label, 1);
    if (!st && cJSON_IsNumber(xm) && r->fig->npanels)
        st = dnc_panel_add_refline(r->fig->panels[r->fig->npanels - 1], true, xm->valuedouble,
                                   "x_{min}");
    dnc_table pdf;
    if (!st && load_aux(r, "pdf_csv", &pdf)) {
        st = distribution_panel(r, &pdf, "density", "x", "p(x)", label, 2);
        dnc_table_free(&pdf);
    }
    return st;
}

static dnc_status recipe_susceptibility(recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long cw = col(r, SW_NAMES), cn = col(r, NAMES("width", "N")), cc = col(r, NAMES("chi"));
    dnc_status st = need_cols("susceptibility", cw, cc);
    if (st)
        return st;
    double swc = NAN;
    result_value(r->rec, "meanfield_critical_sigma_w", &swc, NULL);
    static const struct {
        const char *col, *title, *ylabel;
    } panels[] = {
        {"chi", "susceptibility", "χ = N(⟨ρ^2⟩ − ⟨ρ⟩^2)"},
        {"size_susceptibility", "avalanche-size susceptibility", "⟨S^2⟩/⟨S⟩"},
        {"survival", "survival of seeded perturbations", "P_s"},
        {"mean_size", "mean avalanche size", "⟨S⟩"},
    };
    for (size_t i = 0; !st && i < sizeof panels / sizeof panels[0]; i++) {
        long c = dnc_table_col(t, panels[i].col);
        if (c < 0)
            continue;
        dnc_plot_panel *p = panel(r, panels[i].title, "σ_w", panels[i].ylabel);
        if (!p)
            return DNC_ENOMEM;
        p->key = strdup("top left");
        p->logy = i == 3 && wants_log(t, c);
        st = cn >= 0 ? add_grouped(p, t, cn, cw, c, err_col(t, c), "N = %g",
                                   DNC_STYLE_LINESPOINTS, 12)
                     : add_col_series(p, t, cw, c, err_col(t, c), NULL, DNC_STYLE_LINESPOINTS, 1);
        if (!st && isfinite(swc))
            st = dnc_panel_add_refline(p, true, swc, "mean-field σ_w^c");
    }
    return st;
}

/* ------------------------------------------------------------------ demo */

/* dnncrit demo: propagation at and around the critical sigma_w; rho(l) per
 * sigma_w / sigma_w^c (mean over seeds) with the mean-field trajectories,
 * and the Lyapunov exponent against (1/2) ln chi_1. */
static dnc_status recipe_demo(recipe_ctx *r)
{
    dnc_table lay, sum;
    bool hl = load_aux(r, "layers_csv", &lay), hs = load_aux(r, "summary_csv", &sum);
    dnc_status st = hl ? DNC_OK : dnc_fail(DNC_EUNSUPPORTED, "demo: layers CSV not found");
    long cf = hl ? dnc_table_col(&lay, "factor") : -1, cl = hl ? dnc_table_col(&lay, "layer") : -1,
         cr = hl ? dnc_table_col(&lay, "rho") : -1, cm = hl ? dnc_table_col(&lay, "rho_mf") : -1;
    if (!st && (cf < 0 || cl < 0 || cr < 0))
        st = dnc_fail(DNC_EUNSUPPORTED, "demo: columns not found");
    dnc_plot_panel *p = st ? NULL : panel(r, "order parameter around the edge of chaos",
                                          "layer ℓ", "ρ^ℓ = 1 − c^ℓ");
    if (!st && !p)
        st = DNC_ENOMEM;
    groups gr = {0};
    if (!st) {
        p->logx = p->logy = true;
        p->key = strdup("bottom left");
        st = find_groups(&lay, cf, 8, &gr);
    }
    for (size_t g = 0; !st && g < gr.n; g++) {
        aggregate a;
        char label[64];
        snprintf(label, sizeof label, "σ_w = %g σ_w^c", gr.keys[g]);
        st = aggregate_rows(&lay, cl, cr, cf, gr.keys[g], &a);
        if (!st)
            st = dnc_panel_add_series_color(p, label, DNC_STYLE_LINES, a.x, a.mean, NULL, a.n,
                                            (int)g + 1);
        aggregate_free(&a);
        if (!st && cm >= 0 && !(st = aggregate_rows(&lay, cl, cm, cf, gr.keys[g], &a))) {
            st = dnc_panel_add_series_color(p, g == 0 ? "mean field (dashed)" : NULL,
                                            DNC_STYLE_DASHED, a.x, a.mean, NULL, a.n, (int)g + 1);
            aggregate_free(&a);
        }
    }
    free(gr.keys);
    long cw = hs ? dnc_table_col(&sum, "sigma_w") : -1, cy = hs ? dnc_table_col(&sum, "lyapunov") : -1,
         ch = hs ? dnc_table_col(&sum, "half_ln_chi_1") : -1;
    if (!st && cw >= 0 && cy >= 0) {
        dnc_plot_panel *q = panel(r, "maximal Lyapunov exponent", "σ_w", "λ per layer");
        if (!q)
            st = DNC_ENOMEM;
        else {
            q->key = strdup("top left");
            st = add_col_series(q, &sum, cw, cy, dnc_table_err_col(&sum, (size_t)cy),
                                "finite width", DNC_STYLE_ERRORBARS, 1);
            if (!st && ch >= 0)
                st = add_col_series(q, &sum, cw, ch, -1, "½ ln χ_1 (mean field)",
                                    DNC_STYLE_DASHED, 7);
            double swc;
            if (!st && result_value(r->rec, "sigma_w_critical", &swc, NULL))
                st = dnc_panel_add_refline(q, true, swc, "σ_w^c");
            if (!st)
                st = dnc_panel_add_refline(q, false, 0.0, NULL);
        }
    }
    if (hl)
        dnc_table_free(&lay);
    if (hs)
        dnc_table_free(&sum);
    return st;
}

/* ----------------------------------------------------- registry */

typedef dnc_status (*recipe_fn)(recipe_ctx *r);

typedef struct {
    const char *command;
    recipe_fn fn;
    const char *title;
} recipe;

static const recipe recipes[] = {
    {"propagate", recipe_propagate, "signal propagation"},
    {"meanfield", recipe_meanfield, "mean-field trajectory"},
    {"critical", recipe_critical, "edge of chaos"},
    {"avalanches", recipe_avalanches, "avalanches"},
    {"raster", recipe_avalanches, "avalanches of an activity raster"},
    {"powerlaw", recipe_powerlaw, "power-law fit"},
    {"susceptibility", recipe_susceptibility, "susceptibility scan"},
    {"demo", recipe_demo, "edge of chaos"},
    {"cnn", recipe_cnn, "convolutional network"},
    {"phase-diagram", recipe_phase_diagram, "mean-field phase diagram"},
    {"dp", recipe_dp, "directed percolation"},
    {"exponents", recipe_exponents, "decay exponent"},
    {"fss", recipe_fss, "finite-size scaling"},
    {"classify", recipe_classify, "universality class"},
    {"train", recipe_train, "training"},
    {"train-sweep", recipe_train_sweep, "trainability landscape"},
    {"sweep", recipe_sweep, "sweep"},
};
enum { NRECIPES = sizeof recipes / sizeof recipes[0] };

const char *const *dnc_plot_recipe_commands(void)
{
    static const char *names[NRECIPES + 1];
    for (size_t i = 0; i < NRECIPES; i++)
        names[i] = recipes[i].command;
    names[NRECIPES] = NULL;
    return names;
}

static char *figure_title(const cJSON *rec, const char *what)
{
    char *cmd = dnc_plot_escape(cmd_name(rec));
    size_t n = (cmd ? strlen(cmd) : 0) + strlen(what) + 32;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "dnncrit %s: %s", cmd ? cmd : "", what);
    free(cmd);
    return s;
}

dnc_status dnc_plot_figure_for_result(const cJSON *record, const dnc_table *table,
                                      dnc_figure **fig)
{
    return dnc_plot_figure_for_result_in(record, table, NULL, fig);
}

dnc_status dnc_plot_figure_for_result_in(const cJSON *record, const dnc_table *table,
                                         const char *dir, dnc_figure **fig)
{
    *fig = NULL;
    if (!cJSON_IsObject(record))
        return dnc_fail(DNC_EINVAL, "result is not a JSON object");
    const char *cmd = cmd_name(record);
    if (!*cmd)
        return dnc_fail(DNC_EINVAL, "result has no \"command\": not a dnncrit result record");
    dnc_table empty = {0};
    recipe_ctx r = {.rec = record, .t = table ? table : &empty, .dir = dir};
    const recipe *chosen = NULL;
    for (size_t i = 0; i < NRECIPES; i++)
        if (strcmp(recipes[i].command, cmd) == 0)
            chosen = &recipes[i];
    dnc_status st = DNC_EUNSUPPORTED;
    if (chosen) {
        char *title = figure_title(record, chosen->title);
        r.fig = dnc_figure_new(title);
        free(title);
        if (!r.fig)
            return dnc_fail(DNC_ENOMEM, "out of memory");
        st = chosen->fn(&r);
        if (st == DNC_EUNSUPPORTED) {
            dnc_figure_free(r.fig);
            r.fig = NULL;
        }
    }
    if (st == DNC_EUNSUPPORTED) {
        char *title = figure_title(record, "columns");
        r.fig = dnc_figure_new(title);
        free(title);
        if (!r.fig)
            return dnc_fail(DNC_ENOMEM, "out of memory");
        st = recipe_generic(&r);
    }
    if (st) {
        dnc_figure_free(r.fig);
        return st;
    }
    *fig = r.fig;
    return DNC_OK;
}

/* ---------------------------------------------------- loading, one call */

static char *sibling_path(const char *json_path, const char *name)
{
    const char *slash = strrchr(json_path, '/');
    size_t dir = slash ? (size_t)(slash - json_path) + 1 : 0;
    char *p = malloc(dir + strlen(name) + 1);
    if (!p)
        return NULL;
    memcpy(p, json_path, dir);
    strcpy(p + dir, name);
    return p;
}

dnc_status dnc_plot_load_result(const char *json_path, cJSON **record, dnc_table *table,
                                bool *has_table)
{
    *has_table = false;
    memset(table, 0, sizeof *table);
    dnc_status st = dnc_read_json(json_path, record);
    if (st)
        return st;
    if (!cJSON_IsObject(*record) ||
        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(*record, "command"))) {
        cJSON_Delete(*record);
        *record = NULL;
        return dnc_fail(DNC_EINVAL, "'%s' is not a dnncrit result (no \"command\")", json_path);
    }
    const cJSON *outs = cJSON_GetObjectItemCaseSensitive(*record, "outputs");
    const cJSON *csv = outs ? cJSON_GetObjectItemCaseSensitive(outs, "csv") : NULL;
    if (!cJSON_IsString(csv) || !csv->valuestring || !*csv->valuestring)
        return DNC_OK;
    const char *name = csv->valuestring;
    /* outputs.csv is a basename: refuse paths, so a result file cannot make
     * us read elsewhere. */
    if (!safe_basename(name)) {
        /* the message quotes the name, which lives in the record */
        st = dnc_fail(DNC_EINVAL, "'%s': outputs.csv must be a file name, got '%s'", json_path,
                      name);
        cJSON_Delete(*record);
        *record = NULL;
        return st;
    }
    char *path = sibling_path(json_path, name);
    if (!path) {
        cJSON_Delete(*record);
        *record = NULL;
        return dnc_fail(DNC_ENOMEM, "out of memory");
    }
    st = dnc_table_read(path, &dnc_result_table_opts, table);
    free(path);
    if (st) {
        cJSON_Delete(*record);
        *record = NULL;
        return st;
    }
    *has_table = true;
    return DNC_OK;
}

/* The folder of a result file ("." for a bare name); caller frees. */
static char *result_dir(const char *json_path)
{
    const char *slash = strrchr(json_path, '/');
    if (!slash)
        return strdup(".");
    size_t n = slash == json_path ? 1 : (size_t)(slash - json_path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, json_path, n);
        d[n] = '\0';
    }
    return d;
}

static char *default_out(const char *json_path, dnc_plot_format fmt)
{
    size_t n = strlen(json_path);
    size_t base = n >= 5 && strcmp(json_path + n - 5, ".json") == 0 ? n - 5 : n;
    char *p = malloc(base + 8);
    if (p) {
        memcpy(p, json_path, base);
        snprintf(p + base, 8, ".%s", dnc_plot_format_ext(fmt));
    }
    return p;
}

dnc_status dnc_plot_result(const char *json_path, const char *out, dnc_plot_format fmt)
{
    cJSON *rec;
    dnc_table t;
    bool has_table;
    dnc_status st = dnc_plot_load_result(json_path, &rec, &t, &has_table);
    if (st)
        return st;
    dnc_figure *fig;
    char *dir = result_dir(json_path);
    st = dir ? dnc_plot_figure_for_result_in(rec, has_table ? &t : NULL, dir, &fig)
             : dnc_fail(DNC_ENOMEM, "out of memory");
    free(dir);
    cJSON_Delete(rec);
    dnc_table_free(&t);
    if (st)
        return st;
    char *path = out ? NULL : default_out(json_path, fmt);
    if (!out && !path)
        st = dnc_fail(DNC_ENOMEM, "out of memory");
    else
        st = dnc_figure_render(fig, out ? out : path, fmt);
    free(path);
    dnc_figure_free(fig);
    return st;
}
