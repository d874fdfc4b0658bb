/* The result-kind registry (dnncrit/result.h): every CSV layout dnncrit
 * writes, its columns in order, and the run records that name them. A
 * column name is spelled here and nowhere else. */
#include <string.h>

#include "dnncrit/result.h"

#define ALSO(...) ((const char *const[]){__VA_ARGS__, NULL})
#define COLS(...) ((const dnc_result_column[]){__VA_ARGS__})
#define NCOLS(...) (sizeof(COLS(__VA_ARGS__)) / sizeof(dnc_result_column))
#define KIND(kname, open_part, ...)                                                           \
    {.name = (kname), .columns = COLS(__VA_ARGS__), .ncolumns = NCOLS(__VA_ARGS__),          \
     .open = (open_part)}

/* Common columns with the spellings the recipes also accept. */
#define LAYER_COL {"layer", ALSO("l", "depth", "t", "time")}
#define RHO_COL {"rho", ALSO("rho_mean", "rho_sim", "rho_finite")}
#define SIGMA_W_COL {"sigma_w", ALSO("sigma-w", "sw")}
#define SIGMA_B_COL {"sigma_b", ALSO("sigma-b", "sb")}

static const dnc_result_kind_info kinds[DNC_RESULT_NKINDS] = {
    [DNC_RESULT_PROPAGATION] = KIND("propagation", NULL, LAYER_COL, {"q", ALSO("q_mean")},
                                    {"q_err", NULL}, {"c", NULL}, {"c_err", NULL}, RHO_COL,
                                    {"rho_err", ALSO("rho_se")},
                                    {"lyap", ALSO("lyapunov", "lambda")}, {"lyap_err", NULL},
                                    {"q_mf", ALSO("q_meanfield")}, {"c_mf", NULL},
                                    {"rho_mf", ALSO("rho_meanfield", "rho_theory")}),
    [DNC_RESULT_MEANFIELD] = KIND("meanfield trajectory", NULL, LAYER_COL, {"q", NULL},
                                  {"c", NULL}, RHO_COL, {"rho_pred", NULL}),
    [DNC_RESULT_CRITICAL_LINE] = KIND("critical line", NULL, SIGMA_B_COL, SIGMA_W_COL,
                                      {"q_star", NULL}, {"kappa", NULL}, {"chi_q", NULL},
                                      {"xi_q", NULL}),
    [DNC_RESULT_PHASE_DIAGRAM] = KIND("phase diagram", NULL, SIGMA_B_COL, SIGMA_W_COL,
                                      {"q_star", NULL}, {"chi_1", ALSO("chi1", "chi")},
                                      {"xi_c", ALSO("xi")}, {"rho_star", NULL}, {"phase", NULL}),
    [DNC_RESULT_ADVICE] = KIND("advice scan", NULL, {"sigma_w", NULL}, {"chi_1", NULL},
                               {"xi_c", NULL}, {"trainable", NULL}),
    [DNC_RESULT_AVALANCHE_LAYERS] = KIND("avalanche layers", NULL, {"layer", NULL},
                                         {"rho", NULL}, {"chi", NULL}),
    [DNC_RESULT_AVALANCHE_LIST] = KIND("avalanche list", NULL, {"index", NULL},
                                       {"start", NULL}, {"size", NULL}, {"duration", NULL}),
    [DNC_RESULT_CCDF] = KIND("ccdf", NULL, {"x", NULL}, {"ccdf_data", NULL},
                             {"ccdf_fit", NULL}),
    [DNC_RESULT_DENSITY] = KIND("density", NULL, {"x", NULL},
                                {"density_data", ALSO("ccdf_data", "pdf_data")},
                                {"density_fit", ALSO("ccdf_fit", "pdf_fit")}),
    [DNC_RESULT_SIZE_DURATION] = KIND("size per duration", NULL, {"T", NULL}, {"count", NULL},
                                      {"mean_S", NULL}, {"sem_S", NULL}, {"fit", NULL},
                                      {"in_fit", NULL}),
    [DNC_RESULT_AVALANCHE_SHAPE] = KIND("avalanche shape", "T<T>: one column per duration T",
                                        {"t_over_T", NULL}, {"shape", NULL}),
    [DNC_RESULT_BRANCHING] = KIND("branching ratio", NULL, {"k", NULL}, {"r_k", NULL},
                                  {"fit", NULL}),
    [DNC_RESULT_CLASSIFY] = KIND("universality classes", NULL, {"class", NULL},
                                 {"chi2", NULL}, {"n", NULL}, {"distance", NULL},
                                 {"p_value", NULL}, {"param", NULL}, {"within_2sigma", NULL}),
    [DNC_RESULT_CNN] = KIND("cnn layers", NULL, LAYER_COL, {"q", NULL}, RHO_COL,
                            {"rho_err", NULL}, {"active_fraction", NULL},
                            {"active_fraction_err", NULL}, {"survival", NULL},
                            {"survival_err", NULL}, {"q_err", NULL}, {"c", NULL},
                            {"c_err", NULL}),
    [DNC_RESULT_CNN_SEEDS] = KIND("cnn seeds", NULL, {"seed", NULL}, {"layer", NULL},
                                  {"q", NULL}, {"rho", NULL}, {"c", NULL},
                                  {"active_fraction", NULL}, {"surv", NULL}, {"nact", NULL}),
    [DNC_RESULT_DEMO_LAYERS] = KIND("demo layers", NULL, {"factor", NULL}, {"sigma_w", NULL},
                                    {"seed", NULL}, {"layer", NULL}, {"q", NULL}, {"c", NULL},
                                    {"rho", NULL}, {"lyap", NULL}, {"q_mf", NULL},
                                    {"c_mf", NULL}, {"rho_mf", NULL}),
    [DNC_RESULT_DEMO_SUMMARY] = KIND("demo summary",
                                     "rho_<l>,rho_<l>_err,rho_mf_<l> per probe layer l, "
                                     "after phase",
                                     {"factor", NULL}, {"sigma_w", NULL}, {"chi_1", NULL},
                                     {"phase", NULL}, {"lyapunov", NULL},
                                     {"lyapunov_err", NULL}, {"half_ln_chi_1", NULL}),
    [DNC_RESULT_DP] = KIND("dp", NULL, {"t", ALSO("time", "layer")},
                           {"rho", ALSO("density")}, {"err", NULL},
                           {"surv", ALSO("survival", "P_surv")}, {"surv_err", NULL},
                           {"nact", NULL}, {"nact_err", NULL}),
    [DNC_RESULT_DP_SEEDS] = KIND("dp seeds", NULL, {"seed", NULL}, {"t", NULL}, {"rho", NULL},
                                 {"surv", NULL}, {"nact", NULL}),
    [DNC_RESULT_EXPONENTS] = KIND("exponents", NULL, {"param", NULL}, {"t", ALSO("layer")},
                                  {"y", ALSO("rho")}, {"err", NULL}, {"delta_eff", NULL},
                                  {"delta_eff_err", NULL}, {"kappa_t", NULL},
                                  {"kappa_t_y", NULL}),
    [DNC_RESULT_FSS] = KIND("fss", NULL, {"size", ALSO("N", "width", "L")},
                            {"t", ALSO("layer")}, {"y", ALSO("rho")}, {"err", NULL},
                            {"x_scaled", NULL}, {"y_scaled", NULL}, {"err_scaled", NULL}),
    [DNC_RESULT_SUSCEPTIBILITY] = KIND("susceptibility", NULL, {"width", ALSO("N")},
                                       SIGMA_W_COL, {"chi", NULL}, {"chi_err", NULL},
                                       {"size_susceptibility", NULL}, {"survival", NULL},
                                       {"mean_size", NULL}, {"mean_duration", NULL},
                                       {"max_size", NULL}, {"completed", NULL},
                                       {"size_cutoff", ALSO("S_c")}, {"field", ALSO("h")},
                                       {"rho", NULL}, {"response", NULL},
                                       {"response_err", NULL}),
    [DNC_RESULT_TRAIN_HISTORY] = KIND("train history", NULL, {"epoch", NULL},
                                      {"train_loss", NULL}, {"train_acc", NULL},
                                      {"test_loss", NULL}, {"test_acc", NULL},
                                      {"rho_first", NULL}, {"rho_last", NULL},
                                      {"rho_mean", NULL}, {"q_last", NULL},
                                      {"lyapunov", NULL}, {"chi1_lyap", NULL},
                                      {"chi1_weights", NULL}, {"susceptibility", NULL}),
    [DNC_RESULT_TRAIN_SWEEP_POINTS] = KIND(
        "train-sweep points", NULL, {"index", NULL}, SIGMA_W_COL, SIGMA_B_COL, {"depth", NULL},
        {"width", NULL}, {"seed", NULL}, {"final_test_acc", ALSO("test_acc_mean", "test_acc")},
        {"best_test_acc", NULL}, {"final_train_acc", NULL}, {"final_test_loss", NULL},
        {"diverged", NULL}, {"chi1_mf", NULL}, {"xi_c", NULL}, {"kappa", NULL},
        {"sigma_w_crit", NULL}, {"dist_crit", NULL}, {"depth_over_xi", NULL}, {"kappa_L", NULL},
        {"chi1_weights_init", NULL}, {"susceptibility_init", NULL}, {"lyapunov_init", NULL},
        {"chi1_weights_final", NULL}, {"susceptibility_final", NULL}),
    [DNC_RESULT_TRAIN_SWEEP_LANDSCAPE] = KIND(
        "train-sweep landscape", NULL, {"sigma_w", NULL}, {"sigma_b", NULL}, {"depth", NULL},
        {"width", NULL}, {"test_acc_mean", NULL}, {"test_acc_err", NULL},
        {"diverged_frac", NULL}, {"chi1_mf", NULL}, {"xi_c", NULL}, {"sigma_w_crit", NULL},
        {"dist_crit", NULL}, {"depth_over_xi", NULL}, {"kappa_L", NULL},
        {"chi1_weights_init", NULL}, {"susceptibility_init", NULL}, {"abs_chi1_minus_1", NULL},
        {"sigma_w_susc_peak", NULL}, {"abs_dist_susc_peak", NULL}, {"abs_lyapunov_init", NULL}),
    [DNC_RESULT_SWEEP] = KIND("sweep table",
                              "the swept parameters and the observables of the sweep type "
                              "(dnc_sweep_csv_header)",
                              {"index", NULL}),
    [DNC_RESULT_CLAIMS] = KIND("reproduce claims", NULL, {"claim", NULL}, {"paper", NULL},
                               {"measured", NULL}, {"error", NULL}, {"verdict", NULL},
                               {"command", NULL}),
    [DNC_RESULT_LANGEVIN_BINS] = KIND("langevin bins", NULL, {"x", ALSO("rho")}, {"n", NULL},
                                      {"mean", NULL}, {"mean_err", NULL}, {"var", NULL},
                                      {"var_err", NULL}, {"drift_fit", NULL},
                                      {"diffusion_fit", NULL}),
};

