/* The meanfield, critical and phase-diagram subcommands end to end. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "dnncrit/advise.h"
#include "dnncrit/meanfield.h"
#include "testutil.h"

static cJSON *read_json(const char *dir, const char *name)
{
    char *text = tu_read(tu_path(dir, name));
    assert_non_null(text);
    cJSON *j = cJSON_Parse(text);
    free(text);
    assert_non_null(j);
    return j;
}

static double json_num(const cJSON *obj, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(obj, a);
    if (b)
        x = cJSON_GetObjectItemCaseSensitive(x, b);
    assert_true(cJSON_IsNumber(x));
    return x->valuedouble;
}

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

static void test_meanfield_critical_trajectory(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "meanfield --activation tanh --sigma-b 0.3 --critical "
                                     "--depth 50 --out mf"),
                     0);
    cJSON *j = read_json(dir, "mf.json");
    double sw = json_num(j, "config", "sigma_w");
    double want;
    assert_int_equal(dnc_mf_critical_sigma_w(DNC_ACT_TANH, 0.3, &want), DNC_OK);
    assert_true(fabs(sw - want) < 1e-12);
    assert_true(fabs(json_num(j, "results", "chi_1") - 1) < 1e-9);
    assert_true(json_num(j, "results", "kappa") > 0);
    assert_true(cJSON_IsString(cJSON_GetObjectItem(j, "version")));
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "outputs"), "csv")->valuestring, "mf.csv");
    cJSON_Delete(j);
    char *csv = tu_read(tu_path(dir, "mf.csv"));
    assert_non_null(csv);
    assert_int_equal(strncmp(csv, "layer,q,c,rho,rho_pred\n", 23), 0);
    assert_int_equal(count_lines(csv), 51);
    /* the CSV agrees with the library trajectory */
    double q[50], c[50];
    dnc_mf_params p = {DNC_ACT_TANH, want, 0.3};
    assert_int_equal(dnc_mf_trajectory(&p, 1.0, 0.5, 50, q, c), DNC_OK);
    const char *last = strstr(csv, "\n50,");
    assert_non_null(last);
    double lq, lc;
    assert_int_equal(sscanf(last + 4, "%lf,%lf", &lq, &lc), 2);
    assert_true(fabs(lq - q[49]) < 1e-14 * q[49] && fabs(lc - c[49]) < 1e-14);
    free(csv);
    tu_rmtree_free(dir);
}

static void test_meanfield_kinked_reports_no_kappa(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "meanfield --activation relu --sigma-w 1.2 --sigma-b 0.1 "
                                     "--out r"),
                     0);
    cJSON *j = read_json(dir, "r.json");
    const cJSON *res = cJSON_GetObjectItem(j, "results");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(res, "kappa")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(res, "kappa_exists")));
    assert_non_null(strstr(cJSON_GetObjectItem(res, "kappa_note")->valuestring, "non-analytic"));
    assert_true(fabs(json_num(j, "results", "chi_1") - 0.72) < 1e-14);
    cJSON_Delete(j);
    char *out = tu_read(tu_path(dir, "stdout"));
    assert_non_null(strstr(out, "does not exist"));
    free(out);
    tu_rmtree_free(dir);
}

static void test_critical_line(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "critical --activation tanh --sigma-b 0:0.5:3 --out cr"), 0);
    char *csv = tu_read(tu_path(dir, "cr.csv"));
    assert_non_null(csv);
    assert_int_equal(strncmp(csv, "sigma_b,sigma_w,q_star,kappa,chi_q,xi_q\n", 40), 0);
    assert_int_equal(count_lines(csv), 4);
    double sb, sw;
    assert_int_equal(sscanf(strchr(csv, '\n') + 1, "%lf,%lf", &sb, &sw), 2);
    assert_true(sb == 0 && fabs(sw - 1) < 1e-8); /* tanh, sigma_b = 0: sigma_w* = 1 */
    free(csv);
    cJSON *j = read_json(dir, "cr.json");
    const cJSON *line = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "results"), "critical_line");
    assert_int_equal(cJSON_GetArraySize(line), 3);
    cJSON_Delete(j);
    tu_rmtree_free(dir);
}

static void test_phase_diagram_small_grid(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "phase-diagram --activation erf --sigma-b 0,0.5 "
                                     "--sigma-w 0.5,1.2,2.5 --quiet --out pd"),
                     0);
    char *csv = tu_read(tu_path(dir, "pd.csv"));
    assert_non_null(csv);
    assert_int_equal(strncmp(csv, "sigma_b,sigma_w,q_star,chi_1,xi_c,rho_star,phase\n", 49), 0);
    assert_int_equal(count_lines(csv), 7);
    /* erf, sigma_b = 0, sigma_w = 0.5 < sqrt(pi)/2: ordered (-1); 2.5: chaotic (1) */
    const char *row = strchr(csv, '\n') + 1;
    assert_int_equal(row[strcspn(row, "\n") - 2], '-');
    free(csv);
    cJSON *j = read_json(dir, "pd.json");
    const cJSON *res = cJSON_GetObjectItem(j, "results");
    assert_int_equal((int)json_num(res, "ordered", NULL) + (int)json_num(res, "chaotic", NULL) +
                         (int)json_num(res, "critical", NULL),
                     6);
    const cJSON *line = cJSON_GetObjectItem(res, "critical_line");
    double sw0 = json_num(cJSON_GetArrayItem(line, 0), "sigma_w", NULL);
    assert_true(fabs(sw0 - sqrt(3.14159265358979323846) / 2) < 1e-8);
    cJSON_Delete(j);
    tu_rmtree_free(dir);
}

