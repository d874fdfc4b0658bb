/* dnncrit susceptibility: scan sigma_w (and widths) of random MLPs, measure
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
#include "dnncrit/io.h"
#include "dnncrit/meanfield.h"
#include "dnncrit/result.h"
#include "netaval_cli.h"

typedef struct {
    double sigma_w, chi, chi_err, chi_S, survival, mean_S, mean_T, max_S, size_cutoff;
    size_t completed, width;
} scan_point;

typedef struct {
    size_t width;
    double peak_sigma_w, peak_sigma_w_err, peak_chi, peak_chi_S, peak_size_cutoff;
    bool at_edge;
} width_peak;

/* Vertex of the parabola through the maximum and its neighbours; the
 * error is half the grid spacing (the resolution of the scan). */
static width_peak find_peak(const scan_point *p, size_t n)
{
    size_t b = 0;
    for (size_t i = 1; i < n; i++)
        if (p[i].chi > p[b].chi)
            b = i;
    width_peak w = {.width = p[0].width, .peak_sigma_w = p[b].sigma_w, .peak_chi = p[b].chi,
                    .peak_chi_S = p[b].chi_S, .peak_size_cutoff = p[b].size_cutoff,
                    .at_edge = b == 0 || b + 1 == n};
    double h = n > 1 ? fabs(p[n - 1].sigma_w - p[0].sigma_w) / (double)(n - 1) : NAN;
    w.peak_sigma_w_err = h / 2;
    if (!w.at_edge) {
        double x0 = p[b - 1].sigma_w, x1 = p[b].sigma_w, x2 = p[b + 1].sigma_w;
        double y0 = p[b - 1].chi, y1 = p[b].chi, y2 = p[b + 1].chi;
        double d = (x0 - x1) * (x0 - x2) * (x1 - x2);
        double A = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / d;
        double B = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / d;
        if (A < 0) {
            double v = -B / (2 * A);
            if (v > x0 && v < x2)
                w.peak_sigma_w = v;
        }
    }
    return w;
}

/* Least-squares slope of ln y on ln x with its standard error (NAN with
 * fewer than 3 points). */
static void loglog_slope(const double *x, const double *y, size_t n, double *slope, double *err)
{
    *slope = *err = NAN;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] > 0) || !(y[i] > 0))
            continue;
        double lx = log(x[i]), ly = log(y[i]);
        sx += lx, sy += ly, sxx += lx * lx, sxy += lx * ly;
        m++;
    }
    double d = (double)m * sxx - sx * sx;
    if (m < 2 || !(d > 0))
        return;
    *slope = ((double)m * sxy - sx * sy) / d;
    if (m < 3)
        return;
    double icpt = (sy - *slope * sx) / (double)m, rss = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] > 0) || !(y[i] > 0))
            continue;
        double r = log(y[i]) - icpt - *slope * log(x[i]);
        rss += r * r;
    }
    *err = sqrt(rss / (double)(m - 2) * (double)m / d);
}

static dnc_status scan(const cli_netaval_args *a, const cli_dlist *sw, const cli_dlist *widths,
                       scan_point *pts)
{
    dnc_progress prog;
    dnc_progress_start(&prog, "susceptibility", sw->n * widths->n, a->quiet);
    dnc_status st = DNC_OK;
    for (size_t iw = 0; iw < widths->n && !st; iw++)
        for (size_t is = 0; is < sw->n && !st; is++) {
            cli_netaval_args b = *a;
            b.net.width = (size_t)widths->v[iw];
            b.net.sigma_w = sw->v[is];
            dnc_net_aval_opts o;
            dnc_net_aval_result r;
            if ((st = cli_netaval_build(&b, &o)) || (st = dnc_net_avalanches(&o, &r)))
                break;
            pts[iw * sw->n + is] = (scan_point){b.net.sigma_w, r.chi, r.chi_err, r.chi_S,
                                                r.survival, r.mean_S, r.mean_T, r.max_S,
                                                r.size_cutoff, r.av.count, b.net.width};
            dnc_net_aval_result_free(&r);
            dnc_progress_update(&prog, iw * sw->n + is + 1);
        }
    dnc_progress_finish(&prog);
    return st;
}

