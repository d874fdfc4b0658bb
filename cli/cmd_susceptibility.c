/* dnncrit susceptibility: scan sigma_w (and widths, and external fields h) of random MLPs, measure
 * the activity susceptibility chi = N var(rho) and avalanche statistics at
 * every point, locate the peak of chi per width and compare it with the
 * mean-field critical sigma_w; finite-size scaling of the peak height and
 * of the avalanche cutoff across widths. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "avalanche_out.h"
#include "plot_option.h"
#include "cli.h"
#include "dnncrit/network.h"
#include "dnncrit/avalanche.h"
#include "dnncrit/crackling.h"
#include "dnncrit/io.h"
#include "dnncrit/meanfield.h"
#include "dnncrit/propagate.h"
#include "dnncrit/result.h"
#include "netaval_cli.h"

typedef struct {
    double sigma_w, chi, chi_err, chi_S, survival, mean_S, mean_T, max_S, size_cutoff;
    size_t completed, width;
    double field, rho, response, response_err;
} scan_point;

/* The grid: for each width, each field h, each sigma_w (point (iw, ih, is)
 * at (iw nf + ih) ns + is). */
typedef struct {
    const cli_dlist *sw, *widths, *fields;
    bool response; /* --field given: d rho / dh by the paired +-dh runs */
    double dh;
    size_t crackling;        /* --crackling B: bootstrap resamples at each peak (0: off) */
    size_t crackling_inputs; /* --crackling-inputs (0: --inputs) */
    double tmin, tmax;       /* --crackling-tmin/-tmax: the duration window */
} grid;

/* Bootstrap resamples of the peak position (dnc_curve_peak_find). */
#define PEAK_RESAMPLES 400

/* Least-squares line y = a + b x (of ln y on ln x when logs) with the
 * standard errors of b and a from the residuals (NAN with fewer than 3
 * usable points; b alone with 2). */
static void line_fit(const double *x, const double *y, size_t n, bool logs, double *slope,
                     double *err, double *icpt, double *icpt_err)
{
    *slope = *err = *icpt = *icpt_err = NAN;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (logs ? !(x[i] > 0) || !(y[i] > 0) : !isfinite(x[i]) || !isfinite(y[i]))
            continue;
        double lx = logs ? log(x[i]) : x[i], ly = logs ? log(y[i]) : y[i];
        sx += lx, sy += ly, sxx += lx * lx, sxy += lx * ly;
        m++;
    }
    double d = (double)m * sxx - sx * sx;
    if (m < 2 || !(d > 0))
        return;
    *slope = ((double)m * sxy - sx * sy) / d;
    *icpt = (sy - *slope * sx) / (double)m;
    if (m < 3)
        return;
    double rss = 0;
    for (size_t i = 0; i < n; i++) {
        if (logs ? !(x[i] > 0) || !(y[i] > 0) : !isfinite(x[i]) || !isfinite(y[i]))
            continue;
        double r = (logs ? log(y[i]) : y[i]) - *icpt - *slope * (logs ? log(x[i]) : x[i]);
        rss += r * r;
    }
    double s2 = rss / (double)(m - 2);
    *err = sqrt(s2 * (double)m / d);
    *icpt_err = sqrt(s2 * sxx / d);
}

/* One run of the scan at (width, sigma_w, field h). */
static dnc_status run_point(const cli_netaval_args *a, size_t width, double sigma_w, double h,
                            dnc_net_aval_result *r)
{
    cli_netaval_args b = *a;
    b.net.width = width;
    b.net.sigma_w = sigma_w;
    b.field = h;
    dnc_net_aval_opts o;
    dnc_status st = cli_netaval_build(&b, &o);
    return st ? st : dnc_net_avalanches(&o, r);
}

