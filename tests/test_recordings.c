/* The user's own recordings for `dnncrit raster`: NumPy .npy arrays (every
 * dtype, byte order, C and Fortran order, header versions, gzip), NWB spike
 * times (HDF5 Units table, written here with the HDF5 C API), TSV and gzip'd
 * event lists. Acceptance: NWB and .npy rasters give the same avalanches as
 * the equivalent CSV, in the library and through the command. And the
 * multistep-regression branching ratio of a raster of which only a fraction
 * of the units is observed. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <hdf5.h>

#include "dnncrit/avalanche.h"
#include "dnncrit/io.h"
#include "dnncrit/npy.h"
#include "dnncrit/rng.h"
#include "testutil.h"

/* ---------------------------------------------------------------------
 * .npy files built byte by byte from the format's specification
 * (numpy.lib.format), independently of the reader. */
typedef struct {
    unsigned char *b;
    size_t n, cap;
} buf;

static void put(buf *x, const void *p, size_t n)
{
    if (x->n + n > x->cap) {
        x->cap = 2 * (x->n + n) + 64;
        x->b = realloc(x->b, x->cap);
        assert_non_null(x->b);
    }
    memcpy(x->b + x->n, p, n);
    x->n += n;
}

/* Header: magic, version, length, dict padded with spaces to a multiple of
 * 64 bytes, ending in '\n' (as numpy writes it). */
static void npy_header(buf *x, unsigned version, const char *dict)
{
    static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    put(x, magic, 6);
    unsigned char v[2] = {(unsigned char)version, 0};
    put(x, v, 2);
    size_t pre = version == 1 ? 10 : 12, len = strlen(dict) + 1;
    size_t total = (pre + len + 63) / 64 * 64, hlen = total - pre;
    unsigned char l[4] = {(unsigned char)(hlen & 0xff), (unsigned char)(hlen >> 8), 0, 0};
    put(x, l, version == 1 ? 2 : 4);
    put(x, dict, strlen(dict));
    for (size_t i = strlen(dict); i + 1 < hlen; i++)
        put(x, " ", 1);
    put(x, "\n", 1);
}

/* Value v (a small non-negative integer) in dtype kind/size/byte order. */
static void npy_value(buf *x, char kind, size_t size, bool big, double v)
{
    unsigned char b[8] = {0};
    if (kind == 'f' && size == 4) {
        float f = (float)v;
        memcpy(b, &f, 4);
    } else if (kind == 'f') {
        memcpy(b, &v, 8);
    } else if (kind == 'i' && size == 8) {
        int64_t i = (int64_t)v;
        memcpy(b, &i, 8);
    } else { /* little-endian two's complement of a small value */
        uint64_t u = (uint64_t)v;
        for (size_t i = 0; i < size; i++)
            b[i] = (unsigned char)(u >> (8 * i));
    }
    uint16_t probe = 1;
    bool host_little = *(unsigned char *)&probe == 1;
    bool host_order = kind == 'f' || (kind == 'i' && size == 8); /* else little-endian */
    if (host_order ? big == host_little : big)
        for (size_t i = 0; i < size / 2; i++) {
            unsigned char t = b[i];
            b[i] = b[size - 1 - i];
            b[size - 1 - i] = t;
        }
    put(x, b, size);
}

/* rows x cols matrix m (C order) as a .npy of the given dtype and order. */
static buf npy_matrix(const double *m, size_t rows, size_t cols, const char *descr, bool fortran,
                      unsigned version)
{
    buf x = {0};
    char dict[160];
    snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': (%zu, %zu), }",
             descr, fortran ? "True" : "False", rows, cols);
    npy_header(&x, version, dict);
    char kind = descr[1];
    size_t size = (size_t)(descr[2] - '0');
    bool big = descr[0] == '>';
    for (size_t i = 0; i < rows * cols; i++) {
        size_t r = fortran ? i % rows : i / cols, c = fortran ? i / rows : i % cols;
        double v = m[r * cols + c];
        npy_value(&x, kind, size, big, kind == 'b' ? (v != 0) : v);
    }
    return x;
}

/* Every dtype the reader takes, both byte orders, C and Fortran order,
 * header versions 1 and 2, plain and gzip'd: the values read back exactly
 * (small integers are exact in every dtype). */
