/* dnncrit exponents: decay exponent, effective exponents, critical point,
 * off-critical exponents and metric factor from rho(t) curves. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "plot_option.h"
#include "dnncrit/dp.h"
#include "dnncrit/io.h"
#include "dnncrit/result.h"
#include "dnncrit/scaling.h"

typedef struct {
    const char *column, *out, *model;
    double tmin, tmax, tmin_spread, m, omega, pc, tburn, p, kappa_mf, relax_hi, relax_lo;
    size_t nboot, threads, L, T, samples, runs;
    uint64_t seed;
    cli_dlist params;
    bool quiet, kappa, simulate, logcorr;
} ex_opts;

/* One series per file group: all files, or one file per --params entry. */
static dnc_status load_series(const ex_opts *o, char **files, size_t nfiles, dnc_series **out,
                              size_t *nout)
{
    size_t groups = o->params.n ? nfiles : 1;
    dnc_series *s = calloc(groups, sizeof *s);
    dnc_table *tabs = calloc(nfiles, sizeof *tabs);
    dnc_status st = (!s || !tabs) ? dnc_fail(DNC_ENOMEM, "out of memory") : DNC_OK;
    for (size_t i = 0; !st && i < nfiles; i++)
        st = dnc_table_read(files[i], &dnc_series_table_opts, &tabs[i]);
    for (size_t g = 0; !st && g < groups; g++) {
        st = o->params.n ? dnc_series_from_tables(&tabs[g], 1, o->column, &s[g])
                         : dnc_series_from_tables(tabs, nfiles, o->column, &s[g]);
        s[g].param = o->params.n ? o->params.v[g] : NAN;
    }
    for (size_t i = 0; tabs && i < nfiles; i++)
        dnc_table_free(&tabs[i]);
    free(tabs);
    if (st) {
        for (size_t g = 0; s && g < groups; g++)
            dnc_series_free(&s[g]);
        free(s);
        return st;
    }
    *out = s;
    *nout = groups;
    return DNC_OK;
}

/* Runs the reference simulator at each parameter (or at its p_c). */
static dnc_status simulate_series(const ex_opts *o, dnc_series **out, size_t *nout)
{
    dnc_dp_opts d = dnc_dp_opts_default();
    dnc_status st = dnc_dp_model_parse(o->model, &d.model);
    if (st)
        return st;
    size_t n = o->params.n ? o->params.n : 1;
    dnc_series *s = calloc(n, sizeof *s);
    if (!s)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    for (size_t g = 0; !st && g < n; g++) {
        d.p = o->params.n ? o->params.v[g] : (isnan(o->p) ? dnc_dp_critical_p(d.model) : o->p);
        d.L = o->L;
        d.tmax = o->T;
        d.samples = o->samples;
        d.runs = o->runs;
        d.seed = o->seed + g;
        d.quiet = o->quiet;
        dnc_dp_result r;
        if ((st = dnc_dp_run(&d, &r)))
            break;
        if (!(st = dnc_series_alloc(&s[g], r.ntimes, r.samples, false))) {
            memcpy(s[g].t, r.t, r.ntimes * sizeof(double));
            memcpy(s[g].y, strcmp(o->column, "surv") == 0   ? r.surv
                           : strcmp(o->column, "nact") == 0 ? r.nact
                                                            : r.rho,
                   r.ntimes * r.samples * sizeof(double));
            s[g].param = d.p;
            s[g].size = (double)d.L;
        }
        dnc_dp_result_free(&r);
    }
    if (st) {
        for (size_t g = 0; g < n; g++)
            dnc_series_free(&s[g]);
        free(s);
        return st;
    }
    *out = s;
    *nout = n;
    return DNC_OK;
}

/* kappa[g]: the metric factor that scales series g (NAN: none), so that
 * curves of different activations collapse on rho = 1/(kappa l). */