static dnc_status scan(const cli_netaval_args *a, const grid *g, scan_point *pts)
{
    size_t ns = g->sw->n, nf = g->fields->n, np = g->widths->n * nf * ns;
    dnc_progress prog;
    dnc_progress_start(&prog, "susceptibility", np, a->quiet);
    dnc_status st = DNC_OK;
    for (size_t i = 0; i < np && !st; i++) {
        size_t is = i % ns, ih = i / ns % nf, iw = i / ns / nf;
        size_t width = (size_t)g->widths->v[iw];
        double sw = g->sw->v[is], h = g->fields->v[ih];
        dnc_net_aval_result r;
        if ((st = run_point(a, width, sw, h, &r)))
            break;
        pts[i] = (scan_point){sw, r.chi, r.chi_err, r.chi_S, r.survival, r.mean_S, r.mean_T,
                              r.max_S, r.size_cutoff, r.av.count, width, h, r.rho, NAN, NAN};
        dnc_net_aval_result_free(&r);
        if (g->response) {
            cli_netaval_args b = *a;
            b.net.width = width;
            b.net.sigma_w = sw;
            b.field = h;
            dnc_net_aval_opts o;
            if (!(st = cli_netaval_build(&b, &o)))
                st = dnc_net_field_response(&o, g->dh, &pts[i].response, &pts[i].response_err);
        }
        dnc_progress_update(&prog, i + 1);
    }
    dnc_progress_finish(&prog);
    return st;
}

static dnc_status check_lists(const cli_netaval_args *a, const grid *g)
{
    const cli_dlist *sw = g->sw, *widths = g->widths, *f = g->fields;
    for (size_t i = 0; i < sw->n; i++)
        if (!(sw->v[i] > 0))
            return dnc_fail(DNC_EINVAL, "--sigma-w values must be > 0, got %g", sw->v[i]);
    for (size_t i = 1; i < sw->n; i++)
        if (!(sw->v[i] > sw->v[i - 1]))
            return dnc_fail(DNC_EINVAL, "--sigma-w values must increase");
    for (size_t i = 0; i < widths->n; i++)
        if (!(widths->v[i] >= 1) || widths->v[i] != floor(widths->v[i]) || widths->v[i] > 1e6)
            return dnc_fail(DNC_EINVAL, "--widths must be integers in [1, 1e6], got %g", widths->v[i]);
    for (size_t i = 1; i < f->n; i++)
        if (!(f->v[i] > f->v[i - 1]))
            return dnc_fail(DNC_EINVAL, "--field values must increase, got %g after %g", f->v[i],
                            f->v[i - 1]);
    if (g->response && !(g->dh > 0 && isfinite(g->dh)))
        return dnc_fail(DNC_EINVAL, "--field-step must be finite and > 0, got %g", g->dh);
    /* every field the scan will run (h and h +- dh) through the library's checks */
    for (size_t i = 0; i < f->n; i++)
        for (int k = g->response ? -1 : 0; k <= (g->response ? 1 : 0); k++) {
            cli_netaval_args b = *a;
            b.field = f->v[i] + k * (g->response ? g->dh : 0);
            dnc_net_aval_opts o;
            dnc_status st = cli_netaval_build(&b, &o);
            if (st)
                return st;
        }
    return DNC_OK;
}

/* The crackling relation at each chi peak (width, h): the avalanches of a
 * run at the peak's sigma_w (dnc_net_crackling_measure). A point whose
 * avalanches cannot be fitted (too few) is reported with its reason, not
 * an error. */
static dnc_status crackling_at_peaks(const cli_netaval_args *a, const grid *g,
                                     const scan_point *pts, const dnc_curve_peak *pk,
                                     dnc_net_crackling *cr, char (*why)[256])
{
    size_t ns = g->sw->n, nc = g->widths->n * g->fields->n;
    dnc_progress prog;
    dnc_progress_start(&prog, "susceptibility --crackling", nc, a->quiet);
    dnc_status st = DNC_OK;
    dnc_avalanche_opts ao = dnc_avalanche_opts_default();
    ao.gamma_tmin = g->tmin;
    ao.gamma_tmax = g->tmax;
    ao.duration_fit.xmax = g->tmax;
    ao.collapse_tmax = g->tmax;
    for (size_t c = 0; c < nc && !st; c++) {
        cli_netaval_args b = *a;
        b.net.width = pts[c * ns].width;
        b.net.sigma_w = pk[c].x;
        b.field = pts[c * ns].field;
        if (g->crackling_inputs)
            b.inputs = g->crackling_inputs;
        dnc_net_aval_opts o;
        if (!(st = cli_netaval_build(&b, &o))) {
            ao.seed = o.net.seed;
            st = dnc_net_crackling_measure(&o, &ao, g->crackling, &cr[c]);
            if (st == DNC_EINVAL || st == DNC_ENUM) { /* too few avalanches, no fit: a result */
                snprintf(why[c], sizeof why[c], "%s", dnc_last_error());
                dnc_clear_error();
                st = DNC_OK;
            }
        }
        dnc_progress_update(&prog, c + 1);
    }
    dnc_progress_finish(&prog);
    return st;
}