const dnc_result_kind_info *dnc_result_kind_get(dnc_result_kind kind)
{
    return (unsigned)kind < DNC_RESULT_NKINDS ? &kinds[kind] : NULL;
}

const char *dnc_result_column_name(dnc_result_kind kind, size_t id)
{
    const dnc_result_kind_info *k = dnc_result_kind_get(kind);
    return k && id < k->ncolumns ? k->columns[id].name : NULL;
}

void dnc_result_write_columns(FILE *fp, dnc_result_kind kind, size_t first, size_t end,
                              uint64_t skip)
{
    const dnc_result_kind_info *k = dnc_result_kind_get(kind);
    for (size_t id = first; k && id < end && id < k->ncolumns; id++)
        if (!(id < 64 && (skip >> id & 1)))
            fprintf(fp, "%s%s", id ? "," : "", k->columns[id].name);
}

void dnc_result_write_header(FILE *fp, dnc_result_kind kind)
{
    dnc_result_write_columns(fp, kind, 0, SIZE_MAX, 0);
    fputc('\n', fp);
}

long dnc_result_col(const dnc_table *t, dnc_result_kind kind, size_t id)
{
    const dnc_result_kind_info *k = dnc_result_kind_get(kind);
    if (!k || id >= k->ncolumns)
        return -1;
    long c = dnc_table_col(t, k->columns[id].name);
    for (const char *const *a = k->columns[id].aliases; c < 0 && a && *a; a++)
        c = dnc_table_col(t, *a);
    return c;
}

