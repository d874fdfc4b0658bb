/* The outputs of a training run, shared by `dnncrit train` and
 * `train-sweep`: one CSV row per evaluated epoch and the JSON records of the
 * configuration and of an epoch (cJSON trees, dnncrit/json.h). */
#ifndef DNNCRIT_TRAIN_REPORT_H
#define DNNCRIT_TRAIN_REPORT_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdio.h>

#include "dnncrit/json.h"
#include "dnncrit/train.h"

/* The CSV row and the epoch's JSON hold results only, a pure function of
 * the configuration and the seed: the epoch's wall time goes to the run
 * record's "timings". The header equals the columns of the result kind DNC_RESULT_TRAIN_HISTORY
 * (dnncrit/result.h), which the writers use; tests/test_result_kinds.c checks
 * that the two agree. */
#define DNC_TRAIN_CSV_HEADER                                                                  \
    "epoch,train_loss,train_acc,test_loss,test_acc,rho_first,rho_last,rho_mean,q_last,"      \
    "lyapunov,chi1_lyap,chi1_weights,susceptibility"
void dnc_train_csv_row(FILE *fp, const dnc_train_epoch *e);
/* Every field of cfg (net included). */
cJSON *dnc_train_config_json(const dnc_train_config *cfg);
cJSON *dnc_train_epoch_json(const dnc_train_epoch *e);

DNC_END_DECLS
#endif