static void json_crackling(cJSON *p, const dnc_net_crackling *c, const char *why)
{
    cJSON *o = cJSON_AddObjectToObject(p, "crackling");
    const dnc_crackling_measurement *m = &c->m;
    cli_json_number(o, "sigma_w", c->sigma_w);
    cJSON_AddNumberToObject(o, "inputs_seeded", (double)c->seeded);
    cJSON_AddNumberToObject(o, "cut", (double)c->cut);
    cli_json_number(o, "survival", c->survival);
    if (why[0]) {
        cJSON_AddStringToObject(o, "error", why);
        return;
    }
    cli_json_crackling(o, m);
}

static void json_peak(cJSON *p, const char *name, const dnc_curve_peak *pk)
{
    char key[64];
    snprintf(key, sizeof key, "%s_sigma_w", name);
    cJSON *o = cJSON_AddObjectToObject(p, key);
    cli_json_number(o, "value", pk->x);
    cli_json_number(o, "resolution", pk->x_res);
    cli_json_number(o, "bootstrap_error", pk->x_err);
    cJSON_AddBoolToObject(o, "at_scan_edge", pk->at_edge);
    snprintf(key, sizeof key, "%s_max", name);
    cli_json_value_error(p, key, pk->y, pk->y_err);
}

static int run(const cli_netaval_args *a, const grid *g, int argc, char **argv)
{
    if (a->threads > 0)
        omp_set_num_threads((int)a->threads);
    double t0 = dnc_wall_time();
    dnc_net_aval_opts o0;
    dnc_status st = check_lists(a, g);
    if (!st)
        st = cli_netaval_build(a, &o0);
    if (st)
        return cli_fail("susceptibility") + 1; /* bad options: a usage error, 2 */
    const cli_dlist *sw = g->sw, *widths = g->widths, *fields = g->fields;
    size_t ns = sw->n, nf = fields->n, nw = widths->n, np = ns * nf * nw;
    scan_point *pts = calloc(np, sizeof *pts);
    dnc_curve_peak *pk = calloc(nw * nf, sizeof *pk), *pr = calloc(nw * nf, sizeof *pr);
    double *col = calloc(3 * ns + 3 * nf + 4 * nw, sizeof *col);
    dnc_net_crackling *cr = g->crackling ? calloc(nw * nf, sizeof *cr) : NULL;
    char(*why)[256] = g->crackling ? calloc(nw * nf, sizeof *why) : NULL;
    if (!pts || !pk || !pr || !col || (g->crackling && (!cr || !why)))
        st = dnc_fail(DNC_ENOMEM, "out of memory");
    if (!st)
        st = scan(a, g, pts);
    /* the peaks of chi and of the response for each (width, h): the Widom line */
    double *x = col, *y = x + ns, *ye = y + ns;
    for (size_t c = 0; c < nw * nf && !st; c++) {
        const scan_point *q = pts + c * ns;
        for (size_t i = 0; i < ns; i++)
            x[i] = q[i].sigma_w, y[i] = q[i].chi, ye[i] = q[i].chi_err;
        st = dnc_curve_peak_find(x, y, ye, ns, PEAK_RESAMPLES, o0.net.seed, &pk[c]);
        for (size_t i = 0; i < ns && !st; i++)
            y[i] = q[i].response, ye[i] = q[i].response_err;
        if (!st)
            st = dnc_curve_peak_find(x, y, ye, ns, PEAK_RESAMPLES, o0.net.seed, &pr[c]);
    }
    if (!st && g->crackling)
        st = crackling_at_peaks(a, g, pts, pk, cr, why);
    double sc = NAN;
    bool have_sc = dnc_mf_critical_sigma_w(o0.net.activation, o0.net.sigma_b, &sc) == DNC_OK;
    cJSON *root = NULL;
    cli_outset os = {0};
    FILE *fp;
    if (!st)
        st = cli_outset_open(&os, a->out, ".csv", &fp);
    if (!st) {
        dnc_result_write_header(fp, DNC_RESULT_SUSCEPTIBILITY);
        for (size_t i = 0; i < np; i++)
            fprintf(fp, "%zu,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%zu,%.10g,%.10g,%.10g,%.10g,%.10g\n",
                    pts[i].width, pts[i].sigma_w, pts[i].chi, pts[i].chi_err, pts[i].chi_S,
                    pts[i].survival, pts[i].mean_S, pts[i].mean_T, pts[i].max_S,
                    pts[i].completed, pts[i].size_cutoff, pts[i].field, pts[i].rho,
                    pts[i].response, pts[i].response_err);
        root = dnc_run_record_new("susceptibility", argc, argv);
        cJSON *c = cJSON_AddObjectToObject(root, "config");
        cJSON *l = cJSON_AddArrayToObject(c, "sigma_w");
        for (size_t i = 0; i < ns; i++)
            cJSON_AddItemToArray(l, cJSON_CreateNumber(sw->v[i]));
        l = cJSON_AddArrayToObject(c, "widths");
        for (size_t i = 0; i < nw; i++)
            cJSON_AddItemToArray(l, cJSON_CreateNumber(widths->v[i]));
        l = cJSON_AddArrayToObject(c, "fields");
        for (size_t i = 0; i < nf; i++)
            cJSON_AddItemToArray(l, cJSON_CreateNumber(fields->v[i]));
        cli_json_number(c, "field_step", g->response ? g->dh : NAN);
        cJSON_AddNumberToObject(c, "crackling_bootstrap", (double)g->crackling);
        cli_json_number(c, "crackling_tmin", g->tmin);
        cli_json_number(c, "crackling_tmax", g->tmax);
        cJSON_AddNumberToObject(c, "crackling_inputs",
                                (double)(g->crackling_inputs ? g->crackling_inputs : o0.inputs));
        cJSON_AddNumberToObject(c, "peak_resamples", PEAK_RESAMPLES);
        cli_netaval_json_config(c, &o0);
        cJSON_AddStringToObject(c, "out", a->out);
        cJSON *r = cJSON_AddObjectToObject(root, "results");
        cli_json_number(r, "meanfield_critical_sigma_w", have_sc ? sc : NAN);
        cJSON *peaks = cJSON_AddArrayToObject(r, "peaks");
        for (size_t c2 = 0; c2 < nw * nf; c2++) {
            const scan_point *q = pts + c2 * ns;
            cJSON *p = cJSON_CreateObject();
            cJSON_AddNumberToObject(p, "width", (double)q->width);
            cli_json_number(p, "field", q->field);
            cli_json_value_error(p, "peak_sigma_w", pk[c2].x, pk[c2].x_res);
            cli_json_number(p, "peak_sigma_w_bootstrap_error", pk[c2].x_err);
            cli_json_number(p, "peak_over_critical", have_sc ? pk[c2].x / sc : NAN);
            cli_json_number(p, "peak_minus_critical", have_sc ? pk[c2].x - sc : NAN);
            cli_json_number(p, "peak_chi", pk[c2].y);
            cli_json_number(p, "peak_chi_err", pk[c2].y_err);
            cli_json_number(p, "size_susceptibility_at_peak", q[pk[c2].index].chi_S);
            cli_json_number(p, "size_cutoff_at_peak", q[pk[c2].index].size_cutoff);
            cJSON_AddBoolToObject(p, "peak_at_scan_edge", pk[c2].at_edge);
            if (g->response)
                json_peak(p, "response_peak", &pr[c2]);
            if (g->crackling)
                json_crackling(p, &cr[c2], why[c2]);
            cJSON_AddItemToArray(peaks, p);
        }
        /* sigma_w of the peak against h, per width: the line's h -> 0 intercept */
        double *hx = col + 3 * ns, *hy = hx + nf, *hz = hy + nf;
        cJSON *ex = cJSON_AddArrayToObject(r, "widom_extrapolation");
        for (size_t iw = 0; iw < nw && nf >= 2; iw++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "width", widths->v[iw]);
            for (size_t ih = 0; ih < nf; ih++) {
                hx[ih] = fields->v[ih];
                hy[ih] = pk[iw * nf + ih].x;
                hz[ih] = pr[iw * nf + ih].x;
            }
            double b, be, a0, ae;
            line_fit(hx, hy, nf, false, &b, &be, &a0, &ae);
            cli_json_value_error(e, "chi_peak_sigma_w_at_h0", a0, ae);
            cli_json_value_error(e, "chi_peak_slope_dsigma_dh", b, be);
            cli_json_number(e, "chi_peak_h0_minus_critical", have_sc ? a0 - sc : NAN);
            if (g->response) {
                line_fit(hx, hz, nf, false, &b, &be, &a0, &ae);
                cli_json_value_error(e, "response_peak_sigma_w_at_h0", a0, ae);
                cli_json_value_error(e, "response_peak_slope_dsigma_dh", b, be);
                cli_json_number(e, "response_peak_h0_minus_critical", have_sc ? a0 - sc : NAN);
            }
            cJSON_AddItemToArray(ex, e);
        }
        /* chi_max ~ N^a per field; the first field also under the old keys */
        double *wx = hz + nf, *wy = wx + nw, *wz = wy + nw, *wc = wz + nw;
        cJSON *fl = cJSON_AddArrayToObject(r, "finite_size_scaling_by_field");
        for (size_t ih = 0; ih < nf; ih++) {
            double s, e, a0, ae;
            for (size_t iw = 0; iw < nw; iw++) {
                size_t c2 = iw * nf + ih;
                wx[iw] = widths->v[iw];
                wy[iw] = pk[c2].y;
                wz[iw] = pts[c2 * ns + pk[c2].index].chi_S;
                wc[iw] = pts[c2 * ns + pk[c2].index].size_cutoff;
            }
            if (ih == 0) {
                cJSON *fss = cJSON_AddObjectToObject(r, "finite_size_scaling");
                line_fit(wx, wy, nw, true, &s, &e, &a0, &ae);
                cli_json_value_error(fss, "peak_chi_exponent", s, e);
                line_fit(wx, wz, nw, true, &s, &e, &a0, &ae);
                cli_json_value_error(fss, "size_susceptibility_exponent", s, e);
                /* S_c ~ N^D with S_c the fitted cutoff of P(S) at each width's peak */
                line_fit(wx, wc, nw, true, &s, &e, &a0, &ae);
                cli_json_value_error(fss, "cutoff_exponent", s, e);
            }
            cJSON *f = cJSON_CreateObject();
            cli_json_number(f, "field", fields->v[ih]);
            line_fit(wx, wy, nw, true, &s, &e, &a0, &ae);
            cli_json_value_error(f, "peak_chi_exponent", s, e);
            if (g->response) {
                for (size_t iw = 0; iw < nw; iw++)
                    wy[iw] = pr[iw * nf + ih].y;
                line_fit(wx, wy, nw, true, &s, &e, &a0, &ae);
                cli_json_value_error(f, "response_max_exponent", s, e);
            }
            cJSON_AddItemToArray(fl, f);
        }
        dnc_run_record_finish(root, t0);
        st = cli_outset_commit(&os, a->out, root);
    } else {
        cli_outset_abort(&os);
    }
    if (!st && !a->quiet) {
        printf("susceptibility scan: %s, sigma_b = %g, L = %zu, rule %s; mean-field critical sigma_w = %s%.6g\n",
               dnc_activation_name(o0.net.activation), o0.net.sigma_b, o0.net.depth,
               dnc_net_rule_name(o0.rule), have_sc ? "" : "(none) ", sc);
        printf("%8s %8s %10s %12s %10s %10s %12s %12s %10s\n", "width", "h", "sigma_w", "chi",
               "+-", "survival", "<S^2>/<S>", "drho/dh", "+-");
        for (size_t i = 0; i < np; i++)
            printf("%8zu %8.4g %10.4f %12.5g %10.3g %10.3f %12.5g %12.5g %10.3g\n", pts[i].width,
                   pts[i].field, pts[i].sigma_w, pts[i].chi, pts[i].chi_err, pts[i].survival,
                   pts[i].chi_S, pts[i].response, pts[i].response_err);
        for (size_t c2 = 0; c2 < nw * nf; c2++) {
            const scan_point *q = pts + c2 * ns;
            printf("peak N = %zu, h = %g: sigma_w* = %.4f +- %.4f (bootstrap %.4f; %.3f x critical), chi = %.4g +- %.2g%s\n",
                   q->width, q->field, pk[c2].x, pk[c2].x_res, pk[c2].x_err,
                   have_sc ? pk[c2].x / sc : NAN, pk[c2].y, pk[c2].y_err,
                   pk[c2].at_edge ? "  (at the edge of the scan)" : "");
            if (g->response)
                printf("   response peak: sigma_w = %.4f +- %.4f (bootstrap %.4f), drho/dh = %.4g +- %.2g%s\n",
                       pr[c2].x, pr[c2].x_res, pr[c2].x_err, pr[c2].y, pr[c2].y_err,
                       pr[c2].at_edge ? "  (at the edge of the scan)" : "");
        }
        for (size_t c2 = 0; g->crackling && c2 < nw * nf; c2++) {
            const dnc_crackling_measurement *m = &cr[c2].m;
            printf("crackling at the peak N = %zu, h = %g, sigma_w = %.4f: ", cr[c2].width,
                   cr[c2].field, cr[c2].sigma_w);
            if (why[c2][0]) {
                printf("not measured: %s\n", why[c2]);
                continue;
            }
            printf("%zu avalanches (%zu cut), tau %.3f +- %.3f (%zu in tail), alpha %.3f +- %.3f "
                   "(%zu in tail); ",
                   m->count, cr[c2].cut, m->tau, m->tau_err, m->size_tail, m->alpha, m->alpha_err,
                   m->duration_tail);
            if (!m->gamma_ok) {
                printf("gamma not fitted: %s\n", m->gamma_error);
                continue;
            }
            printf("gamma %.3f +- %.3f (T in [%g, %g], %zu durations); (alpha-1)/(tau-1) = %.3f "
                   "+- %.3f, deviation %.3f +- %.3f (propagated %.3f, bootstrap %.3f): %.1f sigma\n",
                   m->gamma, m->gamma_err, m->gamma_tmin, m->gamma_tmax, m->gamma_durations,
                   m->cr.predicted, m->cr.predicted_err, m->cr.difference, m->err,
                   m->cr.difference_err, m->boot_err, m->z);
        }
    }
    cJSON_Delete(root);
    free(pts);
    free(pk);
    free(pr);
    free(col);
    free(cr);
    free(why);
    return st ? cli_fail("susceptibility") : 0;
}

