/* dnncrit advise: initialisation advice without training (issue 5). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dnncrit/network.h"
#include "dnncrit/advise.h"
#include "dnncrit/io.h"
#include "dnncrit/meanfield.h"
#include "dnncrit/result.h"
#include "dnncrit/train_sweep.h"
#include "mf_common.h"

#define SCAN_POINTS 17

typedef struct {
    dnc_activation act;
    size_t depth, width, seeds;
    double sigma_b, rho_tol, factor;
    uint64_t seed;
    size_t susc_inputs;
    const char *out;
    bool quiet, skip_susc;
    const char *evidence; /* a predictor study's sweep.json, or NULL */
} adv_opts;

typedef struct {
    double sigma_w_star;
    dnc_mf_point crit;
    double lo, hi;
    double sw[SCAN_POINTS];
    dnc_mf_point scan[SCAN_POINTS];
    dnc_status scan_st[SCAN_POINTS];
    dnc_width_scan ws;
    double width_needed, rms_at_width;
    dnc_susc_scan susc;
    bool have_susc;
    bool have_evidence;
    dnc_predictor_evidence ev;
} adv_result;

#define SUSC_POINTS 9

static dnc_status compute(const adv_opts *o, adv_result *r)
{
    dnc_status st = dnc_mf_critical_sigma_w(o->act, o->sigma_b, &r->sigma_w_star);
    if (st)
        return st;
    dnc_mf_params p = {o->act, r->sigma_w_star, o->sigma_b};
    if ((st = dnc_mf_analyse(&p, &r->crit)))
        return st;
    if ((st = dnc_trainable_window(o->act, o->sigma_b, (double)o->depth, o->factor, &r->lo,
                                   &r->hi)))
        return st;
    for (int i = 0; i < SCAN_POINTS; i++)
        r->sw[i] = r->sigma_w_star * (0.5 + 1.5 * i / (SCAN_POINTS - 1.0));
    double sb = o->sigma_b;
    if ((st = dnc_mf_phase_diagram(o->act, &sb, 1, r->sw, SCAN_POINTS, r->scan, r->scan_st, NULL,
                                   NULL)))
        return st;
    size_t widths[3] = {o->width / 4, o->width / 2, o->width};
    for (int i = 0; i < 3; i++)
        if (widths[i] < 16)
            widths[i] = 16;
    if ((st = dnc_width_scan_run(o->act, r->sigma_w_star, o->sigma_b, o->depth, widths, 3,
                                 (int)o->seeds, o->seed, &r->ws)))
        return st;
    r->width_needed = ceil(pow(r->ws.amplitude / o->rho_tol, 2));
    r->rms_at_width = r->ws.amplitude / sqrt((double)o->width);
    if (o->skip_susc)
        return DNC_OK;
    double ssw[SUSC_POINTS];
    for (int i = 0; i < SUSC_POINTS; i++)
        ssw[i] = r->sigma_w_star * (0.7 + 0.8 * i / (SUSC_POINTS - 1.0));
    if ((st = dnc_susc_scan_run(o->act, o->sigma_b, o->depth, o->width, ssw, SUSC_POINTS,
                                o->seeds, o->susc_inputs, o->seed, &r->susc)))
        return st;
    r->have_susc = true;
    return DNC_OK;
}

/* How the susceptibility peak was measured, with this run's numbers. */
static const char *susc_evidence(const adv_opts *o, char *buf, size_t size)
{
    snprintf(buf, size,
             "finite-width measurement: chi = N var(rho) of damage-spreading activity through the "
             "layers (dnc_net_avalanches, avalanche module) at sigma_w = 0.7 .. 1.5 sigma_w* (%d "
             "points), depth %zu, width %zu, %zu networks x %zu input pairs each; peak by a "
             "parabola through the maximum and its neighbours, uncertainty half a grid step "
             "(statistical noise of chi not included)",
             SUSC_POINTS, o->depth, o->width, o->seeds, o->susc_inputs);
    return buf;
}

