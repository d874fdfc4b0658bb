/* Random fully connected networks (MLPs):
 *   h^{l+1} = W^{l+1} phi(h^l) + b^{l+1},
 *   W_ij ~ N(0, sigma_w^2 / fan_in), b_i ~ N(0, sigma_b^2).
 * Layer l = 1..depth maps fan_in(l) inputs to `width` outputs; layer 1
 * reads the input (width input_width), deeper layers read phi(h^{l-1}).
 * Weights are never stored for the whole network: each layer is drawn on
 * demand from Philox keyed by (seed, layer, row). */
#ifndef DNNCRIT_NETWORK_H
#define DNNCRIT_NETWORK_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stddef.h>
#include <stdint.h>

#include "dnncrit/activation.h"
#include "dnncrit/error.h"
#include "dnncrit/param.h"
#include "dnncrit/rng.h"

#define DNC_MAX_WIDTH ((size_t)1 << 20)
#define DNC_MAX_DEPTH ((size_t)1 << 20)

typedef struct {
    size_t width;       /* N, units per hidden layer */
    size_t depth;       /* L, number of weight layers */
    size_t input_width; /* N_0; 0 means "same as width" */
    dnc_activation activation;
    double sigma_w; /* standard deviation scale of the weights */
    double sigma_b; /* standard deviation of the biases */
    uint64_t seed;
    /* how the Philox bits of the weights and biases become normals:
     * Box-Muller (0, the default) or the faster ziggurat, whose networks
     * are other draws from the same distribution (dnncrit/rng.h) */
    dnc_normals normals;
} dnc_mlp_config;

/* The network and initialisation parameters, declared once: key, type,
 * help and accepted values, with the default as an argument (a command or
 * a sweep type may start from another default). Command-line option tables
 * and sweep schemas use these; dnc_mlp_config_validate checks the values
 * against the same domains. */
#define DNC_NET_PARAM_WIDTH(def) {"width", DNC_PARAM_SIZE, (def), "units per layer N", "[1,1048576]"}
#define DNC_NET_PARAM_DEPTH(def) {"depth", DNC_PARAM_SIZE, (def), "number of layers L", "[1,1048576]"}
#define DNC_NET_PARAM_INPUT_WIDTH(def)                                                       \
    {"input_width", DNC_PARAM_SIZE, (def), "input dimension N0 (0: same as width)",         \
     "[0,1048576]"}
#define DNC_NET_PARAM_ACTIVATION(def)                                                        \
    {"activation", DNC_PARAM_ACTIVATION, (def), "nonlinearity phi", NULL}
#define DNC_NET_PARAM_SIGMA_W(def)                                                           \
    {"sigma_w", DNC_PARAM_DOUBLE, (def), "weight scale: W_ij ~ N(0, sigma_w^2/fan_in)",     \
     "(0,inf)"}
#define DNC_NET_PARAM_SIGMA_B(def)                                                           \
    {"sigma_b", DNC_PARAM_DOUBLE, (def), "bias standard deviation", "[0,inf)"}
#define DNC_NET_PARAM_SEED(def)                                                              \
    {"seed", DNC_PARAM_U64, (def), "Philox key of the network and inputs", NULL}
#define DNC_NET_PARAM_NORMALS(def)                                                           \
    {"normals", DNC_PARAM_CHOICE, (def),                                                    \
     "normal transform of the weights and biases: box-muller, or ziggurat (faster; other "  \
     "numbers from the same distribution)",                                                 \
     "box-muller,ziggurat"}

/* The declarations with the library's defaults (src/models/network_params.c):
 * N = 256, L = 100, N0 = 0 (same as N), tanh, sigma_w = 1, sigma_b = 0, seed 1,
 * Box-Muller normals. */
extern const dnc_param dnc_net_param_width;
extern const dnc_param dnc_net_param_depth;
extern const dnc_param dnc_net_param_input_width;
extern const dnc_param dnc_net_param_activation;
extern const dnc_param dnc_net_param_sigma_w;
extern const dnc_param dnc_net_param_sigma_b;
extern const dnc_param dnc_net_param_seed;
extern const dnc_param dnc_net_param_normals;

/* The configuration of the declared defaults (dnc_net_param_*). */
dnc_mlp_config dnc_mlp_config_default(void);
/* Checks every value against its declaration's domain: rejects zero/huge
 * sizes, sigma_w <= 0, sigma_b < 0, non-finite values. */
dnc_status dnc_mlp_config_validate(const dnc_mlp_config *cfg);

size_t dnc_mlp_input_width(const dnc_mlp_config *cfg);
size_t dnc_mlp_fan_in(const dnc_mlp_config *cfg, size_t layer);

/* W: row-major width x fan_in(layer), already scaled by sigma_w/sqrt(fan_in).
 * Row r is the normal sequence (seed, DNC_STREAM_WEIGHT, layer, r). */
void dnc_mlp_layer_weights(const dnc_mlp_config *cfg, size_t layer, double *W);
/* Rows [row0, row0 + nrows) only, for splitting a layer across workers. */
void dnc_mlp_layer_weight_rows(const dnc_mlp_config *cfg, size_t layer, size_t row0,
                               size_t nrows, double *W);
/* b: width entries, (seed, DNC_STREAM_BIAS, layer, 0) scaled by sigma_b. */
void dnc_mlp_layer_bias(const dnc_mlp_config *cfg, size_t layer, double *b);

DNC_END_DECLS
#endif
