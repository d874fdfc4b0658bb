/* The ziggurat normal stream (rng_ziggurat.h): its tables against their
 * definition, its fast path against a naive one on Random123's own Philox,
 * its distribution, and its fills in pieces and on threads. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnncrit/rng.h"

#include "core/rng_core.h"
#include "core/rng_ziggurat.h"

static double density(double x)
{
    return exp(-0.5 * x * x);
}

/* The layers again in double precision with libm, from r alone: every
 * layer has the area v of the base strip plus the tail. 1024 steps of the
 * recursion each lose an ulp or so, amplified where the layers thin out
 * near the top: 1e-9 relative is far above that and far below any wrong
 * table (a wrong r or v moves x_i by 1e-4 or more). */
static void test_tables_follow_from_r(void **state)
{
    (void)state;
    double r = ZIG_R;
    double v = r * density(r) + sqrt(2 * atan(1.0)) /* sqrt(pi/2) */ * erfc(r / sqrt(2.0));
    double x = r;
    assert_true(fabs(zig_x[0] - v / density(r)) < 1e-12 * zig_x[0]);
    assert_true(zig_x[1] == r);
    for (int i = 1; i < ZIG_LAYERS - 1; i++) {
        double next = sqrt(-2 * log(v / x + density(x)));
        assert_true(fabs(zig_x[i + 1] - next) < 1e-9 * next);
        x = zig_x[i + 1];
    }
    /* closure: the top layer [0, x_1023] x [f(x_1023), 1] has area v too */
    double top = zig_x[ZIG_LAYERS - 1] * (1 - density(zig_x[ZIG_LAYERS - 1]));
    assert_true(fabs(top - v) < 1e-9 * v);
    assert_true(zig_x[ZIG_LAYERS] == 0);
    /* The generator rounded k and f from the exact layers, this test from
     * the rounded x_i: x_i's half ulp moves 2^53 x_{i+1}/x_i by up to 2 and
     * f(x_i) relatively by x_i^2 2^-53, plus libm's own ulp. */
    for (int i = 0; i < ZIG_LAYERS; i++) {
        assert_true(zig_w[i] == ldexp(zig_x[i], -53));
        double k = ldexp(zig_x[i + 1] / zig_x[i], 53);
        assert_true(fabs((double)zig_k[i] - k) <= 4);
        double xi = zig_x[i];
        assert_true(fabs(zig_f[i] - density(xi)) <= 2.3e-16 * (2 + xi * xi) * zig_f[i]);
    }
}

/* Elements inside a rectangle by a naive computation: Random123's
 * philox4x32 (dnc_philox) and the ratio x_{i+1}/x_i in libm doubles.
 * Elements within 1e-12 of a rectangle's edge are left out (the integer
 * threshold and the double ratio may round apart there); the others must
 * be the same numbers to the last bit but one. */
static void test_fast_path_matches_a_naive_ziggurat(void **state)
{
    (void)state;
    enum { M = 1 << 16 };
    const uint64_t seed = 42;
    double *z = malloc(M * sizeof *z);
    dnc_ziggurat_fill_at(seed, DNC_STREAM_INPUT, 5, 6, 0, z, M);
    size_t checked = 0, rejected = 0;
    for (uint32_t block = 0; block < M / 2; block++) {
        uint32_t w[4];
        dnc_philox(seed, DNC_STREAM_INPUT | 0x40000000u, 5, 6, block, w);
        for (int half = 0; half < 2; half++) {
            uint32_t hi = w[2 * half], lo = w[2 * half + 1];
            int layer = (int)(lo & 0x3FF);
            double u = ldexp((double)(((uint64_t)hi << 21) | (lo >> 11)), -53);
            double ratio = zig_x[layer + 1] / zig_x[layer];
            if (fabs(u - ratio) < 1e-12)
                continue;
            if (u > ratio) {
                rejected++;
                continue;
            }
            double naive = u * zig_x[layer] * ((lo >> 10) & 1 ? -1 : 1);
            assert_true(fabs(z[2 * block + (uint32_t)half] - naive) <= 2e-16 * fabs(naive));
            checked++;
        }
    }
    /* the rejection rate is the mean of 1 - x_{i+1}/x_i: 0.43 % */
    assert_true(checked > M - M / 100);
    assert_true(rejected > M / 400 && rejected < M / 150);
    free(z);
}

/* The wedge test decides most points by the chord and a band around it
 * (tools/ziggurat_tables.py): wherever it decides, it must agree with the
 * density itself, here from libm, on a 33 x 33 grid of every wedge. Points
 * within 1e-12 of the density are left out (libm's exp and rng_core.h's
 * logarithm may round apart there). */
