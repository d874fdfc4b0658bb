/* Recipes of the avalanche results: avalanches and raster (P(S), P(T) with
 * the fitted power laws, crackling <S>(T), shape collapse), powerlaw (CCDF
 * and density with the fit) and susceptibility (per width against sigma_w). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/plot_recipe.h"

/* ------------------------------------------------------------ avalanches */

static char *estimate_text(const cJSON *rec, const char *name, const char *sym)
{
    double v, e;
    char buf[96];
    if (!dnc_recipe_result_value(rec, name, &v, &e))
        return NULL;
    if (isfinite(e))
        snprintf(buf, sizeof buf, "%s = %.3g ± %.2g", sym, v, e);
    else
        snprintf(buf, sizeof buf, "%s = %.3g", sym, v);
    return strdup(buf);
}

/* A distribution panel from a CSV "x,density_data,density_fit" (or ccdf). */
static dnc_status distribution_panel(dnc_recipe_ctx *r, const dnc_table *d, const char *title,
                                     const char *xl, const char *yl, const char *fit_label,
                                     int color)
{
    /* a density, or a CCDF by the aliases of the density columns */
    long cx = dnc_result_col(d, DNC_RESULT_DENSITY, DNC_DENS_X);
    long cd = dnc_result_col(d, DNC_RESULT_DENSITY, DNC_DENS_DATA);
    long cf = dnc_result_col(d, DNC_RESULT_DENSITY, DNC_DENS_FIT);
    if (cx < 0 || cd < 0)
        return DNC_OK;
    dnc_plot_panel *p = dnc_recipe_panel(r, title, xl, yl);
    if (!p)
        return DNC_ENOMEM;
    p->logx = p->logy = true;
    p->key = strdup("bottom left");
    dnc_status st = dnc_recipe_add_col_series(p, d, cx, cd, -1, "data", DNC_STYLE_POINTS, color);
    if (!st && cf >= 0)
        st = dnc_recipe_add_col_series(p, d, cx, cf, -1, fit_label, DNC_STYLE_DASHED, 7);
    return st;
}

/* The crackling relation <S>(T) ~ T^gamma: the data, the fit over its
 * window (results.gamma_fit: vertical lines at T_min and T_max) and the
 * line the exponents of P(S) and P(T) predict, gamma = (alpha - 1)/(tau -
 * 1), drawn through the fit at the window's geometric centre. */
static dnc_status crackling_panel(dnc_recipe_ctx *r, const dnc_table *sd)
{
    long cT = dnc_result_col(sd, DNC_RESULT_SIZE_DURATION, DNC_SD_T),
         cm = dnc_result_col(sd, DNC_RESULT_SIZE_DURATION, DNC_SD_MEAN_S),
         ce = dnc_result_col(sd, DNC_RESULT_SIZE_DURATION, DNC_SD_SEM_S),
         cf = dnc_result_col(sd, DNC_RESULT_SIZE_DURATION, DNC_SD_FIT);
    if (cT < 0 || cm < 0)
        return DNC_OK;
    dnc_plot_panel *p = dnc_recipe_panel(r, "crackling noise", "duration T", "⟨S⟩(T)");
    if (!p)
        return DNC_ENOMEM;
    p->logx = p->logy = true;
    dnc_status st = dnc_recipe_add_col_series(p, sd, cT, cm, ce, "data", DNC_STYLE_ERRORBARS, 3);
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(r->rec, "results");
    const cJSON *win = cJSON_GetObjectItemCaseSensitive(res, "gamma_fit");
    double t0 = NAN, t1 = NAN, e;
    dnc_recipe_entry_value(win, "tmin", &t0, &e);
    dnc_recipe_entry_value(win, "tmax", &t1, &e);
    char *g = estimate_text(r->rec, "gamma", "γ");
    char label[160];
    snprintf(label, sizeof label, "fit T^{γ}, %s", g ? g : "");
    free(g);
    if (!st && cf >= 0)
        st = dnc_recipe_add_col_series(p, sd, cT, cf, -1, label, DNC_STYLE_DASHED, 7);
    if (!st && isfinite(t0))
        st = dnc_panel_add_refline(p, true, t0, "fit window");
    if (!st && isfinite(t1) && t1 != t0)
        st = dnc_panel_add_refline(p, true, t1, NULL);
    double gp = NAN, gpe = NAN, gf;
    dnc_recipe_entry_value(cJSON_GetObjectItemCaseSensitive(res, "crackling"), "predicted_gamma",
                           &gp, &gpe);
    if (!st && cf >= 0 && isfinite(gp) && isfinite(t0) && isfinite(t1) &&
        dnc_recipe_result_value(r->rec, "gamma", &gf, NULL)) {
        double tc = sqrt(t0 * t1);
        double *x = dnc_table_column(sd, (size_t)cT), *y = dnc_table_column(sd, (size_t)cf);
        for (size_t i = 0; x && y && i < sd->nrows; i++)
            y[i] *= pow(x[i] / tc, gp - gf); /* fit * (T/T_c)^(gp - g) */
        snprintf(label, sizeof label, "predicted (α − 1)/(τ − 1) = %.3g ± %.2g", gp, gpe);
        st = x && y ? dnc_panel_add_series_color(p, label, DNC_STYLE_LINES, x, y, NULL, sd->nrows,
                                                 2)
                    : dnc_fail(DNC_ENOMEM, "out of memory");
        free(x);
        free(y);
    }
    return st;
}