typedef struct {
    cli_netaval_args a;
    cli_dlist sw, widths, fields;
    double dh;
    size_t crackling, crackling_inputs;
    double tmin, tmax;
} susc_args;

/* The default --sigma-w and --widths lists where none was given; false
 * when out of memory. */
static bool fill_defaults(cli_dlist *sw, cli_dlist *widths)
{
    if (sw->n == 0) {
        sw->n = 9;
        sw->v = malloc(sw->n * sizeof *sw->v);
        for (size_t i = 0; sw->v && i < sw->n; i++)
            sw->v[i] = 0.8 + 0.1 * (double)i;
    }
    if (widths->n == 0) {
        widths->n = 2;
        widths->v = malloc(2 * sizeof *widths->v);
        if (widths->v)
            widths->v[0] = 64, widths->v[1] = 128;
    }
    return sw->v && widths->v;
}

static int run_cmd(void *ctx, const cli_command *cli, int argc, char **argv)
{
    (void)cli;
    susc_args *s = ctx;
    if (!fill_defaults(&s->sw, &s->widths))
        return cli_failf("susceptibility", "out of memory");
    /* without --field: the one field h = 0, no response runs */
    double h0 = 0;
    cli_dlist one = {.n = 1, .v = &h0};
    grid g = {&s->sw,  &s->widths,   s->fields.n ? &s->fields : &one, s->fields.n > 0, s->dh,
              s->crackling, s->crackling_inputs, s->tmin, s->tmax};
    return run(&s->a, &g, argc, argv);
}