static void test_npy_dtypes(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    const double m[6] = {0, 1, 2, 3, 4, 5};
    static const char *const descr[] = {"|b1", "|u1", "|i1", "<i2", ">i2", "<u2", "<i4",
                                        ">i4", "<u4", "<i8", ">i8", "<u8", ">u8", "<f4",
                                        ">f4", "<f8", ">f8", "=f8"};
    for (size_t d = 0; d < sizeof descr / sizeof *descr; d++)
        for (int fortran = 0; fortran < 2; fortran++)
            for (unsigned version = 1; version <= 2; version++)
                for (int gz = 0; gz < 2; gz++) {
                    buf x = npy_matrix(m, 2, 3, descr[d], fortran, version);
                    const char *path = tu_path(dir, "a.npy");
                    if (gz)
                        tu_write_gzip(path, x.b, x.n, 1);
                    else
                        tu_write_file(path, x.b, x.n);
                    dnc_npy a;
                    assert_int_equal(dnc_npy_read(path, &a), DNC_OK);
                    assert_int_equal(a.ndim, 2);
                    assert_int_equal(a.shape[0], 2);
                    assert_int_equal(a.shape[1], 3);
                    assert_int_equal(a.fortran_order, fortran);
                    for (size_t i = 0; i < 6; i++)
                        assert_true(a.v[i] == (descr[d][1] == 'b' ? (m[i] != 0) : m[i]));
                    dnc_npy_free(&a);
                    free(x.b);
                }
    tu_rmtree_free(dir);
}

/* Negative integers and a 3-D Fortran array (the multi-index walk). */
static void test_npy_signed_and_3d(void **state)
{
    (void)state;
    buf x = {0};
    npy_header(&x, 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }");
    int32_t v[3] = {-7, 0, 2147483647};
    for (int i = 0; i < 3; i++) {
        uint32_t u = (uint32_t)v[i];
        unsigned char b[4] = {(unsigned char)u, (unsigned char)(u >> 8),
                              (unsigned char)(u >> 16), (unsigned char)(u >> 24)};
        put(&x, b, 4);
    }
    dnc_npy a;
    assert_int_equal(dnc_npy_parse(x.b, x.n, "mem", &a), DNC_OK);
    assert_int_equal(a.ndim, 1);
    assert_true(a.v[0] == -7 && a.v[1] == 0 && a.v[2] == 2147483647.0);
    dnc_npy_free(&a);
    free(x.b);

    /* shape (2, 3, 4), Fortran order: element (i, j, k) is stored at
     * i + 2 j + 6 k; its value is the C-order position 12 i + 4 j + k */
    x = (buf){0};
    npy_header(&x, 1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3, 4), }");
    for (size_t k = 0; k < 4; k++)
        for (size_t j = 0; j < 3; j++)
            for (size_t i = 0; i < 2; i++)
                npy_value(&x, 'f', 8, false, (double)(12 * i + 4 * j + k));
    assert_int_equal(dnc_npy_parse(x.b, x.n, "mem", &a), DNC_OK);
    assert_int_equal(a.n, 24);
    for (size_t i = 0; i < 24; i++)
        assert_true(a.v[i] == (double)i);
    dnc_npy_free(&a);
    free(x.b);
}

/* numpy itself as the reference writer: examples/recordings/raster.npy
 * (numpy.save, units x bins) is the transpose of raster.csv.gz (numpy.savetxt);
 * and h5py's NWB file of the same recording. */
