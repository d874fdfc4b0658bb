/* Recipes of the training and sweep results: train (loss, accuracy, rho
 * and chi_1 per epoch), train-sweep (the accuracy landscape against the
 * critical line) and sweep (each observable against the swept parameters;
 * its columns are the sweep's own, read by name from the table). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/plot_recipe.h"

/* ------------------------------------------------------------ training */

static dnc_status add_if(dnc_plot_panel *p, dnc_recipe_ctx *r, long cx, size_t id,
                         const char *label, int color, dnc_plot_style style)
{
    long c = dnc_recipe_col(r, id);
    if (c < 0)
        return DNC_OK;
    return dnc_recipe_add_col_series(p, r->t, cx, c, dnc_recipe_err_col(r->t, c), label, style,
                                     color);
}

dnc_status dnc_recipe_train(dnc_recipe_ctx *r)
{
    long ce = dnc_recipe_col(r, DNC_TRH_EPOCH);
    if (ce < 0 ||
        (dnc_recipe_col(r, DNC_TRH_TEST_ACC) < 0 && dnc_recipe_col(r, DNC_TRH_TRAIN_ACC) < 0))
        return dnc_fail(DNC_EUNSUPPORTED, "train: columns not found");
    dnc_plot_panel *p = dnc_recipe_panel(r, "loss", "epoch", "cross-entropy loss");
    dnc_plot_panel *q = p ? dnc_recipe_panel(r, "accuracy", "epoch", "accuracy") : NULL;
    dnc_plot_panel *o =
        q ? dnc_recipe_panel(r, "order parameter during training", "epoch", "ρ") : NULL;
    dnc_plot_panel *c =
        o ? dnc_recipe_panel(r, "criticality during training", "epoch", "χ_1") : NULL;
    if (!c)
        return DNC_ENOMEM;
    char *note = dnc_recipe_run_note(r->rec);
    dnc_status st = note ? dnc_panel_set_note(q, note) : DNC_OK;
    free(note);
    q->key = strdup("center right");
    if (!st)
        st = add_if(p, r, ce, DNC_TRH_TRAIN_LOSS, "train", 1, DNC_STYLE_LINESPOINTS);
    if (!st)
        st = add_if(p, r, ce, DNC_TRH_TEST_LOSS, "test", 2, DNC_STYLE_LINESPOINTS);
    if (!st)
        st = add_if(q, r, ce, DNC_TRH_TRAIN_ACC, "train", 1, DNC_STYLE_LINESPOINTS);
    if (!st)
        st = add_if(q, r, ce, DNC_TRH_TEST_ACC, "test", 2, DNC_STYLE_LINESPOINTS);
    if (!st)
        st = dnc_panel_add_refline(q, false, 0.1, "chance (10 classes)");
    if (!st)
        st = add_if(o, r, ce, DNC_TRH_RHO_FIRST, "first layer", 1, DNC_STYLE_LINESPOINTS);
    if (!st)
        st = add_if(o, r, ce, DNC_TRH_RHO_MEAN, "mean over layers", 3, DNC_STYLE_LINESPOINTS);
    if (!st)
        st = add_if(o, r, ce, DNC_TRH_RHO_LAST, "last layer", 2, DNC_STYLE_LINESPOINTS);
    if (!st)
        st = add_if(c, r, ce, DNC_TRH_CHI1_WEIGHTS, "χ_1 from the weights", 1,
                    DNC_STYLE_LINESPOINTS);
    if (!st)
        st = add_if(c, r, ce, DNC_TRH_CHI1_LYAP, "χ_1 = e^{λ} (tangent)", 2, DNC_STYLE_LINESPOINTS);
    if (!st)
        st = dnc_panel_add_refline(c, false, 1.0, "edge of chaos");
    return st;
}

