/* The table of sweep types: every experiment kind a sweep description can
 * name, each a plug-in in its own file (sweep_types.h). Adding a type = a
 * sweep_type_<name>.c with a params table, a columns table, validate() and
 * run(), and one line here. */
#include <string.h>

#include "app/sweep_types.h"

static const dnc_sweep_experiment *const experiments[] = {
    &dnc_sweep_type_meanfield,  &dnc_sweep_type_propagate, &dnc_sweep_type_exponents,
    &dnc_sweep_type_avalanches, &dnc_sweep_type_dp,        &dnc_sweep_type_train,
};

size_t dnc_sweep_experiment_count(void) { return DNC_COUNT(experiments); }

const dnc_sweep_experiment *dnc_sweep_experiment_at(size_t i)
{
    return i < DNC_COUNT(experiments) ? experiments[i] : NULL;
}

const dnc_sweep_experiment *dnc_sweep_find_experiment(const char *name)
{
    for (size_t i = 0; i < DNC_COUNT(experiments); i++)
        if (strcmp(experiments[i]->name, name) == 0)
            return experiments[i];
    return NULL;
}

const char *dnc_sweep_experiment_list(void)
{
    static _Thread_local char list[256];
    list[0] = '\0';
    for (size_t i = 0; i < DNC_COUNT(experiments); i++) {
        if (i)
            strcat(list, ", ");
        strcat(list, experiments[i]->name);
    }
    return list;
}