static void test_files_written_by_numpy_and_h5py(void **state)
{
    (void)state;
    const char *src = getenv("DNNCRIT_SOURCE_DIR");
    assert_non_null(src);
    char npy[4096], csv[4096];
    snprintf(npy, sizeof npy, "%s/examples/recordings/raster.npy", src);
    snprintf(csv, sizeof csv, "%s/examples/recordings/raster.csv.gz", src);
    dnc_npy a;
    assert_int_equal(dnc_npy_read(npy, &a), DNC_OK);
    assert_string_equal(a.dtype, "|u1");
    dnc_table t;
    assert_int_equal(dnc_table_read(csv, NULL, &t), DNC_OK);
    assert_int_equal(a.ndim, 2);
    assert_int_equal(a.shape[0], t.ncols);
    assert_int_equal(a.shape[1], t.nrows);
    for (size_t r = 0; r < t.nrows; r++)
        for (size_t c = 0; c < t.ncols; c++)
            assert_true(a.v[c * t.nrows + r] == t.v[r * t.ncols + c]);
    dnc_table_free(&t);
    dnc_npy_free(&a);

    /* h5py as the reference NWB writer: examples/recordings/spikes.nwb (uint64
     * index) binned at 4 ms is the dense raster, as is spikes.csv */
    char nwb[4096], ev[4096];
    snprintf(nwb, sizeof nwb, "%s/examples/recordings/spikes.nwb", src);
    snprintf(ev, sizeof ev, "%s/examples/recordings/spikes.csv", src);
    dnc_activity dense, x;
    double dt;
    assert_int_equal(dnc_activity_read_dense(csv, 1, &dense), DNC_OK);
    assert_int_equal(dnc_activity_read_nwb(nwb, 0.004, &x, &dt), DNC_OK);
    assert_int_equal(x.bins, dense.bins);
    assert_int_equal(x.units, dense.units);
    for (size_t b = 0; b < x.bins; b++)
        assert_true(x.count[b] == dense.count[b] && x.active[b] == dense.active[b]);
    dnc_activity_free(&x);
    assert_int_equal(dnc_activity_read_events(ev, 0.004, &x, &dt), DNC_OK);
    assert_int_equal(x.bins, dense.bins);
    for (size_t b = 0; b < x.bins; b++)
        assert_true(x.count[b] == dense.count[b] && x.active[b] == dense.active[b]);
    dnc_activity_free(&x);
    dnc_activity_free(&dense);
}

/* Malformed files: each is DNC_EINVAL and the message names the problem. */
static void expect_bad(const void *b, size_t n, const char *needle)
{
    dnc_npy a;
    assert_int_equal(dnc_npy_parse(b, n, "bad.npy", &a), DNC_EINVAL);
    if (!strstr(dnc_last_error(), needle))
        fail_msg("expected '%s' in '%s'", needle, dnc_last_error());
    assert_null(a.v);
}

static void bad_dict(const char *dict, size_t payload, const char *needle)
{
    buf x = {0};
    npy_header(&x, 1, dict);
    for (size_t i = 0; i < payload; i++)
        put(&x, "", 1);
    expect_bad(x.b, x.n, needle);
    free(x.b);
}

static void test_npy_malformed(void **state)
{
    (void)state;
    expect_bad("PK\x03\x04", 4, "not a .npy file");
    expect_bad("\x93NUMPY\x01\x00", 8, "truncated .npy file");
    expect_bad("\x93NUMPY\x07\x00\x10\x00{}", 12, "version 7.0");
    expect_bad("\x93NUMPY\x01\x00\xff\x00{'descr'", 17, "truncated .npy header");
    bad_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 31, "truncated .npy data");
    bad_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 33, "unexpected bytes");
    bad_dict("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", 16, "unsupported .npy dtype");
    bad_dict("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 8, "unsupported .npy dtype");
    bad_dict("{'descr': 'f8', 'fortran_order': False, 'shape': (1,), }", 8, "no byte order");
    bad_dict("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", 8, "structured");
    bad_dict("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1,), }", 8, "fortran_order");
    bad_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", 8, "non-negative");
    bad_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, }", 16, "shape");
    bad_dict("{'descr': '<f8', 'fortran_order': False, }", 8, "needs 'descr'");
    bad_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", 8, "unknown key");
    bad_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), } junk", 8, "text after");
    bad_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }", 8,
             "overflows");
    bad_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 8,
             "too large");
    bad_dict("{'descr': '<f8, 'fortran_order': False, 'shape': (1,), }", 8, "");

    /* As a raster: 1-D and 3-D arrays are refused, and so are negative or
     * non-finite values, naming row and column. */
    char *dir = tu_tmpdir();
    const char *path = tu_path(dir, "r.npy");
    buf x = {0};
    npy_header(&x, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }");
    npy_value(&x, 'f', 8, false, 1);
    npy_value(&x, 'f', 8, false, 0);
    tu_write_file(path, x.b, x.n);
    free(x.b);
    dnc_activity act;
    assert_int_equal(dnc_activity_read_npy(path, false, 1, &act), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "2-D array"));
    const double neg[4] = {0, 1, -1, 0}, nan4[4] = {0, 1, 0, NAN};
    x = npy_matrix(neg, 2, 2, "<f8", false, 1);
    tu_write_file(path, x.b, x.n);
    free(x.b);
    assert_int_equal(dnc_activity_read_npy(path, false, 1, &act), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "row 2, column 1: negative activity"));
    x = npy_matrix(nan4, 2, 2, "<f8", false, 1);
    tu_write_file(path, x.b, x.n);
    free(x.b);
    assert_int_equal(dnc_activity_read_npy(path, false, 1, &act), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "not a finite number"));
    tu_rmtree_free(dir);
}

