/* The training claim of Tamai et al. 2025 (criticality necessary, not
 * sufficient; accuracy against kappa L), run outside `dnncrit reproduce`:
 * the same claim function (src/app/reproduce_tamai_train.c), its grids
 * under OUT/tamai_train/<activation> (resumable), OUT/tamai_kappa_window.csv
 * and .png, and the claim printed. examples/kappa_window.sh calls it.
 *
 * usage: bench_kappa_window [--quick] [--quiet] OUT [THREADS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/io.h"
#include "app/reproduce_tamai_train.h"

int main(int argc, char **argv)
{
    dnc_reproduce_opts o = {.seed = 1};
    const char *pos[2] = {NULL, NULL};
    size_t npos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            o.quick = true;
        else if (!strcmp(argv[i], "--quiet"))
            o.quiet = true;
        else if (npos < 2)
            pos[npos++] = argv[i];
    }
    if (!pos[0]) {
        fprintf(stderr, "usage: bench_kappa_window [--quick] [--quiet] OUT [THREADS]\n");
        return 2;
    }
    o.out_dir = pos[0];
    o.threads = pos[1] ? atoi(pos[1]) : 0;
    dnc_claim c;
    if (dnc_make_dirs(o.out_dir) || dnc_tamai_claim_training(&o, &c)) {
        fprintf(stderr, "bench_kappa_window: %s\n", dnc_last_error());
        return 1;
    }
    printf("claim:    %s\npaper:    %s\nmeasured: %.4f +- %.4f\nverdict:  %s\nrule:     %s\n"
           "detail:   %s\ncommand:  %s\nfigure:   %s\n",
           c.claim, c.paper, c.measured, c.error, dnc_verdict_name(c.verdict), c.rule, c.detail,
           c.command, c.figure);
    return 0;
}
