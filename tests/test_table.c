/* table: the one text-table reader, under each of its policies (finite
 * numbers with an optional header, numbers with nan and a header, numbers
 * and text), the shared grammar, and the one-column reader. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnncrit/plot.h"
#include "dnncrit/scaling.h"
#include "dnncrit/table.h"
#include "testutil.h"

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static dnc_status parse(const char *text, const dnc_table_opts *o, dnc_table *t)
{
    return dnc_table_parse(text, strlen(text), "f.csv", o, t);
}

/* The error of a failed parse contains `want`. */
static void expect_error(const char *text, const dnc_table_opts *o, const char *want)
{
    dnc_table t;
    assert_int_equal(parse(text, o, &t), DNC_EINVAL);
    if (!strstr(dnc_last_error(), want))
        fail_msg("'%s': wanted '%s' in '%s'", text, want, dnc_last_error());
    /* a failed parse leaves an empty table behind */
    assert_null(t.v);
    assert_null(t.names);
    assert_null(t.source);
    assert_int_equal(t.nrows, 0);
}

/* Default policy (raster, powerlaw): finite numbers, header detected. */
static void test_finite_policy(void **state)
{
    (void)state;
    dnc_table t;
    /* separators chosen per line: ',' else ';' else blanks */
    assert_int_equal(parse("1,2,3\n4;5;6\n7 8\t9\n", NULL, &t), DNC_OK);
    assert_int_equal(t.nrows, 3);
    assert_int_equal(t.ncols, 3);
    assert_null(t.names);
    assert_null(t.text);
    assert_int_equal(dnc_table_col(&t, "a"), -1);
    assert_int_equal(dnc_table_err_col(&t, 0), -1);
    assert_float_equal(t.v[1 * 3 + 1], 5, 0);
    assert_float_equal(t.v[2 * 3 + 2], 9, 0);
    assert_string_equal(t.source, "f.csv");
    dnc_table_free(&t);
    /* a first line that is not all numbers is the header; comments, blank
     * lines, CRLF, blanks around fields and quotes */
    assert_int_equal(parse("# units\n\n u0 , \"u1\"\r\n 1 , \"2\" \r\n  # late comment\n3,4\n",
                           NULL, &t),
                     DNC_OK);
    assert_int_equal(t.nrows, 2);
    assert_non_null(t.names);
    assert_string_equal(t.names[1], "u1");
    assert_int_equal(dnc_table_col(&t, "u1"), 1);
    assert_float_equal(t.v[1], 2, 0);
    assert_float_equal(t.v[2], 3, 0);
    dnc_table_free(&t);
    /* pandas writes an unnamed index column: allowed without need_header */
    assert_int_equal(parse(",u0,u1\n0,1,0\n1,0,1\n", NULL, &t), DNC_OK);
    assert_string_equal(t.names[0], "");
    dnc_table_free(&t);

    /* non-finite values are errors naming file, line and field */
    expect_error("a,b\n1,2\n3,nan\n", NULL, "f.csv:3: field 2 (b) 'nan' is not a finite number");
    expect_error("1,2\n3,inf\n", NULL, "f.csv:2: field 2 'inf' is not a finite number");
    expect_error("1,2\n1e999,0\n", NULL, "f.csv:2: field 1 '1e999' is not a finite number");
    expect_error("1,2\n3,\n", NULL, "f.csv:2: field 2 '' is not a finite number");
    expect_error("1,0,0\n0,x,0\n", NULL, "f.csv:2: field 2 'x'");
    expect_error("1,0,0\n\n# c\n0,0\n", NULL, "f.csv:4: expected 3 fields, got 2");
    expect_error("a,b\n1\n", NULL, "f.csv:2: expected 2 fields (as in the header), got 1");
    expect_error("# nothing\n\n", NULL, "f.csv: no data rows");
    expect_error("a,b\n", NULL, "f.csv: no data rows");
    expect_error("", NULL, "no data rows");
    const char nul[] = "1,2\n3,\0004\n";
    assert_int_equal(dnc_table_parse(nul, sizeof nul - 1, "n.csv", NULL, &t), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "n.csv:2: NUL byte"));
}

