/* The reduced Langevin theory of dnncrit/langevin.h: coupling estimation
 * from one-step statistics, Euler-Maruyama simulation with the network's
 * avalanche definition, and the class the couplings select. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_multifit.h>
#include <gsl/gsl_randist.h>

#include "analysis/philox_gsl.h"
#include "core/gsl_quiet.h"
#include "dnncrit/langevin.h"
#include "dnncrit/propagate.h"
#include "dnncrit/rng.h"

double dnc_langevin_drift(const dnc_langevin_couplings *c, double x)
{
    return c->r * x - c->h * x * x;
}

double dnc_langevin_diffusion(const dnc_langevin_couplings *c, double x)
{
    return c->d1 * x + c->d2 * x * x;
}

void dnc_langevin_fit_free(dnc_langevin_fit *f)
{
    if (!f)
        return;
    free(f->x);
    free(f->mean);
    free(f->mean_err);
    free(f->var);
    free(f->var_err);
    free(f->n);
    memset(f, 0, sizeof *f);
}

/* y_i = p0 f0(x_i) + p1 f1(x_i) with weights 1/s_i^2 (GSL); *chi2_dof the
 * reduced chi-square, the errors scaled by its square root when it is
 * above 1 (the scatter exceeds the bins' own errors). */
static dnc_status wls2(const double *x, const double *y, const double *s, size_t n, double sign1,
                       double p[2], double e[2], double *chi2_dof)
{
    gsl_matrix *X = gsl_matrix_alloc(n, 2), *cov = gsl_matrix_alloc(2, 2);
    gsl_vector *Y = gsl_vector_alloc(n), *W = gsl_vector_alloc(n), *c = gsl_vector_alloc(2);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, 2);
    dnc_status st = DNC_OK;
    if (!X || !cov || !Y || !W || !c || !w) {
        st = dnc_fail(DNC_ENOMEM, "langevin: out of memory in the coupling fit");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        gsl_matrix_set(X, i, 0, x[i]);
        gsl_matrix_set(X, i, 1, sign1 * x[i] * x[i]);
        gsl_vector_set(Y, i, y[i]);
        gsl_vector_set(W, i, 1.0 / (s[i] * s[i]));
    }
    double chisq;
    if (gsl_multifit_wlinear(X, W, Y, c, cov, &chisq, w)) {
        st = dnc_fail(DNC_ENUM, "langevin: the weighted least-squares fit failed");
        goto done;
    }
    *chi2_dof = chisq / (double)(n - 2);
    double scale = *chi2_dof > 1 ? sqrt(*chi2_dof) : 1.0;
    for (int k = 0; k < 2; k++) {
        p[k] = gsl_vector_get(c, (size_t)k);
        e[k] = sqrt(gsl_matrix_get(cov, (size_t)k, (size_t)k)) * scale;
    }
done:
    gsl_multifit_linear_free(w);
    gsl_vector_free(c);
    gsl_vector_free(W);
    gsl_vector_free(Y);
    gsl_matrix_free(cov);
    gsl_matrix_free(X);
    return st;
}

