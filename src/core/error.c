#include "dnncrit/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_message[1024];

dnc_status dnc_fail(dnc_status code, const char *fmt, ...)
{
    /* Format into a scratch buffer first: callers may pass dnc_last_error()
     * as an argument to prefix context to the previous message. */
    char message[sizeof last_message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    memcpy(last_message, message, sizeof message);
    return code;
}

const char *dnc_last_error(void) { return last_message; }

void dnc_clear_error(void) { last_message[0] = '\0'; }
