/* The summary step of train-sweep over the sweep's results: the point
 * table (sweep.csv), the seed-averaged landscape (landscape.csv), and in the
 * record the best sigma_w per line, the trainable depth scale and the
 * correlations of the final accuracy, each also printed unless quiet. */
#include "app/train_sweep_summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/advise.h"
#include "dnncrit/io.h"
#include "dnncrit/sweep.h"
#include "app/train_point.h"

#define add_num dnc_json_add_finite


static dnc_status write_point_table(const dnc_train_sweep_spec *s, const char *dir,
                                    const dnc_train_point_result *pts)
{
    char *path = dnc_sweep_path(dir, "sweep.csv");
    dnc_afile f;
    dnc_status st = path ? dnc_afile_open(&f, path) : dnc_fail(DNC_ENOMEM, "out of memory");
    free(path);
    if (st)
        return st;
    fputs("index,sigma_w,sigma_b,depth,width,seed", f.fp);
    for (size_t c = 0; c < DNC_TRAIN_POINT_NCOLUMNS; c++)
        fprintf(f.fp, ",%s", dnc_train_point_columns[c]);
    fputc('\n', f.fp);
    for (size_t i = 0; i < dnc_train_sweep_npoints(s); i++) {
        const dnc_train_point_result *r = &pts[i];
        fprintf(f.fp, "%zu,%.10g,%.10g,%zu,%zu,%llu,", i, r->sigma_w, r->sigma_b, r->depth,
                r->width, (unsigned long long)r->seed);
        double row[DNC_TRAIN_POINT_NCOLUMNS];
        dnc_train_point_row(r, row);
        for (size_t c = 0; c < DNC_TRAIN_POINT_NCOLUMNS; c++)
            dnc_csv_number(f.fp, row[c], 10, c + 1 < DNC_TRAIN_POINT_NCOLUMNS ? "," : "");
        fputc('\n', f.fp);
    }
    return dnc_afile_commit(&f);
}

/* Seed averages of one grid cell (points cell*seeds .. +seeds). */
typedef struct {
    const dnc_train_point_result *first;
    double acc_mean, acc_err, susc_mean, chi1w_mean, diverged_frac;
    double abs_lyap_mean;  /* seed mean of |lambda| at initialisation */
    double susc_peak;      /* sigma_w of the line's susceptibility peak (NAN: not scanned) */
} cell_stats;

static cell_stats cell_average(const dnc_train_point_result *pts, size_t seeds)
{
    cell_stats c = {.first = pts};
    double s = 0, s2 = 0, su = 0, ch = 0, dv = 0, ly = 0;
    size_t nsu = 0, nch = 0, nly = 0;
    for (size_t k = 0; k < seeds; k++) {
        double a = pts[k].final_test_acc;
        s += a;
        s2 += a * a;
        dv += pts[k].diverged;
        if (isfinite(pts[k].init_obs.susceptibility)) {
            su += pts[k].init_obs.susceptibility;
            nsu++;
        }
        if (isfinite(pts[k].init_obs.lyapunov)) {
            ly += fabs(pts[k].init_obs.lyapunov);
            nly++;
        }
        if (isfinite(pts[k].init_obs.chi1_weights)) {
            ch += pts[k].init_obs.chi1_weights;
            nch++;
        }
    }
    double n = (double)seeds;
    c.acc_mean = s / n;
    c.acc_err = seeds > 1 ? sqrt(fmax(0, (s2 - s * s / n) / (n - 1)) / n) : NAN;
    c.susc_mean = nsu ? su / (double)nsu : NAN;
    c.chi1w_mean = nch ? ch / (double)nch : NAN;
    c.diverged_frac = dv / n;
    c.abs_lyap_mean = nly ? ly / (double)nly : NAN;
    c.susc_peak = NAN;
    return c;
}

