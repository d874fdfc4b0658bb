/* Ghavasieh et al. (2025), the claims at one Widom-line point
 * (reproduce_ghavasieh.h). */
#include "app/reproduce_ghavasieh.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/advise.h"
#include "dnncrit/avalanche.h"
#include "dnncrit/crackling.h"
#include "dnncrit/plot.h"
#include "dnncrit/powerlaw.h"
#include "dnncrit/scaling.h"

/* The point, fixed before any run (docs/reproduce.md): tanh, sigma_b = 0.3,
 * L = 50, damage rule, the field h = 0.1 (the drive: "input-driven,
 * quasi-critical"), the sigma_w grid of docs/avalanches.md around the chi
 * peaks measured there; durations up to L/2 (the last layer cuts longer
 * ones). Quick: N = 64; full: N = 128 with twice the networks. */
typedef struct {
    size_t width, depth, networks, inputs, aval_inputs, nboot;
    double field, tmax;
    double sw[9];
    size_t nsw;
} widom_setup;

static widom_setup setup_of(const dnc_reproduce_opts *o)
{
    widom_setup s = {.width = o->quick ? 64 : 128,
                     .depth = 50,
                     .networks = o->quick ? 8 : 16,
                     .inputs = 50,
                     .aval_inputs = 1000,
                     .nboot = 200,
                     .field = 0.1,
                     .tmax = 25,
                     .nsw = 9};
    for (size_t i = 0; i < s.nsw; i++)
        s.sw[i] = 1.35 + 0.05 * (double)i;
    return s;
}

typedef struct {
    widom_setup s;
    dnc_susc_scan scan;
    dnc_net_crackling cr;
    bool measured;   /* the crackling measurement ran */
    char why[256];   /* why not */
} widom_point;

static dnc_status measure(const dnc_reproduce_opts *o, widom_point *w)
{
    memset(w, 0, sizeof *w);
    w->s = setup_of(o);
    dnc_net_aval_opts no = dnc_net_aval_opts_default();
    no.net.activation = DNC_ACT_TANH;
    no.net.sigma_b = 0.3;
    no.net.depth = w->s.depth;
    no.net.width = w->s.width;
    no.net.seed = o->seed ? o->seed : 1;
    no.networks = w->s.networks;
    no.inputs = w->s.inputs;
    no.field = w->s.field;
    no.quiet = true;
    if (!o->quiet)
        fprintf(stderr, "  ghavasieh: chi along sigma_w (N = %zu, h = %g, %zu points)\n",
                w->s.width, w->s.field, w->s.nsw);
    dnc_status st = dnc_susc_scan_opts_run(&no, w->s.sw, w->s.nsw, 400, &w->scan);
    if (st)
        return st;
    no.net.sigma_w = w->scan.peak_sigma_w;
    no.inputs = w->s.aval_inputs;
    dnc_avalanche_opts ao = dnc_avalanche_opts_default();
    ao.seed = no.net.seed;
    ao.gamma_tmax = w->s.tmax;
    ao.duration_fit.xmax = w->s.tmax;
    ao.collapse_tmax = w->s.tmax;
    if (!o->quiet)
        fprintf(stderr, "  ghavasieh: avalanches at the peak sigma_w = %.4f\n", no.net.sigma_w);
    st = dnc_net_crackling_measure(&no, &ao, w->s.nboot, &w->cr);
    if (st == DNC_EINVAL || st == DNC_ENUM) { /* too few avalanches, no fit: a result */
        snprintf(w->why, sizeof w->why, "%s", dnc_last_error());
        dnc_clear_error();
        return DNC_OK;
    }
    w->measured = !st;
    return st;
}

/* The point every claim of the study judges, measured once per run
 * (dnc_reproduce_shared) and copied into *w; measured into *w alone when
 * the claim runs outside a study run. */
