/* Recipes of the scaling results: dp (rho(t) with the DP guide, survival),
 * exponents (the fitted decay and the effective exponent), fss (raw data
 * and collapse) and classify (distance to each universality class). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/plot_recipe.h"
#include "dnncrit/scaling.h"

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

dnc_status dnc_recipe_dp(dnc_recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long ct = dnc_recipe_col(r, DNC_DP_T), crho = dnc_recipe_col(r, DNC_DP_RHO);
    dnc_status st = dnc_recipe_need_cols("dp", ct, crho);
    if (st)
        return st;
    const cJSON *model = dnc_recipe_config_item(r->rec, "model");
    const char *mname = cJSON_IsString(model) ? model->valuestring : NULL;
    char note[200] = "";
    double pp, pc, L;
    char *mesc = dnc_plot_escape(mname ? mname : "");
    size_t n = (size_t)snprintf(note, sizeof note, "%s", mesc ? mesc : "");
    free(mesc);
    if (dnc_recipe_config_number(r->rec, "p", &pp) && n < sizeof note)
        n += (size_t)snprintf(note + n, sizeof note - n, ", p = %.6g", pp);
    if (dnc_recipe_config_number(r->rec, "p_c", &pc) && n < sizeof note)
        n += (size_t)snprintf(note + n, sizeof note - n, " (p_c = %.6g)", pc);
    if (dnc_recipe_config_number(r->rec, "L", &L) && n < sizeof note)
        snprintf(note + n, sizeof note - n, ", L = %g", L);
    double delta = dp_delta_for_model(mname);
    char guide[80];
    snprintf(guide, sizeof guide, "t^{-δ}, δ = %g (DP)", delta);

    dnc_plot_panel *p = dnc_recipe_panel(r, "density of active sites", "time t", "ρ(t)");
    if (!p)
        return DNC_ENOMEM;
    p->logx = p->logy = true;
    p->key = strdup("bottom left");
    st = dnc_panel_set_note(p, note);
    if (!st)
        st = dnc_recipe_add_col_series(p, t, ct, crho, dnc_recipe_err_col(t, crho), "simulation",
                                       DNC_STYLE_POINTS, 1);
    double *x = dnc_table_column(t, (size_t)ct), *y = dnc_table_column(t, (size_t)crho);
    if (!st && x && y)
        st = add_guide(p, x, y, t->nrows, delta, guide);
    free(y);
    long cs = dnc_recipe_col(r, DNC_DP_SURV);
    if (!st && cs >= 0) {
        dnc_plot_panel *q = dnc_recipe_panel(r, "survival probability", "time t", "P_s(t)");
        if (!q) {
            free(x);
            return DNC_ENOMEM;
        }
        q->logx = true;
        /* a survival that stays near 1 (a supercritical run) is no power law */
        q->logy = dnc_recipe_wants_log(t, cs);
        q->key = strdup("bottom left");
        st = dnc_recipe_add_col_series(q, t, ct, cs, dnc_recipe_err_col(t, cs), "simulation",
                                       DNC_STYLE_POINTS, 2);
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

/* Horizontal lines at the delta of every class of the library's table
 * (mean field, DP 1+1, 2+1, 3+1): where the measured delta_eff heads. */
static dnc_status add_class_deltas(dnc_plot_panel *q, double ymax)
{
    const dnc_uclass *tab;
    size_t n = dnc_uclass_table(&tab);
    dnc_status st = DNC_OK;
    for (size_t i = 0; !st && i < n; i++) {
        if (!(tab[i].value[DNC_EXP_DELTA] <= ymax))
            continue; /* above the panel: the next class up bounds it */
        char label[64];
        snprintf(label, sizeof label, "δ %s = %.4g", tab[i].name, tab[i].value[DNC_EXP_DELTA]);
        st = dnc_panel_add_refline(q, false, tab[i].value[DNC_EXP_DELTA], label);
    }
    return st;
}

/* Smallest finite t > 0 of column ct (NAN if none). */
static double first_time(const dnc_table *t, long ct)
{
    double tmin = NAN;
    for (size_t i = 0; i < t->nrows; i++) {
        double v = t->v[i * t->ncols + (size_t)ct];
        if (v > 0 && isfinite(v) && !(v >= tmin))
            tmin = v;
    }
    return tmin;
}

/* Top of the delta_eff axis: 10% above the delta of the first class above
 * the measured one (delta, else the median delta_eff), so the classes that
 * bracket the measurement are in view and the data are not squeezed. */
static double delta_axis_top(const dnc_recipe_ctx *r, const dnc_table *t, long cd)
{
    double d, e, top = 0.0;
    if (!dnc_recipe_entry_value(decay_entry(r->rec, 0), "delta", &d, &e) || !isfinite(d)) {
        d = 0.0;
        for (size_t i = 0; i < t->nrows; i++) {
            double v = t->v[i * t->ncols + (size_t)cd];
            if (isfinite(v) && v > d)
                d = v;
        }
    }
    const dnc_uclass *tab;
    size_t n = dnc_uclass_table(&tab);
    for (size_t i = 0; i < n; i++) {
        double c = tab[i].value[DNC_EXP_DELTA];
        if (c > d * 1.05 && (top == 0.0 || c < top))
            top = c;
    }
    return 1.1 * (top > 0.0 ? top : (d > 1.0 ? d : 1.0));
}

