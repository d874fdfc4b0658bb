/* The network and initialisation parameters (dnncrit/network.h): the
 * declarations with the library's defaults, the configuration they make and
 * its validation against their domains. */
#include <math.h>

#include "dnncrit/network.h"
#include "models/network_common.h"

const dnc_param dnc_net_param_width = DNC_NET_PARAM_WIDTH("256");
const dnc_param dnc_net_param_depth = DNC_NET_PARAM_DEPTH("100");
const dnc_param dnc_net_param_input_width = DNC_NET_PARAM_INPUT_WIDTH("0");
const dnc_param dnc_net_param_activation = DNC_NET_PARAM_ACTIVATION("tanh");
const dnc_param dnc_net_param_sigma_w = DNC_NET_PARAM_SIGMA_W("1");
const dnc_param dnc_net_param_sigma_b = DNC_NET_PARAM_SIGMA_B("0");
const dnc_param dnc_net_param_seed = DNC_NET_PARAM_SEED("1");
const dnc_param dnc_net_param_normals = DNC_NET_PARAM_NORMALS("box-muller");

/* The declared defaults are constants that parse (tests/test_param.c), so
 * the statuses below are never errors. */
static uint64_t integer_default(const dnc_param *p)
{
    uint64_t v = 0;
    (void)dnc_param_default_integer(p, &v);
    return v;
}

static double double_default(const dnc_param *p)
{
    double v = NAN;
    (void)dnc_param_default_double(p, &v);
    return v;
}

dnc_mlp_config dnc_mlp_config_default(void)
{
    dnc_mlp_config c = {
        .width = (size_t)integer_default(&dnc_net_param_width),
        .depth = (size_t)integer_default(&dnc_net_param_depth),
        .input_width = (size_t)integer_default(&dnc_net_param_input_width),
        .activation = DNC_ACT_TANH,
        .sigma_w = double_default(&dnc_net_param_sigma_w),
        .sigma_b = double_default(&dnc_net_param_sigma_b),
        .seed = integer_default(&dnc_net_param_seed),
        .normals = DNC_NORMALS_BOX_MULLER,
    };
    (void)dnc_activation_parse(dnc_net_param_activation.default_value, &c.activation);
    return c;
}

/* The checks of the shared parameter declarations, so
 * that the MLP and the CNN refuse a value with the same words. */
dnc_status dnc_network_validate_depth(size_t depth)
{
    return dnc_param_check_integer(&dnc_net_param_depth, NULL, depth);
}

dnc_status dnc_network_validate_init(dnc_activation activation, double sigma_w, double sigma_b)
{
    dnc_status st;
    if (activation < 0 || activation >= DNC_ACT_COUNT)
        return dnc_fail(DNC_EINVAL, "invalid activation code %d", (int)activation);
    if ((st = dnc_param_check_double(&dnc_net_param_sigma_w, NULL, sigma_w)))
        return st;
    return dnc_param_check_double(&dnc_net_param_sigma_b, NULL, sigma_b);
}

dnc_status dnc_mlp_config_validate(const dnc_mlp_config *cfg)
{
    dnc_status st;
    if ((st = dnc_param_check_integer(&dnc_net_param_width, NULL, cfg->width)) ||
        (st = dnc_network_validate_depth(cfg->depth)) ||
        (st = dnc_param_check_integer(&dnc_net_param_input_width, "input width",
                                      cfg->input_width)))
        return st;
    if (cfg->normals != DNC_NORMALS_BOX_MULLER && cfg->normals != DNC_NORMALS_ZIGGURAT)
        return dnc_fail(DNC_EINVAL, "invalid normal transform code %d", (int)cfg->normals);
    return dnc_network_validate_init(cfg->activation, cfg->sigma_w, cfg->sigma_b);
}