int cmd_susceptibility(int argc, char **argv)
{
    const char *plot = NULL;
    susc_args s = {.a = cli_netaval_args_default("susceptibility"), .dh = 0.005, .tmax = INFINITY};
    cli_opt opts[32] = {
        CLI_PARAM_LIST(dnc_net_param_sigma_w, &s.sw, "sigma_w values: a,b,c or lo:hi:n (default 0.8:1.6:9)"),
        CLI_OPT("widths", CLI_OPT_DLIST, &s.widths, "widths N: a,b,c (default 64,128)"),
    };
    size_t n = 2;
    cli_netaval_add_options(&s.a, opts, &n);
    /* the shared scalar --field becomes the list of fields of the scan */
    for (size_t i = 0; i < n; i++)
        if (opts[i].param == &dnc_propagate_param_field)
            opts[i] = (cli_opt)CLI_PARAM_LIST(
                dnc_propagate_param_field, &s.fields,
                "external fields h (added to every bias): a,b,c or lo:hi:n, increasing; given, "
                "each point also gets the response d rho/dh by paired runs at h +- --field-step "
                "on the same networks (default: h = 0 alone, no response)");
    opts[n++] = (cli_opt)CLI_OPT_IN("field-step", CLI_OPT_DOUBLE, &s.dh,
                                    "dh of the response's central difference",
                                    "(0,inf)");
    opts[n++] = (cli_opt)CLI_OPT(
        "crackling", CLI_OPT_SIZE, &s.crackling,
        "at each chi peak (width, h): avalanches at the peak's sigma_w, tau, alpha, gamma (with "
        "its fit window), (alpha-1)/(tau-1) and the deviation in sigmas, its error the larger of "
        "the propagated one and a bootstrap over avalanches with this many resamples (0: off; "
        "< 20: propagated only)");
    opts[n++] = (cli_opt)CLI_OPT("crackling-inputs", CLI_OPT_SIZE, &s.crackling_inputs,
                                 "inputs per network of the --crackling runs (0: --inputs)");
    opts[n++] = (cli_opt)CLI_OPT_IN("crackling-tmin", CLI_OPT_DOUBLE, &s.tmin,
                                    "--crackling: smallest duration of the <S>(T) fit (0: the "
                                    "duration fit's xmin)", "[0,inf)");
    opts[n++] = (cli_opt)CLI_OPT_IN("crackling-tmax", CLI_OPT_DOUBLE, &s.tmax,
                                    "--crackling: largest duration of the <S>(T) fit, the shape "
                                    "collapse and the duration fit (a truncated power law; "
                                    "default: no bound), e.g. below "
                                    "the depth, where the last layer cuts the durations",
                                    "(0,inf)");
    opts[n++] = (cli_opt)CLI_PLOT_OPTION(plot);
    cli_command cli = {.command = "susceptibility",
                   .summary = "Scan sigma_w for each width: susceptibility chi = N var(rho) of the "
                              "fraction of active units (mean over the second half of the layers), "
                              "avalanche size susceptibility <S^2>/<S>, survival to the last "
                              "layer. Reports the peak of chi per width, its position relative to "
                              "the mean-field critical sigma_w and finite-size scaling exponents "
                              "of the peak height and of the avalanche cutoff. With --field a,b,c: the scan "
                              "for each external field h, the response d rho/dh by paired runs "
                              "at h +- --field-step, and the Widom line (the peak per width and "
                              "h, its h -> 0 intercept, chi_max ~ N^a per h). With --crackling B: the "
                              "crackling relation at each peak.",
                   .example = "dnncrit susceptibility --sigma-w 0.8:1.6:17 --widths 64,128,256 --out scan",
                   .opts = opts,
                   .nopts = n};
    cli_runner r = {run_cmd, &s, &plot, &s.a.out, ".json"};
    return cli_run(&cli, argc, argv, &r); /* frees s.sw.v, s.widths.v and s.fields.v (DLISTs) */
}