static dnc_status shared_point(const dnc_reproduce_opts *o, widom_point *w)
{
    typedef struct {
        bool filled;
        widom_point w;
    } memo;
    memo *m = dnc_reproduce_shared(o, "ghavasieh2025 widom point", sizeof *m);
    if (m && m->filled) {
        *w = m->w;
        return DNC_OK;
    }
    dnc_status st = measure(o, w);
    if (!st && m) {
        m->w = *w;
        m->filled = true;
    }
    return st;
}

/* The command line that measures the same point. */
static void command(const dnc_reproduce_opts *o, const widom_point *w, dnc_claim *c)
{
    const widom_setup *s = &w->s;
    snprintf(c->command, sizeof c->command,
             "dnncrit susceptibility --activation tanh --sigma-b 0.3 --depth %zu --sigma-w "
             "%g:%g:%zu --widths %zu --field %g --networks %zu --inputs %zu --seed %llu "
             "--crackling %zu --crackling-inputs %zu --crackling-tmax %g --out widom",
             s->depth, s->sw[0], s->sw[s->nsw - 1], s->nsw, s->width, s->field, s->networks,
             s->inputs, (unsigned long long)(o->seed ? o->seed : 1), s->nboot, s->aval_inputs,
             s->tmax);
}

/* Where and what: the Widom point and the avalanche numbers. */
static void detail(const widom_point *w, dnc_claim *c)
{
    const widom_setup *s = &w->s;
    const dnc_crackling_measurement *m = &w->cr.m;
    int k = snprintf(c->detail, sizeof c->detail,
                     "tanh MLP, sigma_b 0.3, N %zu, L %zu, damage rule, field h = %g; chi peak "
                     "along sigma_w %g..%g (%zu points, %zu networks x %zu inputs): sigma_w = "
                     "%.4f +- %.3f (bootstrap %.3f)%s, chi = %.3g; avalanches there (%zu "
                     "networks x %zu inputs): ",
                     s->width, s->depth, s->field, s->sw[0], s->sw[s->nsw - 1], s->nsw,
                     s->networks, s->inputs, w->scan.peak_sigma_w, w->scan.peak_err,
                     w->scan.peak_boot_err, w->scan.at_edge ? " (at the edge of the scan)" : "",
                     w->scan.peak_chi, s->networks, s->aval_inputs);
    if (k < 0 || (size_t)k >= sizeof c->detail)
        return;
    if (!w->measured) {
        snprintf(c->detail + k, sizeof c->detail - (size_t)k, "not measured: %s", w->why);
        return;
    }
    snprintf(c->detail + k, sizeof c->detail - (size_t)k,
             "%zu completed, %zu cut at the last layer; tau %.3f +- %.3f (S >= %g, %zu), alpha "
             "%.3f +- %.3f (T in [%g, %g], %zu), gamma %.3f +- %.3f (T in [%g, %g], %zu "
             "durations)%s%s; (alpha-1)/(tau-1) = %.3f +- %.3f; deviation %.3f +- %.3f "
             "(propagated %.3f, bootstrap %.3f over %zu resamples); shape collapse exponent "
             "%.3f +- %.3f, cost %.3g (%zu durations)",
             m->count, w->cr.cut, m->tau, m->tau_err, m->size_xmin, m->size_tail, m->alpha,
             m->alpha_err, m->duration_xmin, s->tmax, m->duration_tail, m->gamma, m->gamma_err,
             m->gamma_tmin, m->gamma_tmax, m->gamma_durations, m->gamma_ok ? "" : ": ",
             m->gamma_ok ? "" : m->gamma_error, m->cr.predicted, m->cr.predicted_err,
             m->cr.difference, m->err, m->cr.difference_err, m->boot_err, m->boot_kept,
             m->collapse_exponent, m->collapse_exponent_err, m->collapse_cost,
             m->collapse_durations);
}

