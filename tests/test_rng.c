/* Philox-based generators: reproducibility, piecewise filling, and the
 * first moments of the distributions. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnncrit/network.h"
#include "dnncrit/rng.h"

#include "core/rng_core.h"
#include "core/rng_simd.h"
#include "core/rng_ziggurat.h"

enum { N = 200001 };

static void test_normal_moments(void **state)
{
    (void)state;
    double *z = malloc(N * sizeof *z);
    dnc_normal_fill(42, DNC_STREAM_USER, 3, 7, z, N);
    double m1 = 0, m2 = 0, m4 = 0;
    for (int i = 0; i < N; i++) {
        m1 += z[i];
        m2 += z[i] * z[i];
        m4 += z[i] * z[i] * z[i] * z[i];
    }
    m1 /= N, m2 /= N, m4 /= N;
    /* Standard errors: mean 1/sqrt(N) = 0.0022, second moment
     * sqrt(2/N) = 0.0032, fourth moment sqrt(96/N) = 0.022; 5 sigma bounds. */
    assert_true(fabs(m1) < 0.011);
    assert_true(fabs(m2 - 1) < 0.016);
    assert_true(fabs(m4 - 3) < 0.11);
    free(z);
}

static void test_uniform_moments_and_range(void **state)
{
    (void)state;
    double *u = malloc(N * sizeof *u);
    dnc_uniform_fill(7, DNC_STREAM_USER, 0, 0, u, N);
    double m = 0, v = 0;
    for (int i = 0; i < N; i++) {
        assert_true(u[i] > 0 && u[i] < 1);
        m += u[i];
    }
    m /= N;
    for (int i = 0; i < N; i++)
        v += (u[i] - m) * (u[i] - m);
    v /= N;
    /* sd of the mean: sqrt(1/12/N) = 6.5e-4; 5 sigma */
    assert_true(fabs(m - 0.5) < 3.3e-3);
    assert_true(fabs(v - 1.0 / 12) < 1.5e-3);
    free(u);
}

static void test_piecewise_fill_is_identical(void **state)
{
    (void)state;
    double whole[101], part[101];
    dnc_normal_fill(9, DNC_STREAM_WEIGHT, 5, 11, whole, 101);
    /* odd split points exercise the half-block path */
    dnc_normal_fill_at(9, DNC_STREAM_WEIGHT, 5, 11, 0, part, 33);
    dnc_normal_fill_at(9, DNC_STREAM_WEIGHT, 5, 11, 33, part + 33, 1);
    dnc_normal_fill_at(9, DNC_STREAM_WEIGHT, 5, 11, 34, part + 34, 67);
    assert_memory_equal(whole, part, sizeof whole);
}

static void test_keys_give_different_streams(void **state)
{
    (void)state;
    double a[8], b[8], c[8], d[8];
    dnc_normal_fill(1, DNC_STREAM_WEIGHT, 1, 0, a, 8);
    dnc_normal_fill(2, DNC_STREAM_WEIGHT, 1, 0, b, 8);
    dnc_normal_fill(1, DNC_STREAM_BIAS, 1, 0, c, 8);
    dnc_normal_fill(1, DNC_STREAM_WEIGHT, 1, 1, d, 8);
    for (int i = 0; i < 8; i++) {
        assert_true(a[i] != b[i]);
        assert_true(a[i] != c[i]);
        assert_true(a[i] != d[i]);
    }
}

static void test_weight_rows_match_whole_layer(void **state)
{
    (void)state;
    dnc_mlp_config cfg = dnc_mlp_config_default();
    cfg.width = 13;
    cfg.input_width = 5;
    double whole[13 * 13], rows[13 * 13];
    dnc_mlp_layer_weights(&cfg, 1, whole);
    dnc_mlp_layer_weight_rows(&cfg, 1, 0, 4, rows);
    dnc_mlp_layer_weight_rows(&cfg, 1, 4, 9, rows + 4 * 5);
    assert_memory_equal(whole, rows, 13 * 5 * sizeof(double));
    /* Scale: the empirical variance of a 13x13 layer is noisy, so check the
     * defining relation on one entry instead. */
    double z;
    dnc_normal_fill(cfg.seed, DNC_STREAM_WEIGHT, 2, 3, &z, 1);
    dnc_mlp_layer_weights(&cfg, 2, whole);
    assert_float_equal(whole[3 * 13], z * cfg.sigma_w / sqrt(13.0), 1e-15);
}

