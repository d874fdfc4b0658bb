/* A trained MLP saved as safetensors (dnncrit/weights.h) in the naming of a
 * PyTorch nn.Sequential, so that torch and `dnncrit propagate --weights`
 * read it back; see dnc_mlp_model_save in train.h. */
#include <stdio.h>
#include <stdlib.h>

#include "dnncrit/train.h"
#include "dnncrit/weights.h"

dnc_status dnc_mlp_model_save(const dnc_mlp_model *m, const char *path, dnc_weights_dtype dtype)
{
    const dnc_train_config *cfg = dnc_mlp_model_config(m);
    if (cfg->model != DNC_MODEL_MLP)
        return dnc_fail(DNC_EUNSUPPORTED, "saving a model: only MLPs are saved (as Linear "
                                          "layers), not the %s",
                        dnc_model_kind_name(cfg->model));
    size_t L = cfg->net.depth + 1, N = cfg->net.width;
    dnc_tensor_view *t = calloc(2 * L, sizeof *t);
    char (*names)[32] = calloc(2 * L, sizeof *names);
    double **data = calloc(2 * L, sizeof *data);
    dnc_status st = t && names && data ? DNC_OK : dnc_fail(DNC_ENOMEM, "out of memory");
    for (size_t l = 1; l <= L && !st; l++) {
        size_t in = l == 1 ? cfg->net.input_width : N, out = l < L ? N : cfg->nclasses;
        size_t k = 2 * (l - 1);
        data[k] = malloc(out * in * sizeof *data[k]);
        data[k + 1] = malloc(out * sizeof *data[k + 1]);
        if (!data[k] || !data[k + 1]) {
            st = dnc_fail(DNC_ENOMEM, "out of memory for layer %zu", l);
            break;
        }
        /* Linear layers at Sequential indices 0, 2, 4, ...: an activation between */
        snprintf(names[k], sizeof names[k], "%zu.weight", k);
        snprintf(names[k + 1], sizeof names[k + 1], "%zu.bias", k);
        t[k] = (dnc_tensor_view){names[k], out, in, data[k]};
        t[k + 1] = (dnc_tensor_view){names[k + 1], out, 0, data[k + 1]};
        st = dnc_mlp_model_layer(m, l, data[k], data[k + 1]);
    }
    if (!st) {
        char width[32], depth[32];
        snprintf(width, sizeof width, "%zu", N);
        snprintf(depth, sizeof depth, "%zu", cfg->net.depth);
        const char *meta[] = {"format", "pt",    "activation",
                              dnc_activation_name(cfg->net.activation),
                              "width",  width,   "hidden_layers", depth};
        st = dnc_safetensors_write(path, t, 2 * L, dtype, meta, 4);
    }
    for (size_t i = 0; data && i < 2 * L; i++)
        free(data[i]);
    free(data);
    free(names);
    free(t);
    return st;
}