/* The predictor ranking of a train-sweep record (results.predictors): the
 * Spearman coefficient of the cell-mean accuracy with each candidate, its
 * bootstrap 95% interval as a vertical bar, the winner named in the note.
 * Nothing when the record has no ranking (older sweeps). */
static dnc_status predictor_panel(dnc_recipe_ctx *r)
{
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(r->rec, "results");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(res, "predictors");
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(p, "candidates");
    int n = cJSON_GetArraySize(arr);
    if (!cJSON_IsArray(arr) || n < 1 || n > 16)
        return DNC_OK;
    static const struct {
        const char *name, *label;
    } short_names[] = {{"abs_chi1_minus_1", "|χ_1−1|"},
                       {"abs_distance_to_critical_line", "|σ_w−σ_w^c|"},
                       {"abs_distance_to_susceptibility_peak", "|σ_w−σ_w^{peak}|"},
                       {"susceptibility_init", "χ_{init}"},
                       {"kappa_L", "κL"},
                       {"abs_lyapunov_init", "|λ|"},
                       {"depth_over_xi_c", "L/ξ_c"}};
    const char *labels[16];
    double x[16], y[16];
    size_t m = 0;
    dnc_plot_panel *q = dnc_recipe_panel(r, "which quantity predicts learning (grid cells)",
                                         "candidate", "Spearman with test accuracy");
    if (!q)
        return DNC_ENOMEM;
    dnc_status st = DNC_OK;
    for (int i = 0; i < n && !st; i++) {
        const cJSON *c = cJSON_GetArrayItem(arr, i);
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
        labels[i] = cJSON_IsString(nm) ? nm->valuestring : "?";
        for (size_t k = 0; k < sizeof short_names / sizeof short_names[0]; k++)
            if (strcmp(labels[i], short_names[k].name) == 0)
                labels[i] = short_names[k].label;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, "spearman");
        const cJSON *lo = cJSON_GetObjectItemCaseSensitive(c, "ci95_lo");
        const cJSON *hi = cJSON_GetObjectItemCaseSensitive(c, "ci95_hi");
        if (cJSON_IsNumber(v)) {
            x[m] = i;
            y[m++] = v->valuedouble;
        }
        if (cJSON_IsNumber(lo) && cJSON_IsNumber(hi)) {
            double bx[2] = {i, i}, by[2] = {lo->valuedouble, hi->valuedouble};
            st = dnc_panel_add_series_color(q, i == 0 ? "bootstrap 95% CI" : NULL,
                                            DNC_STYLE_LINES, bx, by, NULL, 2, 1);
        }
    }
    if (!st)
        st = dnc_panel_add_series_color(q, "Spearman", DNC_STYLE_POINTS, x, y, NULL, m, 2);
    if (!st)
        st = dnc_panel_set_xticlabels(q, labels, (size_t)n);
    if (!st)
        st = dnc_panel_add_refline(q, false, 0.0, NULL);
    const cJSON *best = cJSON_GetObjectItemCaseSensitive(p, "best");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(p, "difference");
    const cJSON *dv = cJSON_GetObjectItemCaseSensitive(d, "value");
    const cJSON *dl = cJSON_GetObjectItemCaseSensitive(d, "ci95_lo");
    const cJSON *dh = cJSON_GetObjectItemCaseSensitive(d, "ci95_hi");
    if (!st && cJSON_IsString(best) && cJSON_IsNumber(dv) && cJSON_IsNumber(dl) &&
        cJSON_IsNumber(dh)) {
        char note[240];
        char *esc = dnc_plot_escape(best->valuestring); /* a name with underscores */
        if (esc)
            snprintf(note, sizeof note, "best: %s; |ρ| − |ρ_{second}| = %.2f [%.2f, %.2f]", esc,
                     dv->valuedouble, dl->valuedouble, dh->valuedouble);
        st = esc ? dnc_panel_set_note(q, note) : dnc_fail(DNC_ENOMEM, "out of memory");
        free(esc);
    }
    if (!st) {
        q->ymin = -1;
        q->ymax = 1;
        q->xmin = -0.5;
        q->xmax = n - 0.5;
        q->key = strdup("bottom left");
    }
    return st;
}