static dnc_status chi_figure(const dnc_reproduce_opts *o, const widom_point *w, dnc_claim *c)
{
    dnc_figure *fig = dnc_figure_new("χ along σ_w at h = 0.1 (damage rule)");
    dnc_plot_panel *p = fig ? dnc_figure_add_panel(fig, "Widom-line point", "σ_w", "χ = N var ρ")
                            : NULL;
    dnc_status st = p ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    if (!st)
        st = dnc_panel_add_series(p, "χ", DNC_STYLE_ERRORBARS, w->scan.sigma_w, w->scan.chi,
                                  w->scan.chi_err, w->scan.n);
    if (!st)
        st = dnc_panel_add_refline(p, true, w->scan.peak_sigma_w, "peak (avalanches measured)");
    if (!st)
        st = dnc_claim_figure(o, c, fig, "ghavasieh_widom_chi.png");
    dnc_figure_free(fig);
    return st;
}

static void header(dnc_claim *c, const char *name, const char *paper)
{
    memset(c, 0, sizeof *c);
    snprintf(c->claim, sizeof c->claim, "%s", name);
    snprintf(c->paper, sizeof c->paper, "%s", paper);
}

dnc_status dnc_ghavasieh_crackling(const dnc_reproduce_opts *o, dnc_claim *c)
{
    if (!o || !c)
        return dnc_fail(DNC_EINVAL, "claim: no options or output");
    widom_point w;
    dnc_status st = shared_point(o, &w);
    if (st)
        return st;
    header(c, "crackling relation",
           "input-driven networks are quasi-critical and the crackling relation gamma = "
           "(alpha - 1)/(tau - 1) holds approximately there (deviation 0)");
    const dnc_crackling_measurement *m = &w.cr.m;
    dnc_claim_judge(c, w.measured ? m->cr.difference : NAN, w.measured ? m->err : NAN, 0.0, NAN);
    detail(&w, c);
    command(o, &w, c);
    return chi_figure(o, &w, c);
}

dnc_verdict dnc_ghavasieh_family_verdict(double p_in, double p_out)
{
    if (!isfinite(p_in))
        return DNC_VERDICT_INCONCLUSIVE;
    if (p_in < 0.0027)
        return DNC_VERDICT_NOT_SUPPORTED;
    if (p_in >= DNC_CLASSIFY_TIE_P && !(p_out >= DNC_CLASSIFY_TIE_P))
        return DNC_VERDICT_SUPPORTED;
    return DNC_VERDICT_INCONCLUSIVE;
}

static bool in_family(const char *cls, bool barkhausen)
{
    if (barkhausen)
        return strncmp(cls, "Barkhausen", 10) == 0;
    return strcmp(cls, "mean field") == 0 || strncmp(cls, "DP ", 3) == 0;
}

/* dnc_classify on the avalanche exponents tau, alpha and (when fitted)
 * gamma of m: the matches, best first. */
static dnc_status classify_measurement(const dnc_crackling_measurement *m,
                                       dnc_uclass_match mt[16], size_t *nm)
{
    double v[DNC_NEXP], e[DNC_NEXP];
    for (int k = 0; k < DNC_NEXP; k++)
        v[k] = e[k] = NAN;
    v[DNC_EXP_TAU] = m->tau, e[DNC_EXP_TAU] = m->tau_err;
    v[DNC_EXP_ALPHA] = m->alpha, e[DNC_EXP_ALPHA] = m->alpha_err;
    if (m->gamma_ok)
        v[DNC_EXP_GAMMA] = m->gamma, e[DNC_EXP_GAMMA] = m->gamma_err;
    return dnc_classify(v, e, mt, nm);
}