/* ---------------------------------------------------------------------
 * NWB files written with the HDF5 C API: /units/spike_times (float64) and
 * /units/spike_times_index (index_type), as NWB 2.x stores a Units table. */
static void write_nwb(const char *path, const double *times, size_t n, const double *index,
                      size_t nunits, hid_t index_type, bool with_units)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t loc = f;
    if (with_units) {
        loc = H5Gcreate2(f, "units", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        assert_true(loc >= 0);
    }
    hsize_t dn = n, du = nunits;
    hid_t sp = H5Screate_simple(1, &dn, NULL);
    hid_t d = H5Dcreate2(loc, "spike_times", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT);
    assert_true(d >= 0);
    if (n)
        assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, times) >= 0);
    H5Dclose(d);
    H5Sclose(sp);
    sp = H5Screate_simple(1, &du, NULL);
    d = H5Dcreate2(loc, "spike_times_index", index_type, sp, H5P_DEFAULT, H5P_DEFAULT,
                   H5P_DEFAULT);
    assert_true(d >= 0);
    if (nunits)
        assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, index) >= 0);
    H5Dclose(d);
    H5Sclose(sp);
    if (with_units)
        H5Gclose(loc);
    H5Fclose(f);
}

/* A recording: a driven branching process (m = 0.9, h = 0.05) of U units
 * over T bins of width DT; every spike of bin b lies at (b + u) DT with u in
 * [0.1, 0.9], except the first at exactly 0, and both the first and the last
 * bin hold a spike, so binning the spike times at DT from the earliest spike
 * gives the counts raster bin for bin (see examples/recordings). */
#define U 10
#define T 4000
#define DT 0.004

typedef struct {
    double *count;          /* [T * U] spikes of unit u in bin t */
    double *time, *unit;    /* [n] spike list, time-sorted */
    double *by_unit;        /* [n] spike times grouped by unit (NWB order) */
    double index[U];        /* end of unit u's spikes in by_unit */
    size_t n;
} recording;

static void make_recording(recording *r)
{
    double *A = malloc(T * sizeof *A);
    assert_non_null(A);
    assert_int_equal(dnc_branching_driven(0.9, 0.05, 1.0, T, 11, A), DNC_OK);
    A[0] = fmax(A[0], 1);
    A[T - 1] = fmax(A[T - 1], 1);
    r->count = calloc(T * U, sizeof *r->count);
    r->n = 0;
    for (size_t t = 0; t < T; t++)
        r->n += (size_t)A[t];
    r->time = malloc(r->n * sizeof *r->time);
    r->unit = malloc(r->n * sizeof *r->unit);
    r->by_unit = malloc(r->n * sizeof *r->by_unit);
    assert_true(r->count && r->time && r->unit && r->by_unit);
    uint64_t draw = 0;
    size_t i = 0;
    for (size_t t = 0; t < T; t++)
        for (size_t e = 0; e < (size_t)A[t]; e++, i++) {
            size_t u = (size_t)(dnc_uniform_at(3, DNC_STREAM_USER, 0, 0, draw++) * U) % U;
            double frac = 0.1 + 0.8 * dnc_uniform_at(3, DNC_STREAM_USER, 1, 0, draw++);
            r->count[t * U + u] += 1;
            r->time[i] = i == 0 ? 0.0 : ((double)t + frac) * DT;
            r->unit[i] = (double)u;
        }
    /* spikes within one bin are in draw order, not time order: sort them
     * (insertion sort on a nearly sorted list) */
    for (size_t a = 1; a < r->n; a++)
        for (size_t b = a; b > 0 && r->time[b - 1] > r->time[b]; b--) {
            double tt = r->time[b], uu = r->unit[b];
            r->time[b] = r->time[b - 1];
            r->unit[b] = r->unit[b - 1];
            r->time[b - 1] = tt;
            r->unit[b - 1] = uu;
        }
    size_t k = 0;
    for (size_t u = 0; u < U; u++) {
        for (size_t j = 0; j < r->n; j++)
            if (r->unit[j] == (double)u)
                r->by_unit[k++] = r->time[j];
        r->index[u] = (double)k;
    }
    free(A);
}

static void free_recording(recording *r)
{
    free(r->count);
    free(r->time);
    free(r->unit);
    free(r->by_unit);
}

