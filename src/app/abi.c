/* The ABI description of dnncrit/abi.h: the version and the sizes of the
 * public structs that bindings mirror. */
#include "dnncrit/abi.h"

#include <string.h>

#include "dnncrit/avalanche.h"
#include "dnncrit/meanfield.h"
#include "dnncrit/powerlaw.h"
#include "dnncrit/propagate.h"
#include "dnncrit/scaling.h"
#include "dnncrit/version.h"

const char *dnc_abi_version(void)
{
    return DNNCRIT_VERSION;
}

#define TYPE(t) {#t, sizeof(t)}

static const struct {
    const char *name;
    size_t size;
} types[] = {
    TYPE(dnc_mlp_config),    TYPE(dnc_propagate_opts), TYPE(dnc_propagate_result),
    TYPE(dnc_mf_params),     TYPE(dnc_mf_point),       TYPE(dnc_pl_opts),
    TYPE(dnc_pl_fit),        TYPE(dnc_pl_compare),     TYPE(dnc_estimate),
    TYPE(dnc_series),        TYPE(dnc_decay_opts),     TYPE(dnc_decay_result),
    TYPE(dnc_uclass),        TYPE(dnc_uclass_match),   TYPE(dnc_avalanches),
    TYPE(dnc_activity),      TYPE(dnc_avalanche_opts), TYPE(dnc_avalanche_analysis),
    TYPE(dnc_size_duration), TYPE(dnc_crackling),      TYPE(dnc_shape_collapse),
};

size_t dnc_abi_sizeof(const char *type)
{
    for (size_t i = 0; type && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(type, types[i].name) == 0)
            return types[i].size;
    return 0;
}
