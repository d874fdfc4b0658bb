/* Per-call cost of the mean-field correlation map (dnc_mf_rho_map) and of a
 * critical trajectory (tanh, sigma_b = 0.3, critical sigma_w, q_in = 1, c_in = 0).
 * Usage: bench_meanfield [calls_per_point [trajectory_depth [activation q rho]]]
 * Prints microseconds per call for each activation at a few (q, rho), or for
 * the one given (then without the trajectory; for perf stat). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dnncrit/meanfield.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    int calls = argc > 1 ? atoi(argv[1]) : 20;
    size_t depth = argc > 2 ? (size_t)atol(argv[2]) : 1000;
    dnc_activation acts[] = {DNC_ACT_TANH, DNC_ACT_ERF, DNC_ACT_GELU, DNC_ACT_HARD_TANH};
    double qs[] = {0.1, 1.0, 10.0};
    double rhos[] = {1e-6, 0.05, 1.0};
    size_t nact = sizeof acts / sizeof acts[0], nq = 3, nrho = 3;
    if (argc > 5) {
        if (dnc_activation_parse(argv[3], &acts[0]))
            return 1;
        qs[0] = atof(argv[4]);
        rhos[0] = atof(argv[5]);
        nact = nq = nrho = 1;
        depth = 0;
    }
    for (size_t a = 0; a < nact; a++) {
        dnc_mf_params p = {acts[a], 1.3, 0.3};
        double total = 0;
        int n = 0;
        for (size_t i = 0; i < nq; i++)
            for (size_t j = 0; j < nrho; j++) {
                double r, t0 = now();
                for (int k = 0; k < calls; k++)
                    if (dnc_mf_rho_map(&p, qs[i], rhos[j], &r, NULL)) {
                        fprintf(stderr, "%s\n", dnc_last_error());
                        return 1;
                    }
                double us = (now() - t0) / calls * 1e6;
                total += us;
                n++;
                printf("%-10s q=%-5g rho=%-6g %10.1f us/call  rho'=%.17g\n",
                       dnc_activation_name(acts[a]), qs[i], rhos[j], us, r);
            }
        printf("%-10s mean %.1f us/call\n", dnc_activation_name(acts[a]), total / n);
    }
    if (depth > 0) {
        double sw;
        if (dnc_mf_critical_sigma_w(DNC_ACT_TANH, 0.3, &sw))
            return 1;
        dnc_mf_params p = {DNC_ACT_TANH, sw, 0.3};
        double *q = malloc(depth * sizeof *q), *rho = malloc(depth * sizeof *rho);
        double t0 = now();
        if (dnc_mf_trajectory_rho(&p, 1.0, 0.0, depth, q, NULL, rho))
            return 1;
        printf("tanh critical trajectory, depth %zu: %.3f s, rho[last] = %.17g\n", depth,
               now() - t0, rho[depth - 1]);
        free(q);
        free(rho);
    }
    return 0;
}
