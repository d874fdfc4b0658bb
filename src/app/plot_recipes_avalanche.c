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
    if (!st && hsd) {
        long cT = dnc_result_col(&sd, DNC_RESULT_SIZE_DURATION, DNC_SD_T),
             cm = dnc_result_col(&sd, DNC_RESULT_SIZE_DURATION, DNC_SD_MEAN_S),
             ce = dnc_result_col(&sd, DNC_RESULT_SIZE_DURATION, DNC_SD_SEM_S),
             cf = dnc_result_col(&sd, DNC_RESULT_SIZE_DURATION, DNC_SD_FIT);
        if (cT >= 0 && cm >= 0) {
            dnc_plot_panel *p = dnc_recipe_panel(r, "crackling noise", "duration T", "⟨S⟩(T)");
            if (!p)
                st = DNC_ENOMEM;
            else {
                p->logx = p->logy = true;
                p->key = strdup("bottom right");
                st = dnc_recipe_add_col_series(p, &sd, cT, cm, ce, "data", DNC_STYLE_ERRORBARS, 3);
                char *g = estimate_text(r->rec, "gamma", "γ");
                const cJSON *cr = cJSON_GetObjectItemCaseSensitive(
                    cJSON_GetObjectItemCaseSensitive(r->rec, "results"), "crackling");
                double pv = NAN, pe = NAN;
                dnc_recipe_entry_value(cr, "predicted_gamma", &pv, &pe);
                char label[160];
                snprintf(label, sizeof label, "T^{γ}, %s", g ? g : "fit");
                if (!st && cf >= 0)
                    st = dnc_recipe_add_col_series(p, &sd, cT, cf, -1, label, DNC_STYLE_DASHED, 7);
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
        long cx = dnc_result_col(&shape, DNC_RESULT_AVALANCHE_SHAPE, DNC_SHAPE_T_OVER_T),
             cm = dnc_result_col(&shape, DNC_RESULT_AVALANCHE_SHAPE, DNC_SHAPE_MEAN);
        if (cx >= 0) {
            dnc_plot_panel *p =
                dnc_recipe_panel(r, "avalanche shape collapse", "t / T", "T^{1−γ} ⟨s(t, T)⟩");
            if (!p)
                st = DNC_ENOMEM;
            for (size_t c = 0; !st && c < shape.ncols && p; c++) {
                if ((long)c == cx || (long)c == cm || dnc_table_is_text(&shape, c))
                    continue;
                char label[64];
                const char *nm = shape.names[c];
                snprintf(label, sizeof label, "T = %.20s", nm[0] == 'T' ? nm + 1 : nm);
                char *e = dnc_plot_escape(label);
                st = dnc_recipe_add_col_series(p, &shape, cx, (long)c, -1, c < 8 ? e : NULL,
                                               DNC_STYLE_LINES, (int)(c % 7) + 1);
                free(e);
            }
            if (!st && p && cm >= 0)
                st = dnc_recipe_add_col_series(p, &shape, cx, cm, -1, "mean shape",
                                               DNC_STYLE_DASHED, 7);
            const cJSON *sc = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(r->rec, "results"), "shape_collapse");
            double ex, ee;
            if (!st && p && dnc_recipe_entry_value(sc, "exponent", &ex, &ee)) {
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

dnc_status dnc_recipe_susceptibility(dnc_recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long cw = dnc_recipe_col(r, DNC_SUS_SIGMA_W), cn = dnc_recipe_col(r, DNC_SUS_WIDTH),
         cc = dnc_recipe_col(r, DNC_SUS_CHI);
    dnc_status st = dnc_recipe_need_cols("susceptibility", cw, cc);
    if (st)
        return st;
    double swc = NAN;
    dnc_recipe_result_value(r->rec, "meanfield_critical_sigma_w", &swc, NULL);
    static const struct {
        size_t col;
        const char *title, *ylabel;
    } panels[] = {
        {DNC_SUS_CHI, "susceptibility", "χ = N(⟨ρ^2⟩ − ⟨ρ⟩^2)"},
        {DNC_SUS_SIZE_SUSCEPTIBILITY, "avalanche-size susceptibility", "⟨S^2⟩/⟨S⟩"},
        {DNC_SUS_SURVIVAL, "survival of seeded perturbations", "P_s"},
        {DNC_SUS_MEAN_SIZE, "mean avalanche size", "⟨S⟩"},
    };
    for (size_t i = 0; !st && i < sizeof panels / sizeof panels[0]; i++) {
        long c = dnc_recipe_col(r, panels[i].col);
        if (c < 0)
            continue;
        dnc_plot_panel *p = dnc_recipe_panel(r, panels[i].title, "σ_w", panels[i].ylabel);
        if (!p)
            return DNC_ENOMEM;
        p->key = strdup("top left");
        p->logy = i == 3 && dnc_recipe_wants_log(t, c);
        st = cn >= 0 ? dnc_recipe_add_grouped(p, t, cn, cw, c, dnc_recipe_err_col(t, c), "N = %g",
                                              DNC_STYLE_LINESPOINTS, 12)
                     : dnc_recipe_add_col_series(p, t, cw, c, dnc_recipe_err_col(t, c), NULL,
                                                 DNC_STYLE_LINESPOINTS, 1);
        if (!st && isfinite(swc))
            st = dnc_panel_add_refline(p, true, swc, "mean-field σ_w^c");
    }
    return st;
}
