/* Result kinds: the one place where the tables dnncrit writes are described.
 *
 * A result kind is one CSV layout (a propagation trajectory, a phase
 * diagram, an avalanche-size CCDF, ...): its name, its columns in order,
 * and the column ids below. Writers take their header from here
 * (dnc_result_write_header), the plot recipes look columns up by kind and
 * id (dnc_result_col), and a run record (PREFIX.json) is mapped to its kind
 * by its "command" in one table (dnc_result_record_for_command), which also
 * lists the record's "results" keys and the kinds of the CSVs it names in
 * "outputs". tests/test_result_kinds.c pins every kind's columns, so a
 * renamed column fails a test, not a figure. docs/plotting.md says how to
 * add a kind and its recipe. */
#ifndef DNNCRIT_RESULT_H
#define DNNCRIT_RESULT_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dnncrit/table.h"

typedef enum {
    DNC_RESULT_PROPAGATION = 0, /* propagate: rho^l, q^l with mean field */
    DNC_RESULT_MEANFIELD,       /* meanfield: the maps' trajectory */
    DNC_RESULT_CRITICAL_LINE,   /* critical: sigma_w^c(sigma_b) */
    DNC_RESULT_PHASE_DIAGRAM,   /* phase-diagram: (sigma_b, sigma_w) grid */
    DNC_RESULT_ADVICE,          /* advise: the sigma_w scan */
    DNC_RESULT_AVALANCHE_LAYERS, /* avalanches _layers.csv */
    DNC_RESULT_AVALANCHE_LIST,  /* _avalanches.csv: one row per avalanche */
    DNC_RESULT_CCDF,            /* _sizes.csv, _durations.csv, powerlaw PREFIX.csv */
    DNC_RESULT_DENSITY,         /* _sizes_pdf.csv, _durations_pdf.csv, powerlaw _pdf.csv */
    DNC_RESULT_SIZE_DURATION,   /* _sizedur.csv: crackling <S>(T) */
    DNC_RESULT_AVALANCHE_SHAPE, /* _shape.csv: open, one column T<T> per duration */
    DNC_RESULT_BRANCHING,       /* raster _rk.csv: MR estimator r_k */
    DNC_RESULT_CLASSIFY,        /* classify: distance to each class */
    DNC_RESULT_CNN,             /* cnn: per-layer means */
    DNC_RESULT_CNN_SEEDS,       /* cnn .seeds.csv */
    DNC_RESULT_DEMO_LAYERS,     /* demo_layers.csv */
    DNC_RESULT_DEMO_SUMMARY,    /* demo_summary.csv: open, three columns per probe layer */
    DNC_RESULT_DP,              /* dp: rho(t), survival */
    DNC_RESULT_DP_SEEDS,        /* dp .seeds.csv */
    DNC_RESULT_EXPONENTS,       /* exponents: local slopes */
    DNC_RESULT_FSS,             /* fss: raw and collapsed data */
    DNC_RESULT_SUSCEPTIBILITY,  /* susceptibility: scan over (width, sigma_w) */
    DNC_RESULT_TRAIN_HISTORY,   /* train: one row per epoch */
    DNC_RESULT_TRAIN_SWEEP_POINTS,    /* train-sweep sweep.csv: one row per trained network */
    DNC_RESULT_TRAIN_SWEEP_LANDSCAPE, /* train-sweep landscape.csv */
    DNC_RESULT_SWEEP,           /* sweep table.csv: open after index */
    DNC_RESULT_CLAIMS,          /* reproduce claims.csv: one row per claim, text and numbers */
    DNC_RESULT_LANGEVIN_BINS,   /* langevin PREFIX.csv: one-layer increment statistics per bin */
    DNC_RESULT_NKINDS
} dnc_result_kind;

/* Column ids, one enum per kind, in the order of the CSV. */
enum { DNC_PROP_LAYER, DNC_PROP_Q, DNC_PROP_Q_ERR, DNC_PROP_C, DNC_PROP_C_ERR, DNC_PROP_RHO,
       DNC_PROP_RHO_ERR, DNC_PROP_LYAP, DNC_PROP_LYAP_ERR, DNC_PROP_Q_MF, DNC_PROP_C_MF,
       DNC_PROP_RHO_MF };
enum { DNC_MF_LAYER, DNC_MF_Q, DNC_MF_C, DNC_MF_RHO, DNC_MF_RHO_PRED };
enum { DNC_CRIT_SIGMA_B, DNC_CRIT_SIGMA_W, DNC_CRIT_Q_STAR, DNC_CRIT_KAPPA, DNC_CRIT_CHI_Q,
       DNC_CRIT_XI_Q };
enum { DNC_PD_SIGMA_B, DNC_PD_SIGMA_W, DNC_PD_Q_STAR, DNC_PD_CHI_1, DNC_PD_XI_C,
       DNC_PD_RHO_STAR, DNC_PD_PHASE };
