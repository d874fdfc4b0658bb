/* The MLP claims of Tamai et al. (2025) (reproduce_tamai_mlp.h). Every
 * propagation is the ensemble engine (the exact law over random networks,
 * docs/ensemble.md) at sigma_b = 0.3 on the mean-field critical line; the
 * networks are seeds o->seed .. o->seed + K - 1 and every error is a
 * bootstrap (or standard error) over those independent networks. */
#include "app/reproduce_tamai_mlp.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_fit.h>

#include "dnncrit/meanfield.h"
#include "dnncrit/propagate.h"
#include "dnncrit/scaling.h"

#define SIGMA_B 0.3

/* Appends printf text to a fixed buffer (truncating). */
__attribute__((format(printf, 3, 4))) static void append(char *buf, size_t size,
                                                         const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}

/* K networks of width N and depth L through the ensemble engine: every
 * network's rho into s (ns = K samples; s may be NULL), the means (and the
 * Lyapunov exponent when asked) into res. */
static dnc_status ensemble(const dnc_reproduce_opts *o, dnc_activation act, double sw, size_t N,
                           size_t L, size_t K, bool lyapunov, dnc_series *s,
                           dnc_propagate_result *res)
{
    dnc_propagate_opts p = dnc_propagate_opts_default();
    p.net.width = N;
    p.net.depth = L;
    p.net.activation = act;
    p.net.sigma_w = sw;
    p.net.sigma_b = SIGMA_B;
    p.net.seed = o->seed;
    p.engine = DNC_ENGINE_ENSEMBLE;
    p.lyapunov = lyapunov;
    p.quiet = o->quiet;
    dnc_status st = DNC_OK;
    if (s) {
        memset(s, 0, sizeof *s);
        if ((st = dnc_series_alloc(s, L, K, false)))
            return st;
        for (size_t l = 0; l < L; l++)
            s->t[l] = (double)(l + 1);
        s->size = (double)N;
        s->param = sw;
    }
    st = dnc_propagate_networks_rho(&p, K, s ? s->y : NULL, res);
    if (st && s)
        dnc_series_free(s);
    return st;
}

/* The ensemble engine's command line for K networks (one run per seed when
 * `each`, as `exponents` and the bootstrap over networks read them). */
static void propagate_command(char *buf, size_t size, const dnc_reproduce_opts *o,
                              const char *act, double sw, size_t N, size_t L, size_t K,
                              const char *extra, const char *out)
{
    append(buf, size,
           "dnncrit propagate --engine ensemble --networks %zu --seed %llu --width %zu --depth %zu "
           "--sigma-w %.17g --sigma-b %g --activation %s%s --quiet --out %s",
           K, (unsigned long long)o->seed, N, L, sw, SIGMA_B, act, extra, out);
}

static dnc_status critical_sigma_w(dnc_activation act, double *sw)
{
    return dnc_mf_critical_sigma_w(act, SIGMA_B, sw);
}

/* A numerical failure of an estimator decides nothing: an inconclusive
 * claim that says why (other failures are errors). */
static dnc_status undecided(dnc_status st, dnc_claim *c, const char *what)
{
    if (st != DNC_ENUM && st != DNC_EINVAL)
        return st;
    append(c->detail, sizeof c->detail, " %s failed: %s.", what, dnc_last_error());
    dnc_clear_error();
    dnc_claim_judge(c, NAN, NAN, c->paper_value, NAN);
    return DNC_OK;
}

/* ================================================================ MLP class */

/* The DP class (not mean field) whose delta lies nearest to x. */
static const dnc_uclass *nearest_dp(double x)
{
    const dnc_uclass *t, *best = NULL;
    size_t n = dnc_uclass_table(&t);
    for (size_t i = 0; i < n; i++)
        if (strncmp(t[i].name, "DP", 2) == 0 && isfinite(t[i].value[DNC_EXP_DELTA]) &&
            (!best || fabs(t[i].value[DNC_EXP_DELTA] - x) < fabs(best->value[DNC_EXP_DELTA] - x)))
            best = &t[i];
    return best;
}

/* beta from rho* on the chaotic side, nu_par from the decay length on the
 * ordered side, both against sigma_w - sigma_w^c, at width N (detail text
 * only; the verdict is on delta). */
