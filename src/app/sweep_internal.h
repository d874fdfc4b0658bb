/* Shared by the sweep experiment files (src/sweep_*.c); not public API. */
#ifndef DNNCRIT_SWEEP_INTERNAL_H
#define DNNCRIT_SWEEP_INTERNAL_H

#include <cjson/cJSON.h>

#include "dnncrit/network.h"
#include "dnncrit/sweep.h"

/* Parameters shared by every type that builds a random network: the
 * declarations of dnncrit/network.h with the sweeps' defaults. */
#define NETWORK_PARAMS                                                                       \
    DNC_NET_PARAM_ACTIVATION("tanh"), DNC_NET_PARAM_SIGMA_W("1"), DNC_NET_PARAM_SIGMA_B("0"), \
        DNC_NET_PARAM_WIDTH("256"), DNC_NET_PARAM_DEPTH("50"), DNC_NET_PARAM_SEED("1")

/* The network of a point with NETWORK_PARAMS. */
dnc_mlp_config dnc_sweep_network_of(const dnc_sweep_point *p);
/* JSON array of x[0..n), null for non-finite entries. */
cJSON *dnc_sweep_array_json(const double *x, size_t n);

/* Experiment types defined in their own files. */
extern const dnc_sweep_experiment dnc_sweep_avalanches;

#endif