/* What the 6 xi_c bound assumes about training. */
static const char budget_note[] =
    "the factor 6 is Schoenholz et al. 2017's, measured with their training budget (MNIST and "
    "CIFAR-10); it depends on the budget, not on the initialisation alone: with a short budget "
    "fewer layers per xi_c train (dnncrit measured c ~ 3 at 3 epochs of SGD on 3000 images, "
    "README \"Training and trainability\", examples/trainability.sh; the predictor study "
    "brackets c at 1 and 3 epochs, docs/training.md, \"Which quantity predicts learning?\")";

/* The predictor the recommendation follows: the study's winner with
 * --evidence, else the distance to the critical point. */
typedef struct {
    const char *predictor, *why, *source;
    dnc_predictor_favour favour;
    double sigma_w; /* NAN: no recommendation */
} adv_pick;

static adv_pick pick(const adv_opts *o, const adv_result *r)
{
    adv_pick k = {"abs_chi1_minus_1", NULL,
                  "default: the distance to the critical point |chi_1 - 1| (mean field, no "
                  "training needed; depth/xi_c, the other candidate that wins a setting of the "
                  "study, favours the same sigma_w*); the predictor study ranks them: "
                  "docs/training.md, \"Which quantity predicts learning?\", measured by "
                  "examples/predictor_study.sh; pass its sweep.json with --evidence to follow "
                  "the measured winner",
                  DNC_FAVOUR_CRITICAL, NAN};
    if (r->have_evidence) {
        k.predictor = r->ev.best;
        k.source = o->evidence;
        k.favour = dnc_predictor_favours(r->ev.best, r->ev.best_rho, &k.why);
    } else {
        dnc_predictor_favours(k.predictor, -1, &k.why);
    }
    if (k.favour == DNC_FAVOUR_CRITICAL)
        k.sigma_w = r->sigma_w_star;
    else if (k.favour == DNC_FAVOUR_SUSC_PEAK && r->have_susc)
        k.sigma_w = r->susc.peak_sigma_w;
    else if (k.favour == DNC_FAVOUR_SUSC_PEAK)
        k.why = "the susceptibility peak was not measured (--skip-susceptibility)";
    return k;
}

static void add_recommendation(cJSON *res, const adv_opts *o, const adv_result *r)
{
    adv_pick k = pick(o, r);
    cJSON *rec = cJSON_AddObjectToObject(res, "recommendation");
    cJSON_AddStringToObject(rec, "predictor", k.predictor);
    cli_json_number(rec, "sigma_w", k.sigma_w);
    cli_json_number(rec, "sigma_b", o->sigma_b);
    cJSON_AddStringToObject(rec, "why", k.why);
    cJSON_AddStringToObject(rec, "source", k.source);
    if (!r->have_evidence)
        return;
    const dnc_predictor_evidence *e = &r->ev;
    cJSON *ev = cJSON_AddObjectToObject(rec, "evidence");
    cJSON_AddStringToObject(ev, "activation", e->activation);
    cJSON_AddNumberToObject(ev, "epochs", (double)e->epochs);
    cJSON_AddNumberToObject(ev, "cells", (double)e->cells);
    cJSON_AddBoolToObject(ev, "same_activation",
                          strcmp(e->activation, dnc_activation_name(o->act)) == 0);
    cJSON *b = cJSON_AddObjectToObject(ev, "best");
    cJSON_AddStringToObject(b, "name", e->best);
    cli_json_number(b, "spearman", e->best_rho);
    cli_json_number(b, "ci95_lo", e->best_lo);
    cli_json_number(b, "ci95_hi", e->best_hi);
    cJSON *s2 = cJSON_AddObjectToObject(ev, "second");
    cJSON_AddStringToObject(s2, "name", e->second);
    cli_json_number(s2, "spearman", e->second_rho);
    cli_json_number(s2, "ci95_lo", e->second_lo);
    cli_json_number(s2, "ci95_hi", e->second_hi);
    cJSON *d = cJSON_AddObjectToObject(ev, "difference");
    cli_json_number(d, "value", e->diff);
    cli_json_number(d, "ci95_lo", e->diff_lo);
    cli_json_number(d, "ci95_hi", e->diff_hi);
    cJSON_AddBoolToObject(d, "separated", e->diff_lo > 0);
    cli_json_number(ev, "max_depth_over_xi_trained", e->trained_max);
    cli_json_number(ev, "min_depth_over_xi_failed", e->failed_min);
}

