#include "dnncrit/network.h"

#include <math.h>

#include "dnncrit/rng.h"
#include "models/network_common.h"

void dnc_network_weight_rows(uint64_t seed, dnc_normals normals, size_t layer, size_t row0,
                             size_t nrows, size_t fan_in, double sigma_w, double *W)
{
    double scale = sigma_w / sqrt((double)fan_in);
    for (size_t r = 0; r < nrows; r++) {
        double *row = W + r * fan_in;
        dnc_normals_fill_at(normals, seed, DNC_STREAM_WEIGHT, (uint32_t)layer,
                            (uint32_t)(row0 + r), 0, row, fan_in);
        for (size_t j = 0; j < fan_in; j++)
            row[j] *= scale;
    }
}

void dnc_network_bias_range(uint64_t seed, dnc_normals normals, size_t layer, size_t first,
                            size_t n, double sigma_b, double *b)
{
    dnc_normals_fill_at(normals, seed, DNC_STREAM_BIAS, (uint32_t)layer, 0, first, b, n);
    for (size_t i = 0; i < n; i++)
        b[i] *= sigma_b;
}

void dnc_network_bias(uint64_t seed, dnc_normals normals, size_t layer, size_t n,
                      double sigma_b, double *b)
{
    dnc_network_bias_range(seed, normals, layer, 0, n, sigma_b, b);
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
    dnc_network_weight_rows(cfg->seed, cfg->normals, layer, row0, nrows,
                            dnc_mlp_fan_in(cfg, layer), cfg->sigma_w, W);
}

void dnc_mlp_layer_weights(const dnc_mlp_config *cfg, size_t layer, double *W)
{
    dnc_mlp_layer_weight_rows(cfg, layer, 0, cfg->width, W);
}

void dnc_mlp_layer_bias(const dnc_mlp_config *cfg, size_t layer, double *b)
{
    dnc_network_bias(cfg->seed, cfg->normals, layer, cfg->width, cfg->sigma_b, b);
}
