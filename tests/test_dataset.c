/* dataset: IDX reading (plain and gzip), validation of corrupt files,
 * Fashion-MNIST, subsets and normalisation. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "dnncrit/dataset.h"
#include "testutil.h"

/* An IDX byte file: header (ndim sizes) then payload, plain or gzip. */
static void write_idx(const char *path, bool gz, unsigned ndim, const uint32_t *dims,
                      const uint8_t *payload, size_t n, const uint8_t *extra, size_t nextra)
{
    uint8_t head[16] = {0, 0, 8, (uint8_t)ndim};
    for (unsigned d = 0; d < ndim; d++) {
        head[4 + 4 * d] = (uint8_t)(dims[d] >> 24);
        head[5 + 4 * d] = (uint8_t)(dims[d] >> 16);
        head[6 + 4 * d] = (uint8_t)(dims[d] >> 8);
        head[7 + 4 * d] = (uint8_t)dims[d];
    }
    size_t nh = 4 + 4 * (size_t)ndim;
    if (gz) {
        gzFile f = gzopen(path, "wb");
        assert_non_null(f);
        gzwrite(f, head, (unsigned)nh);
        if (n)
            gzwrite(f, payload, (unsigned)n);
        if (nextra)
            gzwrite(f, extra, (unsigned)nextra);
        gzclose(f);
    } else {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fwrite(head, 1, nh, f);
        fwrite(payload, 1, n, f);
        if (nextra)
            fwrite(extra, 1, nextra, f);
        fclose(f);
    }
}

static uint8_t pixels[5 * 3 * 2];
static const uint8_t labels5[5] = {0, 3, 9, 1, 3};
static const uint32_t img_dims[3] = {5, 3, 2};
static const uint32_t lab_dims[1] = {5};

static void make_pixels(void)
{
    for (size_t i = 0; i < sizeof pixels; i++)
        pixels[i] = (uint8_t)(i * 37 % 256);
}

static void test_roundtrip_plain_and_gzip(void **state)
{
    (void)state;
    make_pixels();
    char *dir = tu_tmpdir();
    for (int gz = 0; gz < 2; gz++) {
        char img[4096], lab[4096];
        snprintf(img, sizeof img, "%s/img%d", dir, gz);
        snprintf(lab, sizeof lab, "%s/lab%d", dir, gz);
        write_idx(img, gz, 3, img_dims, pixels, sizeof pixels, NULL, 0);
        write_idx(lab, gz, 1, lab_dims, labels5, 5, NULL, 0);
        dnc_dataset ds;
        assert_int_equal(dnc_dataset_load(img, lab, 10, 0, &ds), DNC_OK);
        assert_int_equal(ds.count, 5);
        assert_int_equal(ds.rows, 3);
        assert_int_equal(ds.cols, 2);
        assert_int_equal(ds.dim, 6);
        for (size_t i = 0; i < sizeof pixels; i++)
            assert_float_equal(ds.x[i], pixels[i], 0);
        assert_memory_equal(ds.y, labels5, 5);
        dnc_dataset_free(&ds);
        /* The first n only. */
        assert_int_equal(dnc_dataset_load(img, lab, 10, 2, &ds), DNC_OK);
        assert_int_equal(ds.count, 2);
        assert_float_equal(ds.x[11], pixels[11], 0);
        dnc_dataset_free(&ds);
    }
    tu_rmtree_free(dir);
}

/* Loads img/lab and expects failure with a message holding both needles. */
static void expect_load_error(const char *img, const char *lab, dnc_status code,
                              const char *needle1, const char *needle2)
{
    dnc_dataset ds;
    dnc_status st = dnc_dataset_load(img, lab, 10, 0, &ds);
    if (st != code || !strstr(dnc_last_error(), needle1) || !strstr(dnc_last_error(), needle2))
        fail_msg("status %d (want %d), message '%s' (want '%s' and '%s')", st, code,
                 dnc_last_error(), needle1, needle2);
    assert_null(ds.x);
    assert_null(ds.y);
}