/* Scaling series (exponents, fss): header required, nan and inf allowed. */
static void test_numbers_policy(void **state)
{
    (void)state;
    const dnc_table_opts *o = &dnc_series_table_opts;
    dnc_table t;
    assert_int_equal(parse("t,rho,err\n1,0.5,nan\n2,inf,-inf\n", o, &t), DNC_OK);
    assert_int_equal(t.nrows, 2);
    assert_true(isnan(t.v[2]));
    assert_true(isinf(t.v[4]) && t.v[4] > 0);
    assert_int_equal(dnc_table_err_col(&t, 1), 2);
    dnc_table_free(&t);
    /* the header is required, even when it looks numeric */
    assert_int_equal(parse("1,2\n3,4\n", o, &t), DNC_OK);
    assert_int_equal(t.nrows, 1);
    assert_string_equal(t.names[0], "1");
    dnc_table_free(&t);
    /* line numbers count blank and comment lines */
    expect_error("t,rho\n\n1,0.5\n# x\n\n2,abc\n", o, "f.csv:6: field 2 (rho) 'abc' is not a number");
    expect_error("t,rho\n1,0.5,7\n", o, "f.csv:2: expected 2 fields (as in the header), got 3");
    expect_error("t,,rho\n1,2,3\n", o, "f.csv:1: column 2 has an empty name");
    expect_error("# c\nt,rho,\n1,2,3\n", o, "f.csv:2: column 3 has an empty name");
    expect_error("", o, "f.csv: empty table (no header row)");
    expect_error("t,rho\n", o, "f.csv: no data rows");
    /* ',' only: a ';' line is one field */
    expect_error("t;rho\n1;2\n", o, "f.csv:2: field 1 (t;rho) '1;2' is not a number");
}

/* Result files (plot, report): header, text cells, no rows allowed. */
static void test_text_policy(void **state)
{
    (void)state;
    const dnc_table_opts *o = &dnc_result_table_opts;
    dnc_table t;
    /* a column turns text at its first non-number: earlier cells are kept
     * as formatted text, every cell reads as NAN */
    assert_int_equal(parse("w,act,acc\n1,0.5,0.9\n2,relu,nan\n3,\"tanh\",0.7\n", o, &t), DNC_OK);
    assert_int_equal(t.nrows, 3);
    assert_false(dnc_table_is_text(&t, 0));
    assert_true(dnc_table_is_text(&t, 1));
    assert_false(dnc_table_is_text(&t, 2));
    assert_false(dnc_table_is_text(&t, 99));
    assert_string_equal(dnc_table_text(&t, 0, 1), "0.5");
    assert_string_equal(dnc_table_text(&t, 1, 1), "relu");
    assert_string_equal(dnc_table_text(&t, 2, 1), "tanh");
    assert_null(dnc_table_text(&t, 3, 1));
    assert_null(dnc_table_text(&t, 0, 2));
    assert_true(isnan(t.v[1 * 3 + 2]));
    double *acc = dnc_table_column(&t, 2);
    assert_non_null(acc);
    assert_float_equal(acc[2], 0.7, 0);
    free(acc);
    assert_int_equal(dnc_table_col_any(&t, (const char *const[]){"x", "acc", "w", NULL}), 2);
    assert_int_equal(dnc_table_col_any(&t, (const char *const[]){"x", NULL}), -1);
    dnc_table_free(&t);
    /* an empty cell is text too; a header alone is an empty table */
    assert_int_equal(parse("a,b\n1,\n", o, &t), DNC_OK);
    assert_string_equal(dnc_table_text(&t, 0, 1), "");
    dnc_table_free(&t);
    assert_int_equal(parse("# only a header\na,b\n", o, &t), DNC_OK);
    assert_int_equal(t.nrows, 0);
    assert_int_equal(t.ncols, 2);
    dnc_table_free(&t);
    expect_error("a,b\n1,2\n3\n", o, "f.csv:3: expected 2 fields (as in the header), got 1");
    expect_error("\n# c\n", o, "empty table");
    /* error columns: "<name>_se" and "d<name>" */
    assert_int_equal(parse("x,y,y_se,dx\n1,2,3,4\n", o, &t), DNC_OK);
    assert_int_equal(dnc_table_err_col(&t, 1), 2);
    assert_int_equal(dnc_table_err_col(&t, 0), 3);
    assert_int_equal(dnc_table_err_col(&t, 2), -1);
    dnc_table_free(&t);
}

