/* Options shared by `avalanches` and `susceptibility`. */
#ifndef DNNCRIT_NETAVAL_CLI_H
#define DNNCRIT_NETAVAL_CLI_H

#include <cjson/cJSON.h>

#include "cli.h"
#include "dnncrit/avalanche.h"

typedef struct {
    dnc_mlp_config net;
    size_t networks, inputs;
    double input_q;
    const char *rule, *engine;
    double threshold, delta;
    const char *scope, *protocol;
    double field, bin_width, stream_corr;
    size_t layer;
    size_t threads;
    const char *out;
    bool quiet;
} cli_netaval_args;

cli_netaval_args cli_netaval_args_default(const char *out);
/* Appends the shared options (not width / sigma-w) to opts[*n..]. */
void cli_netaval_add_options(cli_netaval_args *a, cli_opt *opts, size_t *n);
/* The library's options of the arguments, validated (a failure is bad usage). */
dnc_status cli_netaval_build(const cli_netaval_args *a, dnc_net_aval_opts *o);
void cli_netaval_json_config(cJSON *c, const dnc_net_aval_opts *o);
void cli_netaval_json_point(cJSON *r, const dnc_net_aval_result *res);

#endif