enum { DNC_ADV_SIGMA_W, DNC_ADV_CHI_1, DNC_ADV_XI_C, DNC_ADV_TRAINABLE };
enum { DNC_AVL_LAYER, DNC_AVL_RHO, DNC_AVL_CHI };
enum { DNC_AV_INDEX, DNC_AV_START, DNC_AV_SIZE, DNC_AV_DURATION };
enum { DNC_CCDF_X, DNC_CCDF_DATA, DNC_CCDF_FIT };
enum { DNC_DENS_X, DNC_DENS_DATA, DNC_DENS_FIT };
enum { DNC_SD_T, DNC_SD_COUNT, DNC_SD_MEAN_S, DNC_SD_SEM_S, DNC_SD_FIT, DNC_SD_IN_FIT };
enum { DNC_SHAPE_T_OVER_T, DNC_SHAPE_MEAN };
enum { DNC_BR_K, DNC_BR_R_K, DNC_BR_FIT };
enum { DNC_CLS_CLASS, DNC_CLS_CHI2, DNC_CLS_N, DNC_CLS_DISTANCE, DNC_CLS_P_VALUE, DNC_CLS_PARAM,
       DNC_CLS_WITHIN_2SIGMA };
enum { DNC_CNN_LAYER, DNC_CNN_Q, DNC_CNN_RHO, DNC_CNN_RHO_ERR, DNC_CNN_ACTIVE_FRACTION,
       DNC_CNN_ACTIVE_FRACTION_ERR, DNC_CNN_SURVIVAL, DNC_CNN_SURVIVAL_ERR, DNC_CNN_Q_ERR,
       DNC_CNN_C, DNC_CNN_C_ERR };
enum { DNC_CNNS_SEED, DNC_CNNS_LAYER, DNC_CNNS_Q, DNC_CNNS_RHO, DNC_CNNS_C,
       DNC_CNNS_ACTIVE_FRACTION, DNC_CNNS_SURV, DNC_CNNS_NACT };
enum { DNC_DEMOL_FACTOR, DNC_DEMOL_SIGMA_W, DNC_DEMOL_SEED, DNC_DEMOL_LAYER, DNC_DEMOL_Q,
       DNC_DEMOL_C, DNC_DEMOL_RHO, DNC_DEMOL_LYAP, DNC_DEMOL_Q_MF, DNC_DEMOL_C_MF,
       DNC_DEMOL_RHO_MF };
/* demo_summary.csv: PHASE, then rho_<l>,rho_<l>_err,rho_mf_<l> per probe
 * layer l, then LYAPUNOV.. (the open part sits between them). */
enum { DNC_DEMOS_FACTOR, DNC_DEMOS_SIGMA_W, DNC_DEMOS_CHI_1, DNC_DEMOS_PHASE,
       DNC_DEMOS_LYAPUNOV, DNC_DEMOS_LYAPUNOV_ERR, DNC_DEMOS_HALF_LN_CHI_1 };
enum { DNC_DP_T, DNC_DP_RHO, DNC_DP_ERR, DNC_DP_SURV, DNC_DP_SURV_ERR, DNC_DP_NACT,
       DNC_DP_NACT_ERR };
enum { DNC_DPS_SEED, DNC_DPS_T, DNC_DPS_RHO, DNC_DPS_SURV, DNC_DPS_NACT };
enum { DNC_EXP_PARAM, DNC_EXP_T, DNC_EXP_Y, DNC_EXP_ERR, DNC_EXP_DELTA_EFF,
       DNC_EXP_DELTA_EFF_ERR, DNC_EXP_KAPPA_T, DNC_EXP_KAPPA_T_Y };
enum { DNC_FSS_SIZE, DNC_FSS_T, DNC_FSS_Y, DNC_FSS_ERR, DNC_FSS_X_SCALED, DNC_FSS_Y_SCALED,
       DNC_FSS_ERR_SCALED };
enum { DNC_SUS_WIDTH, DNC_SUS_SIGMA_W, DNC_SUS_CHI, DNC_SUS_CHI_ERR,
       DNC_SUS_SIZE_SUSCEPTIBILITY, DNC_SUS_SURVIVAL, DNC_SUS_MEAN_SIZE, DNC_SUS_MEAN_DURATION,
       DNC_SUS_MAX_SIZE, DNC_SUS_COMPLETED, DNC_SUS_SIZE_CUTOFF, DNC_SUS_FIELD, DNC_SUS_RHO,
       DNC_SUS_RESPONSE, DNC_SUS_RESPONSE_ERR };
enum { DNC_TRH_EPOCH, DNC_TRH_TRAIN_LOSS, DNC_TRH_TRAIN_ACC, DNC_TRH_TEST_LOSS,
       DNC_TRH_TEST_ACC, DNC_TRH_RHO_FIRST, DNC_TRH_RHO_LAST, DNC_TRH_RHO_MEAN, DNC_TRH_Q_LAST,
       DNC_TRH_LYAPUNOV, DNC_TRH_CHI1_LYAP, DNC_TRH_CHI1_WEIGHTS, DNC_TRH_SUSCEPTIBILITY };
