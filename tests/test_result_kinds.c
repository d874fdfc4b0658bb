/* Result kinds (dnncrit/result.h): every kind's columns are pinned to a
 * literal list here, and small real runs of every subcommand check that
 * each CSV a run record names has its kind's header, that the record's
 * "command" maps to the registry's record and that its "results" keys are
 * there. A renamed column fails this test, not a figure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "dnncrit/result.h"
#include "dnncrit/train_report.h"
#include "dnncrit/train_sweep.h"
#include "testutil.h"

static char *dir;

/* The fixed columns of every kind, spelled out once more on purpose. */
static const struct {
    dnc_result_kind kind;
    const char *columns;
} pinned[] = {
    {DNC_RESULT_PROPAGATION, "layer,q,q_err,c,c_err,rho,rho_err,lyap,lyap_err,q_mf,c_mf,rho_mf"},
    {DNC_RESULT_MEANFIELD, "layer,q,c,rho,rho_pred"},
    {DNC_RESULT_CRITICAL_LINE, "sigma_b,sigma_w,q_star,kappa,chi_q,xi_q"},
    {DNC_RESULT_PHASE_DIAGRAM, "sigma_b,sigma_w,q_star,chi_1,xi_c,rho_star,phase"},
    {DNC_RESULT_ADVICE, "sigma_w,chi_1,xi_c,trainable"},
    {DNC_RESULT_AVALANCHE_LAYERS, "layer,rho,chi"},
    {DNC_RESULT_AVALANCHE_LIST, "index,start,size,duration"},
    {DNC_RESULT_CCDF, "x,ccdf_data,ccdf_fit"},
    {DNC_RESULT_DENSITY, "x,density_data,density_fit"},
    {DNC_RESULT_SIZE_DURATION, "T,count,mean_S,sem_S,fit,in_fit"},
    {DNC_RESULT_AVALANCHE_SHAPE, "t_over_T,shape"},
    {DNC_RESULT_BRANCHING, "k,r_k,fit"},
    {DNC_RESULT_CLASSIFY, "class,chi2,n,distance,p_value,param,within_2sigma"},
    {DNC_RESULT_CNN, "layer,q,rho,rho_err,active_fraction,active_fraction_err,survival,"
                     "survival_err,q_err,c,c_err"},
    {DNC_RESULT_CNN_SEEDS, "seed,layer,q,rho,c,active_fraction,surv,nact"},
    {DNC_RESULT_DEMO_LAYERS, "factor,sigma_w,seed,layer,q,c,rho,lyap,q_mf,c_mf,rho_mf"},
    {DNC_RESULT_DEMO_SUMMARY, "factor,sigma_w,chi_1,phase,lyapunov,lyapunov_err,half_ln_chi_1"},
    {DNC_RESULT_DP, "t,rho,err,surv,surv_err,nact,nact_err"},
    {DNC_RESULT_DP_SEEDS, "seed,t,rho,surv,nact"},
    {DNC_RESULT_EXPONENTS, "param,t,y,err,delta_eff,delta_eff_err,kappa_t,kappa_t_y"},
    {DNC_RESULT_FSS, "size,t,y,err,x_scaled,y_scaled,err_scaled"},
    {DNC_RESULT_SUSCEPTIBILITY, "width,sigma_w,chi,chi_err,size_susceptibility,survival,"
                                "mean_size,mean_duration,max_size,completed,size_cutoff,field,rho,"
                                "response,response_err"},
    {DNC_RESULT_TRAIN_HISTORY, "epoch,train_loss,train_acc,test_loss,test_acc,rho_first,"
                               "rho_last,rho_mean,q_last,lyapunov,chi1_lyap,chi1_weights,"
                               "susceptibility"},
    {DNC_RESULT_TRAIN_SWEEP_POINTS,
     "index,sigma_w,sigma_b,depth,width,seed,final_test_acc,best_test_acc,final_train_acc,"
     "final_test_loss,diverged,chi1_mf,xi_c,kappa,sigma_w_crit,dist_crit,depth_over_xi,kappa_L,"
     "chi1_weights_init,susceptibility_init,lyapunov_init,chi1_weights_final,"
     "susceptibility_final"},
    {DNC_RESULT_TRAIN_SWEEP_LANDSCAPE,
     "sigma_w,sigma_b,depth,width,test_acc_mean,test_acc_err,diverged_frac,chi1_mf,xi_c,"
     "sigma_w_crit,dist_crit,depth_over_xi,kappa_L,chi1_weights_init,susceptibility_init,"
     "abs_chi1_minus_1,sigma_w_susc_peak,abs_dist_susc_peak,abs_lyapunov_init"},
    {DNC_RESULT_SWEEP, "index"},
    {DNC_RESULT_CLAIMS, "claim,paper,measured,error,verdict,command"},
    {DNC_RESULT_LANGEVIN_BINS, "x,n,mean,mean_err,var,var_err,drift_fit,diffusion_fit"},
};
enum { NPINNED = sizeof pinned / sizeof pinned[0] };