static dnc_status off_critical(const dnc_reproduce_opts *o, double swc, dnc_claim *c)
{
    static const double m[] = {0.95, 0.975, 0.9875, 1.0125, 1.025, 1.05, 1.1};
    enum { NM = sizeof m / sizeof m[0] };
    size_t N = o->quick ? 2048 : 4096, L = o->quick ? 1000 : 2000, K = 4;
    double tb[NM], yb[NM], eb[NM], mb[NM], tn[NM], yn[NM], en[NM], mn[NM];
    size_t nb = 0, nn = 0;
    dnc_status st = DNC_OK;
    for (size_t i = 0; i < NM && !st; i++) {
        double sw = m[i] * swc;
        dnc_series s;
        dnc_propagate_result r;
        if ((st = ensemble(o, DNC_ACT_TANH, sw, N, L, K, false, &s, &r)))
            break;
        dnc_propagate_result_free(&r);
        dnc_mf_params p = {DNC_ACT_TANH, sw, SIGMA_B};
        dnc_mf_point mf;
        st = dnc_mf_analyse(&p, &mf);
        dnc_estimate e;
        if (!st && m[i] > 1 && dnc_stationary(&s, (double)L / 2, &e) == DNC_OK) {
            tb[nb] = sw - swc;
            yb[nb] = e.value;
            eb[nb] = e.error;
            mb[nb++] = mf.rho_star;
        } else if (!st && m[i] < 1 &&
                   dnc_relaxation_time(&s, 0.0, 1e-3, 1e-7, 100, o->seed, &e) == DNC_OK) {
            tn[nn] = swc - sw;
            yn[nn] = e.value;
            en[nn] = e.error;
            mn[nn++] = mf.xi_c;
        }
        dnc_clear_error();
        dnc_series_free(&s);
    }
    if (st)
        return st;
    dnc_estimate be, ba, me, ma;
    if (nb >= 3 && !dnc_power_fit(tb, yb, eb, nb, &be, &ba) && !dnc_power_fit(tb, mb, NULL, nb, &me, &ma))
        append(c->detail, sizeof c->detail,
               " Off criticality (N = %zu, %zu networks, depth %zu): beta = %.3f +- %.3f from rho* "
               "at %zu points sigma_w/sigma_w^c = 1.0125 .. 1.1 (mean field's rho* over the same "
               "points: %.3f);",
               N, K, L, be.value, be.error, nb, me.value);
    else
        append(c->detail, sizeof c->detail, " beta: too few stationary values (%zu);", nb);
    if (nn >= 3 && !dnc_power_fit(tn, yn, en, nn, &be, &ba) && !dnc_power_fit(tn, mn, NULL, nn, &me, &ma))
        append(c->detail, sizeof c->detail,
               " nu_par = %.3f +- %.3f from the decay length at %zu points sigma_w/sigma_w^c = "
               "0.95 .. 0.9875 (mean field's xi_c: %.3f); mean field predicts 1 for both up to "
               "corrections in sigma_w - sigma_w^c.",
               -be.value, be.error, nn, -me.value);
    else
        append(c->detail, sizeof c->detail, " nu_par: too few decay lengths (%zu).", nn);
    dnc_clear_error();
    return DNC_OK;
}

static dnc_status class_figure(const dnc_reproduce_opts *o, dnc_claim *c, const dnc_series *s,
                               const dnc_decay_result *d, double kappa, double alt,
                               const char *alt_name)
{
    dnc_figure *fig = dnc_figure_new("tanh MLP at its critical point (σ_b = 0.3)");
    if (!fig)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    dnc_status st = DNC_OK;
    double *m = malloc(s->nt * sizeof *m), *e = malloc(s->nt * sizeof *e),
           *th = malloc(s->nt * sizeof *th);
    dnc_plot_panel *p1 = dnc_figure_add_panel(fig, "order parameter", "layer ℓ", "⟨ρ⟩");
    dnc_plot_panel *p2 = dnc_figure_add_panel(fig, "effective exponent", "layer ℓ", "δ_{eff}");
    if (!m || !e || !th || !p1 || !p2)
        st = dnc_fail(DNC_ENOMEM, "out of memory");
    if (!st)
        st = dnc_series_mean(s, m, e);
    for (size_t k = 0; !st && k < s->nt; k++)
        th[k] = 1.0 / (kappa * s->t[k]);
    if (!st) {
        p1->logx = p1->logy = true;
        p2->logx = true;
        st = dnc_panel_add_series(p1, "ensemble engine", DNC_STYLE_LINES, s->t, m, NULL, s->nt);
    }
    if (!st)
        st = dnc_panel_add_series(p1, "1/(κ ℓ), mean-field κ", DNC_STYLE_DASHED, s->t, th, NULL,
                                  s->nt);
    if (!st)
        st = dnc_panel_add_series(p2, "δ_{eff}(ℓ)", DNC_STYLE_ERRORBARS, d->t_eff, d->delta_eff,
                                  d->delta_eff_err, d->neff);
    if (!st)
        st = dnc_panel_add_refline(p2, false, 1.0, "mean field δ = 1");
    if (!st)
        st = dnc_panel_add_refline(p2, false, alt, alt_name);
    if (!st)
        st = dnc_claim_figure(o, c, fig, "mlp_class.png");
    free(m);
    free(e);
    free(th);
    dnc_figure_free(fig);
    return st;
}