/* Shape collapse: at most SHAPE_CURVES durations, spread over those the
 * CSV has, each in its own colour (palette 1-6; black is the mean shape). */
enum { SHAPE_CURVES = 6 };

static dnc_status shape_panel(dnc_recipe_ctx *r, const dnc_table *shape)
{
    long cx = dnc_result_col(shape, DNC_RESULT_AVALANCHE_SHAPE, DNC_SHAPE_T_OVER_T),
         cm = dnc_result_col(shape, DNC_RESULT_AVALANCHE_SHAPE, DNC_SHAPE_MEAN);
    if (cx < 0)
        return DNC_OK;
    dnc_plot_panel *p =
        dnc_recipe_panel(r, "avalanche shape collapse", "t / T", "T^{1−γ} ⟨s(t, T)⟩");
    if (!p)
        return DNC_ENOMEM;
    p->key = strdup("horizontal maxrows 3");
    size_t cols[64], n = 0;
    for (size_t c = 0; c < shape->ncols && n < 64; c++)
        if ((long)c != cx && (long)c != cm && !dnc_table_is_text(shape, c))
            cols[n++] = c;
    size_t shown = n < SHAPE_CURVES ? n : SHAPE_CURVES;
    dnc_status st = DNC_OK;
    for (size_t k = 0; !st && k < shown; k++) {
        size_t c = cols[shown > 1 ? k * (n - 1) / (shown - 1) : 0];
        char label[64];
        const char *nm = shape->names[c];
        snprintf(label, sizeof label, "T = %.20s", nm[0] == 'T' ? nm + 1 : nm);
        char *e = dnc_plot_escape(label);
        st = dnc_recipe_add_col_series(p, shape, cx, (long)c, -1, e, DNC_STYLE_LINES, (int)k + 1);
        free(e);
    }
    if (!st && cm >= 0)
        st = dnc_recipe_add_col_series(p, shape, cx, cm, -1, "mean shape", DNC_STYLE_DASHED, 7);
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r->rec, "results"), "shape_collapse");
    double ex, ee;
    if (!st && dnc_recipe_entry_value(sc, "exponent", &ex, &ee)) {
        char note[96];
        snprintf(note, sizeof note, "collapse exponent γ = %.3g ± %.2g", ex, ee);
        st = dnc_panel_set_note(p, note);
    }
    return st;
}

