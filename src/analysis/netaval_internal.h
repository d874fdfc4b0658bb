/* What the network-avalanche modules share (internal, not part of the public
 * API): the checks of an activity rule with its threshold scope and the
 * per-trial counts of an activity mask (netaval.c),
 * used by the MLP protocols (netaval.c) and the CNN ones (netaval_cnn.c). */
#ifndef DNNCRIT_NETAVAL_INTERNAL_H
#define DNNCRIT_NETAVAL_INTERNAL_H

#include <stddef.h>

#include "dnncrit/avalanche.h"
#include "dnncrit/error.h"

/* The scope fits the rule (damage: global only), a percentile threshold is
 * below 100, the unit scope has >= 2 inputs per network. */
dnc_status dnc_net_scope_validate(dnc_net_rule rule, dnc_threshold_scope scope, double threshold,
                                  size_t inputs);

/* A[t * L + layer - 1] = the number of active units of trial t in mask
 * (trials x N, one row per trial), for t < trials: the layer-time activity
 * the avalanches are cut from. */
void dnc_net_mask_counts(const unsigned char *mask, size_t trials, size_t N, size_t L,
                         size_t layer, double *A);

#endif
