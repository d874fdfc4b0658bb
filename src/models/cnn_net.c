/* The random CNN's description: configuration, lattice, fan-in, and the
 * Philox weights and biases (cnn_net.h). */
#include "dnncrit/cnn_net.h"

#include <math.h>
#include <string.h>

#include "models/network_common.h"

/* ------------------------------------------------------------ config */

dnc_cnn_config dnc_cnn_config_default(void)
{
    dnc_cnn_config c = {
        .dims = 1,
        .channels = 16,
        .input_channels = 0,
        .kernel = 3,
        .size_x = 256,
        .size_y = 1,
        .depth = 100,
        .activation = DNC_ACT_TANH,
        .sigma_w = 1.0,
        .sigma_b = 0.0,
        .residual = false,
        .residual_alpha = 1.0,
        .seed = 1,
        .sharing = DNC_CNN_SHARED,
        .norm = DNC_CNN_NORM_NONE,
        .block = 1,
    };
    return c;
}

size_t dnc_cnn_size_y(const dnc_cnn_config *cfg) { return cfg->dims == 2 ? cfg->size_y : 1; }

static dnc_status validate_lattice(const dnc_cnn_config *cfg)
{
    if (cfg->dims != 1 && cfg->dims != 2)
        return dnc_fail(DNC_EINVAL, "dims must be 1 or 2, got %d", cfg->dims);
    if (cfg->size_x == 0 || (cfg->dims == 2 && cfg->size_y == 0))
        return dnc_fail(DNC_EINVAL, "lattice sizes must be >= 1, got size-x %zu, size-y %zu",
                        cfg->size_x, cfg->size_y);
    if (cfg->size_x > DNC_CNN_MAX_SITES || dnc_cnn_size_y(cfg) > DNC_CNN_MAX_SITES / cfg->size_x)
        return dnc_fail(DNC_EINVAL, "lattice too large: at most %zu sites", DNC_CNN_MAX_SITES);
    if (cfg->kernel == 0 || cfg->kernel % 2 == 0)
        return dnc_fail(DNC_EINVAL, "kernel size must be odd (centred kernel), got %zu",
                        cfg->kernel);
    if (cfg->kernel > cfg->size_x)
        return dnc_fail(DNC_EINVAL, "kernel size %zu is larger than the lattice (size-x %zu)",
                        cfg->kernel, cfg->size_x);
    if (cfg->dims == 2 && cfg->kernel > cfg->size_y)
        return dnc_fail(DNC_EINVAL, "kernel size %zu is larger than the lattice (size-y %zu)",
                        cfg->kernel, cfg->size_y);
    return DNC_OK;
}

dnc_status dnc_cnn_config_validate(const dnc_cnn_config *cfg)
{
    dnc_status st = validate_lattice(cfg);
    if (st)
        return st;
    if (cfg->channels == 0 || cfg->channels > DNC_CNN_MAX_CHANNELS)
        return dnc_fail(DNC_EINVAL, "channels must be between 1 and %zu, got %zu",
                        DNC_CNN_MAX_CHANNELS, cfg->channels);
    if (cfg->input_channels > DNC_CNN_MAX_CHANNELS)
        return dnc_fail(DNC_EINVAL, "input channels must be at most %zu, got %zu",
                        DNC_CNN_MAX_CHANNELS, cfg->input_channels);
    st = dnc_network_validate_depth(cfg->depth);
    if (!st)
        st = dnc_network_validate_init(cfg->activation, cfg->sigma_w, cfg->sigma_b);
    if (st)
        return st;
    if (cfg->sharing != DNC_CNN_SHARED && cfg->sharing != DNC_CNN_LOCAL)
        return dnc_fail(DNC_EINVAL, "invalid weight sharing %d (expected shared or local)",
                        (int)cfg->sharing);
    if (cfg->norm != DNC_CNN_NORM_NONE && cfg->norm != DNC_CNN_NORM_BATCH_TRAIN &&
        cfg->norm != DNC_CNN_NORM_BATCH_EVAL)
        return dnc_fail(DNC_EINVAL,
                        "invalid normalisation %d (expected none, batch-train or batch-eval)",
                        (int)cfg->norm);
    if (cfg->block != 1 && cfg->block != 2)
        return dnc_fail(DNC_EINVAL, "block must be 1 or 2 convolutions, got %zu", cfg->block);
    if (cfg->sharing == DNC_CNN_LOCAL &&
        dnc_cnn_sites(cfg) > (((size_t)UINT32_MAX + 1) / cfg->channels / cfg->block))
        return dnc_fail(DNC_EINVAL,
                        "a locally connected network needs block x sites x channels <= 2^32, "
                        "got %zu x %zu x %zu",
                        cfg->block, dnc_cnn_sites(cfg), cfg->channels);
    if (cfg->residual && !isfinite(cfg->residual_alpha))
        return dnc_fail(DNC_EINVAL, "residual alpha must be finite, got %g", cfg->residual_alpha);
    return DNC_OK;
}

