/* Accuracy of the default (Mehler) mean-field expectations against the
 * adaptive Gauss-Kronrod reference (DNC_MF_QUAD_ADAPTIVE) over smooth
 * activations, q and rho; prints the worst relative deviations, for the
 * rho map separately for rho >= 1e-4 and below: the reference integrates
 * (phi(u1) - phi(u2))^2 pointwise and itself loses ~eps / sqrt(2 rho)
 * relative there (see test_erf_rho_map_closed_form for an exact check).
 * Usage: bench_meanfield_accuracy [-v] */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dnncrit/meanfield.h"

static double rho_map(dnc_mf_quadrature mode, const dnc_mf_params *p, double q, double rho)
{
    double r = NAN;
    dnc_mf_set_quadrature(mode);
    if (dnc_mf_rho_map(p, q, rho, &r, NULL))
        r = NAN;
    return r;
}

static double pair(dnc_mf_quadrature mode, dnc_activation act, dnc_mf_deriv a, dnc_mf_deriv b,
                   double q, double c)
{
    double v = NAN;
    dnc_mf_set_quadrature(mode);
    if (dnc_mf_gauss_pair(act, a, b, q, c, &v))
        v = NAN;
    return v;
}

static double square(dnc_activation act, dnc_mf_deriv a, double q)
{
    double v = NAN;
    dnc_mf_set_quadrature(DNC_MF_QUAD_ADAPTIVE);
    if (dnc_mf_gauss_square(act, a, q, &v))
        v = NAN;
    return v;
}

int main(int argc, char **argv)
{
    int verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    const dnc_activation acts[] = {DNC_ACT_TANH,  DNC_ACT_ERF,   DNC_ACT_SIGMOID, DNC_ACT_GELU,
                                   DNC_ACT_SWISH, DNC_ACT_SOFTPLUS, DNC_ACT_LINEAR};
    const double qs[] = {0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0, 200.0};
    const double rhos[] = {1e-12, 1e-8, 1e-4, 1e-2, 0.3, 1.0, 1.7, 2.0};
    double worst_rho = 0, worst_pair = 0;
    for (size_t a = 0; a < sizeof acts / sizeof acts[0]; a++) {
        double wa = 0, ws = 0, wp = 0;
        dnc_mf_params p = {acts[a], 1.3, 0.3};
        for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
            for (size_t j = 0; j < sizeof rhos / sizeof rhos[0]; j++) {
                double ref = rho_map(DNC_MF_QUAD_ADAPTIVE, &p, qs[i], rhos[j]);
                double got = rho_map(DNC_MF_QUAD_AUTO, &p, qs[i], rhos[j]);
                double err = fabs(got - ref) / fabs(ref);
                double *worst = rhos[j] >= 1e-4 ? &wa : &ws;
                if (!(err <= *worst))
                    *worst = err;
                if (verbose)
                    printf("%s q=%g rho=%g: rho' %.17g ref %.17g rel %.2e\n",
                           dnc_activation_name(acts[a]), qs[i], rhos[j], got, ref, err);
            }
            for (int da = 0; da <= 2; da++)
                for (int db = da; db <= 2; db++) {
                    double scale = sqrt(square(acts[a], da, qs[i]) * square(acts[a], db, qs[i]));
                    for (double c = -1; c <= 1.0001; c += 0.25) {
                        double cc = fmin(c, 1.0);
                        double ref = pair(DNC_MF_QUAD_ADAPTIVE, acts[a], da, db, qs[i], cc);
                        double got = pair(DNC_MF_QUAD_AUTO, acts[a], da, db, qs[i], cc);
                        double err = scale > 0 ? fabs(got - ref) / scale : fabs(got - ref);
                        if (!(err <= wp))
                            wp = err;
                    }
                }
        }
        printf("%-9s worst rel. deviation: rho map %.2e (rho >= 1e-4), %.2e (rho < 1e-4); "
               "E[phi^(a) phi^(b)] %.2e (of the Cauchy-Schwarz scale)\n",
               dnc_activation_name(acts[a]), wa, ws, wp);
        worst_rho = fmax(worst_rho, wa);
        worst_pair = fmax(worst_pair, wp);
    }
    printf("all: rho map %.2e (rho >= 1e-4), pair %.2e\n", worst_rho, worst_pair);
    dnc_mf_set_quadrature(DNC_MF_QUAD_AUTO);
    return 0;
}
