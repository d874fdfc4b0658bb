/* io: config files, number parsing, atomic files, and the CLI option layer. */
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

#include "cli.h"
#include "dnncrit/dataset.h"
#include "dnncrit/io.h"
#include "dnncrit/network.h"
#include "testutil.h"

static void test_config_parse_ok(void **state)
{
    (void)state;
    dnc_config c;
    assert_int_equal(dnc_config_parse("# comment\n width = 64\n\n--sigma-w=1.5 # trailing\n", "t", &c),
                     DNC_OK);
    assert_int_equal(c.count, 2);
    assert_string_equal(c.entries[0].key, "width");
    assert_string_equal(c.entries[0].value, "64");
    assert_string_equal(c.entries[1].key, "sigma-w");
    assert_string_equal(c.entries[1].value, "1.5");
    assert_int_equal(c.entries[1].line, 4);
    dnc_config_free(&c);
}

/* Context prefixed to the previous message, which lives in the very buffer
 * dnc_fail writes to. */
static void test_fail_can_wrap_the_last_error(void **state)
{
    (void)state;
    dnc_fail(DNC_EIO, "cannot read '%s'", "data.idx");
    assert_int_equal(dnc_fail(DNC_EINVAL, "point %d: %s", 3, dnc_last_error()), DNC_EINVAL);
    assert_string_equal(dnc_last_error(), "point 3: cannot read 'data.idx'");
}

static void test_config_parse_errors_name_the_line(void **state)
{
    (void)state;
    dnc_config c;
    assert_int_equal(dnc_config_parse("width = 3\nthis is not a pair\n", "f.cfg", &c), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "f.cfg:2"));
    assert_int_equal(dnc_config_parse("width =\n", "f.cfg", &c), DNC_EINVAL);
    assert_int_equal(dnc_config_parse("wi dth = 2\n", "f.cfg", &c), DNC_EINVAL);
}

static void test_number_parsing(void **state)
{
    (void)state;
    double d;
    size_t s;
    assert_int_equal(dnc_parse_double("1.5e-3", "x", &d), DNC_OK);
    assert_float_equal(d, 1.5e-3, 0);
    assert_int_equal(dnc_parse_double("nan", "x", &d), DNC_EINVAL);
    assert_int_equal(dnc_parse_double("inf", "x", &d), DNC_EINVAL);
    assert_int_equal(dnc_parse_double("1.5abc", "x", &d), DNC_EINVAL);
    assert_int_equal(dnc_parse_double("1e999", "x", &d), DNC_EINVAL);
    assert_int_equal(dnc_parse_size("-5", "width", &s), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "width"));
    assert_int_equal(dnc_parse_size("12", "width", &s), DNC_OK);
    assert_int_equal(s, 12);
    assert_int_equal(dnc_parse_size("3.5", "width", &s), DNC_EINVAL);
}

static void test_atomic_file_commit_and_abort(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    dnc_afile f;
    assert_int_equal(dnc_afile_open(&f, path), DNC_OK);
    fputs("a,b\n", f.fp);
    assert_false(tu_exists(path)); /* invisible until committed */
    dnc_afile_abort(&f);
    assert_false(tu_exists(path));
    assert_int_equal(tu_count_entries(dir), 0);
    assert_int_equal(dnc_write_text_atomic(path, "x\n"), DNC_OK);
    char *got = tu_read(path);
    assert_string_equal(got, "x\n");
    free(got);
    assert_int_equal(tu_count_entries(dir), 1);
    snprintf(path, sizeof path, "%s/no/such/dir/out.csv", dir);
    assert_int_equal(dnc_write_text_atomic(path, "x"), DNC_EIO);
    tu_rmtree_free(dir);
}

/* A text of n bytes that compresses well but is not one repeated byte: its
 * gzip is far smaller than 1/4 of it, so decompression must grow its buffer. */
static char *sample_text(size_t n)
{
    char *t = malloc(n + 1);
    assert_non_null(t);
    for (size_t i = 0; i < n; i++)
        t[i] = (i % 61 == 60) ? '\n' : (char)('0' + (i * 7 + i / 61) % 10);
    t[n] = '\0';
    return t;
}

static void expect_read_as(const char *path, const char *want, size_t n)
{
    char *got;
    size_t len;
    assert_int_equal(dnc_read_file(path, &got, &len), DNC_OK);
    assert_int_equal(len, n);
    assert_memory_equal(got, want, n);
    assert_int_equal(got[len], '\0');
    free(got);
}

