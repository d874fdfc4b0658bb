/* train: gradients against finite differences, the Philox initialisation,
 * learning on a Fashion-MNIST subset, reproducibility, divergence and
 * validation. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnncrit/cnn.h"
#include "dnncrit/rng.h"
#include "dnncrit/train.h"
#include "testutil.h"

static dnc_train_config small_config(dnc_activation act, dnc_precision prec)
{
    dnc_train_config c = dnc_train_config_default();
    c.net.width = 6;
    c.net.depth = 3;
    c.net.activation = act;
    c.net.sigma_w = 1.5;
    c.net.sigma_b = 0.3;
    c.net.seed = 11;
    c.nclasses = 4;
    c.precision = prec;
    c.obs_inputs = 0;
    return c;
}

static void random_batch(size_t B, size_t dim, size_t C, float *X, uint8_t *y)
{
    for (size_t i = 0; i < B * dim; i++)
        X[i] = (float)dnc_normal_at(3, DNC_STREAM_USER, 0, 0, i);
    for (size_t r = 0; r < B; r++)
        y[r] = (uint8_t)(dnc_uniform_at(3, DNC_STREAM_USER, 1, 0, r) * (double)C);
}

/* The largest error of the gradient g (n parameters) against central
 * differences of the loss on (X, y) with step h = 1e-5, relative to
 * max(1, |g|); theta holds the model's parameters and is left as it was. */
static double worst_gradient_error(dnc_mlp_model *m, const float *X, const uint8_t *y,
                                   size_t B, double *theta, const double *g, size_t n)
{
    const double h = 1e-5;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double keep = theta[i], lp, lm;
        theta[i] = keep + h;
        dnc_mlp_model_set_params(m, theta);
        dnc_mlp_loss_grad(m, X, y, B, &lp, NULL);
        theta[i] = keep - h;
        dnc_mlp_model_set_params(m, theta);
        dnc_mlp_loss_grad(m, X, y, B, &lm, NULL);
        theta[i] = keep;
        double fd = (lp - lm) / (2 * h);
        worst = fmax(worst, fabs(fd - g[i]) / fmax(1.0, fabs(g[i])));
    }
    return worst;
}

/* Central differences in float64 with step h = 1e-5: the truncation error
 * is h^2/6 |f'''| ~ 2e-11 and the rounding error ~ eps |f| / h ~ 2e-11 for
 * a loss of order 1 with derivatives of order 1, so 1e-7 (relative to
 * max(1, |g|)) leaves a margin of more than 1000 for larger derivatives. A
 * wrong term in backpropagation gives errors of order |g| itself. */
static void check_gradient(dnc_activation act)
{
    enum { B = 5, DIM = 7 };
    dnc_train_config c = small_config(act, DNC_PREC_DOUBLE);
    dnc_mlp_model *m;
    assert_int_equal(dnc_mlp_model_new(&c, DIM, &m), DNC_OK);
    size_t n = dnc_mlp_model_nparams(m);
    assert_int_equal(n, (DIM * 6 + 6) + 2 * (6 * 6 + 6) + (6 * 4 + 4));
    float X[B * DIM];
    uint8_t y[B];
    random_batch(B, DIM, 4, X, y);
    double *theta = malloc(n * sizeof *theta), *g = malloc(n * sizeof *g);
    double loss;
    dnc_mlp_model_get_params(m, theta);
    assert_int_equal(dnc_mlp_loss_grad(m, X, y, B, &loss, g), DNC_OK);
    assert_true(isfinite(loss) && loss > 0);
    double worst = worst_gradient_error(m, X, y, B, theta, g, n);
    if (worst > 1e-7)
        fail_msg("%s: worst relative gradient error %g", dnc_activation_name(act), worst);
    free(theta);
    free(g);
    dnc_mlp_model_free(m);
}

