/* Layer-time avalanches of a random 1D ResNet with batch normalisation
 * (dnc_cnn_avalanches, dnncrit/avalanche.h; docs/cnn.md, "ResNets with batch
 * normalisation"): C = 16 channels, 128 sites, k = 3, tanh, sigma_b = 0.3,
 * residual pre-activation blocks of two convolutions, B = 8 inputs per
 * network; unit (c, s) is active when |h| > theta s_l, s_l the standard
 * deviation of layer l over the batch (the layer scope: a layer-dependent
 * threshold).
 *
 *   cc -std=c17 examples/resnet_avalanches.c $(pkg-config --cflags --libs dnncrit) \
 *       -o resnet_avalanches
 *   ./resnet_avalanches [NORM [SIGMA_W [THETA [NETWORKS [DEPTH]]]]]
 *
 * Defaults: batch-train 1.5 3.5 64 100. */
#include <stdio.h>
#include <stdlib.h>

#include <dnncrit.h>

static int failed(const char *what)
{
    fprintf(stderr, "resnet_avalanches: %s: %s\n", what, dnc_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    dnc_cnn_aval_opts o = dnc_cnn_aval_opts_default();
    dnc_cnn_config *net = &o.cnn.net;
    net->channels = 16;
    net->size_x = 128;
    net->sigma_b = 0.3;
    net->residual = true;
    net->residual_alpha = 1.0;
    net->block = 2;
    if (dnc_cnn_norm_parse(argc > 1 ? argv[1] : "batch-train", &net->norm) != DNC_OK)
        return failed("normalisation");
    net->sigma_w = argc > 2 ? atof(argv[2]) : 1.5;
    o.threshold = argc > 3 ? atof(argv[3]) : 3.5;
    o.networks = argc > 4 ? (size_t)atol(argv[4]) : 64;
    net->depth = argc > 5 ? (size_t)atol(argv[5]) : 100;
    o.cnn.batch = 8;
    o.rule = DNC_NET_PRE;
    o.scope = DNC_SCOPE_LAYER;

    dnc_cnn_aval_result r;
    if (dnc_cnn_avalanches(&o, &r) != DNC_OK)
        return failed("avalanches");
    printf("norm %s, sigma_w %g, theta %g: %zu networks x %zu inputs, %zu avalanches, %zu "
           "trials active at the last layer, active fraction at layer %zu: %.3g\n",
           dnc_cnn_norm_name(net->norm), net->sigma_w, o.threshold, o.networks, o.cnn.batch,
           r.av.count, r.cut, r.depth / 2, r.active_mean[r.depth / 2 - 1]);
    if (r.analysed) {
        const dnc_avalanche_analysis *a = &r.analysis;
        printf("tau   = %.3f +- %.3f (xmin %g, %zu in the tail)\n", a->size.alpha,
               a->size.alpha_err, a->size.xmin, a->size.n_tail);
        printf("alpha = %.3f +- %.3f (xmin %g, %zu in the tail)\n", a->duration.alpha,
               a->duration.alpha_err, a->duration.xmin, a->duration.n_tail);
        if (a->gamma_ok)
            printf("gamma = %.3f +- %.3f\n", a->sd.gamma, a->sd.gamma_err);
        else
            printf("gamma not fitted: %s\n", a->gamma_error);
    } else {
        printf("not fitted: %s\n", r.analysis_error);
    }
    dnc_cnn_aval_result_free(&r);
    return 0;
}