/* dnc_read_file: gzip is decompressed by its magic bytes, whatever the name,
 * in one or several members; plain files are read as they are. */
static void test_read_file_gzip_like_plain(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    const size_t n = 300000;
    char *text = sample_text(n);
    char plain[4096], gz[4096], named_txt[4096], multi[4096], empty[4096];
    snprintf(plain, sizeof plain, "%s/t.txt", dir);
    snprintf(gz, sizeof gz, "%s/t.txt.gz", dir);
    snprintf(named_txt, sizeof named_txt, "%s/gzip_but_named.csv", dir);
    snprintf(multi, sizeof multi, "%s/multi.gz", dir);
    snprintf(empty, sizeof empty, "%s/empty.gz", dir);
    tu_write_file(plain, text, n);
    tu_write_gzip(gz, text, n, 1);
    tu_write_gzip(named_txt, text, n, 1);
    tu_write_gzip(multi, text, n, 3);
    tu_write_gzip(empty, "", 0, 1);
    expect_read_as(plain, text, n);
    expect_read_as(gz, text, n);
    expect_read_as(named_txt, text, n);
    expect_read_as(multi, text, n);
    expect_read_as(empty, "", 0);
    free(text);
    tu_rmtree_free(dir);
}

/* The error of a failed read is `code` and names the file and the problem. */
static void expect_read_error(const char *path, dnc_status code, const char *want)
{
    char *got = (char *)1;
    assert_int_equal(dnc_read_file(path, &got, NULL), code);
    assert_null(got);
    if (!strstr(dnc_last_error(), path) || !strstr(dnc_last_error(), want))
        fail_msg("wanted '%s' and '%s' in '%s'", path, want, dnc_last_error());
}

/* Truncated, corrupt (CRC) and trailing-garbage gzip files are refused with
 * an error naming the file. */
