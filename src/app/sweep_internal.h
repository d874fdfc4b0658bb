/* Shared by the sweep experiment files (src/sweep_*.c); not public API. */
#ifndef DNNCRIT_SWEEP_INTERNAL_H
#define DNNCRIT_SWEEP_INTERNAL_H

#include <cjson/cJSON.h>

#include "dnncrit/network.h"
#include "dnncrit/sweep.h"

/* Parameters shared by every type that builds a random network. */
#define NETWORK_PARAMS                                                                       \
    {"activation", DNC_SWEEP_ACTIVATION, "tanh", "nonlinearity phi", NULL},                 \
        {"sigma_w", DNC_SWEEP_DOUBLE, "1", "weight scale: W_ij ~ N(0, sigma_w^2/fan_in)",  \
         NULL},                                                                              \
        {"sigma_b", DNC_SWEEP_DOUBLE, "0", "bias standard deviation", NULL},                \
        {"width", DNC_SWEEP_SIZE, "256", "units per layer N", NULL},                       \
        {"depth", DNC_SWEEP_SIZE, "50", "number of layers L", NULL},                       \
        {"seed", DNC_SWEEP_U64, "1", "Philox key of the network and inputs", NULL}

/* The network of a point with NETWORK_PARAMS. */
dnc_mlp_config dnc_sweep_network_of(const dnc_sweep_point *p);
/* JSON array of x[0..n), null for non-finite entries. */
cJSON *dnc_sweep_array_json(const double *x, size_t n);

/* Experiment types defined in their own files. */
extern const dnc_sweep_experiment dnc_sweep_avalanches;

#endif