dnc_status dnc_tamai_mlp_class(const dnc_reproduce_opts *o, dnc_claim *c)
{
    size_t N = o->quick ? 8192 : 32768, L = o->quick ? 500 : 2000, K = o->quick ? 32 : 64;
    double tmin = 10;
    snprintf(c->paper, sizeof c->paper,
             "a tanh MLP at its critical point is in the mean-field class: beta = nu_par = 1, "
             "delta = beta/nu_par = 1");
    c->paper_value = 1.0;
    double swc;
    dnc_status st = critical_sigma_w(DNC_ACT_TANH, &swc);
    if (st)
        return st;
    dnc_mf_params mp = {DNC_ACT_TANH, swc, SIGMA_B};
    dnc_mf_point mf;
    if ((st = dnc_mf_analyse(&mp, &mf)))
        return st;
    c->command[0] = '\0';
    append(c->command, sizeof c->command, "for s in $(seq %llu %llu); do ",
           (unsigned long long)o->seed, (unsigned long long)(o->seed + K - 1));
    append(c->command, sizeof c->command,
           "dnncrit propagate --engine ensemble --seed $s --width %zu --depth %zu --sigma-w %.17g "
           "--sigma-b 0.3 --activation tanh --quiet --out mlp_s$s; done; dnncrit exponents "
           "mlp_s*.csv --tmin %g --seed %llu --out mlp_delta",
           N, L, swc, tmin, (unsigned long long)o->seed);
    dnc_series s;
    dnc_propagate_result r;
    if ((st = ensemble(o, DNC_ACT_TANH, swc, N, L, K, false, &s, &r)))
        return st;
    dnc_propagate_result_free(&r);
    dnc_decay_opts d = dnc_decay_opts_default();
    d.tmin = tmin;
    d.seed = o->seed;
    dnc_decay_result dr;
    memset(&dr, 0, sizeof dr);
    snprintf(c->detail, sizeof c->detail,
             "rho(l) of %zu tanh networks (ensemble engine), N = %zu, depth %zu, sigma_w = "
             "sigma_w^c = %.8f, sigma_b = 0.3; dnc_decay_fit over l in [%g, %zu] (bootstrap over "
             "networks, window start varied by a factor 2).",
             K, N, L, swc, tmin, L);
    st = dnc_decay_fit(&s, &d, &dr);
    if (st) {
        dnc_series_free(&s);
        return undecided(st, c, "the decay fit");
    }
    dnc_estimate q = dr.quote_inf ? dr.delta_inf : dr.delta;
    double err = hypot(q.error, dr.systematic);
    const dnc_uclass *dp = nearest_dp(q.value);
    double alt = dp ? dp->value[DNC_EXP_DELTA] : NAN;
    append(c->detail, sizeof c->detail,
           " Quoted %s = %.4f +- %.4f (stat) +- %.4f (syst: |fit - extrapolation|); plain fit "
           "%.4f +- %.4f, extrapolated %.4f +- %.4f. Alternative: the nearest DP class, %s "
           "(delta = %.4f).",
           dr.quote_inf ? "delta_inf" : "delta", q.value, q.error, dr.systematic, dr.delta.value,
           dr.delta.error, dr.delta_inf.value, dr.delta_inf.error, dp ? dp->name : "none", alt);
    dnc_claim_judge(c, q.value, err, 1.0, alt);
    char altname[64];
    snprintf(altname, sizeof altname, "%s δ = %.3g", dp ? dp->name : "DP", alt);
    st = class_figure(o, c, &s, &dr, mf.kappa, alt, altname);
    dnc_decay_result_free(&dr);
    dnc_series_free(&s);
    if (!st)
        st = off_critical(o, swc, c);
    return st;
}

/* ================================================================ kappa collapse */

typedef struct {
    dnc_activation act;
    const char *name;
} kc_act;

static const kc_act kc_acts[] = {{DNC_ACT_TANH, "tanh"}, {DNC_ACT_ERF, "erf"},
                                 {DNC_ACT_SIGMOID, "sigmoid"}};
enum { KC_NACT = sizeof kc_acts / sizeof kc_acts[0] };

