/* Finite-width propagation approaches the mean-field trajectory as N grows.
 *
 * For a random MLP of width N, rho^l fluctuates around its mean-field value
 * with standard deviation ~ a / sqrt(N) (sample covariances of N units)
 * plus a bias O(1/N). We measure the root-mean-square deviation e(N) over
 * layers and seeds at N = 64, 256, 1024 on the critical line (tanh,
 * sigma_b = 0.3), fit the exponent of e(N) ~ N^-s and check:
 *  - e decreases monotonically with N;
 *  - s is compatible with 1/2: e(N) is an RMS over S seeds x L layers, its
 *    relative error is about 1/sqrt(2 S_eff) with S_eff ~ S = 8 independent
 *    seeds (layers of one network are strongly correlated), i.e. ~25% per
 *    point, so ln(e64/e1024) / ln 16 has an error ~ 0.35 / ln 16 ~ 0.13;
 *    we accept 0.5 +- 0.25 (about 2 sigma);
 *  - the seed-averaged deviation at N = 1024 (the bias) is within 5
 *    standard errors of zero. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dnncrit/meanfield.h"
#include "dnncrit/propagate.h"
#include "testutil.h"

enum { L = 20, SEEDS = 8 };

typedef struct {
    double rms;      /* sqrt(mean over seeds and layers of d^2) */
    double bias_l;   /* seed mean of d at the last layer */
    double bias_se;  /* its standard error */
} width_stats;

static width_stats measure(size_t N, double sw, double sb, const double *rho_mf)
{
    dnc_propagate_opts o = dnc_propagate_opts_default();
    o.net.activation = DNC_ACT_TANH;
    o.net.width = N;
    o.net.depth = L;
    o.net.sigma_w = sw;
    o.net.sigma_b = sb;
    o.batch = 2;
    o.input_q = 1.0;
    o.input_c = 0.5;
    double sq = 0, last = 0, last_sq = 0;
    for (int s = 0; s < SEEDS; s++) {
        o.net.seed = 500 + (uint64_t)s;
        dnc_propagate_result r;
        assert_int_equal(dnc_propagate(&o, &r), DNC_OK);
        for (int l = 0; l < L; l++) {
            double d = r.rho[l] - rho_mf[l];
            sq += d * d;
        }
        double dl = r.rho[L - 1] - rho_mf[L - 1];
        last += dl;
        last_sq += dl * dl;
        dnc_propagate_result_free(&r);
    }
    width_stats w;
    w.rms = sqrt(sq / (SEEDS * L));
    w.bias_l = last / SEEDS;
    double var = (last_sq / SEEDS - w.bias_l * w.bias_l) * SEEDS / (SEEDS - 1);
    w.bias_se = sqrt(var / SEEDS);
    return w;
}

static void test_rho_converges_to_meanfield(void **state)
{
    (void)state;
    double sb = 0.3, sw;
    assert_int_equal(dnc_mf_critical_sigma_w(DNC_ACT_TANH, sb, &sw), DNC_OK);
    dnc_mf_params p = {DNC_ACT_TANH, sw, sb};
    double q[L], rho[L];
    assert_int_equal(dnc_mf_trajectory_rho(&p, 1.0, 0.5, L, q, NULL, rho), DNC_OK);
    const size_t widths[] = {64, 256, 1024};
    width_stats w[3];
    for (int i = 0; i < 3; i++) {
        w[i] = measure(widths[i], sw, sb, rho);
        print_message("N = %4zu: rms |rho - rho_mf| = %.5f, last-layer bias %+.5f +- %.5f\n",
                      widths[i], w[i].rms, w[i].bias_l, w[i].bias_se);
    }
    double s = log(w[0].rms / w[2].rms) / log(16.0);
    print_message("fitted exponent e(N) ~ N^-%.3f (1/sqrt(N) predicts 0.5)\n", s);
    assert_true(w[1].rms < w[0].rms && w[2].rms < w[1].rms);
    assert_true(fabs(s - 0.5) < 0.25);
    assert_true(fabs(w[2].bias_l) < 5 * w[2].bias_se + 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rho_converges_to_meanfield),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