/* The same finite-difference check (same tolerance, same reasoning) for a
 * CNN on 5 x 4 periodic images: kernel 3, 3 channels, 2 conv layers, pooling
 * and readout; the wrap-around of im2col / col2im is exercised on every
 * site of such a small lattice. */
static void test_gradient_cnn(void **state)
{
    (void)state;
    enum { B = 3, ROWS = 5, COLS = 4 };
    dnc_train_config c = small_config(DNC_ACT_TANH, DNC_PREC_DOUBLE);
    c.model = DNC_MODEL_CNN;
    c.kernel = 3;
    c.net.width = 3;
    c.net.depth = 2;
    dnc_mlp_model *m;
    assert_int_equal(dnc_train_model_new(&c, ROWS, COLS, &m), DNC_OK);
    size_t n = dnc_mlp_model_nparams(m);
    assert_int_equal(n, (3 * 9 + 3) + (3 * 27 + 3) + (4 * 3 + 4));
    float X[B * ROWS * COLS];
    uint8_t y[B];
    random_batch(B, ROWS * COLS, 4, X, y);
    double *theta = malloc(n * sizeof *theta), *g = malloc(n * sizeof *g);
    double loss;
    dnc_mlp_model_get_params(m, theta);
    assert_int_equal(dnc_mlp_loss_grad(m, X, y, B, &loss, g), DNC_OK);
    double worst = worst_gradient_error(m, X, y, B, theta, g, n);
    if (worst > 1e-7)
        fail_msg("cnn: worst relative gradient error %g", worst);
    dnc_mlp_model_set_params(m, theta);

    /* Conv layers are dnncrit/cnn.h's random CNN. */
    dnc_cnn_config cc = dnc_cnn_config_default();
    cc.dims = 2;
    cc.channels = 3;
    cc.input_channels = 1;
    cc.kernel = 3;
    cc.size_x = COLS;
    cc.size_y = ROWS;
    cc.depth = 2;
    cc.sigma_w = c.net.sigma_w;
    cc.sigma_b = c.net.sigma_b;
    cc.seed = c.net.seed;
    double W[81], b[3], Wref[81], bref[3];
    for (size_t l = 1; l <= 2; l++) {
        assert_int_equal(dnc_mlp_model_layer(m, l, W, b), DNC_OK);
        dnc_cnn_layer_weights(&cc, l, Wref);
        dnc_cnn_layer_bias(&cc, l, bref);
        assert_memory_equal(W, Wref, 3 * dnc_cnn_fan_in(&cc, l) * sizeof(double));
        assert_memory_equal(b, bref, sizeof b);
    }
    /* An even kernel or one larger than the image is refused. */
    dnc_mlp_model *bad;
    c.kernel = 4;
    assert_int_equal(dnc_train_model_new(&c, ROWS, COLS, &bad), DNC_EINVAL);
    c.kernel = 5;
    assert_int_equal(dnc_train_model_new(&c, ROWS, COLS, &bad), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "larger than"));
    free(theta);
    free(g);
    dnc_mlp_model_free(m);
}

static void test_gradient_tanh(void **state)
{
    (void)state;
    check_gradient(DNC_ACT_TANH);
}

static void test_gradient_gelu_relu(void **state)
{
    (void)state;
    check_gradient(DNC_ACT_GELU);
    check_gradient(DNC_ACT_RELU); /* kinks are ~1e-5 away with probability ~1e-5 */
}

/* float32 and float64 models compute the same gradient up to float
 * rounding (relative 1e-7 per operation, accumulated over ~10 terms). */