/* no_header: the first line is data, so names there are bad cells;
 * ncols: a width every line must have, the first (and a header) too. */
static void test_no_header_and_ncols(void **state)
{
    (void)state;
    dnc_table t;
    const dnc_table_opts none = {.no_header = true};
    expect_error("a,b\n1,2\n", &none, "f.csv:1: field 1 'a' is not a finite number");
    assert_int_equal(parse("# c\n1,2\n3,4\n", &none, &t), DNC_OK);
    assert_null(t.names);
    assert_int_equal(t.nrows, 2);
    dnc_table_free(&t);
    const dnc_table_opts three = {.ncols = 3};
    expect_error("# c\n1,2\n", &three, "f.csv:2: expected 3 fields, got 2");
    expect_error("a,b\n1,2,3\n", &three, "f.csv:1: expected 3 fields, got 2");
    expect_error("1,2,3\n4,5\n", &three, "f.csv:2: expected 3 fields, got 2");
    assert_int_equal(parse("a,b,c\n1,2,3\n", &three, &t), DNC_OK);
    assert_int_equal(t.ncols, 3);
    assert_int_equal(t.nrows, 1);
    dnc_table_free(&t);
}

/* dnc_table_read: the file's name in messages; a missing file is DNC_EIO. */
static void test_read_file(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    write_file(path, "t,rho\n1,0.5\n2,x\n");
    dnc_table t;
    assert_int_equal(dnc_table_read(path, &dnc_result_table_opts, &t), DNC_OK);
    assert_string_equal(t.source, path);
    assert_true(dnc_table_is_text(&t, 1));
    dnc_table_free(&t);
    assert_int_equal(dnc_table_read(path, &dnc_series_table_opts, &t), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "t.csv:3: field 2 (rho) 'x'"));
    assert_int_equal(dnc_table_read(tu_path(dir, "missing.csv"), NULL, &t), DNC_EIO);
    assert_null(t.v);
    tu_rmtree_free(dir);
}

/* A gzipped CSV reads as the plain one, by dnc_table_read and by
 * dnc_table_read_column. */
static void test_read_gzip_like_plain(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    const char text[] = "# a comment\nt,rho,label\n1,0.5,a\n2,0.25,b\n3,0.125,c\n";
    char plain[4096], gz[4096];
    snprintf(plain, sizeof plain, "%s/t.csv", dir);
    snprintf(gz, sizeof gz, "%s/t.csv.gz", dir);
    tu_write_file(plain, text, strlen(text));
    tu_write_gzip(gz, text, strlen(text), 1);
    dnc_table a, b;
    assert_int_equal(dnc_table_read(plain, &dnc_result_table_opts, &a), DNC_OK);
    assert_int_equal(dnc_table_read(gz, &dnc_result_table_opts, &b), DNC_OK);
    assert_int_equal(b.nrows, a.nrows);
    assert_int_equal(b.ncols, a.ncols);
    assert_memory_equal(b.v, a.v, 2 * a.ncols * sizeof *a.v); /* two numeric columns first */
    for (size_t c = 0; c < a.ncols; c++)
        assert_string_equal(b.names[c], a.names[c]);
    assert_string_equal(dnc_table_text(&b, 2, 2), "c");
    assert_string_equal(b.source, gz);
    dnc_table_free(&a);
    dnc_table_free(&b);
    double *x;
    size_t n;
    assert_int_equal(dnc_table_read_column(gz, "rho", &x, &n), DNC_OK);
    assert_int_equal(n, 3);
    assert_float_equal(x[2], 0.125, 0);
    free(x);
    tu_rmtree_free(dir);
}

