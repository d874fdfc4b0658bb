/* Recipes of the propagation results: propagate (rho^l, q^l, Lyapunov
 * growth), cnn (rho^l, activity, survival) and demo (rho^l around the edge
 * of chaos, Lyapunov exponent against sigma_w). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/plot_recipe.h"

/* ------------------------------------------- propagation: rho(l) etc. */

/* At most about this many error bars per series; more smear into a band. */
#define MAX_ERROR_BARS 40

/* Rows of t to draw error bars at: about MAX_ERROR_BARS, evenly spaced in
 * log(x) (the layer axes are logarithmic), the first and last included. */
static size_t thinned_rows(const dnc_table *t, long cx, size_t *rows)
{
    size_t n = 0;
    double x0 = t->v[(size_t)cx], x1 = t->v[(t->nrows - 1) * t->ncols + (size_t)cx];
    double next = -INFINITY;
    for (size_t i = 0; i < t->nrows; i++) {
        double x = t->v[i * t->ncols + (size_t)cx];
        bool last = i + 1 == t->nrows;
        if (!(x > 0) || !(x0 > 0) || !(x1 > x0)) { /* no log spacing: every k-th row */
            if (i % (t->nrows / MAX_ERROR_BARS + 1) == 0 || last)
                rows[n++] = i;
            continue;
        }
        if (log(x) >= next || last) {
            rows[n++] = i;
            next = log(x) + log(x1 / x0) / MAX_ERROR_BARS;
        }
    }
    return n;
}

/* Column cy against cx with the error column ce (-1: none): all points as a
 * line (labelled) and, when there are more rows than MAX_ERROR_BARS, error
 * bars at thinned_rows only, so that hundreds of layers stay readable. */
static dnc_status add_thinned_series(dnc_plot_panel *p, const dnc_table *t, long cx, long cy,
                                     long ce, const char *label, dnc_plot_style style, int color)
{
    if (ce < 0 || t->nrows <= MAX_ERROR_BARS)
        return dnc_recipe_add_col_series(p, t, cx, cy, ce, label, style, color);
    size_t *rows = malloc(t->nrows * sizeof *rows);
    double *x = malloc(3 * t->nrows * sizeof *x);
    dnc_status st = rows && x ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    if (!st)
        st = dnc_recipe_add_col_series(p, t, cx, cy, -1, label, DNC_STYLE_LINES, color);
    if (!st) {
        size_t n = thinned_rows(t, cx, rows);
        double *y = x + t->nrows, *e = y + t->nrows;
        for (size_t k = 0; k < n; k++) {
            const double *row = t->v + rows[k] * t->ncols;
            x[k] = row[cx], y[k] = row[cy], e[k] = row[ce];
        }
        st = dnc_panel_add_series_color(p, NULL, DNC_STYLE_ERRORBARS, x, y, e, n, color);
    }
    free(rows);
    free(x);
    return st;
}

/* rho(l) on log-log axes with the mean-field trajectory (a column) or the
 * asymptote 1/(kappa l) from results.kappa at criticality. */
static dnc_status panel_rho(dnc_recipe_ctx *r, long cl, long crho, long cmf)
{
    const dnc_table *t = r->t;
    dnc_plot_panel *p = dnc_recipe_panel(r, "order parameter", "layer ℓ", "ρ^ℓ = 1 − c^ℓ");
    if (!p)
        return DNC_ENOMEM;
    p->logx = p->logy = true;
    p->key = strdup("bottom left");
    char *note = dnc_recipe_run_note(r->rec);
    dnc_status st = DNC_OK;
    if (note && *note) { /* the run's parameters as the panel title */
        free(p->title);
        p->title = note;
    } else {
        free(note);
    }
    /* tables from elsewhere may hold several sigma_w or widths: one series each */
    long cw = dnc_recipe_col_foreign(r, NAMES("sigma_w", "width", "N"));
    long group = -1;
    if (cw >= 0) {
        dnc_recipe_groups gr;
        if (!dnc_recipe_find_groups(t, cw, 64, &gr) && gr.n > 1 && gr.n <= 12)
            group = cw;
        free(gr.keys);
    }
    if (!st && group >= 0) {
        const char *fmt = strcmp(t->names[cw], "sigma_w") == 0 ? "σ_w = %g" : "N = %g";
        st = dnc_recipe_add_grouped(p, t, group, cl, crho, dnc_recipe_err_col(t, crho), fmt,
                                    DNC_STYLE_LINESPOINTS, 12);
    } else if (!st) {
        st = add_thinned_series(p, t, cl, crho, dnc_recipe_err_col(t, crho), "finite width",
                                DNC_STYLE_LINESPOINTS, 1);
    }
    if (!st && cmf >= 0 && group < 0)
        st = dnc_recipe_add_col_series(p, t, cl, cmf, -1, "mean field", DNC_STYLE_DASHED, 2);
    double kappa;
    if (!st && cmf < 0 && dnc_recipe_result_value(r->rec, "kappa", &kappa, NULL) && kappa > 0) {
        double *x = dnc_table_column(t, (size_t)cl), *y = malloc(t->nrows * sizeof *y + 1);
        if (!x || !y)
            st = dnc_fail(DNC_ENOMEM, "out of memory");
        for (size_t i = 0; !st && i < t->nrows; i++)
            y[i] = x[i] > 0 ? 1.0 / (kappa * x[i]) : NAN;
        if (!st)
            st = dnc_panel_add_series_color(p, "1/(κℓ), mean field", DNC_STYLE_DASHED, x, y, NULL,
                                            t->nrows, 7);
        free(x);
        free(y);
    }
    return st;
}