/* The bulk (vectorised, possibly threaded) path and the one-element path
 * must give the same bits for every element, wherever a fill starts. */
static void test_bulk_and_single_element_paths_agree(void **state)
{
    (void)state;
    enum { M = 1000 };
    double *whole = malloc(M * sizeof *whole), one;
    dnc_normal_fill(123456789012345ull, DNC_STREAM_WEIGHT, 77, 3, whole, M);
    for (size_t i = 0; i < M; i++) {
        dnc_normal_fill_at(123456789012345ull, DNC_STREAM_WEIGHT, 77, 3, i, &one, 1);
        assert_memory_equal(&one, &whole[i], sizeof one);
    }
    /* a fill started at an odd offset that is long enough for the bulk path */
    double *part = malloc(M * sizeof *part);
    dnc_normal_fill_at(123456789012345ull, DNC_STREAM_WEIGHT, 77, 3, 37, part, M - 37);
    assert_memory_equal(part, whole + 37, (M - 37) * sizeof *part);
    free(whole);
    free(part);
}

/* Every instruction-set path of the bulk generator this CPU can run gives
 * the scalar definition's bits for every element, for both normal streams
 * (the paths repeat its operations; a contracted multiply-add or a
 * reordered sum would show up as a last-bit difference here). 2^15 blocks
 * reach every quadrant and both mantissa branches of the logarithm, and
 * about 280 ziggurat rejections, thousands of times and hundreds. */
static void check_isa_paths(dnc_normals method)
{
    enum { M = 1 << 16 };
    double *fill = malloc(M * sizeof *fill);
    const dnc_rng_isa paths[] = {DNC_RNG_ISA_PORTABLE, DNC_RNG_ISA_AVX2, DNC_RNG_ISA_AVX512};
    const uint64_t seed = 0x9E3779B97F4A7C15ull;
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (size_t p = 0; p < sizeof paths / sizeof *paths; p++) {
        if (!dnc_rng_isa_supported(paths[p])) {
            print_message("rng path %s: not on this CPU, skipped\n", dnc_rng_isa_name(paths[p]));
            continue;
        }
        assert_int_equal(dnc_rng_isa_select(paths[p]), 0);
        assert_int_equal(dnc_rng_isa_current(), paths[p]);
        /* odd offset and a ragged end: the scalar head and tail around the bulk */
        dnc_normals_fill_at(method, seed, DNC_STREAM_WEIGHT, 0xFFFFFFFFu, 12, 3, fill, M - 9);
        size_t mismatches = 0;
        for (size_t i = 0; i < M - 9; i++) {
            size_t e = 3 + i;
            double z[2];
            if (method == DNC_NORMALS_ZIGGURAT)
                zig_block_pair(k0, k1, DNC_STREAM_WEIGHT, 0xFFFFFFFFu, 12, (uint32_t)(e >> 1),
                               &z[0], &z[1]);
            else
                block_pair(k0, k1, DNC_STREAM_WEIGHT, 0xFFFFFFFFu, 12, (uint32_t)(e >> 1), &z[0],
                           &z[1]);
            mismatches += memcmp(&z[e & 1], &fill[i], sizeof(double)) != 0;
        }
        if (mismatches)
            print_error("%s, rng path %s: %zu of %d elements differ from the scalar bits\n",
                        dnc_normals_name(method), dnc_rng_isa_name(paths[p]), mismatches, M - 9);
        assert_int_equal(mismatches, 0);
    }
    assert_int_equal(dnc_rng_isa_select(DNC_RNG_ISA_AUTO), 0);
    free(fill);
}

static void test_every_isa_path_gives_the_scalar_bits(void **state)
{
    (void)state;
    check_isa_paths(DNC_NORMALS_BOX_MULLER);
    check_isa_paths(DNC_NORMALS_ZIGGURAT);
}