static void test_corrupt_files_rejected(void **state)
{
    (void)state;
    make_pixels();
    char *dir = tu_tmpdir();
    char img[4096], lab[4096], bad[4096];
    snprintf(img, sizeof img, "%s/img.gz", dir);
    snprintf(lab, sizeof lab, "%s/lab", dir);
    snprintf(bad, sizeof bad, "%s/bad", dir);
    write_idx(img, true, 3, img_dims, pixels, sizeof pixels, NULL, 0);
    write_idx(lab, false, 1, lab_dims, labels5, 5, NULL, 0);

    expect_load_error(bad, lab, DNC_EIO, "bad", "cannot read");

    /* Truncated data, plain and gzip. */
    write_idx(bad, false, 3, img_dims, pixels, sizeof pixels - 4, NULL, 0);
    expect_load_error(bad, lab, DNC_EINVAL, "bad", "truncated");
    write_idx(bad, true, 3, img_dims, pixels, sizeof pixels - 4, NULL, 0);
    expect_load_error(bad, lab, DNC_EINVAL, "bad", "truncated");

    /* A gzip stream cut in the middle. */
    char *whole = tu_read(img);
    FILE *f = fopen(img, "rb");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    f = fopen(bad, "wb");
    fwrite(whole, 1, (size_t)n / 2, f);
    fclose(f);
    expect_load_error(bad, lab, DNC_EINVAL, "bad", "");
    free(whole);

    /* Trailing bytes after the announced data. */
    const uint8_t junk[3] = {1, 2, 3};
    write_idx(bad, false, 3, img_dims, pixels, sizeof pixels, junk, 3);
    expect_load_error(bad, lab, DNC_EINVAL, "bad", "unexpected bytes");

    /* Label file passed as images: wrong number of dimensions. */
    expect_load_error(lab, lab, DNC_EINVAL, "lab", "dimensions");
    /* Not IDX at all. */
    f = fopen(bad, "wb");
    fputs("P5 28 28 255\n", f);
    fclose(f);
    expect_load_error(bad, lab, DNC_EINVAL, "bad", "magic");
    /* Zero-sized image side. */
    const uint32_t zero_dims[3] = {5, 0, 2};
    write_idx(bad, false, 3, zero_dims, pixels, 0, NULL, 0);
    expect_load_error(bad, lab, DNC_EINVAL, "bad", "image side 0");

    /* Labels out of range and label / image count mismatch. */
    const uint8_t wrong[5] = {0, 3, 12, 1, 3};
    write_idx(bad, false, 1, lab_dims, wrong, 5, NULL, 0);
    expect_load_error(img, bad, DNC_EINVAL, "bad", "label 12 of item 2");
    const uint32_t four[1] = {4};
    write_idx(bad, false, 1, four, labels5, 4, NULL, 0);
    expect_load_error(img, bad, DNC_EINVAL, "5 images", "4 labels");

    tu_rmtree_free(dir);
}

static void test_fashion_mnist(void **state)
{
    (void)state;
    dnc_dataset test;
    assert_int_equal(dnc_dataset_load_split(NULL, "t10k", 0, &test), DNC_OK);
    assert_int_equal(test.count, 10000);
    assert_int_equal(test.rows, 28);
    assert_int_equal(test.cols, 28);
    /* The Fashion-MNIST test set has exactly 1000 images per class
     * (Xiao, Rasul & Vollgraf 2017). */
    size_t per[10] = {0};
    for (size_t i = 0; i < test.count; i++)
        per[test.y[i]]++;
    for (int c = 0; c < 10; c++)
        assert_int_equal(per[c], 1000);

    /* Stratified subset: 10 per class, reproducible, seed-dependent. */
    dnc_dataset a, b, c;
    assert_int_equal(dnc_dataset_subset(&test, 100, true, 7, &a), DNC_OK);
    assert_int_equal(dnc_dataset_subset(&test, 100, true, 7, &b), DNC_OK);
    assert_int_equal(dnc_dataset_subset(&test, 100, true, 8, &c), DNC_OK);
    size_t pa[10] = {0};
    for (size_t i = 0; i < a.count; i++)
        pa[a.y[i]]++;
    for (int k = 0; k < 10; k++)
        assert_int_equal(pa[k], 10);
    assert_memory_equal(a.x, b.x, 100 * 784 * sizeof(float));
    assert_true(memcmp(a.x, c.x, 100 * 784 * sizeof(float)) != 0);
    /* Stratified subsets of an unequal split still sum to n. */
    dnc_dataset d;
    assert_int_equal(dnc_dataset_subset(&test, 37, true, 1, &d), DNC_OK);
    assert_int_equal(d.count, 37);
    dnc_dataset_free(&d);
    assert_int_equal(dnc_dataset_subset(&test, 10001, true, 1, &d), DNC_EINVAL);
    /* Not stratified: simply the first n. */
    assert_int_equal(dnc_dataset_subset(&test, 5, false, 99, &d), DNC_OK);
    assert_memory_equal(d.x, test.x, 5 * 784 * sizeof(float));
    assert_memory_equal(d.y, test.y, 5);
    dnc_dataset_free(&d);

    /* Standardisation: mean 0, std 1 afterwards (to float rounding). */
    double mean, std;
    dnc_dataset_stats(&a, &mean, &std);
    assert_true(mean > 10 && std > 10);
    assert_int_equal(dnc_dataset_normalise(&a, DNC_NORM_STANDARD, mean, std), DNC_OK);
    dnc_dataset_stats(&a, &mean, &std);
    assert_float_equal(mean, 0, 1e-5);
    assert_float_equal(std, 1, 1e-5);
    assert_int_equal(dnc_dataset_normalise(&b, DNC_NORM_UNIT, 0, 0), DNC_OK);
    for (size_t i = 0; i < b.count * b.dim; i++)
        assert_true(b.x[i] >= 0 && b.x[i] <= 1);

    dnc_dataset_free(&a);
    dnc_dataset_free(&b);
    dnc_dataset_free(&c);
    dnc_dataset_free(&test);
    assert_int_equal(dnc_dataset_load_split("/nonexistent", "train", 0, &test), DNC_EIO);
    assert_non_null(strstr(dnc_last_error(), "/nonexistent/train-images"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_plain_and_gzip),
        cmocka_unit_test(test_corrupt_files_rejected),
        cmocka_unit_test(test_fashion_mnist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