/* Accuracy landscape of train-sweep: over (sigma_b, sigma_w) when several
 * sigma_b were trained, and against sigma_w, the distance to the critical
 * line and depth / xi_c; the predictor ranking when the record has one. */
dnc_status dnc_recipe_train_sweep(dnc_recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long cw = dnc_recipe_col(r, DNC_TSP_SIGMA_W), cb = dnc_recipe_col(r, DNC_TSP_SIGMA_B);
    long ca = dnc_recipe_col(r, DNC_TSP_FINAL_TEST_ACC);
    long cc = dnc_recipe_col(r, DNC_TSP_SIGMA_W_CRIT);
    dnc_status st = dnc_recipe_need_cols("train-sweep", cw, ca);
    if (st)
        return st;
    size_t nb = cb >= 0 ? dnc_recipe_count_distinct(t, cb) : 0;
    if (nb >= 2 && dnc_recipe_count_distinct(t, cw) >= 2) {
        dnc_plot_panel *h =
            dnc_recipe_panel(r, "test accuracy over the phase diagram", "σ_b", "σ_w");
        if (!h)
            return DNC_ENOMEM;
        h->key = strdup("top left");
        st = dnc_recipe_add_heatmap(h, t, cb, cw, ca, "test accuracy", NULL, 0, NULL);
        if (!st && cc >= 0) {
            dnc_recipe_aggregate a;
            st = dnc_recipe_aggregate_rows(t, cb, cc, -1, 0, &a);
            if (!st)
                st = dnc_panel_add_series_color(h, "critical line χ_1 = 1", DNC_STYLE_LINES, a.x,
                                                a.mean, NULL, a.n, 7);
            dnc_recipe_aggregate_free(&a);
        }
        if (st == DNC_EUNSUPPORTED)
            st = DNC_OK; /* not a regular grid: the line plots below still work */
    }
    dnc_plot_panel *p = dnc_recipe_panel(r, "test accuracy", "σ_w", "test accuracy");
    if (!p)
        return DNC_ENOMEM;
    if (!st)
        st = dnc_recipe_add_aggregated(p, t, cw, ca, nb >= 2 ? cb : -1, "σ_b = %g",
                                       "mean ± s.e. over seeds");
    if (!st && cc >= 0) {
        /* critical sigma_w of each sigma_b as a vertical line */
        dnc_recipe_aggregate a;
        st = nb >= 1 ? dnc_recipe_aggregate_rows(t, cb, cc, -1, 0, &a)
                     : dnc_recipe_aggregate_rows(t, cc, cc, -1, 0, &a);
        for (size_t i = 0; !st && i < a.n && i < 6; i++) {
            char label[64];
            snprintf(label, sizeof label, "σ_w^c = %.3g", a.mean[i]);
            st = dnc_panel_add_refline(p, true, a.mean[i], label);
        }
        dnc_recipe_aggregate_free(&a);
    }
    if (!st)
        st = dnc_panel_add_refline(p, false, 0.1, "chance");
    long cd = dnc_recipe_col(r, DNC_TSP_DIST_CRIT), cx = dnc_recipe_col(r, DNC_TSP_DEPTH_OVER_XI);
    if (!st && cd >= 0) {
        dnc_plot_panel *q =
            dnc_recipe_panel(r, "distance to the critical line", "σ_w − σ_w^c", "test accuracy");
        if (!q)
            return DNC_ENOMEM;
        st = dnc_recipe_add_col_series(q, t, cd, ca, -1, NULL, DNC_STYLE_POINTS, 2);
        if (!st)
            st = dnc_panel_add_refline(q, true, 0.0, "critical");
    }
    if (!st && cx >= 0) {
        dnc_plot_panel *q =
            dnc_recipe_panel(r, "depth in units of ξ_c", "L / ξ_c", "test accuracy");
        if (!q)
            return DNC_ENOMEM;
        q->logx = dnc_recipe_all_positive(t, cx);
        st = dnc_recipe_add_col_series(q, t, cx, ca, -1, NULL, DNC_STYLE_POINTS, 3);
    }
    if (!st)
        st = predictor_panel(r);
    return st;
}