/* A fill big enough to be split across threads equals its pieces. */
static void test_large_threaded_fill_matches_pieces(void **state)
{
    (void)state;
    size_t n = (size_t)1 << 18;
    double *big = malloc(n * sizeof *big), *piece = malloc(4096 * sizeof *piece);
    dnc_normal_fill(5, DNC_STREAM_USER, 1, 2, big, n);
    for (size_t off = 0; off < n; off += n / 7 + 1) {
        size_t m = off + 4096 <= n ? 4096 : n - off;
        dnc_normal_fill_at(5, DNC_STREAM_USER, 1, 2, off, piece, m);
        assert_memory_equal(piece, big + off, m * sizeof *piece);
    }
    free(big);
    free(piece);
}

/* The fast transform against textbook Box-Muller with libm on the same
 * Philox words (dnc_philox, Random123's own code): log, sqrt, cos and sin
 * each carry ~1 ulp, so |z| <= 10 agrees to well within 1e-13 absolute. */
static void test_normals_match_textbook_box_muller(void **state)
{
    (void)state;
    enum { M = 20000 };
    double *z = malloc(M * sizeof *z);
    dnc_normal_fill(99, DNC_STREAM_INPUT, 4, 5, z, M);
    double worst = 0;
    for (uint32_t k = 0; k < M / 2; k++) {
        uint32_t w[4];
        dnc_philox(99, DNC_STREAM_INPUT, 4, 5, k, w);
        double u1 = ((double)(((uint64_t)w[0] << 21) ^ (w[1] >> 11)) + 0.5) * 0x1.0p-53;
        double u2 = ((double)(((uint64_t)w[2] << 21) ^ (w[3] >> 11)) + 0.5) * 0x1.0p-53;
        double r = sqrt(-2 * log(u1)), t = 6.283185307179586 * u2;
        worst = fmax(worst, fabs(z[2 * k] - r * cos(t)));
        worst = fmax(worst, fabs(z[2 * k + 1] - r * sin(t)));
    }
    assert_true(worst < 1e-13);
    /* dnc_normal_at agrees with the fill (element 2 k is z0 of block k) */
    for (uint32_t k = 0; k < 50; k++)
        assert_true(dnc_normal_at(99, DNC_STREAM_INPUT, 4, 5, k) == z[2 * k]);
    free(z);
}

/* Uniform fill (own Philox code) against dnc_uniform_at (Random123). */
static void test_uniform_fill_matches_random123(void **state)
{
    (void)state;
    enum { M = 2000 };
    double u[M];
    dnc_uniform_fill(0xABCDEF0123ull, DNC_STREAM_SIM, 9, 8, u, M);
    for (uint64_t k = 0; k < M / 2; k++)
        assert_true(u[2 * k] == dnc_uniform_at(0xABCDEF0123ull, DNC_STREAM_SIM, 9, 8, k));
}

static void test_config_validation(void **state)
{
    (void)state;
    dnc_mlp_config c = dnc_mlp_config_default();
    assert_int_equal(dnc_mlp_config_validate(&c), DNC_OK);
    c.sigma_w = 0;
    assert_int_equal(dnc_mlp_config_validate(&c), DNC_EINVAL);
    c = dnc_mlp_config_default();
    c.sigma_b = NAN;
    assert_int_equal(dnc_mlp_config_validate(&c), DNC_EINVAL);
    c = dnc_mlp_config_default();
    c.width = 0;
    assert_int_equal(dnc_mlp_config_validate(&c), DNC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal_moments),
        cmocka_unit_test(test_uniform_moments_and_range),
        cmocka_unit_test(test_piecewise_fill_is_identical),
        cmocka_unit_test(test_keys_give_different_streams),
        cmocka_unit_test(test_weight_rows_match_whole_layer),
        cmocka_unit_test(test_bulk_and_single_element_paths_agree),
        cmocka_unit_test(test_every_isa_path_gives_the_scalar_bits),
        cmocka_unit_test(test_large_threaded_fill_matches_pieces),
        cmocka_unit_test(test_normals_match_textbook_box_muller),
        cmocka_unit_test(test_uniform_fill_matches_random123),
        cmocka_unit_test(test_config_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