static dnc_status write_eff_csv(const char *path, const dnc_series *s, size_t n,
                                const dnc_decay_result *d, const double *kappa)
{
    dnc_afile f;
    dnc_status st = dnc_afile_open(&f, path);
    if (st)
        return st;
    dnc_result_write_header(f.fp, DNC_RESULT_EXPONENTS);
    for (size_t g = 0; g < n; g++) {
        double *m = malloc(s[g].nt * sizeof *m), *e = malloc(s[g].nt * sizeof *e);
        if (!m || !e) {
            free(m);
            free(e);
            dnc_afile_abort(&f);
            return dnc_fail(DNC_ENOMEM, "out of memory");
        }
        dnc_series_mean(&s[g], m, e);
        size_t j = 0;
        for (size_t k = 0; k < s[g].nt; k++) {
            while (j < d[g].neff && d[g].t_eff[j] < s[g].t[k])
                j++;
            bool has = j < d[g].neff && d[g].t_eff[j] == s[g].t[k];
            fprintf(f.fp, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", s[g].param,
                    s[g].t[k], m[k], e[k], has ? d[g].delta_eff[j] : NAN,
                    has ? d[g].delta_eff_err[j] : NAN, kappa[g] * s[g].t[k],
                    kappa[g] * s[g].t[k] * m[k]);
        }
        free(m);
        free(e);
    }
    return dnc_afile_commit(&f);
}

static void print_decay(const dnc_series *s, const dnc_decay_result *d)
{
    if (isfinite(s->param))
        printf("  param %-12.9g ", s->param);
    else
        printf("  ");
    printf("delta = %.5f +- %.5f (fit), delta_inf = %.5f +- %.5f (extrapolated), curvature "
           "%+.4f +- %.4f\n",
           d->delta.value, d->delta.error, d->delta_inf.value, d->delta_inf.error,
           d->curvature.value, d->curvature.error);
    dnc_estimate q = d->quote_inf ? d->delta_inf : d->delta;
    printf("    quote %s = %.5f +- %.5f (stat) +- %.5f (syst): %s\n",
           d->quote_inf ? "delta_inf" : "delta", q.value, q.error, d->systematic,
           dnc_decay_quote_reason(d));
}

/* "quote": which estimate, its value, statistical and systematic errors, why. */
static cJSON *quote_json(const dnc_decay_result *d)
{
    dnc_estimate q = d->quote_inf ? d->delta_inf : d->delta;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "estimate", d->quote_inf ? "delta_inf" : "delta");
    cli_json_number(j, "value", q.value);
    cli_json_number(j, "error", q.error);
    cli_json_number(j, "systematic", d->systematic);
    cJSON_AddStringToObject(j, "why", dnc_decay_quote_reason(d));
    return j;
}

