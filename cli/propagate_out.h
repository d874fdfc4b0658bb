/* Output helpers shared by `propagate` and `demo`: the per-layer CSV, the
 * JSON blocks and the mean-field columns that accompany a propagation. */
#ifndef DNNCRIT_PROPAGATE_OUT_H
#define DNNCRIT_PROPAGATE_OUT_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "dnncrit/propagate.h"

/* Mean-field prediction per layer (absent: depth 0). */
typedef struct {
    size_t depth;
    double *q, *c, *rho;
} cli_layer_table;

/* The infinite-width trajectory for the same network and the same inputs
 * (their actual q and mean pairwise c). Left empty where mean field does
 * not apply (residual networks, a single input). */
dnc_status cli_layer_table_meanfield(const dnc_propagate_opts *o, const double *X,
                                     cli_layer_table *mf);
void cli_layer_table_free(cli_layer_table *t);

void cli_json_add_net(cJSON *obj, const dnc_mlp_config *net);
/* "results" and "timings" entries of one propagation. */
void cli_json_add_propagate_results(cJSON *root, const dnc_propagate_opts *o,
                                    const dnc_propagate_result *r);
/* Standard error of the mean of lyap[] (layers treated as independent). */
double cli_lyapunov_error(const dnc_propagate_result *r);

/* Writes PREFIX.csv (layer,q,c,rho[,lyap][,q_mf,c_mf,rho_mf]) and
 * PREFIX.json (root plus "outputs"), both or neither. */
dnc_status cli_write_layer_outputs(const char *prefix, const dnc_propagate_result *r,
                                   const cli_layer_table *mf, cJSON *root);
dnc_status cli_write_layer_csv(FILE *fp, const dnc_propagate_result *r, const cli_layer_table *mf);

/* About ten layers, spaced geometrically, as a human-readable table. */
void cli_print_layer_table(FILE *fp, const dnc_propagate_result *r, const cli_layer_table *mf);

#endif
