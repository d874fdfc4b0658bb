/* In-process power-law fits: dnncrit's dnc_pl_fit_data against libplfit
 * (Nepusz; the library behind the plfit CLI, Debian libplfit-dev) on the
 * same data in the same process, without either program's start-up or file
 * reading: paired, interleaved calls (dnncrit, plfit, dnncrit, plfit, ...),
 * the median of the per-pair ratios time(plfit) / time(dnncrit) and its
 * quartiles, and the fitted alpha and xmin of both.
 *
 *   build/bench/bench_powerlaw_fit [REPS [SIZES...]]   (default 9; 10000 100000 1000000)
 *
 * Data as bench/bench_powerlaw.sh: Pareto alpha = 2.5, xmin = 1
 * (continuous) and Clauset's rounding floor(0.5 x + 0.5) (discrete); xmin
 * scanned (KS minimum) or fixed (1 continuous, 5 discrete). plfit's options
 * are those of its CLI (p-value skipped; continuous scan by its default
 * method). dnncrit's time includes its input checks and sort; each plfit
 * call gets a fresh copy of the data (copied outside the timed region).
 * plfit's continuous scan is quadratic: skipped above PLFIT_CONT_MAX
 * samples (environment, default 100000). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <plfit/plfit.h>

#include "dnncrit/powerlaw.h"
#include "dnncrit/rng.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* q-quantile of v[0..n) (sorted in place), linear between order statistics */
static double quantile(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, cmp);
    double h = q * (double)(n - 1);
    size_t i = (size_t)h;
    return i + 1 < n ? v[i] + (h - (double)i) * (v[i + 1] - v[i]) : v[n - 1];
}

typedef struct {
    bool discrete;
    double xmin; /* 0: scanned */
} setup;

static int fit_plfit(const setup *s, double *x, size_t n, plfit_result_t *r)
{
    if (s->discrete) {
        plfit_discrete_options_t o;
        plfit_discrete_options_init(&o);
        o.p_value_method = PLFIT_P_VALUE_SKIP;
        return s->xmin > 0 ? plfit_estimate_alpha_discrete(x, n, s->xmin, &o, r)
                           : plfit_discrete(x, n, &o, r);
    }
    plfit_continuous_options_t o;
    plfit_continuous_options_init(&o);
    o.p_value_method = PLFIT_P_VALUE_SKIP;
    return s->xmin > 0 ? plfit_estimate_alpha_continuous(x, n, s->xmin, &o, r)
                       : plfit_continuous(x, n, &o, r);
}

static int fit_dnc(const setup *s, const double *x, size_t n, dnc_pl_fit *f)
{
    dnc_pl_opts o = dnc_pl_opts_default();
    o.discrete = s->discrete;
    o.xmin = s->xmin;
    return dnc_pl_fit_data(x, n, &o, f) != DNC_OK;
}

int main(int argc, char **argv)
{
    size_t reps = argc > 1 ? strtoul(argv[1], NULL, 10) : 9;
    size_t sizes[16] = {10000, 100000, 1000000}, ns = 3;
    if (argc > 2) {
        ns = 0;
        for (int i = 2; i < argc && ns < 16; i++)
            sizes[ns++] = strtoul(argv[i], NULL, 10);
    }
    const char *cm = getenv("PLFIT_CONT_MAX");
    size_t cont_max = cm ? strtoul(cm, NULL, 10) : 100000;
    if (reps < 1)
        reps = 1;
    printf("# in-process fits, dnc_pl_fit_data vs libplfit, %zu interleaved pairs per row\n", reps);
    printf("%-10s %-8s %-8s %10s %10s %7s %11s %9s %9s %8s %8s\n", "data", "xmin", "n", "dnncrit_ms",
           "plfit_ms", "ratio", "ratio_IQR", "alpha_dnc", "alpha_pl", "xmin_dnc", "xmin_pl");
    for (size_t si = 0; si < ns; si++) {
        size_t n = sizes[si];
        double *u = malloc(n * sizeof *u), *xc = malloc(n * sizeof *xc), *xd = malloc(n * sizeof *xd),
               *work = malloc(n * sizeof *work);
        double *td = malloc(reps * sizeof *td), *tp = malloc(reps * sizeof *tp),
               *ratio = malloc(reps * sizeof *ratio);
        if (!u || !xc || !xd || !work || !td || !tp || !ratio)
            return 1;
        dnc_uniform_fill(n, DNC_STREAM_USER, 0, 0, u, n);
        for (size_t i = 0; i < n; i++) {
            xc[i] = pow(1 - u[i], -1 / 1.5);
            xd[i] = floor(0.5 * xc[i] + 0.5);
        }
        for (int k = 0; k < 4; k++) {
            setup s = {.discrete = k < 2, .xmin = k % 2 == 0 ? 0 : k < 2 ? 5 : 1};
            const double *x = s.discrete ? xd : xc;
            dnc_pl_fit f;
            plfit_result_t r = {0};
            bool skip = !s.discrete && s.xmin == 0 && n > cont_max;
            size_t R = reps;
            if (!skip) { /* one untimed plfit call: a slow one gets 3 pairs */
                memcpy(work, x, n * sizeof *work);
                double t0 = now();
                if (fit_plfit(&s, work, n, &r))
                    return 1;
                if (now() - t0 > 2 && R > 3)
                    R = 3;
            }
            for (size_t p = 0; p < R; p++) {
                double t0 = now();
                if (fit_dnc(&s, x, n, &f)) {
                    fprintf(stderr, "dnncrit fit failed: %s\n", dnc_last_error());
                    return 1;
                }
                td[p] = now() - t0;
                if (skip)
                    continue;
                memcpy(work, x, n * sizeof *work);
                t0 = now();
                if (fit_plfit(&s, work, n, &r))
                    return 1;
                tp[p] = now() - t0;
                ratio[p] = tp[p] / td[p];
            }
            const char *data = s.discrete ? "discrete" : "continuous",
                       *mode = s.xmin > 0 ? "fixed" : "scanned";
            double md = quantile(td, R, 0.5);
            if (skip) {
                printf("%-10s %-8s %-8zu %10.3f %10s %7s %11s %9.5f %9s %8g %8s\n", data, mode, n,
                       1e3 * md, "skipped", "-", "-", f.alpha, "-", f.xmin, "-");
                continue;
            }
            double mp = quantile(tp, R, 0.5), q1 = quantile(ratio, R, 0.25),
                   q2 = quantile(ratio, R, 0.5), q3 = quantile(ratio, R, 0.75);
            char iqr[32];
            snprintf(iqr, sizeof iqr, "%.2f-%.2f", q1, q3);
            printf("%-10s %-8s %-8zu %10.3f %10.3f %7.2f %11s %9.5f %9.5f %8g %8g\n", data, mode, n,
                   1e3 * md, 1e3 * mp, q2, iqr, f.alpha, r.alpha, f.xmin, r.xmin);
        }
        free(u);
        free(xc);
        free(xd);
        free(work);
        free(td);
        free(tp);
        free(ratio);
    }
    printf("# ratio: median over the pairs of time(plfit) / time(dnncrit), > 1: dnncrit faster\n");
    return 0;
}