/* beta and nu_par from runs on both sides of a known critical point. */
static dnc_status off_critical(const ex_opts *o, const dnc_series *s, size_t n, cJSON *res)
{
    double *tau = malloc(n * sizeof *tau), *ys = malloc(n * sizeof *ys), *dys = malloc(n * sizeof *dys);
    double *ta = malloc(n * sizeof *ta), *xi = malloc(n * sizeof *xi), *dxi = malloc(n * sizeof *dxi);
    dnc_status st = (!tau || !ys || !dys || !ta || !xi || !dxi)
                        ? dnc_fail(DNC_ENOMEM, "out of memory") : DNC_OK;
    size_t na = 0, nx = 0;
    cJSON *pts = cJSON_AddArrayToObject(res, "off_critical");
    for (size_t g = 0; !st && g < n; g++) {
        double t = s[g].param - o->pc;
        if (t == 0.0)
            continue;
        dnc_estimate star = {0.0, 0.0}, x;
        if (t > 0.0) {
            double tb = isnan(o->tburn) ? s[g].t[s[g].nt - 1] / 2.0 : o->tburn;
            if ((st = dnc_stationary(&s[g], tb, &star)))
                break;
            tau[na] = t;
            ys[na] = star.value;
            dys[na++] = star.error;
        }
        if (dnc_relaxation_time(&s[g], star.value, o->relax_hi, o->relax_lo, o->nboot, o->seed, &x) == DNC_OK) {
            ta[nx] = t;
            xi[nx] = x.value;
            dxi[nx++] = x.error;
        } else {
            x = (dnc_estimate){NAN, NAN};
            dnc_clear_error();
        }
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "param", s[g].param);
        cJSON_AddNumberToObject(p, "tau", t);
        if (t > 0.0)
            cJSON_AddItemToObject(p, "stationary", dnc_json_estimate(star.value, star.error));
        cJSON_AddItemToObject(p, "xi", dnc_json_estimate(x.value, x.error));
        cJSON_AddItemToArray(pts, p);
        cli_say(o->quiet, "  tau = %+.6g: %s xi = %.5g +- %.2g\n", t, t > 0 ? "rho* and" : "", x.value,
               x.error);
    }
    dnc_estimate e, a;
    if (!st && na >= 3 && dnc_power_fit(tau, ys, dys, na, &e, &a) == DNC_OK) {
        cJSON_AddItemToObject(res, "beta", dnc_json_estimate(e.value, e.error));
        cli_say(o->quiet, "  beta = %.5f +- %.5f (from %zu points with tau > 0)\n", e.value, e.error, na);
    }
    if (!st && nx >= 3 && dnc_power_fit(ta, xi, dxi, nx, &e, &a) == DNC_OK) {
        e.value = -e.value;
        cJSON_AddItemToObject(res, "nu_par", dnc_json_estimate(e.value, e.error));
        cli_say(o->quiet, "  nu_par = %.5f +- %.5f (from %zu relaxation times)\n", e.value, e.error, nx);
    }
    dnc_clear_error();
    free(tau);
    free(ys);
    free(dys);
    free(ta);
    free(xi);
    free(dxi);
    return st;
}

static cJSON *config_json(const ex_opts *o, char **files, size_t nfiles)
{
    cJSON *c = cJSON_CreateObject();
    cJSON *fl = cJSON_AddArrayToObject(c, "files");
    for (size_t i = 0; i < nfiles; i++)
        cJSON_AddItemToArray(fl, cJSON_CreateString(files[i]));
    cJSON_AddStringToObject(c, "column", o->column);
    cJSON_AddNumberToObject(c, "tmin", o->tmin);
    cJSON_AddNumberToObject(c, "tmax", o->tmax);
    cJSON_AddNumberToObject(c, "tmin_spread", o->tmin_spread);
    cJSON_AddNumberToObject(c, "m", o->m);
    cJSON_AddNumberToObject(c, "omega", o->omega);
    cJSON_AddBoolToObject(c, "log_correction", o->logcorr);
    cJSON_AddNumberToObject(c, "nboot", (double)o->nboot);
    cJSON_AddNumberToObject(c, "seed", (double)o->seed);
    cJSON *pl = cJSON_AddArrayToObject(c, "params");
    for (size_t i = 0; i < o->params.n; i++)
        cJSON_AddItemToArray(pl, cJSON_CreateNumber(o->params.v[i]));
    cJSON_AddNumberToObject(c, "pc", o->pc);
    cJSON_AddNumberToObject(c, "tburn", o->tburn);
    cJSON_AddNumberToObject(c, "relax_hi", o->relax_hi);
    cJSON_AddNumberToObject(c, "relax_lo", o->relax_lo);
    cJSON_AddBoolToObject(c, "kappa", o->kappa);
    cJSON_AddNumberToObject(c, "kappa_mf", o->kappa_mf);
    cJSON_AddBoolToObject(c, "simulate", o->simulate);
    if (o->simulate) {
        cJSON_AddStringToObject(c, "model", o->model);
        cJSON_AddNumberToObject(c, "p", o->p);
        cJSON_AddNumberToObject(c, "L", (double)o->L);
        cJSON_AddNumberToObject(c, "T", (double)o->T);
        cJSON_AddNumberToObject(c, "samples", (double)o->samples);
        cJSON_AddNumberToObject(c, "runs", (double)o->runs);
    }
    return c;
}