static void assert_same_activity(const dnc_activity *a, const dnc_activity *b)
{
    assert_int_equal(a->bins, b->bins);
    assert_int_equal(a->units, b->units);
    for (size_t t = 0; t < a->bins; t++) {
        assert_true(a->count[t] == b->count[t]);
        assert_true(a->active[t] == b->active[t]);
    }
}

static void assert_same_avalanches(const dnc_activity *a, const dnc_activity *b)
{
    dnc_avalanches x = {0}, y = {0};
    assert_int_equal(dnc_avalanches_from_activity(a->count, a->bins, false, &x), DNC_OK);
    assert_int_equal(dnc_avalanches_from_activity(b->count, b->bins, false, &y), DNC_OK);
    assert_true(x.count > 50);
    assert_int_equal(x.count, y.count);
    for (size_t i = 0; i < x.count; i++) {
        assert_true(x.size[i] == y.size[i]);
        assert_true(x.duration[i] == y.duration[i]);
        assert_int_equal(x.start[i], y.start[i]);
    }
    dnc_avalanches_free(&x);
    dnc_avalanches_free(&y);
}

static void write_text_file(const char *path, const char *text)
{
    tu_write_file(path, text, strlen(text));
}

static char *csv_of(const recording *r, bool events, char sep)
{
    size_t cap = (r->n + T) * 64 + 256, len = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    if (events) {
        len += (size_t)snprintf(s + len, cap - len, "time%cunit\n", sep);
        for (size_t i = 0; i < r->n; i++)
            len += (size_t)snprintf(s + len, cap - len, "%.17g%c%d\n", r->time[i], sep,
                                    (int)r->unit[i]);
    } else {
        for (size_t t = 0; t < T; t++)
            for (size_t u = 0; u < U; u++)
                len += (size_t)snprintf(s + len, cap - len, "%g%c", r->count[t * U + u],
                                        u + 1 < U ? sep : '\n');
    }
    return s;
}

/* The acceptance test: the same recording as an events CSV, a TSV, a
 * gzip'd CSV, an NWB file, a dense CSV and .npy arrays (units x bins u1,
 * bins x units i8, units x bins f8 Fortran order) gives the same activity,
 * hence the same avalanches, bin for bin; and `dnncrit raster` gives the
 * same "results" for each (the same numbers: only config differs). */