static dnc_status class_claim(const dnc_reproduce_opts *o, dnc_claim *c, bool barkhausen)
{
    if (!o || !c)
        return dnc_fail(DNC_EINVAL, "claim: no options or output");
    widom_point w;
    dnc_status st = shared_point(o, &w);
    if (st)
        return st;
    header(c, barkhausen ? "Barkhausen class" : "DP class",
           barkhausen ? "finite-size scaling places DNN avalanches in a Barkhausen-noise class "
                        "(mean field ABBM: tau = (3 - c)/2, alpha = 2 - c, gamma = 2; or short "
                        "range: 1.27, 1.5, 1.77)"
                      : "finite-size scaling places DNN avalanches in a directed-percolation "
                        "class (mean field: tau = 3/2, alpha = 2, gamma = 2; or DP d+1)");
    const dnc_crackling_measurement *m = &w.cr.m;
    dnc_uclass_match mt[16];
    size_t nm = 0;
    if (w.measured && (st = classify_measurement(m, mt, &nm)))
        return st;
    const dnc_uclass_match *best_in = NULL, *best_out = NULL;
    for (size_t i = 0; i < nm; i++) { /* sorted best first */
        if (mt[i].n == 0)
            continue;
        bool in = in_family(mt[i].uclass->name, barkhausen);
        if (in && !best_in)
            best_in = &mt[i];
        if (!in && !best_out)
            best_out = &mt[i];
    }
    /* shown: tau against the family's best class (at its fitted c for ABBM) */
    double ctau = NAN;
    if (best_in) {
        const dnc_uclass *u = best_in->uclass;
        ctau = u->value[DNC_EXP_TAU] + (isfinite(best_in->param) ? best_in->param * u->slope[DNC_EXP_TAU] : 0);
    }
    dnc_claim_judge(c, w.measured ? m->tau : NAN, w.measured ? m->tau_err : NAN, ctau, NAN);
    double p_in = best_in ? best_in->p_value : NAN, p_out = best_out ? best_out->p_value : NAN;
    c->verdict = dnc_ghavasieh_family_verdict(p_in, p_out);
    snprintf(c->rule, sizeof c->rule,
             "classify on tau, alpha%s: best %s class %s p = %.3g%s, best other %s p = %.3g; "
             "supported if p >= %.4f and no other class ties, not supported if p < 0.0027",
             w.measured && m->gamma_ok ? ", gamma" : "", barkhausen ? "Barkhausen" : "DP",
             best_in ? best_in->uclass->name : "(none)", p_in,
             best_in && isfinite(best_in->param) ? " (fitted c)" : "",
             best_out ? best_out->uclass->name : "(none)", p_out, DNC_CLASSIFY_TIE_P);
    detail(&w, c);
    char cmd[sizeof c->command];
    command(o, &w, c);
    if (w.measured) {
        int k = snprintf(cmd, sizeof cmd, "%s && dnncrit classify --tau %.4f,%.4f --alpha %.4f,%.4f",
                         c->command, m->tau, m->tau_err, m->alpha, m->alpha_err);
        if (k > 0 && (size_t)k < sizeof cmd && m->gamma_ok)
            snprintf(cmd + k, sizeof cmd - (size_t)k, " --gamma %.4f,%.4f", m->gamma, m->gamma_err);
        memcpy(c->command, cmd, sizeof cmd);
    }
    snprintf(c->note, sizeof c->note, "no figure: the chi scan of this point is "
                                      "ghavasieh_widom_chi.png (crackling relation)");
    return DNC_OK;
}

dnc_status dnc_ghavasieh_barkhausen(const dnc_reproduce_opts *o, dnc_claim *c)
{
    return class_claim(o, c, true);
}

dnc_status dnc_ghavasieh_dp(const dnc_reproduce_opts *o, dnc_claim *c)
{
    return class_claim(o, c, false);
}

/* A collapse whose rescaled profiles scatter by more than about 22 % rms
 * (relative variance 0.05) is not a collapse, whatever its exponent. */
#define SHAPE_COST_MAX 0.05