static void add_results(cJSON *res, const adv_opts *o, const adv_result *r)
{
    cJSON *ci = cJSON_AddObjectToObject(res, "critical_init");
    cli_json_number(ci, "sigma_w", r->sigma_w_star);
    cli_json_number(ci, "sigma_b", o->sigma_b);
    cli_json_number(ci, "q_star", r->crit.q_star);
    cli_json_number(ci, "chi_1", r->crit.chi_1);
    cli_json_number(ci, "kappa", r->crit.kappa);
    cJSON_AddStringToObject(ci, "evidence", "mean field: root of chi_1(sigma_w) = 1 at fixed "
                                            "sigma_b (GSL Brent, 1e-12 relative; quadrature "
                                            "checked to 1e-10 against closed forms)");
    cJSON *td = cJSON_AddObjectToObject(res, "trainable_depth");
    cJSON_AddNumberToObject(td, "depth", (double)o->depth);
    cli_json_number(td, "factor", o->factor);
    cli_json_number(td, "sigma_w_lo", r->lo);
    cli_json_number(td, "sigma_w_hi", r->hi);
    cJSON_AddStringToObject(td, "evidence",
                            "Schoenholz et al. 2017: trainable when depth < 6 xi_c; xi_c = "
                            "-1/ln chi_1 (ordered), -1/ln f'(c*) (chaotic), infinite at "
                            "sigma_w*; edges by bisection of 6 xi_c(sigma_w) = depth");
    cJSON_AddStringToObject(td, "training_budget", budget_note);
    cJSON *scan = cJSON_AddArrayToObject(td, "xi_c_scan");
    for (int i = 0; i < SCAN_POINTS; i++) {
        cJSON *j = cJSON_CreateObject();
        cli_json_number(j, "sigma_w", r->sw[i]);
        cli_json_number(j, "chi_1", r->scan[i].chi_1);
        cli_json_number(j, "xi_c", r->scan[i].xi_c);
        cJSON_AddBoolToObject(j, "trainable",
                              !r->scan_st[i] && o->factor * r->scan[i].xi_c > (double)o->depth);
        cJSON_AddItemToArray(scan, j);
    }
    cJSON *w = cJSON_AddObjectToObject(res, "width");
    cJSON *wl = cJSON_AddArrayToObject(w, "measured");
    for (size_t i = 0; i < r->ws.nwidths; i++) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "width", (double)r->ws.widths[i]);
        cli_json_number(j, "rms_rho_deviation", r->ws.rms[i]);
        cJSON_AddItemToArray(wl, j);
    }
    cli_json_number(w, "amplitude", r->ws.amplitude);
    cli_json_number(w, "measured_slope", r->ws.slope);
    cli_json_number(w, "rho_tol", o->rho_tol);
    cli_json_number(w, "width_needed", r->width_needed);
    cli_json_number(w, "expected_rms_at_width", r->rms_at_width);
    cJSON_AddStringToObject(w, "evidence",
                            "dnc_propagate at the critical init, 3 widths x seeds networks, RMS "
                            "over layers and seeds of rho^l - rho_mf^l, fitted a / sqrt(N); "
                            "width_needed = (a / rho_tol)^2");
    add_recommendation(res, o, r);
    cJSON *su = cJSON_AddObjectToObject(res, "susceptibility_init");
    cJSON_AddBoolToObject(su, "available", r->have_susc);
    if (!r->have_susc) {
        cJSON_AddStringToObject(su, "note", "skipped (--skip-susceptibility)");
        return;
    }
    cJSON *pk = cJSON_AddObjectToObject(su, "sigma_w");
    cli_json_number(pk, "value", r->susc.peak_sigma_w);
    cli_json_number(pk, "error", r->susc.peak_err);
    cli_json_number(su, "sigma_b", o->sigma_b);
    cli_json_number(su, "peak_over_critical", r->susc.peak_sigma_w / r->sigma_w_star);
    cli_json_number(su, "peak_chi", r->susc.peak_chi);
    cJSON_AddBoolToObject(su, "peak_at_scan_edge", r->susc.at_edge);
    cJSON *sc = cJSON_AddArrayToObject(su, "scan");
    for (size_t i = 0; i < r->susc.n; i++) {
        cJSON *j = cJSON_CreateObject();
        cli_json_number(j, "sigma_w", r->susc.sigma_w[i]);
        cli_json_number(j, "chi", r->susc.chi[i]);
        cJSON_AddItemToArray(sc, j);
    }
    char evidence[512];
    cJSON_AddStringToObject(su, "evidence", susc_evidence(o, evidence, sizeof evidence));
}

