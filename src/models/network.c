#include "dnncrit/network.h"

#include <math.h>

#include "dnncrit/rng.h"

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
    if (cfg->depth == 0 || cfg->depth > DNC_MAX_DEPTH)
        return dnc_fail(DNC_EINVAL, "depth must be between 1 and %zu, got %zu", DNC_MAX_DEPTH,
                        cfg->depth);
    if (cfg->input_width > DNC_MAX_WIDTH)
        return dnc_fail(DNC_EINVAL, "input width must be at most %zu, got %zu", DNC_MAX_WIDTH,
                        cfg->input_width);
    if (cfg->activation < 0 || cfg->activation >= DNC_ACT_COUNT)
        return dnc_fail(DNC_EINVAL, "invalid activation code %d", (int)cfg->activation);
    if (!isfinite(cfg->sigma_w) || cfg->sigma_w <= 0)
        return dnc_fail(DNC_EINVAL, "sigma_w must be a finite number > 0, got %g", cfg->sigma_w);
    if (!isfinite(cfg->sigma_b) || cfg->sigma_b < 0)
        return dnc_fail(DNC_EINVAL, "sigma_b must be a finite number >= 0, got %g", cfg->sigma_b);
    return DNC_OK;
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
    size_t fan_in = dnc_mlp_fan_in(cfg, layer);
    double scale = cfg->sigma_w / sqrt((double)fan_in);
    for (size_t r = 0; r < nrows; r++) {
        double *row = W + r * fan_in;
        dnc_normal_fill(cfg->seed, DNC_STREAM_WEIGHT, (uint32_t)layer, (uint32_t)(row0 + r), row,
                        fan_in);
        for (size_t j = 0; j < fan_in; j++)
            row[j] *= scale;
    }
}

void dnc_mlp_layer_weights(const dnc_mlp_config *cfg, size_t layer, double *W)
{
    dnc_mlp_layer_weight_rows(cfg, layer, 0, cfg->width, W);
}

void dnc_mlp_layer_bias(const dnc_mlp_config *cfg, size_t layer, double *b)
{
    dnc_normal_fill(cfg->seed, DNC_STREAM_BIAS, (uint32_t)layer, 0, b, cfg->width);
    for (size_t i = 0; i < cfg->width; i++)
        b[i] *= cfg->sigma_b;
}
