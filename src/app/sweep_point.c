/* Typed access to the parameter values of one sweep point: the small
 * sweep-core API the type plug-ins (sweep_type_*.c) are written against. */
#include <string.h>

#include "dnncrit/sweep.h"

static size_t param_index(const dnc_sweep_experiment *e, const char *name)
{
    for (size_t k = 0; k < e->nparams; k++)
        if (strcmp(e->params[k].name, name) == 0)
            return k;
    return (size_t)-1;
}

/* Experiments ask only for names in their own schema; a typo there is a
 * programming error that the registry test catches, so fall back to 0. */
static const dnc_sweep_value *lookup(const dnc_sweep_point *p, const char *name)
{
    static const dnc_sweep_value zero = {0, 0, ""};
    size_t k = param_index(p->exp, name);
    return k == (size_t)-1 ? &zero : &p->values[k];
}

double dnc_sweep_get_double(const dnc_sweep_point *p, const char *name)
{
    return lookup(p, name)->d;
}
size_t dnc_sweep_get_size(const dnc_sweep_point *p, const char *name)
{
    return (size_t)lookup(p, name)->u;
}
uint64_t dnc_sweep_get_u64(const dnc_sweep_point *p, const char *name)
{
    return lookup(p, name)->u;
}
dnc_activation dnc_sweep_get_activation(const dnc_sweep_point *p, const char *name)
{
    return (dnc_activation)lookup(p, name)->u;
}
bool dnc_sweep_get_bool(const dnc_sweep_point *p, const char *name)
{
    return lookup(p, name)->u != 0;
}
int dnc_sweep_get_choice(const dnc_sweep_point *p, const char *name)
{
    return (int)lookup(p, name)->u;
}
const char *dnc_sweep_get_string(const dnc_sweep_point *p, const char *name)
{
    const char *s = lookup(p, name)->s;
    return s ? s : "";
}