/* The command -> kind table of the run records, spelled out. */
static const struct {
    const char *command;
    dnc_result_kind kind;
} pinned_records[] = {
    {"propagate", DNC_RESULT_PROPAGATION},
    {"meanfield", DNC_RESULT_MEANFIELD},
    {"critical", DNC_RESULT_CRITICAL_LINE},
    {"phase-diagram", DNC_RESULT_PHASE_DIAGRAM},
    {"advise", DNC_RESULT_ADVICE},
    {"avalanches", DNC_RESULT_AVALANCHE_LAYERS},
    {"raster", DNC_RESULT_AVALANCHE_LIST},
    {"powerlaw", DNC_RESULT_CCDF},
    {"susceptibility", DNC_RESULT_SUSCEPTIBILITY},
    {"demo", DNC_RESULT_DEMO_LAYERS},
    {"cnn", DNC_RESULT_CNN},
    {"dp", DNC_RESULT_DP},
    {"exponents", DNC_RESULT_EXPONENTS},
    {"fss", DNC_RESULT_FSS},
    {"classify", DNC_RESULT_CLASSIFY},
    {"train", DNC_RESULT_TRAIN_HISTORY},
    {"train-sweep", DNC_RESULT_TRAIN_SWEEP_POINTS},
    {"sweep", DNC_RESULT_SWEEP},
    {"reproduce", DNC_RESULT_CLAIMS},
    {"langevin", DNC_RESULT_LANGEVIN_BINS},
};
enum { NPINNED_RECORDS = sizeof pinned_records / sizeof pinned_records[0] };

/* The registry's columns [first, end) of a kind as its writers print them. */
static char *registry_columns(dnc_result_kind kind, size_t first, size_t end, uint64_t skip)
{
    char *text = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&text, &n);
    assert_non_null(fp);
    dnc_result_write_columns(fp, kind, first, end, skip);
    assert_int_equal(fclose(fp), 0);
    return text;
}

static const char *pinned_columns(dnc_result_kind kind)
{
    for (size_t i = 0; i < NPINNED; i++)
        if (pinned[i].kind == kind)
            return pinned[i].columns;
    return NULL;
}

static void test_registry_matches_the_pinned_columns(void **state)
{
    (void)state;
    assert_int_equal(NPINNED, DNC_RESULT_NKINDS);
    for (int k = 0; k < DNC_RESULT_NKINDS; k++) {
        const char *want = pinned_columns((dnc_result_kind)k);
        assert_non_null(want); /* every kind is pinned */
        char *got = registry_columns((dnc_result_kind)k, 0, SIZE_MAX, 0);
        if (strcmp(got, want) != 0)
            fprintf(stderr, "kind %s: registry '%s', pinned '%s'\n",
                    dnc_result_kind_get((dnc_result_kind)k)->name, got, want);
        assert_string_equal(got, want);
        free(got);
    }
    assert_null(dnc_result_kind_get(DNC_RESULT_NKINDS));
    assert_null(dnc_result_column_name(DNC_RESULT_DP, 99));
    assert_string_equal(dnc_result_column_name(DNC_RESULT_DP, DNC_DP_SURV), "surv");
}