static void write_csv(FILE *fp, const adv_opts *o, const adv_result *r)
{
    dnc_result_write_header(fp, DNC_RESULT_ADVICE);
    for (int i = 0; i < SCAN_POINTS; i++) {
        mf_csv_number(fp, r->sw[i], ",");
        mf_csv_number(fp, r->scan[i].chi_1, ",");
        mf_csv_number(fp, r->scan[i].xi_c, ",");
        fprintf(fp, "%d\n", !r->scan_st[i] && o->factor * r->scan[i].xi_c > (double)o->depth);
    }
}

static void print_recommendation(const adv_opts *o, const adv_result *r)
{
    adv_pick k = pick(o, r);
    printf("\nrecommended initialisation (by the predictor %s):\n", k.predictor);
    if (isfinite(k.sigma_w))
        printf("  sigma_w = %.6g, sigma_b = %g: %s\n", k.sigma_w, o->sigma_b, k.why);
    else
        printf("  none from this predictor: %s\n", k.why);
    if (!r->have_evidence) {
        printf("  evidence: %s\n", k.source);
        return;
    }
    const dnc_predictor_evidence *e = &r->ev;
    printf("  evidence (%s): %s MLP, %zu epoch(s), %zu cells; Spearman of test accuracy with "
           "%s %.3f [%.3f, %.3f], second %s %.3f [%.3f, %.3f]; |rho| difference %.3f "
           "[%.3f, %.3f] (%s)\n",
           o->evidence, e->activation, e->epochs, e->cells, e->best, e->best_rho, e->best_lo,
           e->best_hi, e->second, e->second_rho, e->second_lo, e->second_hi, e->diff, e->diff_lo,
           e->diff_hi,
           e->diff_lo > 0 ? "the winner is separated from the second"
                          : "not separated: the second predicts about as well");
    if (strcmp(e->activation, dnc_activation_name(o->act)) != 0)
        printf("  note: the evidence was measured for %s, this advice is for %s\n",
               e->activation, dnc_activation_name(o->act));
}