/* X = kappa rho l over the window [l0, L] of one activation: mean over the
 * networks of each network's window mean, its standard error, and the same
 * window mean of mean field's kappa rho_mf l (its distance from 1 is the
 * finite-depth correction of the window). curve: kappa <rho>(l) l,
 * mfcurve: kappa rho_mf(l) l, [L]. */
typedef struct {
    double sw, kappa, x, se, mfx, err;
    double *curve, *mfcurve;
} kc_result;

static dnc_status kc_measure(const dnc_reproduce_opts *o, const kc_act *a, size_t N, size_t L,
                             size_t K, size_t l0, kc_result *k)
{
    dnc_status st = critical_sigma_w(a->act, &k->sw);
    dnc_mf_params mp = {a->act, k->sw, SIGMA_B};
    dnc_mf_point mf;
    if (!st)
        st = dnc_mf_analyse(&mp, &mf);
    if (st)
        return st;
    k->kappa = mf.kappa;
    k->curve = calloc(L, sizeof *k->curve);
    k->mfcurve = calloc(L, sizeof *k->mfcurve);
    if (!k->curve || !k->mfcurve)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    /* the nominal inputs of propagate: q = 1, c = 0.5 */
    double *q = malloc(L * sizeof *q);
    st = q ? dnc_mf_trajectory_rho(&mp, 1.0, 0.5, L, q, NULL, k->mfcurve)
           : dnc_fail(DNC_ENOMEM, "out of memory");
    free(q);
    if (st)
        return st;
    dnc_series s;
    dnc_propagate_result r;
    if ((st = ensemble(o, a->act, k->sw, N, L, K, false, &s, &r)))
        return st;
    double sum = 0, sum2 = 0, mfsum = 0;
    for (size_t j = 0; j < K; j++) {
        double w = 0;
        for (size_t l = l0 - 1; l < L; l++)
            w += k->kappa * s.y[j * L + l] * (double)(l + 1);
        w /= (double)(L - l0 + 1);
        sum += w;
        sum2 += w * w;
    }
    for (size_t l = 0; l < L; l++) {
        k->curve[l] = k->kappa * r.rho[l] * (double)(l + 1);
        k->mfcurve[l] *= k->kappa * (double)(l + 1);
        if (l + 1 >= l0)
            mfsum += k->mfcurve[l];
    }
    k->x = sum / (double)K;
    k->se = K > 1 ? sqrt(fmax(sum2 / (double)K - k->x * k->x, 0) / (double)(K - 1)) : NAN;
    k->mfx = mfsum / (double)(L - l0 + 1);
    k->err = hypot(k->se, k->mfx - 1.0);
    dnc_propagate_result_free(&r);
    dnc_series_free(&s);
    return DNC_OK;
}

static dnc_status kc_figure(const dnc_reproduce_opts *o, dnc_claim *c, const kc_result *k,
                            size_t L)
{
    dnc_figure *fig = dnc_figure_new("κ ρ(ℓ) ℓ at criticality (σ_b = 0.3)");
    dnc_plot_panel *p = fig ? dnc_figure_add_panel(fig, NULL, "layer ℓ", "κ ρ ℓ") : NULL;
    double *t = malloc(L * sizeof *t);
    dnc_status st = (!fig || !p || !t) ? dnc_fail(DNC_ENOMEM, "out of memory") : DNC_OK;
    for (size_t l = 0; !st && l < L; l++)
        t[l] = (double)(l + 1);
    if (!st)
        p->logx = true;
    for (size_t i = 0; !st && i < KC_NACT; i++) {
        char label[64];
        snprintf(label, sizeof label, "%s (ensemble)", kc_acts[i].name);
        st = dnc_panel_add_series_color(p, label, DNC_STYLE_LINES, t, k[i].curve, NULL, L,
                                        (int)i + 1);
        snprintf(label, sizeof label, "%s (mean field)", kc_acts[i].name);
        if (!st)
            st = dnc_panel_add_series_color(p, label, DNC_STYLE_DASHED, t, k[i].mfcurve, NULL, L,
                                            (int)i + 1);
    }
    if (!st)
        st = dnc_panel_add_refline(p, false, 1.0, NULL);
    if (!st)
        st = dnc_claim_figure(o, c, fig, "kappa_collapse.png");
    free(t);
    dnc_figure_free(fig);
    return st;
}