static void test_nwb_and_npy_equal_csv(void **state)
{
    (void)state;
    recording r;
    make_recording(&r);
    char *dir = tu_tmpdir();
    char p_events[4096], p_tsv[4096], p_gz[4096], p_nwb[4096], p_dense[4096], p_npy_u1[4096],
        p_npy_i8[4096], p_npy_f8[4096];
    snprintf(p_events, sizeof p_events, "%s/events.csv", dir);
    snprintf(p_tsv, sizeof p_tsv, "%s/events.tsv", dir);
    snprintf(p_gz, sizeof p_gz, "%s/events.csv.gz", dir);
    snprintf(p_nwb, sizeof p_nwb, "%s/spikes.nwb", dir);
    snprintf(p_dense, sizeof p_dense, "%s/dense.csv", dir);
    snprintf(p_npy_u1, sizeof p_npy_u1, "%s/u1.npy", dir);
    snprintf(p_npy_i8, sizeof p_npy_i8, "%s/i8.npy", dir);
    snprintf(p_npy_f8, sizeof p_npy_f8, "%s/f8.npy", dir);

    char *s = csv_of(&r, true, ',');
    write_text_file(p_events, s);
    tu_write_gzip(p_gz, s, strlen(s), 2);
    free(s);
    s = csv_of(&r, true, '\t');
    write_text_file(p_tsv, s);
    free(s);
    s = csv_of(&r, false, ',');
    write_text_file(p_dense, s);
    free(s);
    write_nwb(p_nwb, r.by_unit, r.n, r.index, U, H5T_STD_U64LE, true);
    double *tr = malloc(T * U * sizeof *tr); /* units x bins */
    assert_non_null(tr);
    for (size_t t = 0; t < T; t++)
        for (size_t u = 0; u < U; u++)
            tr[u * T + t] = r.count[t * U + u];
    buf x = npy_matrix(tr, U, T, "|u1", false, 1);
    tu_write_file(p_npy_u1, x.b, x.n);
    free(x.b);
    x = npy_matrix(r.count, T, U, "<i8", false, 2);
    tu_write_file(p_npy_i8, x.b, x.n);
    free(x.b);
    x = npy_matrix(tr, U, T, ">f8", true, 1);
    tu_write_file(p_npy_f8, x.b, x.n);
    free(x.b);
    free(tr);

    dnc_activity ref, a;
    double dt;
    assert_int_equal(dnc_activity_read_dense(p_dense, 1, &ref), DNC_OK);
    assert_int_equal(ref.bins, T);
    assert_int_equal(ref.units, U);

    const char *events[] = {p_events, p_tsv, p_gz};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(dnc_activity_read_events(events[i], DT, &a, &dt), DNC_OK);
        assert_same_activity(&ref, &a);
        assert_same_avalanches(&ref, &a);
        dnc_activity_free(&a);
    }
    assert_int_equal(dnc_activity_read_nwb(p_nwb, DT, &a, &dt), DNC_OK);
    assert_true(dt == DT);
    assert_same_activity(&ref, &a);
    assert_same_avalanches(&ref, &a);
    dnc_activity_free(&a);
    assert_int_equal(dnc_activity_read_npy(p_npy_u1, true, 1, &a), DNC_OK);
    assert_same_activity(&ref, &a);
    assert_same_avalanches(&ref, &a);
    dnc_activity_free(&a);
    assert_int_equal(dnc_activity_read_npy(p_npy_i8, false, 1, &a), DNC_OK);
    assert_same_activity(&ref, &a);
    dnc_activity_free(&a);
    assert_int_equal(dnc_activity_read_npy(p_npy_f8, true, 1, &a), DNC_OK);
    assert_same_activity(&ref, &a);
    dnc_activity_free(&a);
    /* rebinning agrees too (dense rows merged vs the npy's columns merged) */
    dnc_activity r3;
    assert_int_equal(dnc_activity_read_dense(p_dense, 3, &r3), DNC_OK);
    assert_int_equal(dnc_activity_read_npy(p_npy_u1, true, 3, &a), DNC_OK);
    assert_same_activity(&r3, &a);
    dnc_activity_free(&a);
    dnc_activity_free(&r3);
    dnc_activity_free(&ref);

    /* Through the command: format detected by content; the results of every
     * file equal those of the dense CSV. */
    struct {
        const char *path, *opts, *format;
    } runs[] = {
        {p_dense, "", "dense"},        {p_events, "--bin-width 0.004", "events"},
        {p_gz, "--bin-width 0.004", "events"}, {p_nwb, "--bin-width 0.004", "nwb"},
        {p_npy_u1, "--transpose", "npy"},      {p_npy_i8, "", "npy"},
    };
    cJSON *first = NULL;
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        assert_int_equal(tu_run_cli(dir, "raster '%s' %s --quiet --out '%s/run%zu'", runs[i].path,
                                    runs[i].opts, dir, i),
                         0);
        char name[64];
        snprintf(name, sizeof name, "%s/run%zu.json", dir, i);
        cJSON *rec;
        assert_int_equal(dnc_read_json(name, &rec), DNC_OK);
        cJSON *cfg = cJSON_GetObjectItem(rec, "config");
        assert_string_equal(cJSON_GetObjectItem(cfg, "format")->valuestring, runs[i].format);
        cJSON *res = cJSON_GetObjectItem(rec, "results");
        assert_non_null(cJSON_GetObjectItem(res, "branching_ratio"));
        if (!first) {
            first = rec;
        } else {
            if (!cJSON_Compare(cJSON_GetObjectItem(first, "results"), res, true)) {
                char *a1 = cJSON_Print(cJSON_GetObjectItem(first, "results"));
                char *a2 = cJSON_Print(res);
                fail_msg("results of %s differ from the dense CSV's:\n%s\n%s", runs[i].path,
                         a1, a2);
            }
            cJSON_Delete(rec);
        }
    }
    cJSON_Delete(first);
    free_recording(&r);
    tu_rmtree_free(dir);
}

/* dnncrit maps no HDF5 when it starts: the NWB reader loads the library
 * when a file is read (test_nwb_and_npy_equal_csv reads one through the
 * command), so no other command pays for it and its dependencies. */
static void test_cli_maps_hdf5_only_to_read_nwb(void **state)
{
    (void)state;
    const char *bin = getenv("DNNCRIT_BIN");
    if (!bin)
        skip();
    const char *forbidden[] = {"hdf5", "curl"};
    tu_loaded_libraries(bin, forbidden, 2);
}