dnc_status dnc_langevin_estimate(const double *x, const double *x_next, size_t n, size_t bins,
                                 size_t min_count, dnc_langevin_fit *out)
{
    memset(out, 0, sizeof *out);
    dnc_gsl_quiet();
    if (!x || !x_next || n == 0)
        return dnc_fail(DNC_EINVAL, "langevin: no pairs (x_l, x_{l+1}) to estimate from");
    if (bins < 3)
        return dnc_fail(DNC_EINVAL, "langevin: need >= 3 bins, got %zu", bins);
    if (min_count < 2)
        return dnc_fail(DNC_EINVAL, "langevin: min_count must be >= 2, got %zu", min_count);
    double lo = INFINITY, hi = -INFINITY;
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] > 0) || !isfinite(x[i]) || !isfinite(x_next[i]))
            continue;
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
        used++;
    }
    if (used == 0 || !(hi > lo))
        return dnc_fail(DNC_EINVAL, "langevin: need pairs with at least two distinct x > 0 "
                                    "(got %zu usable of %zu)", used, n);
    /* Per bin, sums of x, d, x^2, d^2, x d about the bin's first pair (so
     * that small increments keep their digits). */
    enum { SX, SD, SXX, SDD, SXD, X0, D0, NS };
    double *s = calloc(bins * NS, sizeof *s);
    size_t *cnt = calloc(bins, sizeof *cnt);
    if (!s || !cnt) {
        free(s);
        free(cnt);
        return dnc_fail(DNC_ENOMEM, "langevin: out of memory");
    }
    double llo = log(lo), width = (log(hi) - llo) / (double)bins;
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] > 0) || !isfinite(x[i]) || !isfinite(x_next[i]))
            continue;
        size_t b = (size_t)((log(x[i]) - llo) / width);
        if (b >= bins)
            b = bins - 1;
        double *q = s + b * NS, d = x_next[i] - x[i];
        if (cnt[b] == 0)
            q[X0] = x[i], q[D0] = d;
        double u = x[i] - q[X0], v = d - q[D0];
        q[SX] += u, q[SD] += v, q[SXX] += u * u, q[SDD] += v * v, q[SXD] += u * v;
        cnt[b]++;
    }
    double su = 0, su2 = 0, sr = 0, sr2 = 0;
    size_t nu = 0, nr = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] > 0) || !isfinite(x[i]) || !isfinite(x_next[i]))
            continue;
        double q = x_next[i] / x[i] - 1;
        sr += q, sr2 += q * q, nr++;
        if (x_next[i] > 0) {
            double u = log(x_next[i] / x[i]);
            su += u, su2 += u * u, nu++;
        }
    }
    out->log_drift = out->log_drift_err = out->ratio_mean = out->ratio_mean_err = NAN;
    if (nu >= 2) {
        double m = (double)nu;
        out->log_drift = su / m;
        out->log_drift_err = sqrt(fmax(su2 / m - out->log_drift * out->log_drift, 0) / (m - 1));
    }
    if (nr >= 2) {
        double m = (double)nr;
        out->ratio_mean = sr / m;
        out->ratio_mean_err = sqrt(fmax(sr2 / m - out->ratio_mean * out->ratio_mean, 0) / (m - 1));
    }
    size_t nb = 0;
    for (size_t b = 0; b < bins; b++)
        nb += cnt[b] >= min_count;
    dnc_status st = DNC_OK;
    if (nb < 3) {
        st = dnc_fail(DNC_EINVAL, "langevin: only %zu bins hold >= %zu pairs; need 3 (more "
                                  "pairs, fewer bins or a smaller min_count)", nb, min_count);
        goto done;
    }
    out->pairs = used;
    out->nbins = nb;
    out->x = malloc(nb * sizeof *out->x);
    out->mean = malloc(nb * sizeof *out->mean);
    out->mean_err = malloc(nb * sizeof *out->mean_err);
    out->var = malloc(nb * sizeof *out->var);
    out->var_err = malloc(nb * sizeof *out->var_err);
    out->n = malloc(nb * sizeof *out->n);
    if (!out->x || !out->mean || !out->mean_err || !out->var || !out->var_err || !out->n) {
        st = dnc_fail(DNC_ENOMEM, "langevin: out of memory");
        goto done;
    }
    size_t k = 0;
    for (size_t b = 0; b < bins; b++) {
        if (cnt[b] < min_count)
            continue;
        const double *q = s + b * NS;
        double m = (double)cnt[b], mx = q[SX] / m, md = q[SD] / m;
        double cxx = q[SXX] / m - mx * mx, cdd = q[SDD] / m - md * md, cxd = q[SXD] / m - mx * md;
        /* Residual variance about the bin's own straight line d(x): the
         * spread of A(x) across the bin does not count as noise. */
        double res = cxx > 0 ? cdd - cxd * cxd / cxx : cdd;
        double v = fmax(res, 0) * m / (m - (cxx > 0 ? 2 : 1));
        out->x[k] = q[X0] + mx;
        out->mean[k] = q[D0] + md;
        out->var[k] = v;
        out->mean_err[k] = sqrt(v / m);
        out->var_err[k] = v * sqrt(2.0 / (m - 1));
        out->n[k] = cnt[b];
        if (!(v > 0)) {
            st = dnc_fail(DNC_EINVAL, "langevin: the increments of the bin at x = %g do not "
                                      "vary (deterministic map?): no diffusion to fit",
                          out->x[k]);
            goto done;
        }
        k++;
    }
    double p[2], e[2];
    if ((st = wls2(out->x, out->mean, out->mean_err, nb, -1.0, p, e, &out->drift_chi2_dof)))
        goto done;
    out->c.r = p[0], out->c.h = p[1], out->err.r = e[0], out->err.h = e[1];
    if ((st = wls2(out->x, out->var, out->var_err, nb, 1.0, p, e, &out->diffusion_chi2_dof)))
        goto done;
    out->c.d1 = p[0], out->c.d2 = p[1], out->err.d1 = e[0], out->err.d2 = e[1];