dnc_status dnc_tamai_kappa_collapse(const dnc_reproduce_opts *o, dnc_claim *c)
{
    size_t N = o->quick ? 16384 : 32768, L = o->quick ? 400 : 2000, K = o->quick ? 16 : 32;
    size_t l0 = L / 2;
    snprintf(c->paper, sizeof c->paper,
             "at criticality rho(l) -> 1/(kappa l) with the mean-field metric factor kappa, "
             "whatever the smooth activation: kappa rho(l) l -> 1");
    c->paper_value = 1.0;
    kc_result k[KC_NACT];
    memset(k, 0, sizeof k);
    dnc_status st = DNC_OK;
    for (size_t i = 0; i < KC_NACT && !st; i++)
        st = kc_measure(o, &kc_acts[i], N, L, K, l0, &k[i]);
    size_t worst = 0;
    snprintf(c->detail, sizeof c->detail,
             "X = kappa rho(l) l averaged over l in [%zu, %zu], %zu networks per activation "
             "(ensemble engine), N = %zu, sigma_b = 0.3 on the critical line, kappa from mean "
             "field; error = the standard error over networks combined with |X_mf - 1|, mean "
             "field's own distance from 1 over the window (the finite-depth correction). "
             "Measured: the activation farthest from 1 in errors.",
             l0, L, K, N);
    for (size_t i = 0; i < KC_NACT && !st; i++) {
        append(c->detail, sizeof c->detail,
               " %s: sigma_w = %.6f, kappa = %.5f, X = %.4f +- %.4f (mean field %.4f);",
               kc_acts[i].name, k[i].sw, k[i].kappa, k[i].x, k[i].se, k[i].mfx);
        if (fabs(k[i].x - 1) / k[i].err > fabs(k[worst].x - 1) / k[worst].err)
            worst = i;
    }
    if (!st) {
        dnc_claim_judge(c, k[worst].x, k[worst].err, 1.0, NAN);
        append(c->detail, sizeof c->detail, " worst: %s.", kc_acts[worst].name);
        st = kc_figure(o, c, k, L);
    }
    if (!st) {
        c->command[0] = '\0';
        for (size_t i = 0; i < KC_NACT; i++) {
            char out[32];
            snprintf(out, sizeof out, "kc_%s", kc_acts[i].name);
            propagate_command(c->command, sizeof c->command, o, kc_acts[i].name, k[i].sw, N, L,
                              K, "", out);
            append(c->command, sizeof c->command,
                   "; dnncrit exponents kc_%s.csv --kappa --kappa-mf %.6g --tmin %zu --out "
                   "kc_%s_x; ",
                   kc_acts[i].name, k[i].kappa, l0, kc_acts[i].name);
        }
        append(c->command, sizeof c->command,
               "# X: the mean of the kappa_t_y column over l >= %zu", l0);
    }
    for (size_t i = 0; i < KC_NACT; i++) {
        free(k[i].curve);
        free(k[i].mfcurve);
    }
    return st;
}

/* ================================================================ finite-size scaling */

static dnc_status fss_figure(const dnc_reproduce_opts *o, dnc_claim *c, const dnc_series *s,
                             size_t n, double a, double b)
{
    dnc_figure *fig = dnc_figure_new("finite-size scaling, tanh at criticality (σ_b = 0.3)");
    dnc_plot_panel *p1 = fig ? dnc_figure_add_panel(fig, "raw", "layer ℓ", "⟨ρ⟩") : NULL;
    dnc_plot_panel *p2 =
        fig ? dnc_figure_add_panel(fig, "collapsed", "ℓ / N^b", "N^a ⟨ρ⟩") : NULL;
    dnc_status st = (!fig || !p1 || !p2) ? dnc_fail(DNC_ENOMEM, "out of memory") : DNC_OK;
    if (!st)
        p1->logx = p1->logy = p2->logx = p2->logy = true;
    for (size_t i = 0; !st && i < n; i++) {
        size_t nt = s[i].nt;
        double *m = malloc(nt * sizeof *m), *e = malloc(nt * sizeof *e);
        double *x = malloc(nt * sizeof *x), *y = malloc(nt * sizeof *y);
        if (!m || !e || !x || !y)
            st = dnc_fail(DNC_ENOMEM, "out of memory");
        if (!st)
            st = dnc_series_mean(&s[i], m, e);
        for (size_t k = 0; !st && k < nt; k++) {
            x[k] = s[i].t[k] / pow(s[i].size, b);
            y[k] = m[k] * pow(s[i].size, a);
        }
        char label[32];
        snprintf(label, sizeof label, "N = %g", s[i].size);
        if (!st)
            st = dnc_panel_add_series_color(p1, label, DNC_STYLE_LINES, s[i].t, m, NULL, nt,
                                            (int)i + 1);
        if (!st)
            st = dnc_panel_add_series_color(p2, label, DNC_STYLE_LINES, x, y, NULL, nt,
                                            (int)i + 1);
        free(m);
        free(e);
        free(x);
        free(y);
    }
    char note[96];
    snprintf(note, sizeof note, "a = %.3f, b = %.3f", a, b);
    if (!st)
        st = dnc_panel_set_note(p2, note);
    if (!st)
        st = dnc_claim_figure(o, c, fig, "fss_collapse.png");
    dnc_figure_free(fig);
    return st;
}