static dnc_status check_lists(const cli_dlist *sw, const cli_dlist *widths)
{
    for (size_t i = 0; i < sw->n; i++)
        if (!(sw->v[i] > 0))
            return dnc_fail(DNC_EINVAL, "--sigma-w values must be > 0, got %g", sw->v[i]);
    for (size_t i = 1; i < sw->n; i++)
        if (!(sw->v[i] > sw->v[i - 1]))
            return dnc_fail(DNC_EINVAL, "--sigma-w values must increase");
    for (size_t i = 0; i < widths->n; i++)
        if (!(widths->v[i] >= 1) || widths->v[i] != floor(widths->v[i]) || widths->v[i] > 1e6)
            return dnc_fail(DNC_EINVAL, "--widths must be integers in [1, 1e6], got %g", widths->v[i]);
    return DNC_OK;
}

static int run(const cli_netaval_args *a, const cli_dlist *sw, const cli_dlist *widths, int argc,
               char **argv)
{
    if (a->threads > 0)
        omp_set_num_threads((int)a->threads);
    double t0 = dnc_wall_time();
    dnc_net_aval_opts o0;
    dnc_status st = check_lists(sw, widths);
    if (!st)
        st = cli_netaval_build(a, &o0);
    if (st)
        return cli_fail("susceptibility") + 1; /* bad options: a usage error, 2 */
    size_t np = sw->n * widths->n;
    scan_point *pts = calloc(np, sizeof *pts);
    width_peak *pk = calloc(widths->n, sizeof *pk);
    double *wx = calloc(widths->n, sizeof *wx), *wy = calloc(widths->n, sizeof *wy),
           *wz = calloc(widths->n, sizeof *wz), *wc = calloc(widths->n, sizeof *wc);
    if (!pts || !pk || !wx || !wy || !wz || !wc)
        st = dnc_fail(DNC_ENOMEM, "out of memory");
    if (!st)
        st = scan(a, sw, widths, pts);
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
            fprintf(fp, "%zu,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%zu,%.10g\n",
                    pts[i].width, pts[i].sigma_w, pts[i].chi, pts[i].chi_err, pts[i].chi_S,
                    pts[i].survival, pts[i].mean_S, pts[i].mean_T, pts[i].max_S,
                    pts[i].completed, pts[i].size_cutoff);
        root = dnc_run_record_new("susceptibility", argc, argv);
        cJSON *c = cJSON_AddObjectToObject(root, "config");
        cJSON *l = cJSON_AddArrayToObject(c, "sigma_w");
        for (size_t i = 0; i < sw->n; i++)
            cJSON_AddItemToArray(l, cJSON_CreateNumber(sw->v[i]));
        l = cJSON_AddArrayToObject(c, "widths");
        for (size_t i = 0; i < widths->n; i++)
            cJSON_AddItemToArray(l, cJSON_CreateNumber(widths->v[i]));
        cli_netaval_json_config(c, &o0);
        cJSON_AddStringToObject(c, "out", a->out);
        cJSON *r = cJSON_AddObjectToObject(root, "results");
        cli_json_number(r, "meanfield_critical_sigma_w", have_sc ? sc : NAN);
        cJSON *peaks = cJSON_AddArrayToObject(r, "peaks");
        for (size_t iw = 0; iw < widths->n; iw++) {
            pk[iw] = find_peak(pts + iw * sw->n, sw->n);
            cJSON *p = cJSON_CreateObject();
            cJSON_AddNumberToObject(p, "width", (double)pk[iw].width);
            cli_json_value_error(p, "peak_sigma_w", pk[iw].peak_sigma_w, pk[iw].peak_sigma_w_err);
            cli_json_number(p, "peak_over_critical", have_sc ? pk[iw].peak_sigma_w / sc : NAN);
            cli_json_number(p, "peak_minus_critical", have_sc ? pk[iw].peak_sigma_w - sc : NAN);
            cli_json_number(p, "peak_chi", pk[iw].peak_chi);
            cli_json_number(p, "size_susceptibility_at_peak", pk[iw].peak_chi_S);
            cli_json_number(p, "size_cutoff_at_peak", pk[iw].peak_size_cutoff);
            cJSON_AddBoolToObject(p, "peak_at_scan_edge", pk[iw].at_edge);
            cJSON_AddItemToArray(peaks, p);
            wx[iw] = (double)pk[iw].width;
            wy[iw] = pk[iw].peak_chi;
            wz[iw] = pk[iw].peak_chi_S;
            wc[iw] = pk[iw].peak_size_cutoff;
        }
        double s, e;
        cJSON *fss = cJSON_AddObjectToObject(r, "finite_size_scaling");
        loglog_slope(wx, wy, widths->n, &s, &e);
        cli_json_value_error(fss, "peak_chi_exponent", s, e);
        loglog_slope(wx, wz, widths->n, &s, &e);
        cli_json_value_error(fss, "size_susceptibility_exponent", s, e);
        /* S_c ~ N^D with S_c the fitted cutoff of P(S) at each width's peak */
        loglog_slope(wx, wc, widths->n, &s, &e);
        cli_json_value_error(fss, "cutoff_exponent", s, e);
        dnc_run_record_finish(root, t0);
        st = cli_outset_commit(&os, a->out, root);
    } else {
        cli_outset_abort(&os);
    }
    if (!st && !a->quiet) {
        printf("susceptibility scan: %s, sigma_b = %g, L = %zu, rule %s; mean-field critical sigma_w = %s%.6g\n",
               dnc_activation_name(o0.net.activation), o0.net.sigma_b, o0.net.depth,
               dnc_net_rule_name(o0.rule), have_sc ? "" : "(none) ", sc);
        printf("%8s %10s %12s %10s %10s %12s\n", "width", "sigma_w", "chi", "+-", "survival",
               "<S^2>/<S>");
        for (size_t i = 0; i < np; i++)
            printf("%8zu %10.4f %12.5g %10.3g %10.3f %12.5g\n", pts[i].width, pts[i].sigma_w,
                   pts[i].chi, pts[i].chi_err, pts[i].survival, pts[i].chi_S);
        for (size_t iw = 0; iw < widths->n; iw++)
            printf("peak N = %zu: sigma_w* = %.4f +- %.4f (%.3f x critical), chi = %.4g%s\n",
                   pk[iw].width, pk[iw].peak_sigma_w, pk[iw].peak_sigma_w_err,
                   have_sc ? pk[iw].peak_sigma_w / sc : NAN, pk[iw].peak_chi,
                   pk[iw].at_edge ? "  (at the edge of the scan)" : "");
    }
    cJSON_Delete(root);
    free(pts);
    free(pk);
    free(wx);
    free(wy);
    free(wz);
    free(wc);
    return st ? cli_fail("susceptibility") : 0;
}