static void test_wedge_squeezes_agree_with_the_density(void **state)
{
    (void)state;
    size_t checked = 0;
    for (uint32_t i = 1; i < ZIG_LAYERS; i++) {
        double lo = zig_x[i + 1], hi = zig_x[i];
        for (int a = 0; a <= 32; a++) {
            double x = lo + (hi - lo) * a / 32;
            for (int b = 0; b <= 32; b++) {
                double v = b / 32.0, y = zig_f[i] + v * (zig_f[i + 1] - zig_f[i]);
                double gap = y - density(x);
                if (fabs(gap) < 1e-12)
                    continue;
                assert_int_equal(dnc_zig_below_density(i, x, v), gap < 0);
                checked++;
            }
        }
    }
    assert_true(checked > (ZIG_LAYERS - 1) * 33 * 33 * 9 / 10);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov distance of sorted z[0..n) from the CDF 1 - tail(x). */
static double ks_distance(const double *z, size_t n, double (*cdf)(double))
{
    double d = 0;
    for (size_t i = 0; i < n; i++) {
        double f = cdf(z[i]);
        d = fmax(d, fmax(fabs(f - (double)i / (double)n), fabs((double)(i + 1) / (double)n - f)));
    }
    return d;
}

static double normal_cdf(double x)
{
    return 0.5 * erfc(-x / sqrt(2.0));
}

/* |Z| beyond r, given that it is beyond r */
static double tail_cdf(double t)
{
    return 1 - erfc(t / sqrt(2.0)) / erfc(ZIG_R / sqrt(2.0));
}

/* The whole distribution, and the two parts the rejection path makes: the
 * tail beyond r (0.005 % of draws) and its count. sqrt(n) D < 1.95 is the
 * 0.1 % level of the Kolmogorov distribution; the seed is fixed, so this
 * is a check of the method (a wrong layer or a missing wedge shifts the
 * CDF by 1e-3 or more, i.e. sqrt(n) D ~ 1 at n = 2^20, 30 at 2^30), not a
 * flaky statistic. */
static void test_distribution_is_standard_normal(void **state)
{
    (void)state;
    size_t n = (size_t)1 << 22;
    double *z = malloc(n * sizeof *z);
    dnc_ziggurat_fill_at(2026, DNC_STREAM_USER, 1, 2, 0, z, n);
    double m1 = 0, m2 = 0, m4 = 0;
    size_t ntail = 0;
    for (size_t i = 0; i < n; i++) {
        m1 += z[i];
        m2 += z[i] * z[i];
        m4 += z[i] * z[i] * z[i] * z[i];
        if (fabs(z[i]) > ZIG_R)
            z[ntail++] = fabs(z[i]); /* compacted in place, behind i */
    }
    m1 /= (double)n, m2 /= (double)n, m4 /= (double)n;
    /* 5 standard errors: sqrt(1/n), sqrt(2/n), sqrt(96/n) */
    assert_true(fabs(m1) < 5 * sqrt(1.0 / (double)n));
    assert_true(fabs(m2 - 1) < 5 * sqrt(2.0 / (double)n));
    assert_true(fabs(m4 - 3) < 5 * sqrt(96.0 / (double)n));
    double p = erfc(ZIG_R / sqrt(2.0)), expect = p * (double)n;
    assert_true(fabs((double)ntail - expect) < 5 * sqrt(expect));
    qsort(z, ntail, sizeof *z, cmp_double);
    assert_true(sqrt((double)ntail) * ks_distance(z, ntail, tail_cdf) < 1.95);

    size_t m = (size_t)1 << 20;
    dnc_ziggurat_fill_at(7, DNC_STREAM_USER, 3, 4, 0, z, m);
    qsort(z, m, sizeof *z, cmp_double);
    assert_true(sqrt((double)m) * ks_distance(z, m, normal_cdf) < 1.95);
    free(z);
}

/* Pieces, odd offsets and a fill large enough for threads give the same
 * elements; seeds, streams and the Box-Muller stream give other ones. */
static void test_fills_are_pure_functions_of_the_index(void **state)
{
    (void)state;
    size_t n = (size_t)1 << 18;
    double *big = malloc(n * sizeof *big), *piece = malloc(5000 * sizeof *piece);
    dnc_ziggurat_fill_at(9, DNC_STREAM_WEIGHT, 3, 1, 0, big, n);
    for (size_t off = 1; off < n; off += n / 9 + 7) {
        size_t len = off + 5000 <= n ? 5000 : n - off;
        dnc_normals_fill_at(DNC_NORMALS_ZIGGURAT, 9, DNC_STREAM_WEIGHT, 3, 1, off, piece, len);
        assert_memory_equal(piece, big + off, len * sizeof *piece);
    }
    dnc_ziggurat_fill_at(10, DNC_STREAM_WEIGHT, 3, 1, 0, piece, 64);
    assert_true(memcmp(piece, big, 64 * sizeof *piece) != 0);
    dnc_ziggurat_fill_at(9, DNC_STREAM_BIAS, 3, 1, 0, piece, 64);
    assert_true(memcmp(piece, big, 64 * sizeof *piece) != 0);
    dnc_normal_fill(9, DNC_STREAM_WEIGHT, 3, 1, piece, 64);
    assert_true(memcmp(piece, big, 64 * sizeof *piece) != 0);
    free(big);
    free(piece);
}

static void test_method_names(void **state)
{
    (void)state;
    dnc_normals m = DNC_NORMALS_BOX_MULLER;
    assert_int_equal(dnc_normals_parse("ziggurat", &m), 0);
    assert_int_equal(m, DNC_NORMALS_ZIGGURAT);
    assert_string_equal(dnc_normals_name(m), "ziggurat");
    assert_int_equal(dnc_normals_parse("box-muller", &m), 0);
    assert_int_equal(m, DNC_NORMALS_BOX_MULLER);
    assert_int_equal(dnc_normals_parse("polar", &m), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_follow_from_r),
        cmocka_unit_test(test_fast_path_matches_a_naive_ziggurat),
        cmocka_unit_test(test_wedge_squeezes_agree_with_the_density),
        cmocka_unit_test(test_distribution_is_standard_normal),
        cmocka_unit_test(test_fills_are_pure_functions_of_the_index),
        cmocka_unit_test(test_method_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