dnc_status dnc_tamai_fss(const dnc_reproduce_opts *o, dnc_claim *c)
{
    static const size_t qN[] = {64, 128, 256}, qK[] = {1000, 500, 250};
    static const size_t fN[] = {64, 128, 256, 512, 1024, 2048},
                        fK[] = {4000, 2000, 1000, 300, 100, 24};
    const size_t *Ns = o->quick ? qN : fN, *Ks = o->quick ? qK : fK;
    size_t n = o->quick ? 3 : 6;
    snprintf(c->paper, sizeof c->paper,
             "rho(l; N) = N^-a f(l / N^b) with a = b = 1 (multiplicative noise), not the a = b = "
             "1/2 of textbook mean-field DP; measured: b");
    c->paper_value = 1.0;
    double swc;
    dnc_status st = critical_sigma_w(DNC_ACT_TANH, &swc);
    if (st)
        return st;
    dnc_series s[6];
    memset(s, 0, sizeof s);
    size_t made = 0;
    for (; made < n && !st; made++) {
        dnc_propagate_result r;
        st = ensemble(o, DNC_ACT_TANH, swc, Ns[made], 8 * Ns[made], Ks[made], false, &s[made], &r);
        if (!st)
            dnc_propagate_result_free(&r);
        else
            break;
    }
    dnc_collapse_opts co = dnc_collapse_opts_default();
    co.a0 = co.b0 = 1;
    co.tmin = 30;
    co.max_rel_err = 0.3;
    co.nboot = 40;
    co.seed = o->seed;
    dnc_collapse_result cr;
    snprintf(c->detail, sizeof c->detail,
             "tanh, sigma_w = sigma_w^c = %.8f, sigma_b = 0.3, ensemble engine, depth 8N; N (networks):",
             swc);
    for (size_t i = 0; i < n; i++)
        append(c->detail, sizeof c->detail, " %zu (%zu)", Ns[i], Ks[i]);
    append(c->detail, sizeof c->detail,
           ". dnc_collapse of the mean rho over layers >= %g with relative error <= %g, "
           "Houdayer-Hartmann quality S, errors: bootstrap over networks (%zu replicas).",
           co.tmin, co.max_rel_err, co.nboot);
    if (!st) {
        st = dnc_collapse(s, n, &co, &cr);
        if (st) {
            st = undecided(st, c, "the collapse");
        } else {
            append(c->detail, sizeof c->detail,
                   " a = %.4f +- %.4f, b = %.4f +- %.4f, S = %.3g over %zu points. Alternative: "
                   "textbook mean-field DP, b = 1/2.",
                   cr.a.value, cr.a.error, cr.b.value, cr.b.error, cr.quality, cr.overlap);
            dnc_claim_judge(c, cr.b.value, cr.b.error, 1.0, 0.5);
            st = fss_figure(o, c, s, n, cr.a.value, cr.b.value);
        }
    }
    for (size_t i = 0; i < made && i < n; i++)
        dnc_series_free(&s[i]);
    if (st)
        return st;
    c->command[0] = '\0';
    append(c->command, sizeof c->command, "for p in");
    for (size_t i = 0; i < n; i++)
        append(c->command, sizeof c->command, " %zu:%zu", Ns[i], Ks[i]);
    append(c->command, sizeof c->command,
           "; do N=${p%%:*}; K=${p#*:}; dnncrit propagate --engine ensemble --networks $K --seed "
           "%llu --width $N --depth $((8 * N)) --sigma-w %.17g --sigma-b 0.3 --activation tanh "
           "--quiet --out fss_N$N; done; dnncrit fss",
           (unsigned long long)o->seed, swc);
    for (size_t i = 0; i < n; i++)
        append(c->command, sizeof c->command, " fss_N%zu.csv", Ns[i]);
    append(c->command, sizeof c->command, " --sizes ");
    for (size_t i = 0; i < n; i++)
        append(c->command, sizeof c->command, "%s%zu", i ? "," : "", Ns[i]);
    append(c->command, sizeof c->command,
           " --column rho --tmin 30 --max-rel-err 0.3 --nboot 40 --a0 1 --b0 1 --out fss "
           "# errors there: parametric bootstrap from the error bars");
    return DNC_OK;
}

/* ================================================================ finite-width boundary */