/* Bad input: a clear error, non-zero exit, no output file. */
static void test_bad_input(void **state)
{
    (void)state;
    const char *bad[] = {
        "meanfield --activation nosuch --out x",
        "meanfield --sigma-w 0 --out x",
        "meanfield --sigma-w -1 --out x",
        "meanfield --sigma-w nan --out x",
        "meanfield --sigma-b inf --out x",
        "meanfield --depth 5 --input-c 2 --out x",
        "meanfield --config missing.cfg --out x",
        "meanfield --config bad.cfg --out x",
        "critical --sigma-b -0.5 --out x",
        "critical --activation softplus --sigma-b 0.5 --out x",
        "phase-diagram --sigma-w 0,1 --out x",
        "phase-diagram --sigma-b 1:2 --out x",
        "meanfield --no-such-flag 1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *dir = tu_tmpdir();
        FILE *fp = fopen(tu_path(dir, "bad.cfg"), "w");
        assert_non_null(fp);
        fputs("sigma-w = 1.5\nthis line is not a pair\n", fp);
        fclose(fp);
        int rc = tu_run_cli(dir, "%s", bad[i]);
        if (rc == 0)
            fail_msg("'%s' succeeded", bad[i]);
        assert_false(tu_exists(tu_path(dir, "x.json")));
        assert_false(tu_exists(tu_path(dir, "x.csv")));
        assert_int_equal(tu_count_entries(dir), 3); /* bad.cfg, stdout, stderr */
        char *err = tu_read(tu_path(dir, "stderr"));
        assert_non_null(strstr(err, "error"));
        free(err);
        tu_rmtree_free(dir);
    }
}

static void test_config_file_and_override(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    FILE *fp = fopen(tu_path(dir, "run.cfg"), "w");
    assert_non_null(fp);
    fputs("activation = erf\nsigma_w = 3.0\nsigma-b = 0.2\n", fp);
    fclose(fp);
    assert_int_equal(tu_run_cli(dir, "meanfield --config run.cfg --sigma-w 0.9 --out m"), 0);
    cJSON *j = read_json(dir, "m.json");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "config"), "activation")
                            ->valuestring,
                        "erf");
    assert_true(json_num(j, "config", "sigma_w") == 0.9);
    cJSON_Delete(j);
    tu_rmtree_free(dir);
}

/* The window edges satisfy 6 xi_c = L: on the ordered side chi_1 = e^{-6/L}. */
static void test_trainable_window(void **state)
{
    (void)state;
    double lo, hi, sc;
    assert_int_equal(dnc_trainable_window(DNC_ACT_TANH, 0.3, 50, 6, &lo, &hi), DNC_OK);
    assert_int_equal(dnc_mf_critical_sigma_w(DNC_ACT_TANH, 0.3, &sc), DNC_OK);
    assert_true(lo < sc && sc < hi);
    dnc_mf_params p = {DNC_ACT_TANH, lo, 0.3};
    dnc_mf_point o;
    assert_int_equal(dnc_mf_analyse(&p, &o), DNC_OK);
    assert_true(fabs(o.chi_1 - exp(-6.0 / 50)) < 1e-5); /* bisection to 1e-7 in sigma_w */
    p.sigma_w = hi;
    assert_int_equal(dnc_mf_analyse(&p, &o), DNC_OK);
    assert_true(fabs(6 * o.xi_c - 50) < 0.01 * 50);
    /* deeper networks have a narrower window */
    double lo2, hi2;
    assert_int_equal(dnc_trainable_window(DNC_ACT_TANH, 0.3, 200, 6, &lo2, &hi2), DNC_OK);
    assert_true(lo < lo2 && hi2 < hi);
}

static void test_advise_cli(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    assert_int_equal(tu_run_cli(dir, "advise --activation tanh --depth 10 --width 64 --seeds 2 "
                                     "--out adv"),
                     0);
    cJSON *j = read_json(dir, "adv.json");
    const cJSON *res = cJSON_GetObjectItem(j, "results");
    double sc;
    assert_int_equal(dnc_mf_critical_sigma_w(DNC_ACT_TANH, 0.3, &sc), DNC_OK);
    assert_true(fabs(json_num(res, "critical_init", "sigma_w") - sc) < 1e-12);
    double lo = json_num(res, "trainable_depth", "sigma_w_lo");
    assert_true(lo < sc);
    assert_true(json_num(res, "width", "width_needed") > 0);
    const cJSON *su = cJSON_GetObjectItem(res, "susceptibility_init");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(su, "available")));
    double peak = json_num(su, "sigma_w", "value");
    assert_true(peak >= 0.7 * sc - 1e-12 && peak <= 1.5 * sc + 1e-12); /* inside the scan */
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(su, "scan")), 9);
    cJSON_Delete(j);
    char *out = tu_read(tu_path(dir, "stdout"));
    assert_non_null(strstr(out, "evidence"));
    free(out);
    tu_rmtree_free(dir);
    dir = tu_tmpdir();
    assert_int_not_equal(tu_run_cli(dir, "advise --depth 0 --out adv"), 0);
    assert_int_not_equal(tu_run_cli(dir, "advise --activation softplus --sigma-b 0.5 --out adv"),
                         0);
    assert_false(tu_exists(tu_path(dir, "adv.json")));
    assert_int_equal(tu_count_entries(dir), 2);
    tu_rmtree_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meanfield_critical_trajectory),
        cmocka_unit_test(test_meanfield_kinked_reports_no_kappa),
        cmocka_unit_test(test_critical_line),
        cmocka_unit_test(test_phase_diagram_small_grid),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_config_file_and_override),
        cmocka_unit_test(test_trainable_window),
        cmocka_unit_test(test_advise_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