typedef struct {
    cli_netaval_args a;
    cli_dlist sw, widths;
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
    return run(&s->a, &s->sw, &s->widths, argc, argv);
}

int cmd_susceptibility(int argc, char **argv)
{
    const char *plot = NULL;
    susc_args s = {.a = cli_netaval_args_default("susceptibility")};
    cli_opt opts[32] = {
        CLI_PARAM_LIST(dnc_net_param_sigma_w, &s.sw, "sigma_w values: a,b,c or lo:hi:n (default 0.8:1.6:9)"),
        CLI_OPT("widths", CLI_OPT_DLIST, &s.widths, "widths N: a,b,c (default 64,128)"),
    };
    size_t n = 2;
    cli_netaval_add_options(&s.a, opts, &n);
    opts[n++] = (cli_opt)CLI_PLOT_OPTION(plot);
    cli_command cli = {.command = "susceptibility",
                   .summary = "Scan sigma_w for each width: susceptibility chi = N var(rho) of the "
                              "fraction of active units (mean over the second half of the layers), "
                              "avalanche size susceptibility <S^2>/<S>, survival to the last "
                              "layer. Reports the peak of chi per width, its position relative to "
                              "the mean-field critical sigma_w and finite-size scaling exponents "
                              "of the peak height and of the avalanche cutoff.",
                   .example = "dnncrit susceptibility --sigma-w 0.8:1.6:17 --widths 64,128,256 --out scan",
                   .opts = opts,
                   .nopts = n};
    cli_runner r = {run_cmd, &s, &plot, &s.a.out, ".json"};
    return cli_run(&cli, argc, argv, &r); /* frees s.sw.v and s.widths.v (DLISTs) */
}
