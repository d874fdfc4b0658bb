/* Error reporting: every fallible library call returns a dnc_status and
 * leaves a human-readable message (naming the offending value) behind. */
#ifndef DNNCRIT_ERROR_H
#define DNNCRIT_ERROR_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

typedef enum {
    DNC_OK = 0,
    DNC_EINVAL = 1, /* impossible parameter, malformed input */
    DNC_EIO = 2,    /* file missing, unreadable, unwritable */
    DNC_ENOMEM = 3, /* allocation failed */
    DNC_ENUM = 4,   /* numerical failure (no root, no convergence, NaN) */
    DNC_EUNSUPPORTED = 5 /* feature not built in or not applicable */
} dnc_status;

/* Records a printf-style message for the calling thread and returns code.
 * The arguments may include dnc_last_error() (to add context to it). */
dnc_status dnc_fail(dnc_status code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The last message recorded by this thread ("" if none). */
const char *dnc_last_error(void);
void dnc_clear_error(void);

DNC_END_DECLS
#endif
