/* libFuzzer: the weights reader of `propagate --weights` (safetensors, .npy,
 * .npz; told apart by the first bytes): open, then convert every layer and
 * build the propagation config, as the command does. */
#include <stdint.h>
#include <stdlib.h>

#include "dnncrit/weights.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_input(data, size, ".weights");
    dnc_weights *w;
    if (dnc_weights_open(path, &w) != DNC_OK)
        return 0;
    dnc_mlp_config net = dnc_mlp_config_default();
    bool dropped;
    (void)dnc_weights_mlp_config(w, &net, &dropped);
    for (size_t l = 1; l <= dnc_weights_nlayers(w); l++) {
        size_t out, in;
        dnc_weights_layer_shape(w, l, &out, &in);
        if (out * in > ((size_t)1 << 24))
            continue; /* a valid header may describe a big layer: not the reader's cost */
        double *W = malloc(out * in * sizeof *W), *b = malloc(out * sizeof *b);
        if (W && b)
            (void)dnc_weights_layer(w, l, W, b);
        free(W);
        free(b);
    }
    dnc_weights_free(w);
    return 0;
}