/* ------------------------------------------------------ run records */

#define KEYS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define OUTS(...) ((const dnc_result_output[]){__VA_ARGS__, {NULL, DNC_RESULT_NKINDS}})
#define AVALANCHE_OUTPUTS                                                                    \
    {"avalanches_csv", DNC_RESULT_AVALANCHE_LIST}, {"sizes_csv", DNC_RESULT_CCDF},           \
        {"sizes_pdf_csv", DNC_RESULT_DENSITY}, {"durations_csv", DNC_RESULT_CCDF},           \
        {"durations_pdf_csv", DNC_RESULT_DENSITY},                                           \
        {"sizedur_csv", DNC_RESULT_SIZE_DURATION}, {"shape_csv", DNC_RESULT_AVALANCHE_SHAPE}

/* The avalanche outputs of one side of `langevin`: PREFIX_<side>_sizes.csv, ... */
#define LANGEVIN_SIDE(side)                                                                  \
    {side "_avalanches_csv", DNC_RESULT_AVALANCHE_LIST}, {side "_sizes_csv", DNC_RESULT_CCDF}, \
        {side "_sizes_pdf_csv", DNC_RESULT_DENSITY},                                         \
        {side "_durations_csv", DNC_RESULT_CCDF},                                            \
        {side "_durations_pdf_csv", DNC_RESULT_DENSITY},                                     \
        {side "_sizedur_csv", DNC_RESULT_SIZE_DURATION},                                     \
        {side "_shape_csv", DNC_RESULT_AVALANCHE_SHAPE}

