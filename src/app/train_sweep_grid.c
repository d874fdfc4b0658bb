/* The grid of a trainability sweep: its size, the sigma_w a grid value
 * stands for (absolute, or a multiple of the critical one) and the
 * configuration of point i (sigma_w outermost, then sigma_b, depth, width,
 * seed fastest). */
#include "dnncrit/train_sweep.h"

#include "dnncrit/meanfield.h"

size_t dnc_train_sweep_npoints(const dnc_train_sweep_spec *s)
{
    return s->n_sigma_w * s->n_sigma_b * s->n_depth * s->n_width * s->seeds;
}

dnc_status dnc_train_sweep_sigma_w(const dnc_train_sweep_spec *s, double value, double sigma_b,
                                   double *sigma_w)
{
    *sigma_w = value;
    if (!s->sigma_w_relative)
        return DNC_OK;
    double crit;
    dnc_status st = dnc_mf_critical_sigma_w(s->base.net.activation, sigma_b, &crit);
    if (st) /* a grid the activation cannot have: bad input */
        return dnc_fail(DNC_EINVAL, "sigma_w relative to the critical one: %s at sigma_b = %g has none (%s)",
                        dnc_activation_name(s->base.net.activation), sigma_b, dnc_last_error());
    *sigma_w = value * crit;
    return DNC_OK;
}

dnc_status dnc_train_sweep_point_config(const dnc_train_sweep_spec *s, size_t index,
                                        dnc_train_config *cfg)
{
    *cfg = s->base;
    size_t i = index;
    size_t is = i % s->seeds;
    i /= s->seeds;
    size_t iN = i % s->n_width;
    i /= s->n_width;
    size_t iL = i % s->n_depth;
    i /= s->n_depth;
    size_t ib = i % s->n_sigma_b;
    i /= s->n_sigma_b;
    cfg->net.sigma_b = s->sigma_b[ib];
    cfg->net.depth = s->depth[iL];
    cfg->net.width = s->width[iN];
    cfg->net.seed = s->seed0 + is;
    cfg->quiet = true;
    return dnc_train_sweep_sigma_w(s, s->sigma_w[i], cfg->net.sigma_b, &cfg->net.sigma_w);
}