static void print_report(const adv_opts *o, const adv_result *r)
{
    printf("advice for a %s MLP, depth %zu, width %zu, sigma_b = %g (no training)\n\n",
           dnc_activation_name(o->act), o->depth, o->width, o->sigma_b);
    printf("critical initialisation: sigma_w* = %.10g (q* = %.6g, kappa = %.6g)\n",
           r->sigma_w_star, r->crit.q_star, r->crit.kappa);
    printf("  evidence: mean-field root of chi_1 = 1 (chi_1 there = %.12g)\n\n", r->crit.chi_1);
    printf("trainable depth (Schoenholz et al. 2017: L < %g xi_c):\n", o->factor);
    printf("  depth %zu is trainable for sigma_w in [%.6g, %.6g]\n", o->depth, r->lo, r->hi);
    printf("  training budget: %s\n", budget_note);
    if (r->have_evidence && (isfinite(r->ev.trained_max) || isfinite(r->ev.failed_min)))
        printf("  at %zu epoch(s) the evidence trained up to depth/xi_c = %.3g; the smallest "
               "depth/xi_c that failed: %.3g (cells that fail for another reason, e.g. a large "
               "kappa L at the edge of chaos, lower it) (%s, %s)\n",
               r->ev.epochs, r->ev.trained_max, r->ev.failed_min, r->ev.activation, o->evidence);
    printf("  xi_c along sigma_w (sigma_b fixed):\n    %-10s %-12s %-12s %s\n", "sigma_w",
           "chi_1", "xi_c", "L < 6 xi_c");
    for (int i = 0; i < SCAN_POINTS; i++)
        printf("    %-10.5g %-12.6g %-12.6g %s\n", r->sw[i], r->scan[i].chi_1, r->scan[i].xi_c,
               o->factor * r->scan[i].xi_c > (double)o->depth ? "yes" : "no");
    printf("\nwidth for the finite-width flow to follow mean field:\n");
    for (size_t i = 0; i < r->ws.nwidths; i++)
        printf("  N = %-6zu rms |rho - rho_mf| = %.5f (measured, %zu seeds)\n", r->ws.widths[i],
               r->ws.rms[i], o->seeds);
    printf("  fit a / sqrt(N): a = %.4g (measured log-log slope %.3f, 1/sqrt(N) predicts "
           "-0.5)\n",
           r->ws.amplitude, r->ws.slope);
    printf("  expected rms deviation at N = %zu: %.4g; width for rms < %g: N >= %.0f\n\n",
           o->width, r->rms_at_width, o->rho_tol, r->width_needed);
    if (!r->have_susc) {
        printf("susceptibility-maximising initialisation: skipped\n");
        print_recommendation(o, r);
        return;
    }
    printf("susceptibility-maximising initialisation: sigma_w = %.4f +- %.4f (%.3f x sigma_w*)%s\n",
           r->susc.peak_sigma_w, r->susc.peak_err, r->susc.peak_sigma_w / r->sigma_w_star,
           r->susc.at_edge ? "  [maximum at the scan edge: the peak may lie outside]" : "");
    printf("  chi = N var(rho) along sigma_w:");
    for (size_t i = 0; i < r->susc.n; i++)
        printf(" %.3g:%.3g", r->susc.sigma_w[i], r->susc.chi[i]);
    char evidence[512];
    printf("\n  evidence: %s\n", susc_evidence(o, evidence, sizeof evidence));
    print_recommendation(o, r);
}

static int run(const adv_opts *o, int argc, char **argv)
{
    double t0 = dnc_wall_time();
    adv_result *r = calloc(1, sizeof *r);
    if (!r)
        return cli_failf("advise", "out of memory");
    /* The evidence first: a bad file fails before the (slow) measurements. */
    if (o->evidence) {
        if (dnc_predictor_evidence_read(o->evidence, &r->ev)) {
            free(r);
            return cli_fail("advise");
        }
        r->have_evidence = true;
    }
    if (compute(o, r)) {
        free(r);
        return cli_fail("advise");
    }
    cJSON *rec = dnc_run_record_new("advise", argc, argv);
    cJSON *cfg = cJSON_AddObjectToObject(rec, "config");
    cJSON_AddStringToObject(cfg, "activation", dnc_activation_name(o->act));
    cJSON_AddNumberToObject(cfg, "depth", (double)o->depth);
    cJSON_AddNumberToObject(cfg, "width", (double)o->width);
    cli_json_number(cfg, "sigma_b", o->sigma_b);
    cli_json_number(cfg, "rho_tol", o->rho_tol);
    cli_json_number(cfg, "factor", o->factor);
    cJSON_AddNumberToObject(cfg, "seeds", (double)o->seeds);
    cJSON_AddNumberToObject(cfg, "seed", (double)o->seed);
    cJSON_AddStringToObject(cfg, "out", o->out);
    if (o->evidence)
        cJSON_AddStringToObject(cfg, "evidence", o->evidence);
    add_results(cJSON_AddObjectToObject(rec, "results"), o, r);
    dnc_run_record_finish(rec, t0);
    mf_text csv = {0};
    dnc_status st = mf_text_open(&csv);
    if (!st) {
        write_csv(csv.fp, o, r);
        st = mf_text_close(&csv);
    }
    if (!st)
        st = mf_write_outputs(o->out, csv.text, rec);
    mf_text_free(&csv);
    cJSON_Delete(rec);
    if (!st && !o->quiet) {
        print_report(o, r);
        printf("\nwrote %s.json, %s.csv\n", o->out, o->out);
    }
    free(r);
    return st ? cli_fail("advise") : 0;
}