static void test_read_file_bad_gzip(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    const size_t n = 5000;
    char *text = sample_text(n);
    char gz[4096], bad[4096];
    snprintf(gz, sizeof gz, "%s/good.gz", dir);
    snprintf(bad, sizeof bad, "%s/bad.csv.gz", dir);
    tu_write_gzip(gz, text, n, 1);
    char *whole;
    size_t zn;
    FILE *fp = fopen(gz, "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    zn = (size_t)ftell(fp);
    rewind(fp);
    whole = malloc(zn + 3);
    assert_int_equal(fread(whole, 1, zn, fp), zn);
    fclose(fp);

    tu_write_file(bad, whole, zn / 2);
    expect_read_error(bad, DNC_EINVAL, "truncated gzip file");
    tu_write_file(bad, whole, 2); /* the magic bytes alone */
    expect_read_error(bad, DNC_EINVAL, "truncated gzip file");
    whole[zn - 8] ^= 0x5a; /* the trailer's CRC-32 no longer matches the data */
    tu_write_file(bad, whole, zn);
    expect_read_error(bad, DNC_EINVAL, "corrupt gzip data");
    whole[zn - 8] ^= 0x5a;
    memcpy(whole + zn, "xyz", 3);
    tu_write_file(bad, whole, zn + 3);
    expect_read_error(bad, DNC_EINVAL, "unexpected bytes after the end of the gzip data");
    expect_read_error(tu_path(dir, "missing.gz"), DNC_EIO, "cannot open");
    free(whole);
    free(text);
    tu_rmtree_free(dir);
}

/* A directory given as an input file is named as one by every reader. */
static void test_directory_is_named_as_such(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    expect_read_error(dir, DNC_EIO, "is a directory");
    dnc_config cfg;
    assert_int_equal(dnc_config_read(dir, &cfg), DNC_EIO);
    assert_non_null(strstr(dnc_last_error(), "is a directory"));
    dnc_dataset ds;
    assert_int_equal(dnc_dataset_load(dir, dir, 10, 0, &ds), DNC_EIO);
    assert_non_null(strstr(dnc_last_error(), "is a directory"));
    size_t width = 1;
    cli_opt opts[] = {CLI_OPT("width", CLI_OPT_SIZE, &width, "width")};
    cli_command cli = {.command = "t", .summary = "s", .opts = opts, .nopts = 1};
    char *argv[] = {"t", "--config", dir};
    assert_int_equal(cli_parse(&cli, 3, argv), CLI_ERROR);
    assert_non_null(strstr(dnc_last_error(), "is a directory"));
    cli_free(&cli);
    tu_rmtree_free(dir);
}

/* A gzipped config reads as the plain one; a plain binary one is refused. */
static void test_config_gzip_and_binary(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    const char text[] = "# run\nwidth = 64\n--sigma-w = 1.5 # comment\n";
    char plain[4096], gz[4096];
    snprintf(plain, sizeof plain, "%s/run.cfg", dir);
    snprintf(gz, sizeof gz, "%s/run.cfg.gz", dir);
    tu_write_file(plain, text, strlen(text));
    tu_write_gzip(gz, text, strlen(text), 1);
    dnc_config a, b;
    assert_int_equal(dnc_config_read(plain, &a), DNC_OK);
    assert_int_equal(dnc_config_read(gz, &b), DNC_OK);
    assert_int_equal(a.count, 2);
    assert_int_equal(b.count, a.count);
    for (size_t i = 0; i < a.count; i++) {
        assert_string_equal(b.entries[i].key, a.entries[i].key);
        assert_string_equal(b.entries[i].value, a.entries[i].value);
        assert_int_equal(b.entries[i].line, a.entries[i].line);
    }
    assert_string_equal(b.path, gz);
    dnc_config_free(&a);
    dnc_config_free(&b);
    tu_write_file(plain, "width = 6\0\x01\x02", 12);
    assert_int_equal(dnc_config_read(plain, &a), DNC_EINVAL);
    assert_non_null(strstr(dnc_last_error(), "NUL byte"));
    tu_rmtree_free(dir);
}

/* Result CSV cells: finite numbers to the digits asked for, the rest named. */
static void test_csv_number_names_non_finite_values(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    dnc_csv_number(fp, 0.1, 10, ",");
    dnc_csv_number(fp, 1.0 / 3.0, 17, ",");
    dnc_csv_number(fp, NAN, 10, ",");
    dnc_csv_number(fp, INFINITY, 10, ",");
    dnc_csv_number(fp, -INFINITY, 10, "\n");
    fclose(fp);
    assert_string_equal(text, "0.1,0.33333333333333331,nan,inf,-inf\n");
    free(text);
}

/* mkdir -p: missing parents made, an existing tree accepted, a file in the
 * way refused with its name. */
static void test_make_dirs_creates_parents(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/a/b/c/", dir);
    assert_int_equal(dnc_make_dirs(path), DNC_OK);
    assert_true(tu_exists(tu_path(dir, "a/b/c")));
    assert_int_equal(dnc_make_dirs(path), DNC_OK); /* already there */
    snprintf(path, sizeof path, "%s/a//b/d", dir);
    assert_int_equal(dnc_make_dirs(path), DNC_OK);
    assert_true(tu_exists(tu_path(dir, "a/b/d")));
    assert_int_equal(dnc_write_text_atomic(tu_path(dir, "a/file"), "x"), DNC_OK);
    snprintf(path, sizeof path, "%s/a/file/e", dir);
    assert_int_equal(dnc_make_dirs(path), DNC_EIO);
    assert_non_null(strstr(dnc_last_error(), "a/file' exists and is not a directory"));
    assert_false(tu_exists(tu_path(dir, "a/file/e")));
    assert_int_equal(dnc_make_dirs(""), DNC_EINVAL);
    tu_rmtree_free(dir);
}

/* cJSON alone prints 1.0 + 0.8 * 7/8 (= 1.7000000000000002, one ulp above
 * 1.7) as 1.7; the exact number reads back as the same double, and
 * non-finite values stay null. */
static void test_json_exact_number_round_trips(void **state)
{
    (void)state;
    const double x = 1.0 + (1.8 - 1.0) * (7.0 / 8.0);
    assert_true(x != 1.7);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "plain", x);
    cJSON_AddItemToObject(o, "exact", dnc_json_exact_number(x));
    cJSON_AddItemToObject(o, "inf", dnc_json_exact_number(INFINITY));
    char *text = cJSON_PrintUnformatted(o);
    assert_string_equal(text, "{\"plain\":1.7,\"exact\":1.7000000000000002,\"inf\":null}");
    cJSON *back = cJSON_Parse(text);
    assert_true(cJSON_GetObjectItem(back, "exact")->valuedouble == x);
    assert_true(cJSON_GetObjectItem(back, "plain")->valuedouble != x); /* the old bug */
    cJSON_Delete(back);
    cJSON_free(text);
    cJSON_Delete(o);
}