/* The zero of lambda(sigma_w) from a weighted straight line through the (up
 * to) 4 grid points around its first sign change, error by the delta method;
 * false when lambda does not change sign. */
static bool lyap_root(const double *sw, const double *lam, const double *err, size_t n,
                      double *root, double *root_err)
{
    size_t k = 1;
    while (k < n && !(lam[k - 1] < 0 && lam[k] >= 0))
        k++;
    if (k >= n)
        return false;
    size_t i0 = k >= 2 ? k - 2 : 0, i1 = k + 2 < n ? k + 2 : n;
    double w[4];
    for (size_t i = i0; i < i1; i++)
        w[i - i0] = 1.0 / (err[i] * err[i]);
    double c0, c1, v00, v01, v11, chisq;
    if (gsl_fit_wlinear(sw + i0, 1, w, 1, lam + i0, 1, i1 - i0, &c0, &c1, &v00, &v01, &v11,
                        &chisq) ||
        c1 <= 0)
        return false;
    *root = -c0 / c1;
    double var = v00 / (c1 * c1) + c0 * c0 * v11 / pow(c1, 4) - 2 * c0 * v01 / pow(c1, 3);
    *root_err = sqrt(fmax(var, 0));
    return isfinite(*root) && isfinite(*root_err) && *root_err > 0;
}

enum { WB_NM = 10, WB_MAXN = 5 };

/* x to 10 significant digits, as the command line writes it (%.10g). */
static double round10(double x)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.10g", x);
    return strtod(buf, NULL);
}

static dnc_status wb_figure(const dnc_reproduce_opts *o, dnc_claim *c, const size_t *Ns,
                            size_t n, const double (*sw)[WB_NM], const double (*lam)[WB_NM],
                            const double (*lerr)[WB_NM], const double *Nf, const double *shift,
                            const double *shift_err, size_t nr, double swc, double x, double amp)
{
    dnc_figure *fig = dnc_figure_new("finite-width edge of chaos, tanh (σ_b = 0.3)");
    dnc_plot_panel *p1 =
        fig ? dnc_figure_add_panel(fig, "Lyapunov exponent", "σ_w", "λ_N") : NULL;
    dnc_plot_panel *p2 =
        fig ? dnc_figure_add_panel(fig, "shift of the zero", "width N", "σ_w^c(N) − σ_w^c") : NULL;
    dnc_status st = (!fig || !p1 || !p2) ? dnc_fail(DNC_ENOMEM, "out of memory") : DNC_OK;
    for (size_t i = 0; !st && i < n; i++) {
        char label[32];
        snprintf(label, sizeof label, "N = %zu", Ns[i]);
        st = dnc_panel_add_series_color(p1, label, DNC_STYLE_ERRORBARS, sw[i], lam[i], lerr[i],
                                        WB_NM, (int)i + 1);
    }
    if (!st)
        st = dnc_panel_add_refline(p1, true, swc, "mean-field σ_w^c");
    if (!st)
        st = dnc_panel_add_refline(p1, false, 0.0, NULL);
    if (!st) {
        p2->logx = p2->logy = true;
        st = dnc_panel_add_series(p2, "measured", DNC_STYLE_ERRORBARS, Nf, shift, shift_err, nr);
    }
    if (!st && nr >= 2 && isfinite(x)) {
        double fx[2] = {Nf[0], Nf[nr - 1]}, fy[2] = {amp * pow(Nf[0], -x), amp * pow(Nf[nr - 1], -x)};
        char label[48];
        snprintf(label, sizeof label, "fit ∝ N^{-%.2f}", x);
        st = dnc_panel_add_series(p2, label, DNC_STYLE_DASHED, fx, fy, NULL, 2);
    }
    if (!st)
        st = dnc_claim_figure(o, c, fig, "width_boundary.png");
    dnc_figure_free(fig);
    return st;
}