static int run(const ex_opts *o, char **files, size_t nfiles, int argc, char **argv)
{
    double t0 = dnc_wall_time();
    dnc_series *s = NULL;
    size_t n = 0;
    dnc_status st = o->simulate ? simulate_series(o, &s, &n) : load_series(o, files, nfiles, &s, &n);
    if (st)
        return cli_fail("exponents");
    dnc_decay_opts dopt = {o->tmin, o->tmax, o->m, o->omega, o->logcorr, o->nboot, o->seed,
                           o->tmin_spread};
    dnc_decay_result *d = calloc(n, sizeof *d);
    double *kap = malloc(n * sizeof *kap);
    cJSON *rec = dnc_run_record_new("exponents", argc, argv);
    cJSON_AddItemToObject(rec, "config", config_json(o, files, nfiles));
    cJSON *res = cJSON_AddObjectToObject(rec, "results");
    cJSON *fits = cJSON_AddArrayToObject(res, "decay");
    int rc = 0;
    if (!d || !kap) {
        rc = cli_failf("exponents", "out of memory");
        goto done;
    }
    cli_say(o->quiet, "exponents: %zu series, column %s, window t in [%g, %s]\n", n, o->column, o->tmin,
           o->tmax > 0 ? "tmax" : "end");
    for (size_t g = 0; g < n; g++) {
        if ((st = dnc_decay_fit(&s[g], &dopt, &d[g]))) {
            rc = cli_fail("exponents");
            goto done;
        }
        if (!o->quiet)
            print_decay(&s[g], &d[g]);
        kap[g] = NAN;
        cJSON *j = cJSON_CreateObject();
        if (isfinite(s[g].param))
            cJSON_AddNumberToObject(j, "param", s[g].param);
        cJSON_AddNumberToObject(j, "samples", (double)s[g].ns);
        cJSON_AddItemToObject(j, "delta", dnc_json_estimate(d[g].delta.value, d[g].delta.error));
        cJSON_AddItemToObject(j, "delta_inf", dnc_json_estimate(d[g].delta_inf.value, d[g].delta_inf.error));
        cJSON_AddItemToObject(j, "amplitude", dnc_json_estimate(d[g].amplitude.value, d[g].amplitude.error));
        cJSON_AddItemToObject(j, "curvature", dnc_json_estimate(d[g].curvature.value, d[g].curvature.error));
        cli_json_number(j, "systematic", d[g].systematic);
        cJSON_AddItemToObject(j, "quote", quote_json(&d[g]));
        cJSON_AddStringToObject(j, "error_method", dnc_err_method_name(d[g].method));
        if (o->kappa) {
            dnc_estimate k, tk;
            if (dnc_metric_factor(&s[g], o->tmin, o->tmax, o->nboot, o->seed, &k, &tk)) {
                rc = cli_fail("exponents");
                cJSON_AddItemToArray(fits, j);
                goto done;
            }
            cJSON_AddItemToObject(j, "kappa", dnc_json_estimate(k.value, k.error));
            kap[g] = o->kappa_mf > 0 ? o->kappa_mf : k.value;
            cJSON_AddItemToObject(j, "kappa_t0", dnc_json_estimate(tk.value, tk.error));
            cli_say(o->quiet, "    metric factor: 1/rho = kappa (t + t0), kappa = %.6g +- %.2g, t0 = %.4g",
                   k.value, k.error, tk.value);
            if (o->kappa_mf > 0) {
                cJSON_AddNumberToObject(j, "kappa_ratio", k.value / o->kappa_mf);
                cli_say(o->quiet, ", kappa / kappa_mf = %.5f +- %.5f", k.value / o->kappa_mf,
                       k.error / o->kappa_mf);
            }
            cli_say(o->quiet, "\n");
        }
        cJSON_AddItemToArray(fits, j);
    }
    if (n >= 2) {
        dnc_critical_result cr;
        if (dnc_critical_point(s, n, &dopt, &cr) == DNC_OK) {
            cJSON_AddItemToObject(res, "critical_point", dnc_json_estimate(cr.critical.value, cr.critical.error));
            if (isfinite(cr.critical.value))
                cli_say(o->quiet, "  critical point (zero of the curvature, line fit over the parameters): %.8g +- %.2g\n",
                       cr.critical.value, cr.critical.error);
            else
                cli_say(o->quiet, "  critical point: the curvature has no zero inside the parameter range\n");
            dnc_critical_result_free(&cr);
        } else {
            rc = cli_fail("exponents");
            goto done;
        }
    }
    if (isfinite(o->pc) && o->params.n && off_critical(o, s, n, res)) {
        rc = cli_fail("exponents");
        goto done;
    }
    {
        char *csv = dnc_path_with_suffix(o->out, ".csv");
        char *json = dnc_path_with_suffix(o->out, ".json");
        cJSON *outs = cJSON_AddObjectToObject(rec, "outputs");
        cJSON_AddStringToObject(outs, "csv", cli_base_name(csv));
        dnc_run_record_finish(rec, t0);
        if (write_eff_csv(csv, s, n, d, kap) || dnc_write_json_atomic(json, rec)) {
            rc = cli_fail("exponents");
            remove(csv);
        } else {
            cli_say(o->quiet, "  wrote %s, %s\n", csv, json);
        }
        free(csv);
        free(json);
    }
done:
    for (size_t g = 0; g < n; g++) {
        if (d)
            dnc_decay_result_free(&d[g]);
        dnc_series_free(&s[g]);
    }
    free(d);
    free(kap);
    free(s);
    cJSON_Delete(rec);
    return rc;
}