/* --------------------------------------------------------------- sweep */

/* config.parameters.<name> when the sweep lists several values for it. */
static bool is_swept(const dnc_recipe_ctx *r, const char *name)
{
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(r->rec, "config");
    const cJSON *pars = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "parameters") : NULL;
    const cJSON *it = pars ? cJSON_GetObjectItemCaseSensitive(pars, name) : NULL;
    return cJSON_IsArray(it) && cJSON_GetArraySize(it) >= 2;
}

/* Swept parameters in the table, seeds excepted (numbers and text such as
 * the activation), in the order of config.parameters. */
static size_t swept_columns(const dnc_recipe_ctx *r, long *cols, size_t max)
{
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(r->rec, "config");
    const cJSON *pars = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "parameters") : NULL;
    size_t n = 0;
    for (const cJSON *it = pars ? pars->child : NULL; it && n < max; it = it->next) {
        if (!it->string || strcmp(it->string, "seed") == 0 || !is_swept(r, it->string))
            continue;
        long c = dnc_table_col(r->t, it->string);
        if (c >= 0)
            cols[n++] = c;
    }
    return n;
}

/* The columns of the parameters (swept ones; fixed ones are no columns). */
static bool is_param_column(const dnc_recipe_ctx *r, size_t c)
{
    const char *name = r->t->names[c];
    return strcmp(name, "index") == 0 || strcmp(name, "seed") == 0 || is_swept(r, name);
}

/* Whether cell (row, c) equals cell (other, c): by text in a text column. */
static bool same_cell(const dnc_table *t, size_t row, size_t other, size_t c)
{
    const char *a = dnc_table_text(t, row, c), *b = dnc_table_text(t, other, c);
    if (a || b)
        return a && b && strcmp(a, b) == 0;
    double x = t->v[row * t->ncols + c], y = t->v[other * t->ncols + c];
    return x == y || (isnan(x) && isnan(y));
}

/* One curve per combination of the swept parameters other than the x axis:
 * group[row] is the combination's number (in order of first appearance),
 * first[g] a row of combination g. Returns the number of combinations. */
static size_t combinations(const dnc_table *t, const long *gcols, size_t ng, size_t *group,
                           size_t *first)
{
    size_t n = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        size_t g = 0;
        for (; g < n; g++) {
            bool same = true;
            for (size_t k = 0; k < ng && same; k++)
                same = same_cell(t, r, first[g], (size_t)gcols[k]);
            if (same)
                break;
        }
        if (g == n)
            first[n++] = r;
        group[r] = g;
    }
    return n;
}

/* "activation = tanh, N = 32" for the combination of row `row`. */
static void combination_label(const dnc_table *t, const long *gcols, size_t ng, size_t row,
                              char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < ng && n + 1 < size; k++) {
        size_t c = (size_t)gcols[k];
        char *name = strcmp(t->names[c], "width") == 0 ? strdup("N")
                                                       : dnc_recipe_column_label(t->names[c]);
        const char *text = dnc_table_text(t, row, c);
        char *value = text ? dnc_plot_escape(text) : NULL;
        int w = value ? snprintf(buf + n, size - n, "%s%s = %s", k ? ", " : "", name ? name : "",
                                 value)
                      : snprintf(buf + n, size - n, "%s%s = %g", k ? ", " : "", name ? name : "",
                                 t->v[row * t->ncols + c]);
        free(name);
        free(value);
        n = w > 0 && (size_t)w < size - n ? n + (size_t)w : size - 1;
    }
}