/* The ranges advise works in; a value outside is a usage error (exit 2). */
static int check_ranges(const adv_opts *o)
{
    if (o->depth < 1 || o->depth > 100000)
        return cli_failf("advise", "--depth must be in [1, 100000], got %zu", o->depth);
    if (o->width < 16 || o->width > 16384)
        return cli_failf("advise", "--width must be in [16, 16384], got %zu", o->width);
    if (!(o->sigma_b >= 0))
        return cli_failf("advise", "--sigma-b must be >= 0, got %g", o->sigma_b);
    if (!(o->rho_tol > 0) || !(o->factor > 0))
        return cli_failf("advise", "--rho-tol and --factor must be > 0");
    if (o->susc_inputs < 2 || o->susc_inputs > 10000)
        return cli_failf("advise", "--susc-inputs must be in [2, 10000], got %zu",
                         o->susc_inputs);
    if (o->seeds < 2 || o->seeds > 1000)
        return cli_failf("advise", "--seeds must be in [2, 1000], got %zu", o->seeds);
    return 0;
}

static int check_and_run(void *ctx, const cli_command *cli, int argc, char **argv)
{
    (void)cli;
    const adv_opts *o = ctx;
    return check_ranges(o) ? 2 : run(o, argc, argv);
}

int cmd_advise(int argc, char **argv)
{
    adv_opts o = {DNC_ACT_TANH, 50, 512, 4, 0.3, 0.02, DNC_TRAINABLE_FACTOR, 1, 16, "advise",
                  false, false, NULL};
    cli_opt opts[] = {
        CLI_PARAM(dnc_net_param_activation, &o.act),
        CLI_PARAM_DOMAIN(dnc_net_param_depth, &o.depth, "number of layers L", "[1,100000]"),
        CLI_PARAM_DOMAIN(dnc_net_param_width, &o.width, "units per layer N", "[16,16384]"),
        CLI_PARAM(dnc_net_param_sigma_b, &o.sigma_b),
        CLI_OPT("rho-tol", CLI_OPT_DOUBLE, &o.rho_tol,
         "target rms deviation of rho^l from mean field for the width estimate"),
        CLI_OPT("factor", CLI_OPT_DOUBLE, &o.factor, "trainable when depth < factor * xi_c"),
        CLI_OPT("seeds", CLI_OPT_SIZE, &o.seeds, "networks per width in the width measurement"),
        CLI_PARAM_HELP(dnc_net_param_seed, &o.seed, "first seed of the finite-width measurements"),
        CLI_OPT("susc-inputs", CLI_OPT_SIZE, &o.susc_inputs,
         "input pairs per network in the susceptibility scan"),
        CLI_OPT("skip-susceptibility", CLI_OPT_FLAG, &o.skip_susc,
         "skip the (slowest) susceptibility scan"),
        CLI_OPT("evidence", CLI_OPT_STRING, &o.evidence,
                "a predictor study's train-sweep sweep.json (examples/predictor_study.sh): "
                "recommend the initialisation its best predictor favours, with its evidence"),
        CLI_OPT("out", CLI_OPT_STRING, &o.out, "output prefix: PREFIX.json and PREFIX.csv"),
        CLI_QUIET_OPTION(&o.quiet),
    };
    cli_command cli = {.command = "advise",
                   .summary = "Initialisation advice without training: the critical "
                              "initialisation sigma_w* (chi_1 = 1), the sigma_w window where "
                              "depth < 6 xi_c (trainable, Schoenholz et al. 2017) with xi_c along "
                              "the sigma_w axis (CSV: sigma_w,chi_1,xi_c,trainable), the width "
                              "needed for finite-width propagation to follow mean field "
                              "(measured at three widths), the susceptibility-maximising sigma_w "
                              "(finite-width scan of chi = N var(rho)), the initialisation "
                              "recommended by the best predictor of learning (the distance to "
                              "the critical point, or with --evidence the winner of a "
                              "predictor study), and the evidence for each number.",
                   .example = "dnncrit advise --activation tanh --depth 50 --width 512",
                   .opts = opts,
                   .nopts = sizeof opts / sizeof opts[0]};
    cli_runner r = {.run = check_and_run, .ctx = &o};
    return cli_run(&cli, argc, argv, &r);
}