static dnc_status write_landscape(const dnc_train_sweep_spec *s, const char *dir,
                                  const cell_stats *cells, size_t ncells)
{
    char *path = dnc_sweep_path(dir, "landscape.csv");
    dnc_afile f;
    dnc_status st = path ? dnc_afile_open(&f, path) : dnc_fail(DNC_ENOMEM, "out of memory");
    free(path);
    if (st)
        return st;
    (void)s;
    fputs("sigma_w,sigma_b,depth,width,test_acc_mean,test_acc_err,diverged_frac,chi1_mf,xi_c,"
          "sigma_w_crit,dist_crit,depth_over_xi,kappa_L,chi1_weights_init,susceptibility_init,"
          "abs_chi1_minus_1,sigma_w_susc_peak,abs_dist_susc_peak,abs_lyapunov_init\n",
          f.fp);
    for (size_t i = 0; i < ncells; i++) {
        const cell_stats *c = &cells[i];
        const dnc_train_point_result *r = c->first;
        fprintf(f.fp, "%.10g,%.10g,%zu,%zu,", r->sigma_w, r->sigma_b, r->depth, r->width);
        const double v[] = {c->acc_mean, c->acc_err, c->diverged_frac, r->chi1_mf, r->xi_c,
                            r->sigma_w_crit, r->dist_crit, r->depth_over_xi, r->kappa_L,
                            c->chi1w_mean, c->susc_mean, fabs(r->chi1_mf - 1), c->susc_peak,
                            fabs(r->sigma_w - c->susc_peak), c->abs_lyap_mean};
        size_t nv = sizeof v / sizeof v[0];
        for (size_t k = 0; k < nv; k++)
            dnc_csv_number(f.fp, v[k], 10, k + 1 < nv ? "," : "\n");
    }
    return dnc_afile_commit(&f);
}

/* The susceptibility peak of each (sigma_b, depth, width) line (cells
 * line, line + stride, ...): dnc_susc_scan_run over the line's sigma_w
 * range when s->susc_networks > 0; scans[line].n = 0 when not scanned. */
static dnc_status susc_peaks(const dnc_train_sweep_spec *s, cell_stats *cells,
                             dnc_susc_scan *scans)
{
    size_t stride = s->n_sigma_b * s->n_depth * s->n_width;
    for (size_t line = 0; line < stride; line++) {
        scans[line].n = 0;
        const dnc_train_point_result *r = cells[line].first;
        double lo = r->sigma_w, hi = r->sigma_w;
        for (size_t k = 1; k < s->n_sigma_w; k++) {
            double sw = cells[line + k * stride].first->sigma_w;
            lo = sw < lo ? sw : lo;
            hi = sw > hi ? sw : hi;
        }
        if (!s->susc_networks || !(hi > lo))
            continue;
        double sw[DNC_TRAIN_SWEEP_SUSC_POINTS];
        for (int i = 0; i < DNC_TRAIN_SWEEP_SUSC_POINTS; i++)
            sw[i] = lo + (hi - lo) * i / (DNC_TRAIN_SWEEP_SUSC_POINTS - 1.0);
        dnc_status st = dnc_susc_scan_run(s->base.net.activation, r->sigma_b, r->depth, r->width,
                                          sw, DNC_TRAIN_SWEEP_SUSC_POINTS, s->susc_networks,
                                          s->susc_inputs, s->seed0, &scans[line]);
        if (st)
            return dnc_fail(st, "susceptibility scan at sigma_b = %g, depth %zu, width %zu: %s",
                            r->sigma_b, r->depth, r->width, dnc_last_error());
        for (size_t k = 0; k < s->n_sigma_w; k++)
            cells[line + k * stride].susc_peak = scans[line].peak_sigma_w;
    }
    return DNC_OK;
}

/* For each (sigma_b, depth, width): the sigma_w of best mean accuracy, of
 * largest susceptibility, and the critical one. Cells are ordered with
 * sigma_w outermost, so a line is cells line, line + stride, ... */