done:
    free(s);
    free(cnt);
    if (st)
        dnc_langevin_fit_free(out);
    return st;
}

dnc_langevin_sim_opts dnc_langevin_sim_opts_default(void)
{
    return (dnc_langevin_sim_opts){.c = {0, 0, 0, 0}, .x0 = 1, .x_abs = 0, .max_steps = 100,
                                   .units = 0, .x_obs = 0, .seed = 1};
}

static bool finite_couplings(const dnc_langevin_couplings *c)
{
    return isfinite(c->r) && isfinite(c->h) && isfinite(c->d1) && isfinite(c->d2);
}

static dnc_status sim_validate(const dnc_langevin_sim_opts *o, size_t n)
{
    if (!finite_couplings(&o->c))
        return dnc_fail(DNC_EINVAL, "langevin: couplings must be finite (r %g, h %g, D1 %g, "
                                    "D2 %g)", o->c.r, o->c.h, o->c.d1, o->c.d2);
    if (!(o->x0 > 0) || !isfinite(o->x0))
        return dnc_fail(DNC_EINVAL, "langevin: x0 must be > 0, got %g", o->x0);
    if (!(o->x_abs >= 0) || !(o->x_abs < o->x0))
        return dnc_fail(DNC_EINVAL, "langevin: the absorbing level must be in [0, x0 = %g), "
                                    "got %g", o->x0, o->x_abs);
    if (o->max_steps < 1)
        return dnc_fail(DNC_EINVAL, "langevin: max_steps must be >= 1");
    if (o->units > 0 && (!(o->x_obs > 0) || !isfinite(o->x_obs)))
        return dnc_fail(DNC_EINVAL, "langevin: x_obs must be > 0 with units, got %g", o->x_obs);
    if (o->units > UINT32_MAX)
        return dnc_fail(DNC_EINVAL, "langevin: units must be below 2^32, got %zu", o->units);
    if (n == 0 || n >= UINT32_MAX)
        return dnc_fail(DNC_EINVAL, "langevin: number of trajectories must be in [1, 2^32), "
                                    "got %zu", n);
    return DNC_OK;
}

/* Trajectory i's activity A[0..max_steps). */
static void trajectory(const dnc_langevin_sim_opts *o, uint32_t i, double *A)
{
    dnc_philox_gsl_state ps;
    gsl_rng r = dnc_philox_gsl(&ps, o->seed, DNC_STREAM_SIM, i);
    double x = o->x0;
    for (size_t t = 0; t < o->max_steps; t++) {
        if (t > 0 && x > 0) {
            double b = fmax(dnc_langevin_diffusion(&o->c, x), 0);
            x += dnc_langevin_drift(&o->c, x) + sqrt(b) * gsl_ran_gaussian_ziggurat(&r, 1.0);
            if (!(x > o->x_abs) || !isfinite(x))
                x = 0;
        }
        if (x <= 0)
            A[t] = 0;
        else if (o->units == 0)
            A[t] = x / o->x0;
        else
            A[t] = gsl_ran_binomial(&r, erfc(sqrt(o->x_obs / x)), (unsigned)o->units);
    }
}

