/* Recipe of advise: the depth scale xi_c against sigma_w with the
 * trainable window (depth < factor * xi_c) and the critical sigma_w*,
 * chi_1 against sigma_w, the finite-width susceptibility scan with its
 * peak, and the width needed for mean field to hold. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/plot_recipe.h"

static const cJSON *result_object(const cJSON *rec, const char *name)
{
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(rec, "results");
    const cJSON *it = res ? cJSON_GetObjectItemCaseSensitive(res, name) : NULL;
    return cJSON_IsObject(it) ? it : NULL;
}

static double object_number(const cJSON *obj, const char *name)
{
    double v = NAN, e;
    return dnc_recipe_entry_value(obj, name, &v, &e) ? v : NAN;
}

/* The rows of an array of objects as (obj[xk], obj[yk]); caller frees. */
static size_t array_xy(const cJSON *arr, const char *xk, const char *yk, double **x, double **y)
{
    int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
    *x = malloc((size_t)(n > 0 ? n : 1) * sizeof **x);
    *y = malloc((size_t)(n > 0 ? n : 1) * sizeof **y);
    size_t k = 0;
    for (const cJSON *it = n > 0 && *x && *y ? arr->child : NULL; it; it = it->next) {
        double a = object_number(it, xk), b = object_number(it, yk);
        if (isfinite(a) && isfinite(b)) {
            (*x)[k] = a;
            (*y)[k++] = b;
        }
    }
    return k;
}

static dnc_status add_critical_ref(dnc_plot_panel *p, double swc)
{
    return isfinite(swc) ? dnc_panel_add_refline(p, true, swc, "σ_w^*") : DNC_OK;
}

/* xi_c(sigma_w): trainable points apart from the others, the window's
 * edges and the depth / factor line (trainable above it). */
static dnc_status depth_scale_panel(dnc_recipe_ctx *r, long cw, double swc)
{
    long cx = dnc_recipe_col(r, DNC_ADV_XI_C), ct = dnc_recipe_col(r, DNC_ADV_TRAINABLE);
    if (cx < 0)
        return DNC_OK;
    dnc_plot_panel *p = dnc_recipe_panel(r, "depth scale and trainable window", "σ_w",
                                         "ξ_c (layers)");
    if (!p)
        return DNC_ENOMEM;
    p->logy = dnc_recipe_all_positive(r->t, cx);
    dnc_status st = dnc_recipe_add_col_series(p, r->t, cw, cx, -1, NULL, DNC_STYLE_LINES, 1);
    if (!st && ct >= 0)
        st = dnc_recipe_add_grouped(p, r->t, ct, cw, cx, -1, "trainable = %g",
                                    DNC_STYLE_POINTS, 2);
    for (size_t i = 0; ct >= 0 && i < p->nseries; i++) { /* say yes / no, not 1 / 0 */
        char *l = p->series[i].label;
        if (l && strstr(l, "= 1"))
            strcpy(l, "trainable");
        else if (l && strstr(l, "= 0"))
            strcpy(l, "too deep");
    }
    const cJSON *td = result_object(r->rec, "trainable_depth");
    double depth = object_number(td, "depth"), factor = object_number(td, "factor");
    double lo = object_number(td, "sigma_w_lo"), hi = object_number(td, "sigma_w_hi");
    char label[96];
    if (!st && isfinite(depth) && factor > 0) {
        snprintf(label, sizeof label, "L / %g = %.3g", factor, depth / factor);
        st = dnc_panel_add_refline(p, false, depth / factor, label);
    }
    if (!st && isfinite(lo))
        st = dnc_panel_add_refline(p, true, lo, "window");
    if (!st && isfinite(hi))
        st = dnc_panel_add_refline(p, true, hi, "window");
    return st ? st : add_critical_ref(p, swc);
}

static dnc_status chi1_panel(dnc_recipe_ctx *r, long cw, double swc)
{
    long cc = dnc_recipe_col(r, DNC_ADV_CHI_1);
    if (cc < 0)
        return DNC_OK;
    dnc_plot_panel *p = dnc_recipe_panel(r, "mean-field χ_1", "σ_w", "χ_1");
    if (!p)
        return DNC_ENOMEM;
    dnc_status st = dnc_recipe_add_col_series(p, r->t, cw, cc, -1, NULL, DNC_STYLE_LINESPOINTS, 1);
    if (!st)
        st = dnc_panel_add_refline(p, false, 1.0, "χ_1 = 1");
    return st ? st : add_critical_ref(p, swc);
}

