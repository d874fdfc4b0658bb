/* dnncrit: deep networks as systems at an absorbing phase transition.
 * The whole public API in one include; link with
 *     cc prog.c $(pkg-config --cflags --libs dnncrit)
 * Every header also stands alone (dnncrit/<module>.h). The API is C17, and
 * C++ programs can include it too (extern "C"). */
#ifndef DNNCRIT_H
#define DNNCRIT_H

#include "dnncrit/export.h"
#include "dnncrit/version.h"
#include "dnncrit/abi.h"

/* core: errors, random numbers, activations, files, tables, .npy arrays, data sets */
#include "dnncrit/activation.h"
#include "dnncrit/dataset.h"
#include "dnncrit/error.h"
#include "dnncrit/io.h"
#include "dnncrit/json.h"
#include "dnncrit/npy.h"
#include "dnncrit/param.h"
#include "dnncrit/rng.h"
#include "dnncrit/table.h"

/* models and engines: networks and their propagation */
#include "dnncrit/cnn_net.h"
#include "dnncrit/cnn.h"
#include "dnncrit/device.h"
#include "dnncrit/network.h"
#include "dnncrit/observables.h"
#include "dnncrit/propagate.h"
#include "dnncrit/weights.h"

/* analysis: mean field, exponents and scaling, DP, avalanches, power laws, Langevin theory */
#include "dnncrit/advise.h"
#include "dnncrit/avalanche.h"
#include "dnncrit/dp.h"
#include "dnncrit/langevin.h"
#include "dnncrit/meanfield.h"
#include "dnncrit/powerlaw.h"
#include "dnncrit/scaling.h"
#include "dnncrit/spreading.h"

/* training */
#include "dnncrit/train.h"
#include "dnncrit/train_report.h"

/* app: sweeps, figures, reports */
#include "dnncrit/crackling.h"
#include "dnncrit/plot.h"
#include "dnncrit/report.h"
#include "dnncrit/reproduce.h"
#include "dnncrit/result.h"
#include "dnncrit/sweep.h"
#include "dnncrit/train_sweep.h"

#endif
