#include "core/gsl_quiet.h"

#include <pthread.h>

#include <gsl/gsl_errno.h>

static pthread_once_t gsl_quiet_once = PTHREAD_ONCE_INIT;

static void install_handler_off(void) { gsl_set_error_handler_off(); }

void dnc_gsl_quiet(void) { pthread_once(&gsl_quiet_once, install_handler_off); }
