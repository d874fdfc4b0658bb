/* The summary step of train-sweep (train_sweep_summary.c); not public API. */
#ifndef DNNCRIT_TRAIN_SWEEP_SUMMARY_H
#define DNNCRIT_TRAIN_SWEEP_SUMMARY_H

#include <cjson/cJSON.h>

#include "dnncrit/train_sweep.h"

/* From the points of the whole grid (read back from their files, in index
 * order): writes DIR/sweep.csv and DIR/landscape.csv, adds "results" and
 * "outputs" to the record and prints the tables unless s->quiet. */
dnc_status dnc_train_sweep_summarise(const dnc_train_sweep_spec *s, const char *dir,
                                     const dnc_train_point_result *pts, cJSON *record);

#endif