dnc_status dnc_recipe_propagate(dnc_recipe_ctx *r)
{
    long cl = dnc_recipe_col(r, DNC_PROP_LAYER), crho = dnc_recipe_col(r, DNC_PROP_RHO);
    dnc_status st = dnc_recipe_need_cols("propagate", cl, crho);
    if (st || (st = panel_rho(r, cl, crho, dnc_recipe_col(r, DNC_PROP_RHO_MF))))
        return st;
    long cq = dnc_recipe_col(r, DNC_PROP_Q);
    if (cq >= 0) {
        dnc_plot_panel *p = dnc_recipe_panel(r, "length", "layer ℓ", "q^ℓ");
        if (!p)
            return DNC_ENOMEM;
        p->logx = true;
        st = dnc_recipe_add_col_series(p, r->t, cl, cq, dnc_recipe_err_col(r->t, cq),
                                       "finite width", DNC_STYLE_LINESPOINTS, 1);
        long cqm = dnc_recipe_col(r, DNC_PROP_Q_MF);
        if (!st && cqm >= 0)
            st = dnc_recipe_add_col_series(p, r->t, cl, cqm, -1, "mean field", DNC_STYLE_DASHED, 2);
    }
    long cly = dnc_recipe_col(r, DNC_PROP_LYAP);
    if (!st && cly >= 0) {
        dnc_plot_panel *p = dnc_recipe_panel(r, "tangent dynamics", "layer ℓ", "log growth λ^ℓ");
        if (!p)
            return DNC_ENOMEM;
        st = dnc_recipe_add_col_series(p, r->t, cl, cly, -1, "per layer", DNC_STYLE_LINES, 3);
        double lam;
        if (!st && dnc_recipe_result_value(r->rec, "lyapunov", &lam, NULL)) {
            double x[2] = {r->t->v[(size_t)cl],
                           r->t->v[(r->t->nrows - 1) * r->t->ncols + (size_t)cl]},
                   y[2] = {lam, lam};
            st = dnc_panel_add_series_color(p, "mean λ", DNC_STYLE_DASHED, x, y, NULL, 2, 7);
        }
    }
    return st;
}

/* ------------------------------------------------------------- CNN */

/* A fraction (activity, survival) against the layer: a logarithmic y axis only
 * where the values span more than two decades (a constant 1 on a log axis
 * shows nothing), else a linear one from 0. */
static dnc_status fraction_panel(dnc_recipe_ctx *r, const char *title, const char *ylabel,
                                 long cl, long cy, int color)
{
    dnc_plot_panel *p = dnc_recipe_panel(r, title, "layer ℓ", ylabel);
    if (!p)
        return DNC_ENOMEM;
    p->logx = true;
    p->logy = dnc_recipe_wants_log(r->t, cy);
    if (!p->logy) {
        double hi = 0;
        for (size_t i = 0; i < r->t->nrows; i++) {
            double v = r->t->v[i * r->t->ncols + (size_t)cy];
            if (isfinite(v))
                hi = fmax(hi, v);
        }
        p->ymin = 0;
        p->ymax = hi > 0 ? 1.1 * hi : 1;
    }
    return add_thinned_series(p, r->t, cl, cy, dnc_recipe_err_col(r->t, cy), NULL,
                              DNC_STYLE_POINTS, color);
}

dnc_status dnc_recipe_cnn(dnc_recipe_ctx *r)
{
    long cl = dnc_recipe_col(r, DNC_CNN_LAYER), crho = dnc_recipe_col(r, DNC_CNN_RHO);
    dnc_status st = dnc_recipe_need_cols("cnn", cl, crho);
    /* a CNN has no mean-field trajectory, only results from elsewhere do */
    long cmf = dnc_recipe_col_foreign(r, NAMES("rho_mf", "rho_meanfield", "rho_theory"));
    if (st || (st = panel_rho(r, cl, crho, cmf)))
        return st;
    long ca = dnc_recipe_col(r, DNC_CNN_ACTIVE_FRACTION), cs = dnc_recipe_col(r, DNC_CNN_SURVIVAL);
    if (ca >= 0)
        st = fraction_panel(r, "activity", "active fraction of sites", cl, ca, 2);
    if (!st && cs >= 0)
        st = fraction_panel(r, "survival", "P_s(ℓ)", cl, cs, 3);
    return st;
}

/* ------------------------------------------------------------------ demo */