/* Largest finite t > 0 of column ct (NAN if none). */
static double last_time(const dnc_table *t, long ct)
{
    double tmax = NAN;
    for (size_t i = 0; i < t->nrows; i++) {
        double v = t->v[i * t->ncols + (size_t)ct];
        if (v > 0 && isfinite(v) && !(v <= tmax))
            tmax = v;
    }
    return tmax;
}

/* delta_eff of the rows of group value g (all rows when cp < 0) against t. */
static dnc_status add_delta_eff(dnc_plot_panel *q, const dnc_table *t, long ct, long cd, long cp,
                                double g, const char *label, int color)
{
    double *x = malloc((t->nrows + 1) * sizeof *x), *y = malloc((t->nrows + 1) * sizeof *y);
    long ce = dnc_recipe_err_col(t, cd);
    double *e = ce >= 0 ? malloc((t->nrows + 1) * sizeof *e) : NULL;
    if (!x || !y || (ce >= 0 && !e)) {
        free(x);
        free(y);
        free(e);
        return dnc_fail(DNC_ENOMEM, "out of memory");
    }
    size_t n = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        const double *row = &t->v[i * t->ncols];
        if (cp >= 0 && row[cp] != g)
            continue;
        x[n] = row[ct];
        y[n] = row[cd];
        if (e)
            e[n] = row[ce];
        n++;
    }
    dnc_plot_style style = cp >= 0 ? DNC_STYLE_LINESPOINTS
                                   : (e ? DNC_STYLE_ERRORBARS : DNC_STYLE_POINTS);
    dnc_status st = dnc_panel_add_series_color(q, label, style, x, y, cp >= 0 ? NULL : e, n, color);
    free(x);
    free(y);
    free(e);
    return st;
}

/* The fitted law A t^-delta over the data of the first panel. */
static dnc_status add_fitted_law(dnc_plot_panel *p, const dnc_table *t, long ct, double amp,
                                 double delta)
{
    double *x = dnc_table_column(t, (size_t)ct), *y = malloc(t->nrows * sizeof *y + 1);
    dnc_status st = (x && y) ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    for (size_t i = 0; !st && i < t->nrows; i++)
        y[i] = x[i] > 0 ? amp * pow(x[i], -delta) : NAN;
    if (!st)
        st = dnc_panel_add_series_color(p, "A t^{-δ}", DNC_STYLE_DASHED, x, y, NULL, t->nrows, 7);
    free(x);
    free(y);
    return st;
}

/* The fitted delta (a line), the extrapolation delta_inf as a marker at
 * t_mark, right of the data (t -> infinity on the log axis), and the law. */
static dnc_status add_decay_fit(dnc_plot_panel *p, dnc_plot_panel *q, const dnc_recipe_ctx *r,
                                long ct, double t_first, double t_mark)
{
    double delta, derr, dinf, dinf_err, amp, aerr;
    const cJSON *e0 = decay_entry(r->rec, 0);
    dnc_status st = DNC_OK;
    if (dnc_recipe_entry_value(e0, "delta", &delta, &derr)) {
        char label[96];
        snprintf(label, sizeof label, "fit δ = %.4g ± %.2g", delta, derr);
        double fx[2] = {t_first, t_mark}, fy[2] = {delta, delta};
        st = dnc_panel_add_series_color(q, label, DNC_STYLE_DASHED, fx, fy, NULL, 2, 7);
        if (!st && dnc_recipe_entry_value(e0, "amplitude", &amp, &aerr))
            st = add_fitted_law(p, r->t, ct, amp, delta);
    }
    if (!st && isfinite(t_mark) && dnc_recipe_entry_value(e0, "delta_inf", &dinf, &dinf_err)) {
        char label[96];
        snprintf(label, sizeof label, "δ_∞ = %.4g ± %.2g (t → ∞)", dinf, dinf_err);
        double x0 = t_mark, y0 = dinf, e = isfinite(dinf_err) ? dinf_err : 0.0;
        st = dnc_panel_add_series_color(q, label, DNC_STYLE_ERRORBARS, &x0, &y0, &e, 1, 2);
    }
    return st;
}