/* Mean +- s.e. as points with error bars joined by a line (a line alone
 * where every error is zero, as for one seed). */
static dnc_status add_mean_curve(dnc_plot_panel *p, const dnc_recipe_aggregate *a,
                                 const char *label, int color)
{
    bool any_err = false;
    for (size_t k = 0; k < a->n; k++)
        any_err |= a->se[k] > 0;
    dnc_status st = dnc_panel_add_series_color(
        p, label, any_err ? DNC_STYLE_ERRORBARS : DNC_STYLE_LINESPOINTS, a->x, a->mean,
        any_err ? a->se : NULL, a->n, color);
    if (!st && any_err)
        st = dnc_panel_add_series_color(p, NULL, DNC_STYLE_LINES, a->x, a->mean, NULL, a->n,
                                        color);
    return st;
}

/* Mean +- s.e. over seeds of column cy against cx, one curve per
 * combination of the other swept parameters (never averaged together). */
static dnc_status add_sweep_curves(dnc_plot_panel *p, const dnc_table *t, long cx, long cy,
                                   const long *gcols, size_t ng)
{
    size_t rows = t->nrows ? t->nrows : 1;
    size_t *group = malloc(rows * sizeof *group), *first = malloc(rows * sizeof *first);
    dnc_table xyg = {.nrows = t->nrows, .ncols = 3, .v = malloc(rows * 3 * sizeof(double))};
    dnc_status st = group && first && xyg.v ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    size_t n = st ? 0 : combinations(t, gcols, ng, group, first);
    for (size_t r = 0; !st && r < t->nrows; r++) {
        xyg.v[3 * r] = t->v[r * t->ncols + (size_t)cx];
        xyg.v[3 * r + 1] = t->v[r * t->ncols + (size_t)cy];
        xyg.v[3 * r + 2] = (double)group[r];
    }
    for (size_t g = 0; !st && g < n; g++) {
        char label[200];
        combination_label(t, gcols, ng, first[g], label, sizeof label);
        dnc_recipe_aggregate a;
        st = dnc_recipe_aggregate_rows(&xyg, 0, 1, 2, (double)g, &a);
        if (!st)
            st = add_mean_curve(p, &a, n > 1 ? label : NULL, (int)(g % 8) + 1);
        dnc_recipe_aggregate_free(&a);
    }
    free(group);
    free(first);
    free(xyg.v);
    return st;
}

dnc_status dnc_recipe_sweep(dnc_recipe_ctx *r)
{
    const dnc_table *t = r->t;
    long swept[8], others[8];
    size_t ns = swept_columns(r, swept, 8), no = 0;
    long cx = -1;
    for (size_t k = 0; k < ns; k++) {
        if (cx < 0 && !dnc_table_is_text(t, (size_t)swept[k]))
            cx = swept[k];
        else
            others[no++] = swept[k];
    }
    if (cx < 0)
        return dnc_fail(DNC_EUNSUPPORTED, "sweep: no swept numeric parameter in the table");
    char *xl = dnc_recipe_column_label(t->names[cx]);
    dnc_status st = xl ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    size_t panels = 0;
    for (size_t c = 0; !st && c < t->ncols && panels < 9; c++) {
        if (is_param_column(r, c) || dnc_table_is_text(t, c))
            continue;
        char *yl = dnc_recipe_column_label(t->names[c]);
        dnc_plot_panel *p = yl ? dnc_recipe_panel(r, NULL, xl, yl) : NULL;
        free(yl);
        if (!p) {
            st = dnc_fail(DNC_ENOMEM, "out of memory");
            break;
        }
        p->logy = dnc_recipe_wants_log(t, (long)c);
        st = add_sweep_curves(p, t, cx, (long)c, others, no);
        panels++;
    }
    free(xl);
    return st;
}
