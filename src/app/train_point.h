/* Shared by train_point.c and train_sweep_summary.c; not public API. */
#ifndef DNNCRIT_TRAIN_POINT_H
#define DNNCRIT_TRAIN_POINT_H

#include <cjson/cJSON.h>

/* o[key] = v, or null when v is not finite (JSON has no NaN or inf). */
void dnc_json_add_finite(cJSON *o, const char *key, double v);

#endif