/* The lower end of a rho axis: the decade of the smallest positive measured
 * rho, but not below 1e-16. rho = 1 - c of doubles is round-off below
 * DBL_EPSILON ~ 2.2e-16 (c within one ulp of 1), so smaller measured values
 * are noise and the mean-field curve below them has nothing to compare with. */
static double meaningful_rho_floor(const dnc_table *t, long cr)
{
    double lo = INFINITY;
    for (size_t i = 0; i < t->nrows; i++) {
        double v = t->v[i * t->ncols + (size_t)cr];
        if (isfinite(v) && v > 0)
            lo = fmin(lo, v);
    }
    if (!isfinite(lo))
        return NAN;
    return pow(10.0, floor(log10(fmax(lo, 1e-16))));
}

/* dnncrit demo: propagation at and around the critical sigma_w; rho(l) per
 * sigma_w / sigma_w^c (mean over seeds) with the mean-field trajectories,
 * and the Lyapunov exponent against (1/2) ln chi_1. */
dnc_status dnc_recipe_demo(dnc_recipe_ctx *r)
{
    dnc_table lay, sum;
    bool hl = dnc_recipe_load_aux(r, "layers_csv", &lay),
         hs = dnc_recipe_load_aux(r, "summary_csv", &sum);
    dnc_status st = hl ? DNC_OK : dnc_fail(DNC_EUNSUPPORTED, "demo: layers CSV not found");
    long cf = hl ? dnc_result_col(&lay, DNC_RESULT_DEMO_LAYERS, DNC_DEMOL_FACTOR) : -1,
         cl = hl ? dnc_result_col(&lay, DNC_RESULT_DEMO_LAYERS, DNC_DEMOL_LAYER) : -1,
         cr = hl ? dnc_result_col(&lay, DNC_RESULT_DEMO_LAYERS, DNC_DEMOL_RHO) : -1,
         cm = hl ? dnc_result_col(&lay, DNC_RESULT_DEMO_LAYERS, DNC_DEMOL_RHO_MF) : -1;
    if (!st && (cf < 0 || cl < 0 || cr < 0))
        st = dnc_fail(DNC_EUNSUPPORTED, "demo: columns not found");
    dnc_plot_panel *p = st ? NULL
                           : dnc_recipe_panel(r, "order parameter around the edge of chaos",
                                              "layer ℓ", "ρ^ℓ = 1 − c^ℓ");
    if (!st && !p)
        st = DNC_ENOMEM;
    dnc_recipe_groups gr = {0};
    if (!st) {
        p->logx = p->logy = true;
        p->key = strdup("bottom left");
        st = dnc_recipe_find_groups(&lay, cf, 8, &gr);
    }
    for (size_t g = 0; !st && g < gr.n; g++) {
        dnc_recipe_aggregate a;
        char label[64];
        snprintf(label, sizeof label, "σ_w = %g σ_w^c", gr.keys[g]);
        st = dnc_recipe_aggregate_rows(&lay, cl, cr, cf, gr.keys[g], &a);
        if (!st)
            st = dnc_panel_add_series_color(p, label, DNC_STYLE_LINES, a.x, a.mean, NULL, a.n,
                                            (int)g + 1);
        dnc_recipe_aggregate_free(&a);
        if (!st && cm >= 0 && !(st = dnc_recipe_aggregate_rows(&lay, cl, cm, cf, gr.keys[g], &a))) {
            st = dnc_panel_add_series_color(p, g == 0 ? "mean field (dashed)" : NULL,
                                            DNC_STYLE_DASHED, a.x, a.mean, NULL, a.n, (int)g + 1);
            dnc_recipe_aggregate_free(&a);
        }
    }
    free(gr.keys);
    if (!st)
        p->ymin = meaningful_rho_floor(&lay, cr);
    long cw = hs ? dnc_result_col(&sum, DNC_RESULT_DEMO_SUMMARY, DNC_DEMOS_SIGMA_W) : -1,
         cy = hs ? dnc_result_col(&sum, DNC_RESULT_DEMO_SUMMARY, DNC_DEMOS_LYAPUNOV) : -1,
         ch = hs ? dnc_result_col(&sum, DNC_RESULT_DEMO_SUMMARY, DNC_DEMOS_HALF_LN_CHI_1) : -1;
    if (!st && cw >= 0 && cy >= 0) {
        dnc_plot_panel *q = dnc_recipe_panel(r, "maximal Lyapunov exponent", "σ_w", "λ per layer");
        if (!q)
            st = DNC_ENOMEM;
        else {
            q->key = strdup("top left");
            st = dnc_recipe_add_col_series(q, &sum, cw, cy, dnc_table_err_col(&sum, (size_t)cy),
                                           "finite width", DNC_STYLE_ERRORBARS, 1);
            if (!st && ch >= 0)
                st = dnc_recipe_add_col_series(q, &sum, cw, ch, -1, "½ ln χ_1 (mean field)",
                                               DNC_STYLE_DASHED, 7);
            double swc;
            if (!st && dnc_recipe_result_value(r->rec, "sigma_w_critical", &swc, NULL))
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