/* The error of a failed dnc_table_read contains `want` and the file's name,
 * and leaves an empty table: what `plot` checks before drawing. */
static void expect_read_error(const char *path, const char *want)
{
    dnc_table t;
    assert_int_equal(dnc_table_read(path, &dnc_result_table_opts, &t), DNC_EINVAL);
    if (!strstr(dnc_last_error(), want) || !strstr(dnc_last_error(), path))
        fail_msg("wanted '%s' and the path in '%s'", want, dnc_last_error());
    assert_null(t.v);
    assert_int_equal(t.nrows, 0);
}

/* Corrupt CSVs: a ragged row, binary garbage (plain or gzipped), a
 * truncated gzip. */
static void test_read_corrupt(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    write_file(path, "t,rho\n1,0.5\n2,0.25,9\n");
    expect_read_error(path, "bad.csv:3: expected 2 fields (as in the header), got 3");
    static const unsigned char garbage[] = {'t', ',', 'r', '\n', 0x7f, 'E', 'L', 'F', 0, 1, 2};
    tu_write_file(path, garbage, sizeof garbage);
    expect_read_error(path, "bad.csv:2: NUL byte (binary file?)");
    tu_write_gzip(path, garbage, sizeof garbage, 1);
    expect_read_error(path, "bad.csv:2: NUL byte (binary file?)");
    const char text[] = "t,rho\n1,0.5\n2,0.25\n3,0.125\n";
    tu_write_gzip(path, text, strlen(text), 1);
    char *whole = tu_read(path); /* the gzip bytes (their first 12 are used) */
    assert_non_null(whole);
    tu_write_file(path, whole, 12);
    expect_read_error(path, "truncated gzip file");
    free(whole);
    tu_rmtree_free(dir);
}

/* dnc_table_read_column (powerlaw): one column by index or name. */
static void test_read_column(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/c.csv", dir);
    write_file(path, "# sizes\nlabel,size\nA,3\nB;4\nC 5 extra\n");
    double *x;
    size_t n;
    assert_int_equal(dnc_table_read_column(path, "size", &x, &n), DNC_OK);
    assert_int_equal(n, 3);
    assert_float_equal(x[2], 5, 0);
    free(x);
    assert_int_equal(dnc_table_read_column(path, "2", &x, &n), DNC_OK);
    assert_int_equal(n, 3);
    free(x);
    assert_int_equal(dnc_table_read_column(path, NULL, &x, &n), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "c.csv:3: field 1 'A' is not a finite number"));
    assert_null(x);
    assert_int_equal(dnc_table_read_column(path, "3", &x, &n), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "no column 3"));
    assert_int_equal(dnc_table_read_column(path, "mass", &x, &n), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "no column named 'mass'"));
    write_file(path, "1\n2\nnan\n");
    assert_int_equal(dnc_table_read_column(path, "1", &x, &n), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "c.csv:3: field 1 'nan' is not a finite number"));
    assert_int_equal(dnc_table_read_column(path, "size", &x, &n), DNC_EINVAL);
    assert_int_equal(dnc_table_read_column(tu_path(dir, "missing.csv"), NULL, &x, &n), DNC_EIO);
    tu_rmtree_free(dir);
}

/* One-column files take a fast path for plain decimals (exact when the
 * significand has <= 19 digits, <= 2^53, and |exponent| <= 22; strtod
 * otherwise): every value must equal strtod's bit for bit, at the edges of
 * the fast path and beyond them, and anything that is not one number per
 * line must read as before (comments, blanks, CRLF, extra fields, nan). */