dnc_status dnc_tamai_width_boundary(const dnc_reproduce_opts *o, dnc_claim *c)
{
    static const size_t qN[] = {32, 64, 128, 256}, fN[] = {32, 64, 128, 256, 512};
    const size_t *Ns = o->quick ? qN : fN;
    size_t n = o->quick ? 4 : 5, K = 16, L = o->quick ? 300 : 500;
    snprintf(c->paper, sizeof c->paper,
             "at finite width N the edge of chaos (Lyapunov exponent lambda_N = 0) is shifted "
             "from mean field's sigma_w^c by ~ 1/N: sigma_w^c(N) - sigma_w^c ~ N^-x, x = 1");
    c->paper_value = 1.0;
    double swc;
    dnc_status st = critical_sigma_w(DNC_ACT_TANH, &swc);
    if (st)
        return st;
    double sw[WB_MAXN][WB_NM], lam[WB_MAXN][WB_NM], lerr[WB_MAXN][WB_NM];
    double Nf[WB_MAXN], root[WB_MAXN], shift[WB_MAXN], shift_err[WB_MAXN], inv[WB_MAXN],
        w[WB_MAXN];
    size_t nr = 0;
    snprintf(c->detail, sizeof c->detail,
             "tanh, sigma_b = 0.3; lambda_N = the maximal Lyapunov exponent (tangent dynamics, "
             "mean over %zu networks of the ensemble engine, depth %zu) at sigma_w = m sigma_w^c, "
             "m = 0.98 .. 1.16 step 0.02; its zero from a weighted line through the 4 points "
             "around the sign change. Roots:",
             K, L);
    for (size_t i = 0; i < n && !st; i++) {
        for (size_t j = 0; j < WB_NM && !st; j++) {
            sw[i][j] = round10(swc * (0.98 + 0.02 * (double)j));
            dnc_propagate_result r;
            st = ensemble(o, DNC_ACT_TANH, sw[i][j], Ns[i], L, K, true, NULL, &r);
            if (!st) {
                lam[i][j] = r.lyapunov;
                lerr[i][j] = r.lyapunov_err;
                dnc_propagate_result_free(&r);
            }
        }
        double x0, e0;
        if (!st && lyap_root(sw[i], lam[i], lerr[i], WB_NM, &x0, &e0)) {
            append(c->detail, sizeof c->detail, " N = %zu: %.5f +- %.5f;", Ns[i], x0, e0);
            if (x0 > swc) { /* a power law needs a positive shift */
                Nf[nr] = (double)Ns[i];
                root[nr] = x0;
                shift[nr] = x0 - swc;
                shift_err[nr] = e0;
                inv[nr] = 1.0 / (double)Ns[i];
                w[nr++] = 1.0 / (e0 * e0);
            }
        } else if (!st) {
            append(c->detail, sizeof c->detail, " N = %zu: no sign change;", Ns[i]);
        }
    }
    if (st)
        return st;
    dnc_estimate ex = {NAN, NAN}, amp = {NAN, NAN};
    if (nr >= 3 && dnc_power_fit(Nf, shift, shift_err, nr, &ex, &amp) == DNC_OK) {
        double s0, A, v00, v01, v11, chisq;
        if (!gsl_fit_wlinear(inv, 1, w, 1, root, 1, nr, &s0, &A, &v00, &v01, &v11, &chisq))
            append(c->detail, sizeof c->detail,
                   " Fit sigma_w^c(N) = s_inf + A/N: s_inf = %.5f +- %.5f (mean field %.5f), A = "
                   "%.3f +- %.3f, i.e. sigma_w^c (1 + %.2f/N).",
                   s0, sqrt(v00), swc, A, sqrt(v11), A / swc);
        append(c->detail, sizeof c->detail,
               " Power law of the shift over %zu widths: x = %.3f +- %.3f. Alternative: x = 1/2 "
               "(textbook mean-field DP, shift ~ L^{-1/nu_perp} = N^{-1/2} at d = 4).",
               nr, -ex.value, ex.error);
        dnc_claim_judge(c, -ex.value, ex.error, 1.0, 0.5);
    } else {
        append(c->detail, sizeof c->detail, " Fewer than 3 positive shifts: no power law.");
        dnc_clear_error();
        dnc_claim_judge(c, NAN, NAN, 1.0, 0.5);
    }
    st = wb_figure(o, c, Ns, n, (const double(*)[WB_NM])sw, (const double(*)[WB_NM])lam,
                   (const double(*)[WB_NM])lerr, Nf, shift, shift_err, nr, swc, -ex.value,
                   amp.value);
    if (st)
        return st;
    c->command[0] = '\0';
    append(c->command, sizeof c->command, "for N in");
    for (size_t i = 0; i < n; i++)
        append(c->command, sizeof c->command, " %zu", Ns[i]);
    append(c->command, sizeof c->command, "; do for S in");
    for (size_t j = 0; j < WB_NM; j++)
        append(c->command, sizeof c->command, " %.10g", sw[0][j]);
    append(c->command, sizeof c->command,
           "; do dnncrit propagate --engine ensemble --networks %zu --seed %llu --width $N "
           "--depth %zu --sigma-w $S --sigma-b 0.3 --activation tanh --lyapunov --quiet --out "
           "lyap_N${N}_sw$S; done; done # lambda_N: results.lyapunov of each lyap_*.json",
           K, (unsigned long long)o->seed, L);
    return DNC_OK;
}
