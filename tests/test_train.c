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
        double err = fabs(fd - g[i]) / fmax(1.0, fabs(g[i]));
        worst = fmax(worst, err);
    }
    if (worst > 1e-7)
        fail_msg("%s: worst relative gradient error %g", dnc_activation_name(act), worst);
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

static void load_subsets(size_t ntrain, size_t ntest, dnc_dataset *train, dnc_dataset *test)
{
    dnc_dataset full;
    assert_int_equal(dnc_dataset_load_split(NULL, "train", 10000, &full), DNC_OK);
    assert_int_equal(dnc_dataset_subset(&full, ntrain, true, 1, train), DNC_OK);
    dnc_dataset_free(&full);
    assert_int_equal(dnc_dataset_load_split(NULL, "t10k", 0, &full), DNC_OK);
    assert_int_equal(dnc_dataset_subset(&full, ntest, true, 2, test), DNC_OK);
    dnc_dataset_free(&full);
    double mean, std;
    dnc_dataset_stats(train, &mean, &std);
    assert_int_equal(dnc_dataset_normalise(train, DNC_NORM_STANDARD, mean, std), DNC_OK);
    assert_int_equal(dnc_dataset_normalise(test, DNC_NORM_STANDARD, mean, std), DNC_OK);
}

static dnc_train_config fmnist_config(void)
{
    dnc_train_config c = dnc_train_config_default();
    c.net.width = 64;
    c.net.depth = 2;
    c.epochs = 2;
    c.batch_size = 32;
    c.lr = 0.02;
    c.obs_inputs = 16;
    c.quiet = true;
    return c;
}

/* 2000 images, 2 epochs: far above the 10% of chance. An MLP reaches ~80%
 * on this subset; 60% is a loose floor that only a broken trainer misses. */
static void test_learns_fashion_mnist(void **state)
{
    (void)state;
    dnc_dataset train, test;
    load_subsets(2000, 1000, &train, &test);
    dnc_train_config c = fmnist_config();
    for (int opt = 0; opt < 2; opt++) {
        c.optimizer = opt ? DNC_OPTIM_ADAM : DNC_OPTIM_SGD;
        c.lr = opt ? 1e-3 : 0.02;
        dnc_train_result r;
        assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &r), DNC_OK);
        assert_int_equal(r.nepochs, 3);
        assert_false(r.diverged);
        const dnc_train_epoch *last = &r.epochs[2];
        if (last->test_acc < 0.6)
            fail_msg("%s: test accuracy %g", dnc_optimizer_name(c.optimizer), last->test_acc);
        assert_true(r.epochs[0].test_acc < 0.35); /* untrained: near chance */
        assert_true(last->train_loss < r.epochs[0].train_loss);
        assert_true(r.samples_per_s > 0);
        dnc_train_result_free(&r);
    }
    dnc_dataset_free(&train);
    dnc_dataset_free(&test);
}

static void test_reproducible(void **state)
{
    (void)state;
    dnc_dataset train, test;
    load_subsets(600, 200, &train, &test);
    dnc_train_config c = fmnist_config();
    c.epochs = 1;
    dnc_train_result a, b, t2, d;
    c.threads = 1;
    assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &a), DNC_OK);
    assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &b), DNC_OK);
    c.threads = 2;
    assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &t2), DNC_OK);
    c.net.seed = 2;
    assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &d), DNC_OK);
    assert_int_equal(a.nepochs, b.nepochs);
    assert_int_equal(a.nepochs, t2.nepochs);
    for (size_t e = 0; e < a.nepochs; e++) {
        /* Same seed and thread count: bitwise the same numbers. */
        assert_true(a.epochs[e].train_loss == b.epochs[e].train_loss);
        assert_true(a.epochs[e].test_loss == b.epochs[e].test_loss);
        assert_true(a.epochs[e].test_acc == b.epochs[e].test_acc);
        assert_memory_equal(&a.epochs[e].obs, &b.epochs[e].obs, sizeof a.epochs[e].obs);
        /* Other thread counts: OpenBLAS's sgemm splits sums differently, so
         * float32 results agree to rounding only (relative ~1e-9 measured
         * after one epoch; 1e-5 allows for chaotic amplification). */
        assert_float_equal(a.epochs[e].train_loss, t2.epochs[e].train_loss,
                           1e-5 * a.epochs[e].train_loss);
    }
    assert_true(a.epochs[1].train_loss != d.epochs[1].train_loss);
    dnc_train_result_free(&a);
    dnc_train_result_free(&b);
    dnc_train_result_free(&t2);
    dnc_train_result_free(&d);
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
    dnc_dataset_free(&train);
    dnc_dataset_free(&test);
}

static void test_divergence_and_validation(void **state)
{
    (void)state;
    dnc_dataset train, test;
    load_subsets(200, 100, &train, &test);
    dnc_train_config c = fmnist_config();
    c.net.activation = DNC_ACT_RELU;
    c.lr = 1e6; /* unbounded relu activations overflow within the first epoch */
    c.momentum = 0.99;
    dnc_train_result r;
    assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &r), DNC_OK);
    assert_true(r.diverged);
    dnc_train_result_free(&r);

    c = fmnist_config();
    c.lr = -1;
    assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &r), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "learning rate"));
    c = fmnist_config();
    c.nclasses = 5;
    assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &r), DNC_EINVAL);
    c = fmnist_config();
    c.batch_size = 0;
    assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &r), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "batch size"));
    dnc_dataset_free(&train);
    dnc_dataset_free(&test);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradient_tanh),
        cmocka_unit_test(test_gradient_gelu_relu),
        cmocka_unit_test(test_float_matches_double),
        cmocka_unit_test(test_initialisation_matches_engine),
        cmocka_unit_test(test_learns_fashion_mnist),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_divergence_and_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