static void test_float_matches_double(void **state)
{
    (void)state;
    enum { B = 5, DIM = 7 };
    float X[B * DIM];
    uint8_t y[B];
    random_batch(B, DIM, 4, X, y);
    double lf, ld, *gf, *gd;
    dnc_mlp_model *mf, *md;
    dnc_train_config cf = small_config(DNC_ACT_TANH, DNC_PREC_FLOAT);
    dnc_train_config cd = small_config(DNC_ACT_TANH, DNC_PREC_DOUBLE);
    assert_int_equal(dnc_mlp_model_new(&cf, DIM, &mf), DNC_OK);
    assert_int_equal(dnc_mlp_model_new(&cd, DIM, &md), DNC_OK);
    size_t n = dnc_mlp_model_nparams(mf);
    gf = malloc(n * sizeof *gf);
    gd = malloc(n * sizeof *gd);
    assert_int_equal(dnc_mlp_loss_grad(mf, X, y, B, &lf, gf), DNC_OK);
    assert_int_equal(dnc_mlp_loss_grad(md, X, y, B, &ld, gd), DNC_OK);
    assert_float_equal(lf, ld, 1e-5 * fabs(ld));
    for (size_t i = 0; i < n; i++)
        assert_float_equal(gf[i], gd[i], 1e-4 * fmax(1e-2, fabs(gd[i])));
    free(gf);
    free(gd);
    dnc_mlp_model_free(mf);
    dnc_mlp_model_free(md);
}

/* Hidden layers are the propagation engine's weights, the readout the first
 * nclasses rows of layer depth+1. */
static void test_initialisation_matches_engine(void **state)
{
    (void)state;
    dnc_train_config c = small_config(DNC_ACT_TANH, DNC_PREC_DOUBLE);
    dnc_mlp_model *m;
    assert_int_equal(dnc_mlp_model_new(&c, 7, &m), DNC_OK);
    dnc_mlp_config net = c.net;
    net.input_width = 7;
    double W[64], b[8], Wref[64], bref[8];
    for (size_t l = 1; l <= 3; l++) {
        size_t fi = l == 1 ? 7 : 6;
        assert_int_equal(dnc_mlp_model_layer(m, l, W, b), DNC_OK);
        dnc_mlp_layer_weights(&net, l, Wref);
        dnc_mlp_layer_bias(&net, l, bref);
        assert_memory_equal(W, Wref, 6 * fi * sizeof(double));
        assert_memory_equal(b, bref, 6 * sizeof(double));
    }
    net.depth = 4;
    assert_int_equal(dnc_mlp_model_layer(m, 4, W, b), DNC_OK);
    dnc_mlp_layer_weights(&net, 4, Wref);
    dnc_mlp_layer_bias(&net, 4, bref);
    assert_memory_equal(W, Wref, 4 * 6 * sizeof(double));
    assert_memory_equal(b, bref, 4 * sizeof(double));
    assert_int_equal(dnc_mlp_model_layer(m, 5, W, b), DNC_EINVAL);
    dnc_mlp_model_free(m);
}

/* A synthetic data set: class k has mean +-1 in input k (Philox noise). */
static void synthetic(size_t n, size_t dim, uint64_t seed, dnc_dataset *ds)
{
    *ds = (dnc_dataset){.count = n, .rows = 1, .cols = dim, .dim = dim, .nclasses = 4};
    ds->x = malloc(n * dim * sizeof *ds->x);
    ds->y = malloc(n);
    for (size_t i = 0; i < n; i++) {
        ds->y[i] = (uint8_t)(i % 4);
        for (size_t k = 0; k < dim; k++)
            ds->x[i * dim + k] = (float)(0.7 * dnc_normal_at(seed, DNC_STREAM_USER, 2, (uint32_t)i, k) +
                                         (k == ds->y[i] ? 1.5 : 0.0));
    }
}

static dnc_train_config synthetic_config(void)
{
    dnc_train_config c = small_config(DNC_ACT_TANH, DNC_PREC_FLOAT);
    c.net.width = 16;
    c.net.sigma_w = 1.0;
    c.net.sigma_b = 0.05;
    c.epochs = 3;
    c.batch_size = 16;
    c.lr = 0.05;
    c.obs_inputs = 8;
    c.quiet = true;
    return c;
}