static cJSON *lines_json(const dnc_train_sweep_spec *s, const cell_stats *cells,
                         const dnc_susc_scan *scans, bool print)
{
    cJSON *arr = cJSON_CreateArray();
    size_t stride = s->n_sigma_b * s->n_depth * s->n_width;
    if (print)
        printf("sigma_b  depth  width  best_sigma_w (acc)       sigma_w_crit  "
               "susc_peak_sigma_w  depth/xi_c@best\n");
    for (size_t line = 0; line < stride; line++) {
        size_t best = line, peak = line;
        for (size_t k = 0; k < s->n_sigma_w; k++) {
            size_t i = line + k * stride;
            if (cells[i].acc_mean > cells[best].acc_mean)
                best = i;
            if (isfinite(cells[i].susc_mean) &&
                (!isfinite(cells[peak].susc_mean) || cells[i].susc_mean > cells[peak].susc_mean))
                peak = i;
        }
        const dnc_train_point_result *b = cells[best].first;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "sigma_b", b->sigma_b);
        cJSON_AddNumberToObject(o, "depth", (double)b->depth);
        cJSON_AddNumberToObject(o, "width", (double)b->width);
        cJSON_AddNumberToObject(o, "best_sigma_w", b->sigma_w);
        add_num(o, "best_test_acc", cells[best].acc_mean);
        add_num(o, "best_test_acc_err", cells[best].acc_err);
        add_num(o, "sigma_w_crit", b->sigma_w_crit);
        add_num(o, "susceptibility_peak_sigma_w",
                isfinite(cells[peak].susc_mean) ? cells[peak].first->sigma_w : NAN);
        add_num(o, "depth_over_xi_at_best", b->depth_over_xi);
        if (scans[line].n) {
            cJSON *sc = cJSON_AddObjectToObject(o, "susceptibility_scan");
            add_num(sc, "peak_sigma_w", scans[line].peak_sigma_w);
            add_num(sc, "peak_sigma_w_err", scans[line].peak_err);
            add_num(sc, "peak_chi", scans[line].peak_chi);
            cJSON_AddBoolToObject(sc, "peak_at_scan_edge", scans[line].at_edge);
        }
        cJSON_AddItemToArray(arr, o);
        if (print)
            printf("%7.4g  %5zu  %5zu  %7.4g (%.3f +- %.3f)  %12.5g  %17.4g  %15.3g\n",
                   b->sigma_b, b->depth, b->width, b->sigma_w, cells[best].acc_mean,
                   isfinite(cells[best].acc_err) ? cells[best].acc_err : 0.0, b->sigma_w_crit,
                   isfinite(cells[peak].susc_mean) ? cells[peak].first->sigma_w : NAN,
                   b->depth_over_xi);
    }
    return arr;
}

/* Schoenholz et al.: networks train when depth < c xi_c. A cell "trained"
 * when its mean accuracy is above the midpoint between chance (1/classes)
 * and the best cell; the largest depth/xi_c that trained and the smallest
 * that failed bracket c. */
static cJSON *depth_scale_json(const dnc_train_sweep_spec *s, const cell_stats *cells,
                               size_t ncells, bool print)
{
    double best = 0, chance = 1.0 / (double)s->base.nclasses;
    for (size_t i = 0; i < ncells; i++)
        best = cells[i].acc_mean > best ? cells[i].acc_mean : best;
    double threshold = 0.5 * (chance + best), max_ok = NAN, min_fail = NAN;
    for (size_t i = 0; i < ncells; i++) {
        double r = cells[i].first->depth_over_xi;
        if (!isfinite(r))
            continue;
        if (cells[i].acc_mean > threshold)
            max_ok = isfinite(max_ok) && max_ok > r ? max_ok : r;
        else
            min_fail = isfinite(min_fail) && min_fail < r ? min_fail : r;
    }
    cJSON *o = cJSON_CreateObject();
    add_num(o, "threshold_acc", threshold);
    add_num(o, "max_depth_over_xi_trained", max_ok);
    add_num(o, "min_depth_over_xi_failed", min_fail);
    if (print)
        printf("\ntrained (mean acc > %.3f) up to depth/xi_c = %.3g; failed from depth/xi_c = "
               "%.3g\n",
               threshold, max_ok, min_fail);
    return o;
}

