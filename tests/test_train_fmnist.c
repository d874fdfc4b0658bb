/* train on Fashion-MNIST subsets: learning well above chance with SGD and
 * Adam, and reproducibility with one and two threads (slow: reads and
 * decompresses the data, too heavy for the valgrind pass). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnncrit/train.h"
#include "testutil.h"

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
        /* Same seed, any thread count: bitwise the same numbers (the GEMMs
         * are cut into strips by their shape alone, each strip a
         * single-threaded BLAS call). */
        const dnc_train_epoch *other[] = {&b.epochs[e], &t2.epochs[e]};
        for (int k = 0; k < 2; k++) {
            assert_true(a.epochs[e].train_loss == other[k]->train_loss);
            assert_true(a.epochs[e].test_loss == other[k]->test_loss);
            assert_true(a.epochs[e].test_acc == other[k]->test_acc);
            assert_memory_equal(&a.epochs[e].obs, &other[k]->obs, sizeof a.epochs[e].obs);
        }
    }
    assert_true(a.epochs[1].train_loss != d.epochs[1].train_loss);
    dnc_train_result_free(&a);
    dnc_train_result_free(&b);
    dnc_train_result_free(&t2);
    dnc_train_result_free(&d);
    dnc_dataset_free(&train);
    dnc_dataset_free(&test);
}

/* A small CNN (2 periodic conv layers of 8 channels, global pooling) after
 * 2 epochs on 1000 images: 0.24 measured; chance is 0.10 with a standard
 * deviation sqrt(0.1 * 0.9 / 500) = 0.013 on 500 test images, so 0.17 is
 * more than 5 standard deviations above chance. */
static void test_cnn_learns(void **state)
{
    (void)state;
    dnc_dataset train, test;
    load_subsets(1000, 500, &train, &test);
    train.rows = test.rows = 28;
    train.cols = test.cols = 28;
    dnc_train_config c = fmnist_config();
    c.model = DNC_MODEL_CNN;
    c.kernel = 3;
    c.net.width = 8;
    c.net.depth = 2;
    c.net.sigma_w = 1.2;
    c.optimizer = DNC_OPTIM_ADAM;
    c.lr = 0.01;
    c.batch_size = 64;
    c.threads = 1;
    dnc_train_result r;
    assert_int_equal(dnc_train(&c, &train, &test, NULL, NULL, &r), DNC_OK);
    if (r.epochs[2].test_acc < 0.17)
        fail_msg("cnn: test accuracy %g", r.epochs[2].test_acc);
    assert_true(isnan(r.epochs[2].obs.rho_last)); /* no CNN observables */
    dnc_train_result_free(&r);
    dnc_dataset_free(&train);
    dnc_dataset_free(&test);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learns_fashion_mnist),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_cnn_learns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