/* The FILE / --simulate / --params / --pc combination checked (2 when
 * wrong), then the run. */
static int run_cmd(void *ctx, const cli_command *cli, int argc, char **argv)
{
    const ex_opts *o = ctx;
    size_t nfiles = cli->npositional;
    if (!o->simulate && nfiles == 0)
        return cli_failf("exponents", "expected FILE... or --simulate (see --help)") + 1;
    if (o->simulate && nfiles)
        return cli_failf("exponents", "--simulate takes no FILE") + 1;
    if (o->params.n && !o->simulate && o->params.n != nfiles)
        return cli_failf("exponents", "--params has %zu values for %zu files", o->params.n,
                             nfiles) + 1;
    if (o->pc == o->pc && !o->params.n)
        return cli_failf("exponents", "--pc needs --params") + 1;
    if (o->threads)
        omp_set_num_threads((int)o->threads);
    return run(o, cli->positional, nfiles, argc, argv);
}

int cmd_exponents(int argc, char **argv)
{
    const char *plot = NULL;
    ex_opts o = {.column = "rho", .out = "exponents", .model = "bond1d", .tmin = 10, .tmax = 0, .tmin_spread = 2,
                 .m = 4, .omega = 1, .pc = NAN, .tburn = NAN, .p = NAN, .kappa_mf = 0, .relax_hi = 1e-3, .relax_lo = 1e-7,
                 .nboot = 200, .L = 1024, .T = 1000, .samples = 16, .runs = 1, .seed = 1};
    cli_opt opts[] = {
        CLI_OPT("column", CLI_OPT_STRING, &o.column, "value column (rho, surv, nact, c, ...)"),
        CLI_OPT_IN("tmin", CLI_OPT_DOUBLE, &o.tmin, "fit window start", "[0,inf)"),
        CLI_OPT("tmax", CLI_OPT_DOUBLE, &o.tmax, "fit window end (0: last time)"),
        CLI_OPT_IN("tmin-spread", CLI_OPT_DOUBLE, &o.tmin_spread,
         "bootstrap replicas fit from tmin drawn log-uniformly in [tmin/J, tmin J], so the "
         "errors include the window choice (1: fixed tmin)", "[1,inf)"),
        CLI_OPT("m", CLI_OPT_DOUBLE, &o.m, "local-slope ratio: delta_eff(t) from rho(t) and rho(t/m)"),
        CLI_OPT("omega", CLI_OPT_DOUBLE, &o.omega,
         "correction-to-scaling exponent for the extrapolation delta_eff = delta + a t^-omega"),
        CLI_OPT("log-correction", CLI_OPT_FLAG, &o.logcorr,
         "extrapolation also fits b ln(t) t^-omega (mean-field logarithmic corrections)"),
        CLI_OPT("params", CLI_OPT_DLIST, &o.params,
         "control parameter of each FILE (one file per value): curvature, critical point, "
         "off-critical exponents"),
        CLI_OPT("pc", CLI_OPT_DOUBLE, &o.pc, "known critical point: beta and nu_par from --params"),
        CLI_OPT("tburn", CLI_OPT_DOUBLE, &o.tburn,
         "stationary average over t >= tburn (default: the last half of the times)"),
        CLI_OPT("relax-hi", CLI_OPT_DOUBLE, &o.relax_hi,
         "relaxation-time fit window: |y - y*| below this fraction of its first value "
         "(the exponential tail, t >> xi)"),
        CLI_OPT("relax-lo", CLI_OPT_DOUBLE, &o.relax_lo,
         "... and above this fraction (keep it above the noise floor)"),
        CLI_OPT("kappa", CLI_OPT_FLAG, &o.kappa, "fit the metric factor 1/rho = kappa (t + t0)"),
        CLI_OPT("kappa-mf", CLI_OPT_DOUBLE, &o.kappa_mf, "mean-field kappa to compare with"),
        CLI_OPT("nboot", CLI_OPT_SIZE, &o.nboot, "bootstrap replicas"),
        CLI_OPT("seed", CLI_OPT_U64, &o.seed, "seed of the bootstrap (and of --simulate)"),
        CLI_OPT("simulate", CLI_OPT_FLAG, &o.simulate,
         "no FILE: run the DP simulator (--model, --p or --params, --L, --T, --samples, --runs)"),
        CLI_OPT("model", CLI_OPT_STRING, &o.model, "simulator model (see dnncrit dp)"),
        CLI_OPT("p", CLI_OPT_DOUBLE, &o.p, "simulator p (default p_c)"),
        CLI_OPT("L", CLI_OPT_SIZE, &o.L, "simulator size"),
        CLI_OPT("T", CLI_OPT_SIZE, &o.T, "simulator time steps"),
        CLI_OPT("samples", CLI_OPT_SIZE, &o.samples, "simulator samples"),
        CLI_OPT("runs", CLI_OPT_SIZE, &o.runs, "simulator runs per sample"),
        CLI_OPT("threads", CLI_OPT_SIZE, &o.threads, "OpenMP threads (0: default)"),
        CLI_OPT("out", CLI_OPT_STRING, &o.out, "output prefix: PREFIX.csv (effective exponents), "
         "PREFIX.json"),
        CLI_QUIET_OPTION(&o.quiet),
        CLI_PLOT_OPTION(plot),
    };
    cli_command cli = {.command = "exponents",
                   .summary = "Decay exponent delta of rho(t) ~ t^-delta (power-law fit and "
                              "extrapolated effective exponent), the critical point from the "
                              "curvature of log rho vs log t (with --params), beta and nu_par "
                              "(with --pc) and the metric factor (--kappa). FILEs: CSVs from "
                              "dnncrit dp (PREFIX.seeds.csv: one sample per seed), dnncrit "
                              "propagate (one file per seed), or any CSV with a t/layer column.",
                   .example = "dnncrit exponents dp1d.seeds.csv --tmin 20 --out ex",
                   .opts = opts,
                   .nopts = sizeof opts / sizeof opts[0],
                   .positional_name = "FILE...",
                   .min_positional = 0,
                   .max_positional = 100000};
    cli_runner r = {run_cmd, &o, &plot, &o.out, ".json"};
    return cli_run(&cli, argc, argv, &r);
}