/* One row per subcommand that writes a run record: "command" -> kind. */
static const dnc_result_record records[] = {
    {"propagate", DNC_RESULT_PROPAGATION,
     KEYS("final_q", "final_c", "final_rho", "gemm_flops", "ran_on"),
     OUTS({"csv", DNC_RESULT_PROPAGATION})},
    {"meanfield", DNC_RESULT_MEANFIELD,
     KEYS("q_star", "chi_1", "chi_q", "kappa", "xi_q", "xi_c", "c_star", "rho_star", "phase"),
     OUTS({"csv", DNC_RESULT_MEANFIELD})},
    {"critical", DNC_RESULT_CRITICAL_LINE, KEYS("critical_line"),
     OUTS({"csv", DNC_RESULT_CRITICAL_LINE})},
    {"phase-diagram", DNC_RESULT_PHASE_DIAGRAM,
     KEYS("ordered", "critical", "chaotic", "critical_line"),
     OUTS({"csv", DNC_RESULT_PHASE_DIAGRAM})},
    {"advise", DNC_RESULT_ADVICE, KEYS("critical_init", "trainable_depth"),
     OUTS({"csv", DNC_RESULT_ADVICE})},
    {"avalanches", DNC_RESULT_AVALANCHE_LAYERS,
     KEYS("survival", "susceptibility", "avalanches", "tau", "alpha", "gamma", "crackling"),
     OUTS({"layers_csv", DNC_RESULT_AVALANCHE_LAYERS}, AVALANCHE_OUTPUTS)},
    {"raster", DNC_RESULT_AVALANCHE_LIST,
     KEYS("avalanches", "tau", "alpha", "gamma", "crackling", "branching_ratio"),
     OUTS({"rk_csv", DNC_RESULT_BRANCHING}, AVALANCHE_OUTPUTS)},
    {"powerlaw", DNC_RESULT_CCDF, KEYS("fit", "alpha"),
     OUTS({"csv", DNC_RESULT_CCDF}, {"pdf_csv", DNC_RESULT_DENSITY})},
    {"susceptibility", DNC_RESULT_SUSCEPTIBILITY, KEYS("meanfield_critical_sigma_w", "peaks"),
     OUTS({"csv", DNC_RESULT_SUSCEPTIBILITY})},
    {"demo", DNC_RESULT_DEMO_LAYERS, KEYS("sigma_w_critical", "points"),
     OUTS({"layers_csv", DNC_RESULT_DEMO_LAYERS}, {"summary_csv", DNC_RESULT_DEMO_SUMMARY})},
    {"cnn", DNC_RESULT_CNN, KEYS("rho_last", "active_fraction_last", "survival_last"),
     OUTS({"csv", DNC_RESULT_CNN}, {"seeds_csv", DNC_RESULT_CNN_SEEDS})},
    {"dp", DNC_RESULT_DP, KEYS("site_updates"),
     OUTS({"csv", DNC_RESULT_DP}, {"seeds_csv", DNC_RESULT_DP_SEEDS})},
    {"exponents", DNC_RESULT_EXPONENTS, KEYS("decay"), OUTS({"csv", DNC_RESULT_EXPONENTS})},
    {"fss", DNC_RESULT_FSS, KEYS("a", "b", "quality_S"), OUTS({"csv", DNC_RESULT_FSS})},
    {"classify", DNC_RESULT_CLASSIFY, KEYS("best", "classes", "ties"),
     OUTS({"csv", DNC_RESULT_CLASSIFY})},
    {"train", DNC_RESULT_TRAIN_HISTORY, KEYS("final_test_acc", "final_train_acc", "best_test_acc"),
     OUTS({"csv", DNC_RESULT_TRAIN_HISTORY})},
    {"train-sweep", DNC_RESULT_TRAIN_SWEEP_POINTS, KEYS("lines", "depth_scale"),
     OUTS({"csv", DNC_RESULT_TRAIN_SWEEP_POINTS},
          {"landscape", DNC_RESULT_TRAIN_SWEEP_LANDSCAPE})},
    {"sweep", DNC_RESULT_SWEEP, KEYS("points", "failed"), OUTS({"csv", DNC_RESULT_SWEEP})},
    {"reproduce", DNC_RESULT_CLAIMS, KEYS("supported", "not_supported", "inconclusive"),
     OUTS({"claims", DNC_RESULT_CLAIMS})},
    {"langevin", DNC_RESULT_LANGEVIN_BINS, KEYS("couplings", "class", "network", "langevin"),
     OUTS({"csv", DNC_RESULT_LANGEVIN_BINS}, LANGEVIN_SIDE("network"),
          LANGEVIN_SIDE("langevin"))},
    {NULL, DNC_RESULT_NKINDS, NULL, NULL},
};

const dnc_result_record *dnc_result_records(void)
{
    return records;
}

const dnc_result_record *dnc_result_record_for_command(const char *command)
{
    for (const dnc_result_record *r = records; command && r->command; r++)
        if (strcmp(r->command, command) == 0)
            return r;
    return NULL;
}