/* Skipped columns and column ranges, as the propagation and demo writers use them. */
static void test_registry_writes_column_ranges(void **state)
{
    (void)state;
    unsigned errs = 1u << DNC_PROP_Q_ERR | 1u << DNC_PROP_C_ERR | 1u << DNC_PROP_RHO_ERR |
                    1u << DNC_PROP_LYAP_ERR;
    char *s = registry_columns(DNC_RESULT_PROPAGATION, 0, SIZE_MAX,
                               errs | 1u << DNC_PROP_LYAP | 1u << DNC_PROP_Q_MF |
                                   1u << DNC_PROP_C_MF | 1u << DNC_PROP_RHO_MF);
    assert_string_equal(s, "layer,q,c,rho");
    free(s);
    s = registry_columns(DNC_RESULT_PROPAGATION, 0, SIZE_MAX,
                         1u << DNC_PROP_LYAP | 1u << DNC_PROP_LYAP_ERR | 1u << DNC_PROP_Q_MF |
                             1u << DNC_PROP_C_MF | 1u << DNC_PROP_RHO_MF);
    assert_string_equal(s, "layer,q,q_err,c,c_err,rho,rho_err");
    free(s);
    s = registry_columns(DNC_RESULT_DEMO_SUMMARY, DNC_DEMOS_LYAPUNOV, SIZE_MAX, 0);
    assert_string_equal(s, ",lyapunov,lyapunov_err,half_ln_chi_1");
    free(s);
}

/* The headers the library spells elsewhere agree with the registry. */
static void test_library_headers_agree(void **state)
{
    (void)state;
    char *s = registry_columns(DNC_RESULT_TRAIN_HISTORY, 0, SIZE_MAX, 0);
    assert_string_equal(s, DNC_TRAIN_CSV_HEADER);
    free(s);
    for (size_t c = 0; c < DNC_TRAIN_POINT_NCOLUMNS; c++)
        assert_string_equal(
            dnc_result_column_name(DNC_RESULT_TRAIN_SWEEP_POINTS, DNC_TSP_SEED + 1 + c),
            dnc_train_point_columns[c]);
}

/* Aliases: a table that spells a column another way is still read. */
static void test_lookup_by_kind_and_id(void **state)
{
    (void)state;
    char *path = strdup(tu_path(dir, "alias.csv"));
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("time,density,survival\n1,0.5,1\n", fp);
    fclose(fp);
    dnc_table t;
    assert_int_equal(dnc_table_read(path, NULL, &t), DNC_OK);
    assert_int_equal(dnc_result_col(&t, DNC_RESULT_DP, DNC_DP_T), 0);
    assert_int_equal(dnc_result_col(&t, DNC_RESULT_DP, DNC_DP_RHO), 1);
    assert_int_equal(dnc_result_col(&t, DNC_RESULT_DP, DNC_DP_SURV), 2);
    assert_int_equal(dnc_result_col(&t, DNC_RESULT_DP, DNC_DP_NACT), -1);
    assert_int_equal(dnc_result_col(&t, DNC_RESULT_DP, 99), -1);
    dnc_table_free(&t);
    free(path);
}

static void test_record_table_is_pinned(void **state)
{
    (void)state;
    size_t n = 0;
    for (const dnc_result_record *r = dnc_result_records(); r->command; r++, n++) {
        assert_true(n < NPINNED_RECORDS);
        assert_string_equal(r->command, pinned_records[n].command);
        assert_int_equal(r->kind, pinned_records[n].kind);
        assert_ptr_equal(dnc_result_record_for_command(r->command), r);
        assert_non_null(r->outputs[0].key);
        for (const dnc_result_output *o = r->outputs; o->key; o++)
            assert_non_null(dnc_result_kind_get(o->kind));
    }
    assert_int_equal(n, NPINNED_RECORDS);
    assert_null(dnc_result_record_for_command("no-such-command"));
    assert_null(dnc_result_record_for_command(NULL));
}

/* ---------------------------------------------------- real runs */

static void run(const char *args)
{
    int rc = tu_run_cli(dir, "%s", args);
    if (rc != 0) {
        char *err = tu_read(tu_path(dir, "stderr"));
        fprintf(stderr, "dnncrit %s: exit %d: %s\n", args, rc, err ? err : "");
        free(err);
    }
    assert_int_equal(rc, 0);
}