static cJSON *correlation_json(const dnc_correlation *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "n", (double)c->n);
    cJSON *p = cJSON_AddObjectToObject(o, "pearson");
    add_num(p, "value", c->pearson);
    add_num(p, "ci95_lo", c->pearson_lo);
    add_num(p, "ci95_hi", c->pearson_hi);
    cJSON *sp = cJSON_AddObjectToObject(o, "spearman");
    add_num(sp, "value", c->spearman);
    add_num(sp, "ci95_lo", c->spearman_lo);
    add_num(sp, "ci95_hi", c->spearman_hi);
    add_num(sp, "bootstrap_ci95_lo", c->boot_lo);
    add_num(sp, "bootstrap_ci95_hi", c->boot_hi);
    return o;
}

/* The candidate predictors of learning (docs/training.md, "Which quantity
 * predicts learning?"), per point and per cell. */
enum { PRED_CHI1, PRED_DIST, PRED_SUSC_PEAK, PRED_SUSC, PRED_KAPPA_L, PRED_LYAP, PRED_DEPTH_XI,
       NPRED };
static const char *const pred_names[NPRED] = {
    "abs_chi1_minus_1", "abs_distance_to_critical_line", "abs_distance_to_susceptibility_peak",
    "susceptibility_init", "kappa_L", "abs_lyapunov_init", "depth_over_xi_c"};

static void point_candidates(const dnc_train_point_result *r, double peak, double v[NPRED])
{
    v[PRED_CHI1] = fabs(r->chi1_mf - 1);
    v[PRED_DIST] = fabs(r->dist_crit);
    v[PRED_SUSC_PEAK] = fabs(r->sigma_w - peak);
    v[PRED_SUSC] = r->init_obs.susceptibility;
    v[PRED_KAPPA_L] = r->kappa_L;
    v[PRED_LYAP] = fabs(r->init_obs.lyapunov);
    v[PRED_DEPTH_XI] = r->depth_over_xi;
}

static void cell_candidates(const cell_stats *c, double v[NPRED])
{
    point_candidates(c->first, c->susc_peak, v);
    v[PRED_SUSC] = c->susc_mean;
    v[PRED_LYAP] = c->abs_lyap_mean;
}

static void print_corr(const char *name, const dnc_correlation *c)
{
    printf("  %-38s %4zu  %6.3f [%6.3f, %6.3f]  %6.3f [%6.3f, %6.3f]\n", name, c->n, c->pearson,
           c->pearson_lo, c->pearson_hi, c->spearman, c->spearman_lo, c->spearman_hi);
}

/* Which candidate predicts the seed-mean accuracy of the cells best
 * (dnc_predictors_rank: bootstrap over cells, paired difference). */