dnc_status dnc_recipe_exponents(dnc_recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long ct = dnc_recipe_col(r, DNC_EXP_T), cy = dnc_recipe_col(r, DNC_EXP_Y);
    long cd = dnc_recipe_col(r, DNC_EXP_DELTA_EFF), cp = dnc_recipe_col(r, DNC_EXP_PARAM);
    dnc_status st = dnc_recipe_need_cols("exponents", ct, cd);
    if (st || cy < 0)
        return st ? st : dnc_fail(DNC_EUNSUPPORTED, "exponents: no y column");
    bool grouped = cp >= 0 && dnc_recipe_count_distinct(t, cp) > 1;
    dnc_plot_panel *p = dnc_recipe_panel(r, "order parameter", "t (layers or time)", "ρ(t)");
    dnc_plot_panel *q = p ? dnc_recipe_panel(r, "effective exponent", "t (δ_∞: marker right of the data)", "δ_{eff}(t)") : NULL;
    if (!p || !q)
        return DNC_ENOMEM;
    p->logx = p->logy = true;
    p->key = strdup("bottom left");
    /* t on a log axis spreads the late times, where delta_eff converges */
    q->logx = true;
    q->key = strdup("bottom right");
    q->ymin = 0.0;
    q->ymax = delta_axis_top(r, t, cd);
    double tmax = last_time(t, ct), t_mark = 2.0 * tmax;
    if (isfinite(tmax))
        q->xmax = 3.0 * tmax;
    if (grouped) {
        st = dnc_recipe_add_grouped(p, t, cp, ct, cy, -1, "p = %g", DNC_STYLE_LINES, 12);
        dnc_recipe_groups gr = {0};
        if (!st)
            st = dnc_recipe_find_groups(t, cp, 12, &gr);
        for (size_t g = 0; !st && g < gr.n; g++) {
            char label[64];
            snprintf(label, sizeof label, "p = %g", gr.keys[g]);
            st = add_delta_eff(q, t, ct, cd, cp, gr.keys[g], label, (int)(g % 8) + 1);
        }
        free(gr.keys);
    } else {
        st = dnc_recipe_add_col_series(p, t, ct, cy, dnc_recipe_err_col(t, cy), "data",
                                       DNC_STYLE_POINTS, 1);
        if (!st)
            st = add_delta_eff(q, t, ct, cd, -1, 0.0, "local slope", 1);
        if (!st)
            st = add_decay_fit(p, q, r, ct, first_time(t, ct), t_mark);
    }
    if (!st)
        st = add_class_deltas(q, q->ymax);
    return st;
}

/* --------------------------------------------- finite-size scaling */

dnc_status dnc_recipe_fss(dnc_recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long cn = dnc_recipe_col(r, DNC_FSS_SIZE), ct = dnc_recipe_col(r, DNC_FSS_T);
    long cy = dnc_recipe_col(r, DNC_FSS_Y), cxs = dnc_recipe_col(r, DNC_FSS_X_SCALED),
         cys = dnc_recipe_col(r, DNC_FSS_Y_SCALED);
    dnc_status st = dnc_recipe_need_cols("fss", cn, ct);
    if (!st)
        st = dnc_recipe_need_cols("fss", cxs, cys);
    if (st || cy < 0)
        return st ? st : dnc_fail(DNC_EUNSUPPORTED, "fss: no y column");
    double a, ae, b, be, S;
    char note[160] = "";
    if (dnc_recipe_result_value(r->rec, "a", &a, &ae) &&
        dnc_recipe_result_value(r->rec, "b", &b, &be)) {
        int n = snprintf(note, sizeof note, "a = %.3g ± %.2g, b = %.3g ± %.2g", a, ae, b, be);
        if (dnc_recipe_result_value(r->rec, "quality_S", &S, NULL) && n > 0 &&
            (size_t)n < sizeof note)
            snprintf(note + n, sizeof note - (size_t)n, ", S = %.3g", S);
    }
    dnc_plot_panel *p = dnc_recipe_panel(r, "raw data", "t (layers or time)", "ρ(t, N)");
    dnc_plot_panel *q = p ? dnc_recipe_panel(r, "data collapse", "t / N^b", "N^a ρ(t, N)") : NULL;
    if (!p || !q)
        return DNC_ENOMEM;
    p->logx = p->logy = q->logx = q->logy = true;
    p->key = strdup("bottom left");
    q->key = strdup("bottom left");
    st = dnc_recipe_add_grouped(p, t, cn, ct, cy, -1, "N = %g", DNC_STYLE_LINES, 12);
    if (!st)
        st = dnc_recipe_add_grouped(q, t, cn, cxs, cys, dnc_recipe_err_col(t, cys), "N = %g",
                                    DNC_STYLE_POINTS, 12);
    if (!st && note[0])
        st = dnc_panel_set_note(q, note);
    return st;
}

/* ------------------------------------------------------------ classify */

dnc_status dnc_recipe_classify(dnc_recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long cc = dnc_recipe_col(r, DNC_CLS_CLASS), cd = dnc_recipe_col(r, DNC_CLS_DISTANCE);
    dnc_status st = dnc_recipe_need_cols("classify", cc, cd);
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
    dnc_plot_panel *p =
        dnc_recipe_panel(r, "distance to each universality class", NULL, "distance (error bars)");
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