static void test_cli_options_config_and_override(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    char cfgpath[4096];
    snprintf(cfgpath, sizeof cfgpath, "%s/run.cfg", dir);
    assert_int_equal(dnc_write_text_atomic(cfgpath, "width = 10\nsigma_w = 2.5\nlist = 0:1:3\n"),
                     DNC_OK);
    size_t width = 1;
    double sw = 1;
    dnc_activation act = DNC_ACT_TANH;
    cli_dlist list = {0};
    bool quiet = false;
    cli_opt opts[] = {
        CLI_OPT("width", CLI_OPT_SIZE, &width, "width"),
        CLI_OPT("sigma-w", CLI_OPT_DOUBLE, &sw, "sw"),
        CLI_OPT("activation", CLI_OPT_ACTIVATION, &act, "act"),
        CLI_OPT("list", CLI_OPT_DLIST, &list, "list"),
        CLI_OPT("quiet", CLI_OPT_FLAG, &quiet, "quiet"),
    };
    cli_command cli = {.command = "t", .summary = "s", .opts = opts, .nopts = 5};
    char *argv[] = {"t", "--config", cfgpath, "--width=20", "--activation", "relu", "--quiet"};
    assert_int_equal(cli_parse(&cli, 7, argv), CLI_OK);
    assert_int_equal(width, 20); /* flag overrides config */
    assert_float_equal(sw, 2.5, 0);
    assert_int_equal(act, DNC_ACT_RELU);
    assert_int_equal(list.n, 3);
    assert_float_equal(list.v[1], 0.5, 1e-15);
    assert_true(quiet);
    cli_free(&cli);

    cli_command bad = {.command = "t", .summary = "s", .opts = opts, .nopts = 5};
    char *argv2[] = {"t", "--sigma-w", "nan"};
    assert_int_equal(cli_parse(&bad, 3, argv2), CLI_ERROR);
    cli_free(&bad);
    cli_command bad2 = {.command = "t", .summary = "s", .opts = opts, .nopts = 5};
    char *argv3[] = {"t", "--no-such-option", "1"};
    assert_int_equal(cli_parse(&bad2, 3, argv3), CLI_ERROR);
    cli_free(&bad2);
    tu_rmtree_free(dir);
}

/* What cli_print_help prints for cli, read back through a file in dir. */
static char *help_text(const cli_command *cli, const char *dir)
{
    FILE *fp = fopen(tu_path(dir, "help"), "w");
    assert_non_null(fp);
    cli_print_help(cli, fp);
    fclose(fp);
    char *help = tu_read(tu_path(dir, "help"));
    assert_non_null(help);
    return help;
}

/* A deprecated spelling (CLI_OPT_ALIAS_OF) sets the option it stands for,
 * on the command line and in a config file, and --help lists it as such. */
static void test_cli_option_alias(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    char cfgpath[4096];
    snprintf(cfgpath, sizeof cfgpath, "%s/run.cfg", dir);
    assert_int_equal(dnc_write_text_atomic(cfgpath, "outdir = from-config\n"), DNC_OK);
    const char *out = NULL;
    size_t width = 1;
    cli_opt opts[] = {
        CLI_OPT("out-dir", CLI_OPT_STRING, &out, "output directory"),
        CLI_OPT_ALIAS_OF("outdir", "out-dir"),
        CLI_OPT_ALIAS_OF("breadth", "no-such-option"),
        CLI_OPT("width", CLI_OPT_SIZE, &width, "width"),
    };
    cli_command cli = {.command = "t", .summary = "s", .opts = opts, .nopts = 4};
    char *argv[] = {"t", "--outdir", "d1", "--width", "3"};
    assert_int_equal(cli_parse(&cli, 5, argv), CLI_OK);
    assert_string_equal(out, "d1");
    assert_true(cli_seen(&cli, "out-dir"));
    assert_int_equal(width, 3);
    cli_free(&cli);
    opts[0].seen = false;
    char *argv2[] = {"t", "--config", cfgpath};
    assert_int_equal(cli_parse(&cli, 3, argv2), CLI_OK);
    assert_string_equal(out, "from-config");
    cli_free(&cli);
    char *argv3[] = {"t", "--config", cfgpath, "--outdir=d3"}; /* the flag still wins */
    assert_int_equal(cli_parse(&cli, 4, argv3), CLI_OK);
    assert_string_equal(out, "d3");
    cli_free(&cli);
    out = NULL; /* the parsed string was owned by the cli */
    /* an alias of nothing is an unknown option, and not in the help */
    char *argv4[] = {"t", "--breadth", "2"};
    assert_int_equal(cli_parse(&cli, 3, argv4), CLI_ERROR);
    cli_free(&cli);
    char *help = help_text(&cli, dir);
    assert_non_null(strstr(help, "--out-dir S"));
    assert_non_null(strstr(help, "--outdir S"));
    assert_non_null(strstr(help, "deprecated spelling of --out-dir\n"));
    assert_null(strstr(help, "breadth"));
    free(help);
    tu_rmtree_free(dir);
}

