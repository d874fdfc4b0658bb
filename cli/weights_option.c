/* --weights FILE, as `propagate` and `avalanches` take it: the options that
 * describe a random network do not apply, and the file's network (its widths,
 * depth and weights) is opened with a note when its readout is left out. */
#include <stdio.h>

#include "cli.h"
#include "dnncrit/weights.h"

bool cli_weights_drawn_option(const cli_command *cli, const char *const *drawn, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cli_seen(cli, drawn[i])) {
            dnc_fail(DNC_EINVAL, "--%s does not apply with --weights (the file gives the "
                                 "layer widths, depth and every weight)",
                     drawn[i]);
            return true;
        }
    return false;
}

dnc_status cli_weights_open(const char *command, const char *path, dnc_mlp_config *net,
                            dnc_weights **w)
{
    bool dropped = false;
    dnc_status st = dnc_weights_open(path, w);
    if (!st)
        st = dnc_weights_mlp_config(*w, net, &dropped);
    if (st || !dropped)
        return st;
    /* on stderr even under --quiet: the last layer is not in the results */
    size_t L = dnc_weights_nlayers(*w), out, in;
    dnc_weights_layer_shape(*w, L, &out, &in);
    fprintf(stderr,
            "dnncrit %s: note: %s: the last layer '%s' (%zu x %zu) is left out: its width "
            "differs from the hidden width %zu (a readout); layers 1..%zu are used\n",
            command, path, dnc_weights_layer_name(*w, L), out, in, net->width, net->depth);
    return DNC_OK;
}