/* sweep.csv of train-sweep: the point, then dnc_train_point_columns. */
enum { DNC_TSP_INDEX, DNC_TSP_SIGMA_W, DNC_TSP_SIGMA_B, DNC_TSP_DEPTH, DNC_TSP_WIDTH,
       DNC_TSP_SEED, DNC_TSP_FINAL_TEST_ACC, DNC_TSP_BEST_TEST_ACC, DNC_TSP_FINAL_TRAIN_ACC,
       DNC_TSP_FINAL_TEST_LOSS, DNC_TSP_DIVERGED, DNC_TSP_CHI1_MF, DNC_TSP_XI_C, DNC_TSP_KAPPA,
       DNC_TSP_SIGMA_W_CRIT, DNC_TSP_DIST_CRIT, DNC_TSP_DEPTH_OVER_XI, DNC_TSP_KAPPA_L,
       DNC_TSP_CHI1_WEIGHTS_INIT, DNC_TSP_SUSCEPTIBILITY_INIT, DNC_TSP_LYAPUNOV_INIT,
       DNC_TSP_CHI1_WEIGHTS_FINAL, DNC_TSP_SUSCEPTIBILITY_FINAL };
enum { DNC_TSL_SIGMA_W, DNC_TSL_SIGMA_B, DNC_TSL_DEPTH, DNC_TSL_WIDTH, DNC_TSL_TEST_ACC_MEAN,
       DNC_TSL_TEST_ACC_ERR, DNC_TSL_DIVERGED_FRAC, DNC_TSL_CHI1_MF, DNC_TSL_XI_C,
       DNC_TSL_SIGMA_W_CRIT, DNC_TSL_DIST_CRIT, DNC_TSL_DEPTH_OVER_XI, DNC_TSL_KAPPA_L,
       DNC_TSL_CHI1_WEIGHTS_INIT, DNC_TSL_SUSCEPTIBILITY_INIT, DNC_TSL_ABS_CHI1_MINUS_1,
       DNC_TSL_SIGMA_W_SUSC_PEAK, DNC_TSL_ABS_DIST_SUSC_PEAK, DNC_TSL_ABS_LYAPUNOV_INIT };
/* table.csv of sweep: index, then the swept parameters and the sweep
 * type's observables (dnc_sweep_csv_header, sweep.h). */
enum { DNC_SWEEP_INDEX };
enum { DNC_LGB_X, DNC_LGB_N, DNC_LGB_MEAN, DNC_LGB_MEAN_ERR, DNC_LGB_VAR, DNC_LGB_VAR_ERR,
       DNC_LGB_DRIFT_FIT, DNC_LGB_DIFFUSION_FIT };
enum { DNC_CLAIMS_CLAIM, DNC_CLAIMS_PAPER, DNC_CLAIMS_MEASURED, DNC_CLAIMS_ERROR,
       DNC_CLAIMS_VERDICT, DNC_CLAIMS_COMMAND };

/* One column: its name, and other spellings a reader also accepts (results
 * written by hand or by other tools), NULL-terminated or NULL. */
typedef struct {
    const char *name;
    const char *const *aliases;
} dnc_result_column;

typedef struct {
    const char *name;                  /* "propagation" */
    const dnc_result_column *columns;  /* the fixed columns, in order */
    size_t ncolumns;
    const char *open; /* NULL: exactly these columns; else what follows where (docs) */
} dnc_result_kind_info;

const dnc_result_kind_info *dnc_result_kind_get(dnc_result_kind kind);
/* The name of column `id` of `kind` (NULL when out of range). */
const char *dnc_result_column_name(dnc_result_kind kind, size_t id);

/* Writes the names of columns [first, end) of kind, except those whose bit
 * (1 << id) is set in skip, each preceded by ',' unless it is column 0. No
 * newline: writers with an open part (shapes, demo summary) add it. */
void dnc_result_write_columns(FILE *fp, dnc_result_kind kind, size_t first, size_t end,
                              uint64_t skip);
/* The whole header row of a kind without an open part, with its newline. */
void dnc_result_write_header(FILE *fp, dnc_result_kind kind);

/* The index of column `id` of `kind` in table t, by its name and then its
 * aliases in order; -1 when t has none of them. */
long dnc_result_col(const dnc_table *t, dnc_result_kind kind, size_t id);

/* A CSV that a run record names in "outputs": the key and the kind. */
typedef struct {
    const char *key; /* "csv", "sizes_pdf_csv", ... */
    dnc_result_kind kind;
} dnc_result_output;

/* A run record (PREFIX.json) of one subcommand. */
typedef struct {
    const char *command;        /* the record's "command" */
    dnc_result_kind kind;       /* the kind its figure is chosen by */
    const char *const *results; /* "results" keys every record has, NULL-terminated */
    const dnc_result_output *outputs; /* the CSVs in "outputs", {NULL} ends */
} dnc_result_record;

/* The record table entry of a command; NULL for an unknown command. */
const dnc_result_record *dnc_result_record_for_command(const char *command);
/* Every record table entry, in order, ended by one with command NULL. */
const dnc_result_record *dnc_result_records(void);

DNC_END_DECLS
#endif