static void test_read_column_numbers_exact(void **state)
{
    (void)state;
    static const char *cells[] = {
        "0", "-0", "+0.0", "7", "007", "-42", "+.5", "5.", "0.000123", "123456789012345678",
        "1234567890123456789", "12345678901234567890", "9007199254740992", "9007199254740993",
        "18014398509481985", "1e22", "1e23", "1.7976931348623157e308", "1e-22",
        "1e-23", "1.23456789012e-5", "3.14159265358979323846", "2.2250738585072014e-308",
        "0.1", "0.3", "1E5", "1e+05", "1e-05", "0x1p3", "6.02214076e23", "9999999999999999e-22",
        "0.00000000000000000000001"};
    size_t nc = sizeof cells / sizeof *cells;
    char *dir = tu_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/n.txt", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    for (size_t i = 0; i < nc; i++)
        fprintf(fp, i % 3 == 0 ? "%s\n" : i % 3 == 1 ? "  %s \r\n" : "\t%s\t\n", cells[i]);
    /* random printf output: %.12g (the benchmark's), %.17g, integers */
    uint64_t r = 88172645463325252u;
    size_t nr = 3000;
    double *want = malloc((nc + nr) * sizeof *want);
    for (size_t i = 0; i < nc; i++)
        want[i] = strtod(cells[i], NULL);
    char buf[64];
    for (size_t i = 0; i < nr; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        double u = (double)(r >> 11) / 9007199254740992.0;
        double v = pow(1 - u, -1 / 1.5) * (i % 5 == 0 ? 1e-9 : 1);
        snprintf(buf, sizeof buf, i % 3 == 0 ? "%.12g" : i % 3 == 1 ? "%.17g" : "%.0f", v);
        fprintf(fp, "%s\n", buf);
        want[nc + i] = strtod(buf, NULL);
    }
    fclose(fp);
    double *x;
    size_t n;
    if (dnc_table_read_column(path, NULL, &x, &n) != DNC_OK)
        fail_msg("%s", dnc_last_error());
    assert_int_equal(n, nc + nr);
    for (size_t i = 0; i < n; i++)
        if (memcmp(&x[i], &want[i], sizeof x[i]) != 0)
            fail_msg("value %zu ('%s'): read %.17g, strtod %.17g", i, i < nc ? cells[i] : "random",
                     x[i], want[i]);
    free(x);
    free(want);
    /* lines that are not one number keep the general grammar */
    write_file(path, "1\n# c\n\n  \n2 # note\n3,9\n4;8\n5 6\n\"7\"\n8\r\n");
    assert_int_equal(dnc_table_read_column(path, NULL, &x, &n), DNC_OK);
    const double lines[] = {1, 2, 3, 4, 5, 7, 8}; /* "5 6": field 1 is 5 */
    assert_int_equal(n, 7);
    for (size_t i = 0; i < n; i++)
        assert_true(x[i] == lines[i]);
    free(x);
    write_file(path, "1\n2\n1e999\n");
    assert_int_equal(dnc_table_read_column(path, NULL, &x, &n), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "n.txt:3: field 1 '1e999' is not a finite number"));
    write_file(path, "1\n2\n3x\n");
    assert_int_equal(dnc_table_read_column(path, NULL, &x, &n), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "n.txt:3: field 1 '3x'"));
    write_file(path, "1\n2\n-\n");
    assert_int_equal(dnc_table_read_column(path, NULL, &x, &n), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "n.txt:3"));
    tu_rmtree_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finite_policy),
        cmocka_unit_test(test_numbers_policy),
        cmocka_unit_test(test_text_policy),
        cmocka_unit_test(test_no_header_and_ncols),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_read_column),
        cmocka_unit_test(test_read_column_numbers_exact),
        cmocka_unit_test(test_read_gzip_like_plain),
        cmocka_unit_test(test_read_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