dnc_status dnc_ghavasieh_shape(const dnc_reproduce_opts *o, dnc_claim *c)
{
    if (!o || !c)
        return dnc_fail(DNC_EINVAL, "claim: no options or output");
    widom_point w;
    dnc_status st = shared_point(o, &w);
    if (st)
        return st;
    header(c, "shape collapse",
           "the mean avalanche shapes collapse, <A>(t, T) = T^(g - 1) F(t/T), with the exponent "
           "of the crackling relation g = (alpha - 1)/(tau - 1)");
    const dnc_crackling_measurement *m = &w.cr.m;
    bool ok = w.measured && m->collapse_ok;
    dnc_claim_judge(c, ok ? m->collapse_exponent : NAN,
                    ok ? hypot(m->collapse_exponent_err, m->cr.predicted_err) : NAN,
                    ok ? m->cr.predicted : NAN, NAN);
    if (ok && m->collapse_cost > SHAPE_COST_MAX && c->verdict == DNC_VERDICT_SUPPORTED) {
        c->verdict = DNC_VERDICT_INCONCLUSIVE;
        size_t k = strlen(c->rule);
        snprintf(c->rule + k, sizeof c->rule - k,
                 "; but the collapse cost %.3g > %.2g: no collapse to judge", m->collapse_cost,
                 SHAPE_COST_MAX);
    } else {
        size_t k = strlen(c->rule);
        snprintf(c->rule + k, sizeof c->rule - k, "; collapse cost %.3g (a cost > %.2g bars "
                 "supported)", ok ? m->collapse_cost : NAN, SHAPE_COST_MAX);
    }
    detail(&w, c);
    command(o, &w, c);
    snprintf(c->note, sizeof c->note, "no figure: the collapse is in the JSON of the command "
                                      "(crackling.collapse_*)");
    return DNC_OK;
}

/* ------------------------------------------------------ ResNet avalanches */

/* The ResNet, fixed before any run (docs/reproduce.md): the standard
 * initialisation of a ResNet (relu, He sigma_w^2 = 2, no biases), 1D, C = 16
 * channels, 128 sites, k = 3, pre-activation blocks of two convolutions with
 * batch normalisation in training mode over B = 8 inputs; a unit is active
 * when |h| > 3.5 s_l, s_l the standard deviation of layer l (the layer scope:
 * layer-dependent thresholds); avalanches with the layer as time. Quick: 128
 * networks of depth 50; full: 256 of depth 100. */
static dnc_cnn_aval_opts resnet_setup(const dnc_reproduce_opts *o)
{
    dnc_cnn_aval_opts a = dnc_cnn_aval_opts_default();
    dnc_cnn_config *net = &a.cnn.net;
    net->channels = 16;
    net->size_x = 128;
    net->kernel = 3;
    net->activation = DNC_ACT_RELU;
    net->sigma_w = sqrt(2.0);
    net->sigma_b = 0.0;
    net->residual = true;
    net->residual_alpha = 1.0;
    net->block = 2;
    net->norm = DNC_CNN_NORM_BATCH_TRAIN;
    net->depth = o->quick ? 50 : 100;
    net->seed = o->seed ? o->seed : 1;
    a.cnn.batch = 8;
    a.networks = o->quick ? 128 : 256;
    a.rule = DNC_NET_PRE;
    a.scope = DNC_SCOPE_LAYER;
    a.threshold = 3.5;
    a.analysis.seed = net->seed;
    return a;
}

/* The empirical P(X >= x) of x[0..n) at about 40 log-spaced values, and the
 * fitted power law over its tail (scaled by the tail's share), into a
 * log-log panel of fig. */