/* Same seed: bitwise the same run; another seed: another run. The task is
 * easy (class means 1.5 apart in units of 0.7 noise), so the network must
 * also learn it. */
static void test_reproducible_and_learns_synthetic(void **state)
{
    (void)state;
    dnc_dataset train, test;
    synthetic(400, 10, 1, &train);
    synthetic(200, 10, 2, &test);
    dnc_train_config c = synthetic_config();
    dnc_train_result a, b, d;
    assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &a), DNC_OK);
    assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &b), DNC_OK);
    c.net.seed = 12;
    assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &d), DNC_OK);
    assert_int_equal(a.nepochs, 4);
    assert_int_equal(b.nepochs, 4);
    for (size_t e = 0; e < a.nepochs; e++) {
        assert_true(a.epochs[e].train_loss == b.epochs[e].train_loss);
        assert_true(a.epochs[e].test_loss == b.epochs[e].test_loss);
        assert_true(a.epochs[e].test_acc == b.epochs[e].test_acc);
        assert_memory_equal(&a.epochs[e].obs, &b.epochs[e].obs, sizeof a.epochs[e].obs);
    }
    assert_true(a.epochs[1].train_loss != d.epochs[1].train_loss);
    if (a.epochs[3].test_acc < 0.8)
        fail_msg("synthetic task: test accuracy %g after 3 epochs", a.epochs[3].test_acc);
    dnc_train_result_free(&a);
    dnc_train_result_free(&b);
    dnc_train_result_free(&d);
    dnc_dataset_free(&train);
    dnc_dataset_free(&test);
}

/* The minibatch order: a permutation, keyed by (seed, epoch). */
static void test_permutation_is_keyed(void **state)
{
    (void)state;
    size_t p1[50], p2[50], p3[50];
    dnc_train_permutation(5, 1, 50, p1);
    dnc_train_permutation(5, 1, 50, p2);
    dnc_train_permutation(5, 2, 50, p3);
    assert_memory_equal(p1, p2, sizeof p1);
    assert_true(memcmp(p1, p3, sizeof p1) != 0);
    unsigned seen[50] = {0};
    for (int i = 0; i < 50; i++)
        seen[p1[i]]++;
    for (int i = 0; i < 50; i++)
        assert_int_equal(seen[i], 1);
}

static void test_divergence_and_validation(void **state)
{
    (void)state;
    dnc_dataset train, test;
    synthetic(200, 10, 1, &train);
    synthetic(100, 10, 2, &test);
    dnc_train_config c = synthetic_config();
    c.net.activation = DNC_ACT_RELU;
    c.lr = 1e6; /* unbounded relu activations overflow within the first epoch */
    c.momentum = 0.99;
    dnc_train_result r;
    assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &r), DNC_OK);
    assert_true(r.diverged);
    assert_true(r.nepochs >= 2); /* the diverged epoch is still evaluated */
    dnc_train_result_free(&r);

    c = synthetic_config();
    c.lr = -1;
    assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &r), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "learning rate"));
    c = synthetic_config();
    c.nclasses = 3; /* the data have 4 */
    assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &r), DNC_EINVAL);
    c = synthetic_config();
    c.batch_size = 0;
    assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &r), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "batch size"));
    train.y[3] = 7; /* label outside the model's classes */
    c = synthetic_config();
    c.nclasses = 4;
    train.nclasses = 4;
    assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &r), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "label 7"));
    dnc_dataset_free(&train);
    dnc_dataset_free(&test);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradient_tanh),
        cmocka_unit_test(test_gradient_cnn),
        cmocka_unit_test(test_gradient_gelu_relu),
        cmocka_unit_test(test_float_matches_double),
        cmocka_unit_test(test_initialisation_matches_engine),
        cmocka_unit_test(test_reproducible_and_learns_synthetic),
        cmocka_unit_test(test_permutation_is_keyed),
        cmocka_unit_test(test_divergence_and_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