/* An option for a declared parameter (CLI_PARAM) is spelled from the key
 * ("sigma_w" -> --sigma-w), typed and documented by the declaration unless
 * the table gives its own help, and also takes lists (CLI_PARAM_LIST). */
static void test_cli_param_options(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    char cfgpath[4096];
    snprintf(cfgpath, sizeof cfgpath, "%s/run.cfg", dir);
    assert_int_equal(dnc_write_text_atomic(cfgpath, "sigma_b = 0.25\ninput-width = 7\n"), DNC_OK);
    dnc_mlp_config net = dnc_mlp_config_default();
    cli_dlist widths = {0};
    cli_opt opts[] = {
        CLI_PARAM(dnc_net_param_sigma_w, &net.sigma_w),
        CLI_PARAM(dnc_net_param_sigma_b, &net.sigma_b),
        CLI_PARAM(dnc_net_param_input_width, &net.input_width),
        CLI_PARAM_HELP(dnc_net_param_seed, &net.seed, "first seed"),
        CLI_PARAM(dnc_net_param_activation, &net.activation),
        CLI_PARAM_LIST(dnc_net_param_width, &widths, "widths"),
    };
    cli_command cli = {.command = "t", .summary = "s", .opts = opts, .nopts = 6};
    char *argv[] = {"t",    "--config",  cfgpath,      "--sigma-w", "1.5",  "--seed",
                    "9",    "--width",   "8,16",       "--activation", "relu"};
    assert_int_equal(cli_parse(&cli, 11, argv), CLI_OK);
    assert_float_equal(net.sigma_w, 1.5, 0);
    assert_float_equal(net.sigma_b, 0.25, 0);
    assert_int_equal(net.input_width, 7);
    assert_int_equal(net.seed, 9);
    assert_int_equal(net.activation, DNC_ACT_RELU);
    assert_int_equal(widths.n, 2);
    assert_float_equal(widths.v[1], 16, 0);
    assert_true(cli_seen(&cli, "sigma-w"));
    assert_false(cli_seen(&cli, "depth"));
    cli_free(&cli);

    char *help = help_text(&cli, dir);
    assert_non_null(strstr(help, "  --sigma-w X   "));
    assert_non_null(strstr(help, " weight scale: W_ij ~ N(0, sigma_w^2/fan_in) (default 1.5)\n"));
    assert_non_null(strstr(help, "  --input-width N   "));
    assert_non_null(strstr(help, " input dimension N0 (0: same as width) (default 7)\n"));
    assert_non_null(strstr(help, "  --seed N   "));
    assert_non_null(strstr(help, " first seed (default 9)\n"));
    assert_non_null(strstr(help, "  --width LIST   "));
    assert_non_null(strstr(help, " widths\n")); /* cli_free emptied the list */
    free(help);

    char *bad[] = {"t", "--seed", "-1"};
    assert_int_equal(cli_parse(&cli, 3, bad), CLI_ERROR);
    cli_free(&cli);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_parse_ok),
        cmocka_unit_test(test_fail_can_wrap_the_last_error),
        cmocka_unit_test(test_config_parse_errors_name_the_line),
        cmocka_unit_test(test_number_parsing),
        cmocka_unit_test(test_atomic_file_commit_and_abort),
        cmocka_unit_test(test_make_dirs_creates_parents),
        cmocka_unit_test(test_json_exact_number_round_trips),
        cmocka_unit_test(test_csv_number_names_non_finite_values),
        cmocka_unit_test(test_cli_options_config_and_override),
        cmocka_unit_test(test_cli_option_alias),
        cmocka_unit_test(test_cli_param_options),
        cmocka_unit_test(test_read_file_gzip_like_plain),
        cmocka_unit_test(test_read_file_bad_gzip),
        cmocka_unit_test(test_directory_is_named_as_such),
        cmocka_unit_test(test_config_gzip_and_binary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