size_t dnc_cnn_sites(const dnc_cnn_config *cfg) { return cfg->size_x * dnc_cnn_size_y(cfg); }

size_t dnc_cnn_taps(const dnc_cnn_config *cfg)
{
    return cfg->dims == 2 ? cfg->kernel * cfg->kernel : cfg->kernel;
}

size_t dnc_cnn_in_channels(const dnc_cnn_config *cfg, size_t layer)
{
    if (layer <= 1 && cfg->input_channels)
        return cfg->input_channels;
    return cfg->channels;
}

size_t dnc_cnn_fan_in(const dnc_cnn_config *cfg, size_t layer)
{
    return dnc_cnn_in_channels(cfg, layer) * dnc_cnn_taps(cfg);
}


void dnc_cnn_block_weights(const dnc_cnn_config *cfg, size_t layer, size_t conv, double *W)
{
    dnc_network_weight_rows(cfg->seed, DNC_NORMALS_BOX_MULLER, layer, conv * cfg->channels, cfg->channels,
                            dnc_cnn_fan_in(cfg, layer), cfg->sigma_w, W);
}

void dnc_cnn_block_bias(const dnc_cnn_config *cfg, size_t layer, size_t conv, double *b)
{
    dnc_network_bias_range(cfg->seed, DNC_NORMALS_BOX_MULLER, layer, conv * cfg->channels, cfg->channels, cfg->sigma_b,
                           b);
}

void dnc_cnn_layer_weights(const dnc_cnn_config *cfg, size_t layer, double *W)
{
    dnc_cnn_block_weights(cfg, layer, 0, W);
}

void dnc_cnn_layer_bias(const dnc_cnn_config *cfg, size_t layer, double *b)
{
    dnc_cnn_block_bias(cfg, layer, 0, b);
}

void dnc_cnn_local_weights(const dnc_cnn_config *cfg, size_t layer, size_t site0, size_t nsites,
                           double *W)
{
    dnc_network_weight_rows(cfg->seed, DNC_NORMALS_BOX_MULLER, layer, site0 * cfg->channels, nsites * cfg->channels,
                            dnc_cnn_fan_in(cfg, layer), cfg->sigma_w, W);
}

void dnc_cnn_local_bias(const dnc_cnn_config *cfg, size_t layer, size_t site0, size_t nsites,
                        double *b)
{
    dnc_network_bias_range(cfg->seed, DNC_NORMALS_BOX_MULLER, layer, site0 * cfg->channels, nsites * cfg->channels,
                           cfg->sigma_b, b);
}

dnc_status dnc_cnn_sharing_parse(const char *name, dnc_cnn_sharing *out)
{
    if (name && !strcmp(name, "shared"))
        *out = DNC_CNN_SHARED;
    else if (name && !strcmp(name, "local"))
        *out = DNC_CNN_LOCAL;
    else
        return dnc_fail(DNC_EINVAL, "weight sharing must be 'shared' or 'local', got '%s'",
                        name ? name : "(null)");
    return DNC_OK;
}

const char *dnc_cnn_sharing_name(dnc_cnn_sharing s)
{
    return s == DNC_CNN_LOCAL ? "local" : "shared";
}

static const char *const norm_names[] = {"none", "batch-train", "batch-eval"};

dnc_status dnc_cnn_norm_parse(const char *name, dnc_cnn_norm *out)
{
    for (int k = 0; k < 3; k++)
        if (name && !strcmp(name, norm_names[k])) {
            *out = (dnc_cnn_norm)k;
            return DNC_OK;
        }
    return dnc_fail(DNC_EINVAL, "normalisation must be none, batch-train or batch-eval, got '%s'",
                    name ? name : "(null)");
}

const char *dnc_cnn_norm_name(dnc_cnn_norm n)
{
    return n >= DNC_CNN_NORM_NONE && n <= DNC_CNN_NORM_BATCH_EVAL ? norm_names[n] : "none";
}
