/* GSL's default error handler prints and calls abort(): the library must
 * never abort, so every module that calls GSL switches the handler off
 * (once per process, thread-safe) and checks the returned status codes and
 * the values itself. Internal: not part of the public API. */
#ifndef DNNCRIT_GSL_QUIET_H
#define DNNCRIT_GSL_QUIET_H

/* Installs gsl_set_error_handler_off() the first time it is called. */
void dnc_gsl_quiet(void);

#endif