/* Malformed NWB files: each refused with a message naming the problem. */
static void expect_nwb_error(const char *path, dnc_status code, const char *needle)
{
    dnc_activity a;
    double dt;
    assert_int_equal(dnc_activity_read_nwb(path, 0.004, &a, &dt), code);
    if (!strstr(dnc_last_error(), needle))
        fail_msg("expected '%s' in '%s'", needle, dnc_last_error());
}

static void test_nwb_malformed(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/x.nwb", dir);
    const double t[4] = {0.0, 0.1, 0.05, 0.2};
    double idx[2] = {2, 4};
    write_nwb(path, t, 4, idx, 2, H5T_STD_I64LE, false);
    expect_nwb_error(path, DNC_EINVAL, "no /units table");
    idx[0] = 3, idx[1] = 2;
    write_nwb(path, t, 4, idx, 2, H5T_STD_I64LE, true);
    expect_nwb_error(path, DNC_EINVAL, "non-decreasing");
    idx[0] = 1, idx[1] = 3;
    write_nwb(path, t, 4, idx, 2, H5T_STD_I32LE, true);
    expect_nwb_error(path, DNC_EINVAL, "ends at 3 but spike_times has 4");
    idx[0] = 1, idx[1] = 5;
    write_nwb(path, t, 4, idx, 2, H5T_STD_U32LE, true);
    expect_nwb_error(path, DNC_EINVAL, "within the 4 spike times");
    idx[0] = 2, idx[1] = 4;
    write_nwb(path, t, 4, idx, 2, H5T_IEEE_F64LE, true);
    expect_nwb_error(path, DNC_EINVAL, "must hold integers");
    write_nwb(path, t, 0, idx, 0, H5T_STD_I64LE, true);
    expect_nwb_error(path, DNC_EINVAL, "has no units");
    const double tnan[4] = {0.0, NAN, 0.05, 0.2};
    write_nwb(path, tnan, 4, idx, 2, H5T_STD_I64LE, true);
    expect_nwb_error(path, DNC_EINVAL, "not finite");
    /* a good one: 2 units, unit 1 without spikes still counts */
    idx[0] = 4, idx[1] = 4;
    const double tok[4] = {0.0, 0.05, 0.1, 0.2};
    write_nwb(path, tok, 4, idx, 2, H5T_STD_I64LE, true);
    dnc_activity a;
    double dt;
    assert_int_equal(dnc_activity_read_nwb(path, 0.05, &a, &dt), DNC_OK);
    assert_int_equal(a.units, 2);
    assert_int_equal(a.bins, 5); /* [0, 0.05) .. [0.2, 0.25) */
    assert_true(a.count[0] == 1 && a.count[1] == 1 && a.count[2] == 1 && a.count[3] == 0 &&
                a.count[4] == 1);
    dnc_activity_free(&a);
    /* not HDF5 at all, and a missing file */
    write_text_file(path, "time,unit\n0,1\n");
    expect_nwb_error(path, DNC_EINVAL, "not an HDF5 (NWB) file");
    snprintf(path, sizeof path, "%s/missing.nwb", dir);
    expect_nwb_error(path, DNC_EIO, "missing.nwb");
    /* through the command: exit 1 with the message */
    write_nwb(path, t, 4, (double[]){3, 2}, 2, H5T_STD_I64LE, true);
    assert_int_equal(tu_run_cli(dir, "raster '%s' --out '%s/o'", path, dir), 1);
    char *err = tu_read(tu_path(dir, "stderr"));
    assert_non_null(err);
    assert_non_null(strstr(err, "non-decreasing"));
    free(err);
    assert_false(tu_exists(tu_path(dir, "o.json")));
    /* a gzip'd NWB file: refused by name (HDF5 needs the file itself) */
    write_nwb(path, tok, 4, (double[]){4, 4}, 2, H5T_STD_I64LE, true);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    unsigned char *raw = malloc(1 << 20);
    assert_non_null(raw);
    size_t nraw = fread(raw, 1, 1 << 20, fp);
    fclose(fp);
    char gz[4096];
    snprintf(gz, sizeof gz, "%s/x.nwb.gz", dir);
    tu_write_gzip(gz, raw, nraw, 1);
    free(raw);
    assert_int_equal(tu_run_cli(dir, "raster '%s' --out '%s/o'", gz, dir), 1);
    err = tu_read(tu_path(dir, "stderr"));
    assert_non_null(err);
    assert_non_null(strstr(err, "compressed or piped HDF5 (NWB) file"));
    free(err);
    tu_rmtree_free(dir);
}

