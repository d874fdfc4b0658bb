/* Recipes of the mean-field results: phase-diagram (chi_1 and xi_c heat
 * maps with the critical line), meanfield (the maps' trajectory) and
 * critical (the critical line with kappa and q* along it). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/plot_recipe.h"

/* Results from elsewhere may carry the critical line as a column. */
#define SIGMA_W_CRIT_NAMES                                                                         \
    NAMES("sigma_w_crit", "sigma_w_critical", "critical_sigma_w", "sigma_w_c")

/* The critical line from a result's CSV columns (sigma_b, sigma_w_crit) or
 * from results.critical_sigma_w at one sigma_b. */
static dnc_status add_critical_line(dnc_plot_panel *p, dnc_recipe_ctx *r, long cb)
{
    long cc = dnc_recipe_col_foreign(r, SIGMA_W_CRIT_NAMES);
    if (cc >= 0 && cb >= 0) {
        /* one point per distinct sigma_b */
        size_t n = 0;
        double *x = malloc((r->t->nrows + 1) * sizeof *x),
               *y = malloc((r->t->nrows + 1) * sizeof *y);
        if (!x || !y) {
            free(x);
            free(y);
            return dnc_fail(DNC_ENOMEM, "out of memory");
        }
        size_t nb = dnc_recipe_distinct_sorted(r->t, cb, x, r->t->nrows);
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

dnc_status dnc_recipe_phase_diagram(dnc_recipe_ctx *r)
{
    long cb = dnc_recipe_col(r, DNC_PD_SIGMA_B), cw = dnc_recipe_col(r, DNC_PD_SIGMA_W);
    long cchi = dnc_recipe_col(r, DNC_PD_CHI_1);
    dnc_status st = dnc_recipe_need_cols("phase-diagram", cb, cw);
    if (!st && cchi < 0)
        st = dnc_fail(DNC_EUNSUPPORTED, "phase-diagram: no chi_1 column");
    if (st)
        return st;
    dnc_plot_panel *p = dnc_recipe_panel(r, "phase diagram", "σ_b", "σ_w");
    if (!p)
        return DNC_ENOMEM;
    p->key = strdup("top left");
    char *note = NULL;
    const cJSON *act = dnc_recipe_config_item(r->rec, "activation");
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
    st = dnc_recipe_add_heatmap(p, r->t, cb, cw, cchi, "χ_1 (log scale)", levels, 4, "χ_1");
    if (!st) {
        p->grid->logz = true;
        p->grid->center = 1.0;
    }
    if (!st)
        st = add_critical_line(p, r, cb);
    if (!st && dnc_recipe_col_foreign(r, SIGMA_W_CRIT_NAMES) < 0)
        st = add_critical_line_from_results(p, r->rec);
    long cxi = dnc_recipe_col(r, DNC_PD_XI_C);
    if (!st && cxi >= 0) {
        dnc_plot_panel *q = dnc_recipe_panel(r, "depth scale", "σ_b", "σ_w");
        if (!q)
            return DNC_ENOMEM;
        static const double xl[] = {10, 100};
        st = dnc_recipe_add_heatmap(q, r->t, cb, cw, cxi, "ξ_c (layers)", xl, 2, "ξ_c");
        if (!st && q->grid)
            q->grid->logz = true;
        /* the ridge of xi_c lies on the critical line: draw it there too */
        if (!st)
            st = add_critical_line(q, r, cb);
        if (!st && dnc_recipe_col_foreign(r, SIGMA_W_CRIT_NAMES) < 0)
            st = add_critical_line_from_results(q, r->rec);
        if (!st)
            q->key = strdup("top left");
    }
    return st;
}

/* ------------------------------------------------- mean-field theory */

dnc_status dnc_recipe_meanfield(dnc_recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long cl = dnc_recipe_col(r, DNC_MF_LAYER), crho = dnc_recipe_col(r, DNC_MF_RHO),
         cq = dnc_recipe_col(r, DNC_MF_Q);
    dnc_status st = dnc_recipe_need_cols("meanfield", cl, crho);
    if (st)
        return st;
    dnc_plot_panel *p =
        dnc_recipe_panel(r, "order parameter (infinite width)", "layer ℓ", "ρ^ℓ = 1 − c^ℓ");
    if (!p)
        return DNC_ENOMEM;
    p->logx = p->logy = true;
    p->key = strdup("bottom left");
    char *note = dnc_recipe_run_note(r->rec);
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
        st = dnc_recipe_add_col_series(p, t, cl, crho, -1, "mean-field map", DNC_STYLE_LINES, 1);
    long cp = dnc_recipe_col(r, DNC_MF_RHO_PRED);
    double kappa;
    if (!st && cp >= 0) {
        char label[96] = "1/(κℓ)";
        if (dnc_recipe_result_value(r->rec, "kappa", &kappa, NULL))
            snprintf(label, sizeof label, "1/(κℓ), κ = %.4g", kappa);
        st = dnc_recipe_add_col_series(p, t, cl, cp, -1, label, DNC_STYLE_DASHED, 7);
    }
    if (!st && cq >= 0) {
        dnc_plot_panel *q = dnc_recipe_panel(r, "length map", "layer ℓ", "q^ℓ");
        if (!q)
            return DNC_ENOMEM;
        q->logx = true;
        st = dnc_recipe_add_col_series(q, t, cl, cq, -1, "q^ℓ", DNC_STYLE_LINES, 2);
        double qs;
        if (!st && dnc_recipe_result_value(r->rec, "q_star", &qs, NULL))
            st = dnc_panel_add_refline(q, false, qs, "q*");
    }
    return st;
}

dnc_status dnc_recipe_critical(dnc_recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long cb = dnc_recipe_col(r, DNC_CRIT_SIGMA_B), cw = dnc_recipe_col(r, DNC_CRIT_SIGMA_W);
    dnc_status st = dnc_recipe_need_cols("critical", cb, cw);
    if (st)
        return st;
    dnc_plot_panel *p = dnc_recipe_panel(r, "critical line χ_1 = 1", "σ_b", "σ_w^c");
    if (!p)
        return DNC_ENOMEM;
    const cJSON *act = dnc_recipe_config_item(r->rec, "activation");
    if (cJSON_IsString(act) && act->valuestring) {
        char *e = dnc_plot_escape(act->valuestring);
        char note[96];
        snprintf(note, sizeof note, "φ = %s: ordered below, chaotic above", e ? e : "");
        free(e);
        st = dnc_panel_set_note(p, note);
    }
    if (!st)
        st = dnc_recipe_add_col_series(p, t, cb, cw, -1, NULL, DNC_STYLE_LINESPOINTS, 7);
    long ck = dnc_recipe_col(r, DNC_CRIT_KAPPA), cq = dnc_recipe_col(r, DNC_CRIT_Q_STAR);
    if (!st && ck >= 0) {
        dnc_plot_panel *q =
            dnc_recipe_panel(r, "metric factor on the critical line", "σ_b", "κ = f″(1)/2");
        if (!q)
            return DNC_ENOMEM;
        st = dnc_recipe_add_col_series(q, t, cb, ck, -1, NULL, DNC_STYLE_LINESPOINTS, 2);
    }
    if (!st && cq >= 0) {
        dnc_plot_panel *q = dnc_recipe_panel(r, "fixed point on the critical line", "σ_b", "q*");
        if (!q)
            return DNC_ENOMEM;
        st = dnc_recipe_add_col_series(q, t, cb, cq, -1, NULL, DNC_STYLE_LINESPOINTS, 3);
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