dnc_status dnc_recipe_avalanches(dnc_recipe_ctx *r)
{
    dnc_table sizes, durs, sd, shape;
    bool hs = dnc_recipe_load_aux(r, "sizes_pdf_csv", &sizes),
         hd = dnc_recipe_load_aux(r, "durations_pdf_csv", &durs);
    bool hsd = dnc_recipe_load_aux(r, "sizedur_csv", &sd),
         hsh = dnc_recipe_load_aux(r, "shape_csv", &shape);
    dnc_status st = DNC_OK;
    if (!hs && !hd && !hsd && !hsh)
        st = dnc_fail(DNC_EUNSUPPORTED, "avalanches: distribution CSVs not found");
    char *tau = estimate_text(r->rec, "tau", "τ"), *alpha = estimate_text(r->rec, "alpha", "α");
    char lt[128], la[128];
    snprintf(lt, sizeof lt, "S^{-τ}, %s", tau ? tau : "fit");
    snprintf(la, sizeof la, "T^{-α}, %s", alpha ? alpha : "fit");
    if (!st && hs)
        st = distribution_panel(r, &sizes, "avalanche sizes", "size S (active units)", "P(S)", lt,
                                1);
    if (!st && hd)
        st = distribution_panel(r, &durs, "avalanche durations", "duration T (layers or bins)",
                                "P(T)", la, 2);
    if (!st && hsd)
        st = crackling_panel(r, &sd);
    if (!st && hsh)
        st = shape_panel(r, &shape);
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

dnc_status dnc_recipe_powerlaw(dnc_recipe_ctx *r)
{
    const dnc_table *t = r->t;
    if (dnc_recipe_col(r, DNC_CCDF_X) < 0 || dnc_recipe_col(r, DNC_CCDF_DATA) < 0)
        return dnc_fail(DNC_EUNSUPPORTED, "powerlaw: columns not found");
    const cJSON *fit = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r->rec, "results"), "fit");
    double a = NAN, ae = NAN;
    dnc_recipe_entry_value(fit, "alpha", &a, &ae);
    const cJSON *xm = fit ? cJSON_GetObjectItemCaseSensitive(fit, "xmin") : NULL;
    char label[128];
    snprintf(label, sizeof label, "power law, α = %.3g ± %.2g", a, ae);
    dnc_status st = distribution_panel(r, t, "complementary CDF", "x", "P(X ≥ x)", label, 1);
    if (!st && cJSON_IsNumber(xm) && r->fig->npanels)
        st = dnc_panel_add_refline(r->fig->panels[r->fig->npanels - 1], true, xm->valuedouble,
                                   "x_{min}");
    dnc_table pdf;
    if (!st && dnc_recipe_load_aux(r, "pdf_csv", &pdf)) {
        st = distribution_panel(r, &pdf, "density", "x", "p(x)", label, 2);
        dnc_table_free(&pdf);
    }
    return st;
}

/* The Widom line of a field scan: the sigma_w of the chi peak against h,
 * one series per width (results.peaks[], bootstrap error bars). */
static dnc_status widom_panel(dnc_recipe_ctx *r, double swc)
{
    const cJSON *peaks =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r->rec, "results"), "peaks");
    size_t n = (size_t)cJSON_GetArraySize(peaks);
    if (n == 0)
        return DNC_OK;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *e = malloc(n * sizeof *e);
    double *w = malloc(n * sizeof *w);
    dnc_plot_panel *p = dnc_recipe_panel(r, "Widom line: χ peak", "field h", "σ_w at the χ peak");
    dnc_status st = x && y && e && w && p ? DNC_OK : DNC_ENOMEM;
    size_t nw = 0;
    for (size_t i = 0; !st && i < n; i++) {
        const cJSON *pk = cJSON_GetArrayItem(peaks, (int)i);
        double wi = NAN, d;
        dnc_recipe_entry_value(pk, "width", &wi, &d);
        bool seen = false;
        for (size_t k = 0; k < nw; k++)
            seen |= w[k] == wi;
        if (!seen)
            w[nw++] = wi;
    }
    for (size_t k = 0; !st && k < nw; k++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            const cJSON *pk = cJSON_GetArrayItem(peaks, (int)i);
            double wi = NAN, h = NAN, v = NAN, d;
            dnc_recipe_entry_value(pk, "width", &wi, &d);
            dnc_recipe_entry_value(pk, "field", &h, &d);
            dnc_recipe_entry_value(pk, "peak_sigma_w", &v, &d);
            if (wi != w[k])
                continue;
            e[m] = NAN;
            dnc_recipe_entry_value(pk, "peak_sigma_w_bootstrap_error", &e[m], &d);
            if (!isfinite(e[m]))
                e[m] = 0;
            x[m] = h, y[m] = v, m++;
        }
        char label[64];
        snprintf(label, sizeof label, "N = %g", w[k]);
        st = dnc_panel_add_series_color(p, label, DNC_STYLE_ERRORBARS, x, y, e, m, (int)(k % 8) + 1);
    }
    if (!st && isfinite(swc))
        st = dnc_panel_add_refline(p, false, swc, "mean-field σ_w^c");
    if (!st)
        p->key = strdup("top left");
    free(x);
    free(y);
    free(e);
    free(w);
    return st;
}