#define CCDF_POINTS 40
static dnc_status ccdf_panel(dnc_figure *fig, const char *title, const char *xlabel,
                             const double *x, size_t n, const dnc_pl_fit *fit)
{
    dnc_plot_panel *p = dnc_figure_add_panel(fig, title, xlabel, "P(X >= x)");
    double *s = p && n ? malloc(n * sizeof *s) : NULL;
    if (!s)
        return dnc_fail(DNC_ENOMEM, "out of memory");
    memcpy(s, x, n * sizeof *s);
    dnc_pl_sort(s, n);
    double ex[CCDF_POINTS], ey[CCDF_POINTS], fx[CCDF_POINTS], fy[CCDF_POINTS];
    size_t ne = 0, nf = 0, i = 0;
    double lo = s[0] > 0 ? s[0] : 1.0, ratio = pow(s[n - 1] / lo, 1.0 / (CCDF_POINTS - 1));
    double tail = (double)fit->n_tail / (double)n;
    for (int k = 0; k < CCDF_POINTS; k++) {
        double t = lo * pow(ratio, k);
        while (i < n && s[i] < t)
            i++;
        if (i == n || (ne && s[i] == ex[ne - 1]))
            continue;
        ex[ne] = s[i];
        ey[ne++] = (double)(n - i) / (double)n;
        if (s[i] >= fit->xmin) {
            fx[nf] = s[i];
            fy[nf++] = tail * dnc_pl_ccdf(fit, s[i]);
        }
    }
    free(s);
    p->logx = p->logy = true;
    char label[64];
    snprintf(label, sizeof label, "fit: exponent %.2f", fit->alpha);
    dnc_status st = dnc_panel_add_series(p, "data", DNC_STYLE_POINTS, ex, ey, NULL, ne);
    if (!st)
        st = dnc_panel_add_series(p, label, DNC_STYLE_DASHED, fx, fy, NULL, nf);
    return st;
}

static dnc_status resnet_figure(const dnc_reproduce_opts *o, dnc_claim *c,
                                const dnc_cnn_aval_result *r)
{
    dnc_figure *fig = dnc_figure_new("ResNet avalanches (layer thresholds 3.5 s_l)");
    dnc_status st = fig ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    if (!st)
        st = ccdf_panel(fig, "sizes", "S", r->av.size, r->av.count, &r->analysis.size);
    if (!st)
        st = ccdf_panel(fig, "durations", "T (layers)", r->av.duration, r->av.count,
                        &r->analysis.duration);
    if (!st)
        st = dnc_claim_figure(o, c, fig, "ghavasieh_resnet_avalanches.png");
    dnc_figure_free(fig);
    return st;
}