static dnc_status ranking(const dnc_train_sweep_spec *s, const cell_stats *cells, size_t ncells,
                          cJSON *results, bool print)
{
    double *buf = malloc((NPRED + 1) * (ncells + 1) * sizeof *buf);
    if (!buf)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    double *acc = buf + NPRED * ncells;
    const double *xs[NPRED];
    for (size_t c = 0; c < ncells; c++) {
        double v[NPRED];
        cell_candidates(&cells[c], v);
        for (int k = 0; k < NPRED; k++)
            buf[k * ncells + c] = v[k];
        acc[c] = cells[c].acc_mean;
    }
    for (int k = 0; k < NPRED; k++)
        xs[k] = buf + k * ncells;
    dnc_predictor_ranking r;
    size_t pair_n;
    double pair;
    dnc_bootstrap_ci pair_ci;
    dnc_status st = dnc_predictors_rank(xs, NPRED, acc, ncells, s->bootstrap, s->seed0, &r);
    if (!st) /* Ghavasieh et al.'s comparison, whichever wins */
        st = dnc_predictors_compare(xs[PRED_SUSC_PEAK], xs[PRED_CHI1], acc, ncells,
                                    s->bootstrap, s->seed0, &pair_n, &pair, &pair_ci);
    free(buf);
    if (st)
        return st;
    cJSON *o = cJSON_AddObjectToObject(results, "predictors");
    cJSON_AddStringToObject(o, "statistic",
                            "Spearman of the seed-mean final test accuracy of each grid cell "
                            "with each candidate; 95% percentile bootstrap over cells; best = "
                            "largest |Spearman|; difference |rho_best| - |rho_second|, paired "
                            "bootstrap (the same resampled cells for both)");
    cJSON_AddNumberToObject(o, "cells", (double)ncells);
    cJSON *arr = cJSON_AddArrayToObject(o, "candidates");
    if (print)
        printf("\nwhich quantity predicts the cell-mean accuracy   n   spearman [bootstrap 95%% "
               "CI over cells]\n");
    for (int k = 0; k < NPRED; k++) {
        const dnc_predictor_corr *p = &r.corr[k];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "name", pred_names[k]);
        cJSON_AddNumberToObject(j, "n", (double)p->n);
        add_num(j, "spearman", p->spearman);
        add_num(j, "ci95_lo", p->ci.lo);
        add_num(j, "ci95_hi", p->ci.hi);
        cJSON_AddItemToArray(arr, j);
        if (print)
            printf("  %-45s %4zu  %6.3f [%6.3f, %6.3f]%s\n", pred_names[k], p->n, p->spearman,
                   p->ci.lo, p->ci.hi,
                   (int)k == r.best                               ? "  <- best"
                   : k == PRED_SUSC_PEAK && !s->susc_networks ? "  (no scan: --susc-networks)"
                                                                  : "");
    }
    cJSON_AddItemToObject(o, "best", r.best >= 0 ? cJSON_CreateString(pred_names[r.best])
                                                 : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "second", r.second >= 0 ? cJSON_CreateString(pred_names[r.second])
                                                     : cJSON_CreateNull());
    cJSON *d = cJSON_AddObjectToObject(o, "difference");
    cJSON_AddNumberToObject(d, "n", (double)r.diff_n);
    add_num(d, "value", r.diff);
    add_num(d, "ci95_lo", r.diff_ci.lo);
    add_num(d, "ci95_hi", r.diff_ci.hi);
    const char *verdict = !isfinite(r.diff_ci.lo) ? "undecided (no interval)"
                          : r.diff_ci.lo > 0      ? "best is better than second"
                                                  : "best and second not separated";
    cJSON_AddStringToObject(d, "verdict", verdict);
    cJSON *g = cJSON_AddObjectToObject(o, "susceptibility_peak_vs_chi1");
    cJSON_AddStringToObject(g, "statistic",
                            "|rho(abs_distance_to_susceptibility_peak)| - "
                            "|rho(abs_chi1_minus_1)|, paired bootstrap over cells (> 0: the "
                            "susceptibility peak predicts better, Ghavasieh et al. 2025)");
    cJSON_AddNumberToObject(g, "n", (double)pair_n);
    add_num(g, "value", pair);
    add_num(g, "ci95_lo", pair_ci.lo);
    add_num(g, "ci95_hi", pair_ci.hi);
    if (print && isfinite(pair))
        printf("  susceptibility peak vs |chi_1 - 1|: |rho| difference %.3f [%.3f, %.3f]\n",
               pair, pair_ci.lo, pair_ci.hi);
    if (print && r.second >= 0)
        printf("  best %s, second %s: |rho| difference %.3f [%.3f, %.3f] (%s)\n",
               pred_names[r.best], pred_names[r.second], r.diff, r.diff_ci.lo, r.diff_ci.hi,
               verdict);
    return DNC_OK;
}