/* results.susceptibility_init.scan: chi = N var(rho) against sigma_w. */
static dnc_status susceptibility_panel(dnc_recipe_ctx *r, double swc)
{
    const cJSON *su = result_object(r->rec, "susceptibility_init");
    const cJSON *scan = su ? cJSON_GetObjectItemCaseSensitive(su, "scan") : NULL;
    double *x, *y;
    size_t n = array_xy(scan, "sigma_w", "chi", &x, &y);
    dnc_status st = x && y ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    dnc_plot_panel *p = !st && n > 0 ? dnc_recipe_panel(r, "susceptibility scan (finite width)",
                                                        "σ_w", "χ = N var(ρ)")
                                     : NULL;
    if (!st && n > 0 && !p)
        st = DNC_ENOMEM;
    if (p)
        st = dnc_panel_add_series_color(p, NULL, DNC_STYLE_LINESPOINTS, x, y, NULL, n, 3);
    double peak, err;
    if (p && !st && dnc_recipe_entry_value(su, "sigma_w", &peak, &err)) {
        char label[96];
        snprintf(label, sizeof label, "peak %.3g ± %.2g", peak, err);
        st = dnc_panel_add_refline(p, true, peak, label);
    }
    if (p && !st)
        st = add_critical_ref(p, swc);
    free(x);
    free(y);
    return st;
}

/* results.width.measured: rms |rho - rho_mf| against N, the fitted
 * a / sqrt(N) and the tolerance. */
static dnc_status width_panel(dnc_recipe_ctx *r)
{
    const cJSON *w = result_object(r->rec, "width");
    const cJSON *m = w ? cJSON_GetObjectItemCaseSensitive(w, "measured") : NULL;
    double *x, *y;
    size_t n = array_xy(m, "width", "rms_rho_deviation", &x, &y);
    dnc_status st = x && y ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    dnc_plot_panel *p = !st && n > 0
                            ? dnc_recipe_panel(r, "width for mean field to hold", "width N",
                                               "rms |ρ^ℓ − ρ_{mf}^ℓ|")
                            : NULL;
    if (!st && n > 0 && !p)
        st = DNC_ENOMEM;
    if (p) {
        p->logx = p->logy = true;
        st = dnc_panel_add_series_color(p, "measured", DNC_STYLE_POINTS, x, y, NULL, n, 1);
    }
    double a = object_number(w, "amplitude"), tol = object_number(w, "rho_tol"),
           need = object_number(w, "width_needed");
    if (p && !st && isfinite(a) && n > 0) {
        double fx[2] = {x[0], fmax(x[n - 1], isfinite(need) ? need : x[n - 1])};
        double fy[2] = {a / sqrt(fx[0]), a / sqrt(fx[1])};
        st = dnc_panel_add_series_color(p, "a / √N", DNC_STYLE_DASHED, fx, fy, NULL, 2, 7);
    }
    if (p && !st && isfinite(tol))
        st = dnc_panel_add_refline(p, false, tol, "tolerance");
    if (p && !st && isfinite(need))
        st = dnc_panel_add_refline(p, true, need, "N needed");
    free(x);
    free(y);
    return st;
}

dnc_status dnc_recipe_advise(dnc_recipe_ctx *r)
{
    long cw = dnc_recipe_col(r, DNC_ADV_SIGMA_W);
    if (cw < 0)
        return dnc_fail(DNC_EUNSUPPORTED, "advise: no sigma_w column");
    double swc = object_number(result_object(r->rec, "critical_init"), "sigma_w");
    dnc_status st = depth_scale_panel(r, cw, swc);
    if (!st)
        st = chi1_panel(r, cw, swc);
    if (!st)
        st = susceptibility_panel(r, swc);
    if (!st)
        st = width_panel(r);
    char *note = dnc_recipe_run_note(r->rec);
    if (!st && note && r->fig->npanels)
        st = dnc_panel_set_note(r->fig->panels[0], note);
    free(note);
    return st;
}