dnc_status dnc_recipe_susceptibility(dnc_recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long cw = dnc_recipe_col(r, DNC_SUS_SIGMA_W), cn = dnc_recipe_col(r, DNC_SUS_WIDTH),
         cc = dnc_recipe_col(r, DNC_SUS_CHI), cf = dnc_recipe_col(r, DNC_SUS_FIELD);
    dnc_status st = dnc_recipe_need_cols("susceptibility", cw, cc);
    if (st)
        return st;
    double swc = NAN;
    dnc_recipe_result_value(r->rec, "meanfield_critical_sigma_w", &swc, NULL);
    /* a field scan: the sigma_w panels show each field's rows, the first
     * field's for the avalanche panels, and the Widom line */
    size_t nf = cf >= 0 ? dnc_recipe_count_distinct(t, cf) : 1;
    double *buf = nf > 1 ? malloc((t->nrows ? t->nrows : 1) * t->ncols * sizeof *buf) : NULL;
    if (nf > 1 && !buf)
        return DNC_ENOMEM;
    dnc_recipe_groups gr = {0};
    if (nf > 1 && (st = dnc_recipe_find_groups(t, cf, 6, &gr))) {
        free(buf);
        return st;
    }
    static const struct {
        size_t col;
        const char *title, *ylabel;
    } panels[] = {
        {DNC_SUS_CHI, "susceptibility", "χ = N(⟨ρ^2⟩ − ⟨ρ⟩^2)"},
        {DNC_SUS_RESPONSE, "response to the field", "dρ/dh"},
        {DNC_SUS_SIZE_SUSCEPTIBILITY, "avalanche-size susceptibility", "⟨S^2⟩/⟨S⟩"},
        {DNC_SUS_SURVIVAL, "survival of seeded perturbations", "P_s"},
        {DNC_SUS_MEAN_SIZE, "mean avalanche size", "⟨S⟩"},
    };
    for (size_t i = 0; !st && i < sizeof panels / sizeof panels[0]; i++) {
        long c = dnc_recipe_col(r, panels[i].col);
        if (c < 0 || (panels[i].col == DNC_SUS_RESPONSE && nf < 2))
            continue; /* the response exists only with a field grid */
        size_t reps = nf > 1 && i < 2 ? gr.n : 1;
        for (size_t f = 0; !st && f < reps; f++) {
            dnc_table sub = *t;
            char title[128];
            snprintf(title, sizeof title, "%s", panels[i].title);
            if (nf > 1) {
                sub.nrows = 0;
                sub.text = NULL;
                for (size_t row = 0; row < t->nrows; row++)
                    if (t->v[row * t->ncols + (size_t)cf] == gr.keys[f])
                        memcpy(buf + sub.nrows++ * t->ncols, t->v + row * t->ncols,
                               t->ncols * sizeof *buf);
                sub.v = buf;
                snprintf(title, sizeof title, "%s, h = %g", panels[i].title, gr.keys[f]);
            }
            dnc_plot_panel *p = dnc_recipe_panel(r, title, "σ_w", panels[i].ylabel);
            if (!p) {
                st = DNC_ENOMEM;
                break;
            }
            p->key = strdup("top left");
            p->logy = panels[i].col == DNC_SUS_MEAN_SIZE && dnc_recipe_wants_log(&sub, c);
            st = cn >= 0 ? dnc_recipe_add_grouped(p, &sub, cn, cw, c, dnc_recipe_err_col(&sub, c),
                                                  "N = %g", DNC_STYLE_LINESPOINTS, 12)
                         : dnc_recipe_add_col_series(p, &sub, cw, c, dnc_recipe_err_col(&sub, c),
                                                     NULL, DNC_STYLE_LINESPOINTS, 1);
            if (!st && isfinite(swc))
                st = dnc_panel_add_refline(p, true, swc, "mean-field σ_w^c");
        }
    }
    if (!st && nf > 1)
        st = widom_panel(r, swc);
    free(buf);
    free(gr.keys);
    return st;
}

/* ------------------------------------------------------------- langevin */

/* y / x^k against x from the bins table (and its error / x^k), with the
 * fitted curve / x^k dashed: the drift A(x)/x = r - h x and the diffusion
 * B(x)/x^2 = D1/x + D2, on which the two noises read apart. */
static dnc_status langevin_bins_panel(dnc_recipe_ctx *r, const char *title, const char *yl,
                                      size_t cy, size_t ce, size_t cf, int k, bool logy,
                                      const char *fit_label)
{
    const dnc_table *t = r->t;
    long cx = dnc_recipe_col(r, DNC_LGB_X), y = dnc_recipe_col(r, cy), e = dnc_recipe_col(r, ce),
         f = dnc_recipe_col(r, cf);
    if (cx < 0 || y < 0)
        return DNC_OK;
    dnc_plot_panel *p = dnc_recipe_panel(r, title, "x = ρ = 1 − c", yl);
    if (!p)
        return DNC_ENOMEM;
    p->logx = true;
    p->logy = logy;
    p->key = strdup("top right");
    size_t n = t->nrows;
    double *x = dnc_table_column(t, (size_t)cx), *v = dnc_table_column(t, (size_t)y);
    double *ev = e >= 0 ? dnc_table_column(t, (size_t)e) : NULL;
    double *fv = f >= 0 ? dnc_table_column(t, (size_t)f) : NULL;
    dnc_status st = x && v && (e < 0 || ev) && (f < 0 || fv) ? DNC_OK : DNC_ENOMEM;
    for (size_t i = 0; !st && i < n; i++) {
        double s = pow(x[i], k);
        v[i] /= s;
        if (ev)
            ev[i] /= s;
        if (fv)
            fv[i] /= s;
    }
    if (!st)
        st = dnc_panel_add_series_color(p, "network, per bin", ev ? DNC_STYLE_ERRORBARS
                                                                  : DNC_STYLE_POINTS,
                                        x, v, ev, n, 1);
    if (!st && fv)
        st = dnc_panel_add_series_color(p, fit_label, DNC_STYLE_DASHED, x, fv, NULL, n, 7);
    free(x);
    free(v);
    free(ev);
    free(fv);
    return st;
}

