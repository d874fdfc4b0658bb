/* The sweep's experiment types as plug-ins; not public API.
 *
 * Each type lives in its own file (sweep_type_<name>.c) and exports one
 * dnc_sweep_experiment: a parameter table, result columns, validate() and
 * run(). A type depends only on the point access of sweep_point.c and the
 * helpers below; the type table (sweep_types.c) lists the plug-ins, and the
 * engine (sweep.c, sweep_run.c) reaches them only through that table, so
 * the modules form a chain, never a cycle:
 *
 *   sweep_run -> sweep -> sweep_types -> sweep_type_* -> sweep_type_common
 *                                                     -> sweep_point */
#ifndef DNNCRIT_SWEEP_TYPES_H
#define DNNCRIT_SWEEP_TYPES_H

#include <cjson/cJSON.h>

#include "dnncrit/dataset.h"
#include "dnncrit/network.h"
#include "dnncrit/train.h"
#include "dnncrit/sweep.h"

#define DNC_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A plug-in from its <prefix>_params, _columns, _validate and _run (no
 * summary step). */
#define DNC_SWEEP_TYPE(nm, summ, prefix)                                                     \
    {nm, summ, prefix##_params, DNC_COUNT(prefix##_params), prefix##_columns,               \
     DNC_COUNT(prefix##_columns), prefix##_validate, prefix##_run, NULL}

/* Parameters shared by every type that builds a random network: the
 * declarations of dnncrit/network.h with the sweeps' defaults. */
#define NETWORK_PARAMS                                                                       \
    DNC_NET_PARAM_ACTIVATION("tanh"), DNC_NET_PARAM_SIGMA_W("1"), DNC_NET_PARAM_SIGMA_B("0"), \
        DNC_NET_PARAM_WIDTH("256"), DNC_NET_PARAM_DEPTH("50"), DNC_NET_PARAM_SEED("1")

/* The network of a point with NETWORK_PARAMS (sweep_type_common.c). */
dnc_mlp_config dnc_sweep_network_of(const dnc_sweep_point *p);
/* JSON array of x[0..n), null for non-finite entries. */
cJSON *dnc_sweep_array_json(const double *x, size_t n);

#define array_json dnc_sweep_array_json
#define network_of dnc_sweep_network_of

/* The train type's point runner, for train-sweep's grid of it too: trains
 * c on the data of spec (loaded once and shared by the points of the
 * process), fills the DNC_TRAIN_POINT_NCOLUMNS columns of row and puts the
 * point's record (dnc_train_point_to_json) in detail["train"]. */
dnc_status dnc_sweep_train_run(const dnc_train_config *c, const dnc_data_spec *spec, double *row,
                               cJSON *detail);

/* The plug-ins, in the order of the type table. */
extern const dnc_sweep_experiment dnc_sweep_type_meanfield;
extern const dnc_sweep_experiment dnc_sweep_type_propagate;
extern const dnc_sweep_experiment dnc_sweep_type_exponents;
extern const dnc_sweep_experiment dnc_sweep_type_avalanches;
extern const dnc_sweep_experiment dnc_sweep_type_dp;
extern const dnc_sweep_experiment dnc_sweep_type_train;

#endif
