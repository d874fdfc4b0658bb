/* The high-order reference for the phase-diagram benchmark
 * (bench/run_phase_diagram.sh): dnc_mf_phase_diagram with adaptive
 * Gauss-Kronrod quadrature for every expectation (DNC_MF_QUAD_ADAPTIVE,
 * 1e-12/1e-13 relative goals, independent of the default Hermite and
 * lattice rules), written as phase-diagram's CSV on the grid
 * linspace(SB_LO, SB_HI, NB) x linspace(SW_LO, SW_HI, NW).
 * Usage: bench_phase_reference SB_LO SB_HI NB SW_LO SW_HI NW OUT.csv [auto] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/meanfield.h"

static void grid(double lo, double hi, size_t n, double *v)
{
    for (size_t i = 0; i < n; i++)
        v[i] = n > 1 ? lo + (hi - lo) * (double)i / (double)(n - 1) : lo;
}

int main(int argc, char **argv)
{
    if (argc < 8) {
        fprintf(stderr, "usage: bench_phase_reference SB_LO SB_HI NB SW_LO SW_HI NW OUT.csv "
                        "[auto]\n");
        return 2;
    }
    size_t nb = (size_t)atol(argv[3]), nw = (size_t)atol(argv[6]), n = nb * nw;
    double *sb = malloc(nb * sizeof *sb), *sw = malloc(nw * sizeof *sw);
    dnc_mf_point *pts = malloc(n * sizeof *pts);
    dnc_status *st = malloc(n * sizeof *st);
    if (!sb || !sw || !pts || !st || n == 0)
        return 1;
    grid(atof(argv[1]), atof(argv[2]), nb, sb);
    grid(atof(argv[4]), atof(argv[5]), nw, sw);
    bool adaptive = !(argc > 8 && strcmp(argv[8], "auto") == 0);
    dnc_mf_set_quadrature(adaptive ? DNC_MF_QUAD_ADAPTIVE : DNC_MF_QUAD_AUTO);
    if (dnc_mf_phase_diagram(DNC_ACT_TANH, sb, nb, sw, nw, pts, st, NULL, NULL)) {
        fprintf(stderr, "%s\n", dnc_last_error());
        return 1;
    }
    FILE *fp = fopen(argv[7], "w");
    if (!fp)
        return 1;
    fprintf(fp, "sigma_b,sigma_w,q_star,chi_1,xi_c,rho_star,phase\n");
    for (size_t k = 0; k < n; k++) {
        const dnc_mf_point *o = &pts[k];
        fprintf(fp, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,", sb[k / nw], sw[k % nw], o->q_star,
                o->chi_1, o->xi_c, o->rho_star);
        if (st[k])
            fprintf(fp, "nan\n");
        else
            fprintf(fp, "%d\n", (int)o->phase);
    }
    free(sb);
    free(sw);
    free(pts);
    free(st);
    return fclose(fp) ? 1 : 0;
}