static char *first_line(const char *path)
{
    char *text = tu_read(path);
    if (!text)
        fprintf(stderr, "%s: missing\n", path);
    assert_non_null(text);
    char *nl = strchr(text, '\n');
    assert_non_null(nl);
    *nl = '\0';
    return text;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The header of a CSV of kind `kind`: exactly the registry's columns, or
 * for a kind with an open part, the registry's columns around it. */
static void check_header(const char *csv_path, dnc_result_kind kind)
{
    char *got = first_line(csv_path);
    char *all = registry_columns(kind, 0, SIZE_MAX, 0);
    if (!dnc_result_kind_get(kind)->open) {
        if (strcmp(got, all) != 0)
            fprintf(stderr, "%s: header '%s', registry '%s'\n", csv_path, got, all);
        assert_string_equal(got, all);
    } else if (kind == DNC_RESULT_DEMO_SUMMARY) {
        char *head = registry_columns(kind, 0, DNC_DEMOS_PHASE + 1, 0);
        char *tail = registry_columns(kind, DNC_DEMOS_LYAPUNOV, SIZE_MAX, 0);
        assert_true(starts_with(got, head) && got[strlen(head)] == ',');
        assert_true(ends_with(got, tail));
        free(head);
        free(tail);
    } else {
        assert_true(starts_with(got, all) && got[strlen(all)] == ',');
    }
    free(all);
    free(got);
}

/* A run record: its command is in the registry, its "results" keys are
 * there, and every CSV in its "outputs" is a registered output whose
 * header is its kind's. Returns the number of CSVs checked. */
static size_t check_record(const char *json_name)
{
    char *text = tu_read(tu_path(dir, json_name));
    assert_non_null(text);
    cJSON *rec = cJSON_Parse(text);
    free(text);
    assert_non_null(rec);
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(rec, "command");
    assert_true(cJSON_IsString(cmd));
    const dnc_result_record *r = dnc_result_record_for_command(cmd->valuestring);
    assert_non_null(r);
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(rec, "results");
    for (const char *const *k = r->results; *k; k++) {
        if (!cJSON_HasObjectItem(results, *k))
            fprintf(stderr, "%s: no results.%s\n", json_name, *k);
        assert_true(cJSON_HasObjectItem(results, *k));
    }
    char folder[512];
    snprintf(folder, sizeof folder, "%s", json_name);
    char *slash = strrchr(folder, '/');
    if (slash)
        slash[1] = '\0';
    else
        folder[0] = '\0';
    size_t checked = 0;
    const cJSON *outs = cJSON_GetObjectItemCaseSensitive(rec, "outputs");
    for (const cJSON *o = outs ? outs->child : NULL; o; o = o->next) {
        if (!cJSON_IsString(o) || !ends_with(o->valuestring, ".csv"))
            continue;
        const dnc_result_output *known = NULL;
        for (const dnc_result_output *ro = r->outputs; ro->key && !known; ro++)
            if (strcmp(ro->key, o->string) == 0)
                known = ro;
        if (!known)
            fprintf(stderr, "%s: outputs.%s has no result kind\n", json_name, o->string);
        assert_non_null(known);
        char path[1024];
        snprintf(path, sizeof path, "%s%s", folder, o->valuestring);
        check_header(tu_path(dir, path), known->kind);
        checked++;
    }
    cJSON_Delete(rec);
    return checked;
}

static void test_propagation_and_meanfield_headers(void **state)
{
    (void)state;
    /* every column: several networks with the Lyapunov exponent */
    run("propagate --width 16 --depth 8 --sigma-w 1.3 --lyapunov --networks 3 --threads 1 "
        "--out prop --quiet");
    assert_int_equal(check_record("prop.json"), 1);
    /* one network: no error columns; without the Lyapunov column */
    run("propagate --width 16 --depth 8 --sigma-w 1.3 --lyapunov --threads 1 --out prop1 --quiet");
    char *h = first_line(tu_path(dir, "prop1.csv"));
    assert_string_equal(h, "layer,q,c,rho,lyap,q_mf,c_mf,rho_mf");
    free(h);
    run("propagate --width 16 --depth 8 --threads 1 --out prop2 --quiet");
    h = first_line(tu_path(dir, "prop2.csv"));
    assert_string_equal(h, "layer,q,c,rho,q_mf,c_mf,rho_mf");
    free(h);
    run("meanfield --activation tanh --sigma-b 0.3 --critical --depth 20 --out mf");
    assert_int_equal(check_record("mf.json"), 1);
    run("critical --activation tanh --sigma-b 0:1:3 --out crit");
    assert_int_equal(check_record("crit.json"), 1);
    run("phase-diagram --sigma-b 0:1:3 --sigma-w 0.5:2.5:4 --out pd --quiet");
    assert_int_equal(check_record("pd.json"), 1);
    run("demo --out-dir demo --width 16 --depth 10 --seeds 1 --threads 1 --quiet");
    assert_int_equal(check_record("demo/demo.json"), 2);
    run("cnn --dims 1 --channels 2 --kernel 3 --size-x 16 --depth 6 --seeds 2 --threads 1 "
        "--out cnn --quiet");
    assert_int_equal(check_record("cnn.json"), 2);
    run("advise --depth 10 --width 16 --seeds 2 --susc-inputs 4 --out adv --quiet");
    assert_int_equal(check_record("adv.json"), 1);
}

static void test_scaling_headers(void **state)
{
    (void)state;
    run("dp --model bond1d --L 16 --tmax 100 --samples 4 --threads 1 --out dp --quiet");
    assert_int_equal(check_record("dp.json"), 2);
    run("exponents dp.seeds.csv --tmin 5 --nboot 10 --out ex --quiet");
    assert_int_equal(check_record("ex.json"), 1);
    run("dp --model bond1d --L 8 --tmax 300 --samples 8 --threads 1 --out L8 --quiet");
    run("dp --model bond1d --L 16 --tmax 300 --samples 8 --threads 1 --out L16 --quiet");
    run("fss L8.seeds.csv L16.seeds.csv --sizes 8,16 --nboot 5 --out fss --quiet");
    assert_int_equal(check_record("fss.json"), 1);
    run("classify --delta 0.161,0.003 --z 1.56,0.03 --out cls");
    assert_int_equal(check_record("cls.json"), 1);
}

static void test_avalanche_headers(void **state)
{
    (void)state;
    run("avalanches --width 16 --depth 10 --sigma-w 1.2 --networks 1 --inputs 20 --threads 1 "
        "--out av --quiet");
    assert_true(check_record("av.json") >= 5);
    /* a simulated raster has every avalanche CSV, shapes included */
    run("raster --simulate --avalanches 2000 --units 50 --threads 1 --out rs --quiet");
    assert_true(check_record("rs.json") >= 8);
    assert_true(tu_exists(tu_path(dir, "rs_shape.csv")));
    run("powerlaw rs_avalanches.csv --column size --discrete --out fit --quiet");
    assert_int_equal(check_record("fit.json"), 2);
    run("susceptibility --sigma-w 0.9,1.2 --widths 8 --depth 6 --networks 1 --inputs 10 "
        "--threads 1 --out sus --quiet");
    assert_int_equal(check_record("sus.json"), 1);
    run("langevin --width 32 --depth 20 --fit-networks 4 --starts 3 --bins 8 --min-count 5 "
        "--networks 2 --inputs 100 --threads 1 --out lg --quiet");
    assert_true(check_record("lg.json") >= 9); /* bins + two sets of avalanche CSVs */
}

static void test_training_and_sweep_headers(void **state)
{
    (void)state;
    run("train --train-size 60 --test-size 30 --width 8 --depth 2 --epochs 1 --obs-inputs 4 "
        "--threads 1 --out train --quiet");
    assert_int_equal(check_record("train.json"), 1);
    run("train-sweep --sigma-w 0.8,1.6 --depth 2 --width 8 --seeds 1 --epochs 1 --obs-inputs 4 "
        "--train-size 60 --test-size 30 --bootstrap 10 --threads 1 --out-dir ts --quiet");
    assert_int_equal(check_record("ts/sweep.json"), 2);
    char *cfg = strdup(tu_path(dir, "sweep.cfg"));
    FILE *fp = fopen(cfg, "w");
    assert_non_null(fp);
    fputs("type = propagate\nsigma_w = 0.8,1.6\nwidth = 8\ndepth = 4\nbatch = 2\n", fp);
    fclose(fp);
    free(cfg);
    run("sweep sweep.cfg --out-dir sw --threads 1 --quiet");
    assert_int_equal(check_record("sw/sweep.json"), 1);
}

static int setup(void **state)
{
    (void)state;
    dir = tu_tmpdir();
    return dir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tu_rmtree(dir);
    free(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_matches_the_pinned_columns),
        cmocka_unit_test(test_registry_writes_column_ranges),
        cmocka_unit_test(test_library_headers_agree),
        cmocka_unit_test(test_lookup_by_kind_and_id),
        cmocka_unit_test(test_record_table_is_pinned),
        cmocka_unit_test(test_propagation_and_meanfield_headers),
        cmocka_unit_test(test_scaling_headers),
        cmocka_unit_test(test_avalanche_headers),
        cmocka_unit_test(test_training_and_sweep_headers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