dnc_status dnc_ghavasieh_resnet(const dnc_reproduce_opts *o, dnc_claim *c)
{
    if (!o || !c)
        return dnc_fail(DNC_EINVAL, "claim: no options or output");
    dnc_cnn_aval_opts a = resnet_setup(o);
    const dnc_cnn_config *net = &a.cnn.net;
    header(c, "ResNet avalanches",
           "ResNets with convolutions and batch normalisation, with layer-dependent "
           "thresholds, have critical avalanches: exponents of a known class and the "
           "crackling relation gamma = (alpha - 1)/(tau - 1) (deviation 0)");
    if (!o->quiet)
        fprintf(stderr, "  ghavasieh: ResNet avalanches (%zu networks, depth %zu)\n", a.networks,
                net->depth);
    dnc_cnn_aval_result r;
    dnc_status st = dnc_cnn_avalanches(&a, &r);
    if (st)
        return st;
    dnc_crackling_measurement m;
    bool measured = false;
    char why[256] = "";
    st = dnc_crackling_measure(&r.av, &a.analysis, 200, net->seed, &m);
    if (st == DNC_EINVAL || st == DNC_ENUM) { /* too few avalanches, no fit: a result */
        snprintf(why, sizeof why, "%s", dnc_last_error());
        dnc_clear_error();
        st = DNC_OK;
    } else {
        measured = !st;
    }
    size_t cut = r.cut, seeded = r.seeded;
    if (!st && r.analysed && r.av.count > 0)
        st = resnet_figure(o, c, &r);
    dnc_cnn_aval_result_free(&r);
    if (st)
        return st;
    /* critical avalanches: exponents in some class (the family rule with every
     * class in the family) and the crackling relation (dnc_claim_judge) */
    dnc_uclass_match mt[16];
    size_t nm = 0;
    if (measured && (st = classify_measurement(&m, mt, &nm)))
        return st;
    const dnc_uclass_match *best = nm > 0 && mt[0].n > 0 ? &mt[0] : NULL;
    dnc_verdict in_class = dnc_ghavasieh_family_verdict(best ? best->p_value : NAN, NAN);
    dnc_claim_judge(c, measured && m.gamma_ok ? m.cr.difference : NAN,
                    measured && m.gamma_ok ? m.err : NAN, 0.0, NAN);
    dnc_verdict crackles = c->verdict;
    if (in_class == DNC_VERDICT_NOT_SUPPORTED || crackles == DNC_VERDICT_NOT_SUPPORTED)
        c->verdict = DNC_VERDICT_NOT_SUPPORTED;
    else if (in_class == DNC_VERDICT_SUPPORTED && crackles == DNC_VERDICT_SUPPORTED)
        c->verdict = DNC_VERDICT_SUPPORTED;
    else
        c->verdict = DNC_VERDICT_INCONCLUSIVE;
    char crackle_rule[sizeof c->rule];
    memcpy(crackle_rule, c->rule, sizeof crackle_rule);
    snprintf(c->rule, sizeof c->rule,
             "needs both: a class (best %s p = %.3g; >= %.4f in, < 0.0027 out) and "
             "crackling (%.150s)",
             best ? best->uclass->name : "(none)", best ? best->p_value : NAN,
             DNC_CLASSIFY_TIE_P, crackle_rule);
    int k = snprintf(c->detail, sizeof c->detail,
                     "1D ResNet: relu, sigma_w^2 = 2, no biases, C 16, 128 sites, k 3, "
                     "pre-activation blocks of two convolutions, batch norm in training mode "
                     "over B 8, depth %zu, %zu networks; unit active when |h| > 3.5 x the "
                     "layer's standard deviation; %zu trials, %zu still active at the last "
                     "layer; ",
                     net->depth, a.networks, seeded, cut);
    if (k > 0 && (size_t)k < sizeof c->detail) {
        if (!measured)
            snprintf(c->detail + k, sizeof c->detail - (size_t)k, "not measured: %s", why);
        else
            snprintf(c->detail + k, sizeof c->detail - (size_t)k,
                     "%zu avalanches; tau %.3f +- %.3f (S >= %g, %zu), alpha %.3f +- %.3f (T >= "
                     "%g, %zu), gamma %.3f +- %.3f (T in [%g, %g], %zu durations)%s%s; "
                     "(alpha-1)/(tau-1) = %.3f +- %.3f; deviation %.3f +- %.3f (bootstrap "
                     "%.3f over %zu resamples)",
                     m.count, m.tau, m.tau_err, m.size_xmin, m.size_tail, m.alpha, m.alpha_err,
                     m.duration_xmin, m.duration_tail, m.gamma, m.gamma_err, m.gamma_tmin,
                     m.gamma_tmax, m.gamma_durations, m.gamma_ok ? "" : ": ",
                     m.gamma_ok ? "" : m.gamma_error, m.cr.predicted, m.cr.predicted_err,
                     m.cr.difference, m.err, m.boot_err, m.boot_kept);
    }
    snprintf(c->command, sizeof c->command,
             "dnncrit cnn --dims 1 --channels 16 --size-x 128 --kernel 3 --activation relu "
             "--sigma-w 1.41421356 --sigma-b 0 --residual --block 2 --norm batch-train "
             "--batch 8 --depth %zu --seed %llu --seeds %zu --avalanches --rule pre "
             "--threshold-scope layer --aval-threshold 3.5 --crackling 200 --out resnet",
             net->depth, (unsigned long long)net->seed, a.networks);
    return DNC_OK;
}
