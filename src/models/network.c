#include "dnncrit/network.h"

#include <math.h>

#include "dnncrit/rng.h"
#include "models/network_common.h"

dnc_status dnc_network_validate_depth(size_t depth)
{
    if (depth == 0 || depth > DNC_MAX_DEPTH)
        return dnc_fail(DNC_EINVAL, "depth must be between 1 and %zu, got %zu", DNC_MAX_DEPTH,
                        depth);
    return DNC_OK;
}

dnc_status dnc_network_validate_init(dnc_activation activation, double sigma_w, double sigma_b)
{
    if (activation < 0 || activation >= DNC_ACT_COUNT)
        return dnc_fail(DNC_EINVAL, "invalid activation code %d", (int)activation);
    if (!isfinite(sigma_w) || sigma_w <= 0)
        return dnc_fail(DNC_EINVAL, "sigma_w must be a finite number > 0, got %g", sigma_w);
    if (!isfinite(sigma_b) || sigma_b < 0)
        return dnc_fail(DNC_EINVAL, "sigma_b must be a finite number >= 0, got %g", sigma_b);
    return DNC_OK;
}

void dnc_network_weight_rows(uint64_t seed, size_t layer, size_t row0, size_t nrows,
                             size_t fan_in, double sigma_w, double *W)
{
    double scale = sigma_w / sqrt((double)fan_in);
    for (size_t r = 0; r < nrows; r++) {
        double *row = W + r * fan_in;
        dnc_normal_fill(seed, DNC_STREAM_WEIGHT, (uint32_t)layer, (uint32_t)(row0 + r), row,
                        fan_in);
        for (size_t j = 0; j < fan_in; j++)
            row[j] *= scale;
    }
}

void dnc_network_bias(uint64_t seed, size_t layer, size_t n, double sigma_b, double *b)
{
    dnc_normal_fill(seed, DNC_STREAM_BIAS, (uint32_t)layer, 0, b, n);
    for (size_t i = 0; i < n; i++)
        b[i] *= sigma_b;
}

dnc_mlp_config dnc_mlp_config_default(void)
{
    dnc_mlp_config c = {
        .width = 256,
        .depth = 100,
        .input_width = 0,
        .activation = DNC_ACT_TANH,
        .sigma_w = 1.0,
        .sigma_b = 0.0,
        .seed = 1,
    };
    return c;
}

dnc_status dnc_mlp_config_validate(const dnc_mlp_config *cfg)
{
    if (cfg->width == 0 || cfg->width > DNC_MAX_WIDTH)
        return dnc_fail(DNC_EINVAL, "width must be between 1 and %zu, got %zu", DNC_MAX_WIDTH,
                        cfg->width);
    dnc_status st = dnc_network_validate_depth(cfg->depth);
    if (st)
        return st;
    if (cfg->input_width > DNC_MAX_WIDTH)
        return dnc_fail(DNC_EINVAL, "input width must be at most %zu, got %zu", DNC_MAX_WIDTH,
                        cfg->input_width);
    return dnc_network_validate_init(cfg->activation, cfg->sigma_w, cfg->sigma_b);
}

size_t dnc_mlp_input_width(const dnc_mlp_config *cfg)
{
    return cfg->input_width ? cfg->input_width : cfg->width;
}

size_t dnc_mlp_fan_in(const dnc_mlp_config *cfg, size_t layer)
{
    return layer <= 1 ? dnc_mlp_input_width(cfg) : cfg->width;
}

void dnc_mlp_layer_weight_rows(const dnc_mlp_config *cfg, size_t layer, size_t row0,
                               size_t nrows, double *W)
{
    dnc_network_weight_rows(cfg->seed, layer, row0, nrows, dnc_mlp_fan_in(cfg, layer),
                            cfg->sigma_w, W);
}

void dnc_mlp_layer_weights(const dnc_mlp_config *cfg, size_t layer, double *W)
{
    dnc_mlp_layer_weight_rows(cfg, layer, 0, cfg->width, W);
}

void dnc_mlp_layer_bias(const dnc_mlp_config *cfg, size_t layer, double *b)
{
    dnc_network_bias(cfg->seed, layer, cfg->width, cfg->sigma_b, b);
}