dnc_status dnc_langevin_avalanches(const dnc_langevin_sim_opts *o, size_t trajectories,
                                   dnc_avalanches *av, size_t *cut)
{
    memset(av, 0, sizeof *av);
    dnc_status st = sim_validate(o, trajectories);
    if (st)
        return st;
    size_t L = o->max_steps, chunk = 1024, ncut = 0;
    if (L > SIZE_MAX / sizeof(double) / chunk)
        return dnc_fail(DNC_EINVAL, "langevin: max_steps %zu too large", L);
    double *A = malloc(chunk * L * sizeof *A);
    if (!A)
        return dnc_fail(DNC_ENOMEM, "langevin: out of memory (%zu x %zu steps)", chunk, L);
    for (size_t c0 = 0; c0 < trajectories && !st; c0 += chunk) {
        size_t m = trajectories - c0 < chunk ? trajectories - c0 : chunk;
#pragma omp parallel for schedule(dynamic, 16)
        for (size_t j = 0; j < m; j++)
            trajectory(o, (uint32_t)(c0 + j), A + j * L);
        for (size_t j = 0; j < m && !st; j++)
            st = dnc_avalanches_from_layers(A + j * L, L, av, &ncut);
    }
    free(A);
    if (st) {
        dnc_avalanches_free(av);
        return st;
    }
    if (cut)
        *cut = ncut;
    return DNC_OK;
}

const char *dnc_langevin_class_name(dnc_langevin_class_kind k)
{
    return k == DNC_LANGEVIN_LOG_TRAP ? "log-trap" : "free-bm";
}

dnc_status dnc_langevin_classify(const dnc_langevin_couplings *c, double x_ref,
                                 dnc_langevin_class *out)
{
    if (!finite_couplings(c))
        return dnc_fail(DNC_EINVAL, "langevin: couplings must be finite");
    if (!(x_ref > 0) || !isfinite(x_ref))
        return dnc_fail(DNC_EINVAL, "langevin: the reference scale x_ref must be > 0, got %g",
                        x_ref);
    if (!(c->d1 > 0) && !(c->d2 > 0))
        return dnc_fail(DNC_EINVAL, "langevin: no noise (D1 = %g, D2 = %g): no avalanche class",
                        c->d1, c->d2);
    out->crossover = !(c->d1 > 0) ? 0 : !(c->d2 > 0) ? INFINITY : c->d1 / c->d2;
    if (x_ref < out->crossover) {
        out->kind = DNC_LANGEVIN_LOG_TRAP;
        out->alpha = 2, out->tau = 1.5, out->gamma = 2;
        out->drift = c->r;
        out->cutoff = c->r == 0 ? INFINITY : 1 / fabs(c->r);
    } else {
        out->kind = DNC_LANGEVIN_FREE_BM;
        out->alpha = 1.5, out->tau = NAN, out->gamma = NAN;
        out->drift = c->r - c->d2 / 2;
        out->cutoff = out->drift == 0 ? INFINITY : c->d2 / (out->drift * out->drift);
    }
    return DNC_OK;
}

dnc_langevin_net_opts dnc_langevin_net_opts_default(void)
{
    return (dnc_langevin_net_opts){.net = dnc_mlp_config_default(), .networks = 32, .starts = 8,
                                   .x_min = 1e-9, .x_max = 0.5, .input_q = 1,
                                   .engine = DNC_ENGINE_ENSEMBLE, .bins = 30, .min_count = 20,
                                   .fit_x_max = 1, .quiet = true};
}

