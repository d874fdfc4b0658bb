/* Helpers shared by the sweep type plug-ins (sweep_types.h). */
#include <math.h>

#include "app/sweep_types.h"

cJSON *dnc_sweep_array_json(const double *x, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, isfinite(x[i]) ? cJSON_CreateNumber(x[i]) : cJSON_CreateNull());
    return a;
}

dnc_mlp_config dnc_sweep_network_of(const dnc_sweep_point *p)
{
    dnc_mlp_config c = dnc_mlp_config_default();
    c.activation = dnc_sweep_get_activation(p, "activation");
    c.sigma_w = dnc_sweep_get_double(p, "sigma_w");
    c.sigma_b = dnc_sweep_get_double(p, "sigma_b");
    c.width = dnc_sweep_get_size(p, "width");
    c.depth = dnc_sweep_get_size(p, "depth");
    c.seed = dnc_sweep_get_u64(p, "seed");
    return c;
}