/* Subsampling (Wilting & Priesemann, Nat. Commun. 9, 2325 (2018)): a driven
 * branching process, A_{t+1} ~ Poisson(m A_t + h) with m = 0.9, h = 2,
 * spread over N = 100 units; only units 0..9 (a random 10 %, the unit of
 * each event being uniform) are observed, and the raster of those is read
 * as an event list. The conventional estimator (slope of A_{t+1} on A_t)
 * is biased towards 0 by subsampling: each event is seen with probability
 * p = 0.1 (binomial thinning), so cov(a_{t+1}, a_t) = p^2 m var(A) and
 * var(a) = p^2 var(A) + p(1-p)<A>, a slope of 0.9 * 0.01 * 105/(0.01 * 105
 * + 0.09 * 20) = 0.33 here (<A> = h/(1-m) = 20, var(A) = <A>/(1-m^2) = 105).
 * The multistep regression recovers m. Tolerances: 3 jackknife errors for
 * MR, which must also be within 0.05 of m (its error at 5e4 bins is about
 * 0.005: 0.8997 +- 0.0022 was measured at 2e5 bins); the conventional one
 * must miss m by more than 10 of its errors and sit within 0.05 of the
 * closed form. Both estimators are also checked on the fully observed
 * raster, where they agree with m within 3 errors. */
static void test_subsampled_units_mr(void **state)
{
    (void)state;
    const size_t n = 50000, N = 100, observed = 10;
    const double m = 0.9;
    double *A = malloc(n * sizeof *A);
    assert_non_null(A);
    assert_int_equal(dnc_branching_driven(m, 2.0, 1.0, n, 21, A), DNC_OK);
    size_t total = 0;
    for (size_t t = 0; t < n; t++)
        total += (size_t)A[t];
    double *time = malloc(total * sizeof *time), *unit = malloc(total * sizeof *unit);
    double *otime = malloc(total * sizeof *otime), *ounit = malloc(total * sizeof *ounit);
    assert_true(time && unit && otime && ounit);
    size_t k = 0, ko = 0;
    for (size_t t = 0; t < n; t++)
        for (size_t e = 0; e < (size_t)A[t]; e++, k++) {
            size_t u = (size_t)(dnc_uniform_at(5, DNC_STREAM_USER, 0, 0, k) * (double)N) % N;
            time[k] = (double)t;
            unit[k] = (double)u;
            if (u < observed) {
                otime[ko] = (double)t;
                ounit[ko++] = (double)u;
            }
        }
    /* full: the first bin is 0 (A_0 > 0 with probability 1 - e^-20) */
    dnc_activity full, sub;
    double dt;
    assert_int_equal(dnc_activity_from_events(time, unit, total, N, 1.0, "full", &full, &dt),
                     DNC_OK);
    assert_int_equal(dnc_activity_from_events(otime, ounit, ko, observed, 1.0, "sub", &sub, &dt),
                     DNC_OK);
    dnc_branching_estimate bf, bs;
    assert_int_equal(dnc_branching_ratio(full.count, full.bins, 20, &bf), DNC_OK);
    assert_int_equal(dnc_branching_ratio(sub.count, sub.bins, 20, &bs), DNC_OK);
    assert_true(fabs(bf.naive - m) < 3 * bf.naive_err);
    assert_true(fabs(bf.mr - m) < 3 * bf.mr_err);
    assert_true(fabs(bs.naive - 0.33) < 0.05);       /* the closed form above */
    assert_true(m - bs.naive > 10 * bs.naive_err);   /* significantly biased */
    assert_true(fabs(bs.mr - m) < 3 * bs.mr_err);    /* MR: unbiased */
    assert_true(fabs(bs.mr - m) < 0.05);
    assert_true(bs.mr_err > 0 && bs.mr_err < 0.05);
    dnc_branching_estimate_free(&bf);
    dnc_branching_estimate_free(&bs);
    dnc_activity_free(&full);
    dnc_activity_free(&sub);
    free(A);
    free(time);
    free(unit);
    free(otime);
    free(ounit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_npy_dtypes),
        cmocka_unit_test(test_npy_signed_and_3d),
        cmocka_unit_test(test_files_written_by_numpy_and_h5py),
        cmocka_unit_test(test_npy_malformed),
        cmocka_unit_test(test_nwb_and_npy_equal_csv),
        cmocka_unit_test(test_nwb_malformed),
        cmocka_unit_test(test_cli_maps_hdf5_only_to_read_nwb),
        cmocka_unit_test(test_subsampled_units_mr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