static dnc_status correlations(const dnc_train_sweep_spec *s, const dnc_train_point_result *pts,
                               const cell_stats *cells, size_t n, cJSON *results, bool print)
{
    double *acc = malloc((NPRED + 1) * (n + 1) * sizeof *acc);
    if (!acc)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    double *x = acc + n;
    for (size_t i = 0; i < n; i++) {
        double v[NPRED];
        point_candidates(&pts[i], cells[i / s->seeds].susc_peak, v);
        acc[i] = pts[i].final_test_acc;
        for (int k = 0; k < NPRED; k++)
            x[k * n + i] = v[k];
    }
    cJSON *corr = cJSON_AddObjectToObject(results, "correlations_with_final_test_acc");
    if (print)
        printf("\ncorrelation of final test accuracy with    n   pearson [95%% CI]          "
               "spearman [95%% CI]\n");
    /* The first three keys keep their order and names of before. */
    static const int order[NPRED] = {PRED_DIST, PRED_SUSC, PRED_KAPPA_L, PRED_CHI1,
                                     PRED_SUSC_PEAK, PRED_LYAP, PRED_DEPTH_XI};
    for (int j = 0; j < NPRED; j++) {
        int k = order[j];
        const char *name = pred_names[k];
        dnc_correlation c;
        dnc_correlate(x + k * n, acc, n, s->bootstrap, s->seed0, &c);
        cJSON_AddItemToObject(corr, name, correlation_json(&c));
        if (print)
            print_corr(name, &c);
    }
    free(acc);
    return DNC_OK;
}

/* How many points diverged (dnc_train_result.diverged): in the record
 * always, on stdout when any did. */
static void count_diverged(const dnc_train_point_result *pts, size_t n, cJSON *results, bool print)
{
    size_t nd = 0;
    for (size_t i = 0; i < n; i++)
        nd += pts[i].diverged;
    cJSON_AddNumberToObject(results, "diverged_points", (double)nd);
    if (print && nd)
        printf("\n%zu of %zu points diverged (stopped early; diverged = 1 in sweep.csv, "
               "diverged_frac in landscape.csv)\n",
               nd, n);
}

dnc_status dnc_train_sweep_summarise(const dnc_train_sweep_spec *s, const char *dir,
                                     const dnc_train_point_result *pts, cJSON *record)
{
    size_t n = dnc_train_sweep_npoints(s), ncells = n / s->seeds;
    cell_stats *cells = malloc(ncells * sizeof *cells);
    if (!cells)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    size_t nlines = s->n_sigma_b * s->n_depth * s->n_width;
    dnc_susc_scan *scans = calloc(nlines, sizeof *scans);
    if (!scans) {
        free(cells);
        return dnc_fail(DNC_ENOMEM, "out of memory");
    }
    for (size_t c = 0; c < ncells; c++)
        cells[c] = cell_average(pts + c * s->seeds, s->seeds);
    dnc_status st = susc_peaks(s, cells, scans);
    if (!st)
        st = write_point_table(s, dir, pts);
    if (!st)
        st = write_landscape(s, dir, cells, ncells);
    cJSON *results = cJSON_AddObjectToObject(record, "results");
    if (!st) {
        cJSON_AddItemToObject(results, "lines", lines_json(s, cells, scans, !s->quiet));
        cJSON_AddItemToObject(results, "depth_scale",
                              depth_scale_json(s, cells, ncells, !s->quiet));
        st = correlations(s, pts, cells, n, results, !s->quiet);
        if (!st)
            st = ranking(s, cells, ncells, results, !s->quiet);
        if (!st)
            count_diverged(pts, n, results, !s->quiet);
    }
    cJSON *outs = cJSON_AddObjectToObject(record, "outputs");
    cJSON_AddStringToObject(outs, "csv", "sweep.csv");
    cJSON_AddStringToObject(outs, "landscape", "landscape.csv");
    cJSON_AddStringToObject(outs, "points", "points/");
    free(cells);
    free(scans);
    return st;
}
