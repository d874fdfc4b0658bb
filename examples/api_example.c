/* Using libdnncrit from C: the edge of chaos of a tanh network at
 * sigma_b = 0.3, from mean-field theory and from one finite network.
 *
 *   cc api_example.c $(pkg-config --cflags --libs dnncrit) -o api_example
 *
 * (tests/install_check.sh builds and runs it against an installed prefix.) */
#include <stdio.h>

#include <dnncrit.h>

/* Prints the library's message for a failed call and returns 1. */
static int failed(const char *what)
{
    fprintf(stderr, "api_example: %s: %s\n", what, dnc_last_error());
    return 1;
}

int main(void)
{
    const double sigma_b = 0.3;
    double sigma_w;
    if (dnc_mf_critical_sigma_w(DNC_ACT_TANH, sigma_b, &sigma_w) != DNC_OK)
        return failed("critical sigma_w");

    dnc_mf_params mf = {.activation = DNC_ACT_TANH, .sigma_w = sigma_w, .sigma_b = sigma_b};
    dnc_mf_point point;
    if (dnc_mf_analyse(&mf, &point) != DNC_OK)
        return failed("mean-field analysis");
    printf("dnncrit %s, tanh, sigma_b = %g\n", DNNCRIT_VERSION, sigma_b);
    printf("mean field: sigma_w* = %.6f, q* = %.6f, chi_1 = %.6f (%s)\n", sigma_w,
           point.q_star, point.chi_1, dnc_mf_phase_name(point.phase));

    /* 4 inputs through one random 256 x 32 network at the critical point */
    dnc_propagate_opts opts = dnc_propagate_opts_default();
    opts.net.width = 256;
    opts.net.depth = 32;
    opts.net.sigma_w = sigma_w;
    opts.net.sigma_b = sigma_b;
    opts.net.seed = 7;
    opts.batch = 4;
    dnc_propagate_result res;
    if (dnc_propagate(&opts, &res) != DNC_OK)
        return failed("propagation");
    printf("finite width N = %zu: layer  q  c\n", opts.net.width);
    for (size_t l = 0; l < res.depth; l += 8)
        printf("  %2zu  %.6f  %.6f\n", l + 1, res.q[l], res.c[l]);
    dnc_propagate_result_free(&res);
    return 0;
}