/* The CCDFs of one quantity from both sides (network: measured, langevin:
 * the reduced process) in one panel. */
static dnc_status langevin_ccdf_panel(dnc_recipe_ctx *r, const char *what, const char *title,
                                      const char *xl, const char *yl, const char *sym)
{
    static const char *const side[2] = {"network", "langevin"};
    static const char *const name[2] = {"network (measured)", "Langevin (predicted)"};
    dnc_plot_panel *p = NULL;
    dnc_status st = DNC_OK;
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(r->rec, "results");
    for (int s = 0; s < 2 && !st; s++) {
        char key[64];
        snprintf(key, sizeof key, "%s_%s_csv", side[s], what);
        dnc_table d;
        if (!dnc_recipe_load_aux(r, key, &d))
            continue;
        long cx = dnc_result_col(&d, DNC_RESULT_CCDF, DNC_CCDF_X),
             cd = dnc_result_col(&d, DNC_RESULT_CCDF, DNC_CCDF_DATA);
        if (cx >= 0 && cd >= 0 && !p) {
            p = dnc_recipe_panel(r, title, xl, yl);
            if (!p)
                st = DNC_ENOMEM;
            else {
                p->logx = p->logy = true;
                p->key = strdup("bottom left");
            }
        }
        if (!st && p && cx >= 0 && cd >= 0) {
            double v = NAN, e = NAN;
            dnc_recipe_entry_value(cJSON_GetObjectItemCaseSensitive(res, side[s]), sym, &v, &e);
            char label[128];
            snprintf(label, sizeof label, "%s, %s = %.3g ± %.2g", name[s],
                     strcmp(sym, "tau") == 0 ? "τ" : "α", v, e);
            st = dnc_recipe_add_col_series(p, &d, cx, cd, -1, label, DNC_STYLE_POINTS, s + 1);
        }
        dnc_table_free(&d);
    }
    return st;
}

dnc_status dnc_recipe_langevin(dnc_recipe_ctx *r)
{
    if (dnc_recipe_col(r, DNC_LGB_X) < 0 || dnc_recipe_col(r, DNC_LGB_VAR) < 0)
        return dnc_fail(DNC_EUNSUPPORTED, "langevin: columns not found");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r->rec, "results"), "couplings");
    double rr = NAN, h = NAN, d1 = NAN, d2 = NAN, e;
    dnc_recipe_entry_value(c, "r", &rr, &e);
    dnc_recipe_entry_value(c, "h", &h, &e);
    dnc_recipe_entry_value(c, "D1", &d1, &e);
    dnc_recipe_entry_value(c, "D2", &d2, &e);
    char la[96], lb[96];
    snprintf(la, sizeof la, "r − h x, r = %.3g, h = %.3g", rr, h);
    snprintf(lb, sizeof lb, "D_1/x + D_2, D_1 = %.2g, D_2 = %.3g", d1, d2);
    dnc_status st = langevin_bins_panel(r, "one-layer drift", "⟨Δx⟩ / x", DNC_LGB_MEAN,
                                        DNC_LGB_MEAN_ERR, DNC_LGB_DRIFT_FIT, 1, false, la);
    if (!st)
        st = langevin_bins_panel(r, "one-layer diffusion", "Var(Δx) / x^2", DNC_LGB_VAR,
                                 DNC_LGB_VAR_ERR, DNC_LGB_DIFFUSION_FIT, 2, true, lb);
    if (!st)
        st = langevin_ccdf_panel(r, "durations", "avalanche durations", "duration T (layers)",
                                 "P(T' ≥ T)", "alpha");
    if (!st)
        st = langevin_ccdf_panel(r, "sizes", "avalanche sizes", "size S (active units)",
                                 "P(S' ≥ S)", "tau");
    return st;
}