dnc_status dnc_langevin_measure(const dnc_langevin_net_opts *o, dnc_langevin_fit *fit,
                                double *q_mean)
{
    memset(fit, 0, sizeof *fit);
    if (o->networks < 2 || o->starts < 1)
        return dnc_fail(DNC_EINVAL, "langevin: need >= 2 networks and >= 1 start, got %zu, %zu",
                        o->networks, o->starts);
    if (!(o->x_min > 0) || !(o->x_max >= o->x_min) || !(o->x_max < 1))
        return dnc_fail(DNC_EINVAL, "langevin: starting distances need 0 < x_min <= x_max < 1, "
                                    "got %g, %g", o->x_min, o->x_max);
    if (!(o->fit_x_max > 0) || !(o->fit_x_max <= 1))
        return dnc_fail(DNC_EINVAL, "langevin: fit_x_max must be in (0, 1], got %g",
                        o->fit_x_max);
    size_t L = o->net.depth, K = o->networks;
    if (L < 2)
        return dnc_fail(DNC_EINVAL, "langevin: need depth >= 2 for one-layer steps, got %zu", L);
    if (o->starts > SIZE_MAX / K / L)
        return dnc_fail(DNC_EINVAL, "langevin: too many starts x networks x layers");
    size_t n = o->starts * K * (L - 1);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *rho = malloc(K * L * sizeof *rho);
    dnc_status st = DNC_OK;
    if (!x || !y || !rho) {
        st = dnc_fail(DNC_ENOMEM, "langevin: out of memory (%zu pairs)", n);
        goto done;
    }
    size_t k = 0;
    for (size_t s = 0; s < o->starts && !st; s++) {
        dnc_propagate_opts po = dnc_propagate_opts_default();
        po.net = o->net;
        po.net.seed = o->net.seed + (uint64_t)(s * K);
        po.batch = 2;
        po.input_q = o->input_q;
        double lx = o->starts == 1 ? log(o->x_max)
                                   : log(o->x_max) + (log(o->x_min) - log(o->x_max)) *
                                                         (double)s / (double)(o->starts - 1);
        po.input_c = 1 - exp(lx);
        po.engine = o->engine;
        po.quiet = o->quiet;
        dnc_propagate_result res = {0};
        if ((st = dnc_propagate_networks_rho(&po, K, rho, &res)))
            break;
        if (s == 0 && q_mean) {
            double sq = 0;
            for (size_t l = 0; l < L; l++)
                sq += res.q[l];
            *q_mean = sq / (double)L;
        }
        dnc_propagate_result_free(&res);
        for (size_t j = 0; j < K; j++)
            for (size_t l = 0; l + 1 < L; l++) {
                if (!(rho[j * L + l] <= o->fit_x_max))
                    continue;
                x[k] = rho[j * L + l];
                y[k++] = rho[j * L + l + 1];
            }
    }
    if (!st)
        st = dnc_langevin_estimate(x, y, k, o->bins, o->min_count, fit);
done:
    free(x);
    free(y);
    free(rho);
    return st;
}

dnc_status dnc_langevin_damage_scales(const dnc_mlp_config *net, double input_q, double delta,
                                      double threshold, double q, double *x0, double *x_obs)
{
    double n0 = (double)dnc_mlp_input_width(net), sw2 = net->sigma_w * net->sigma_w;
    double q1 = sw2 * input_q + net->sigma_b * net->sigma_b;
    if (!(delta > 0) || !(threshold > 0) || !(q > 0) || !isfinite(q) || !(q1 > 0) || !(n0 > 0))
        return dnc_fail(DNC_EINVAL, "langevin: damage scales need delta, threshold, q, q_1 > 0 "
                                    "(got %g, %g, %g, %g)", delta, threshold, q, q1);
    *x0 = sw2 * delta * delta / (2 * n0 * q1);
    *x_obs = threshold * threshold * delta * delta / (4 * n0 * q);
    return DNC_OK;
}
