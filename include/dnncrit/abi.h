/* What a binding in another language needs to check that it sees the
 * library as the headers describe it: the version, and the size of each
 * public struct it mirrors (the Python module compares its ctypes layouts
 * with these at import). */
#ifndef DNNCRIT_ABI_H
#define DNNCRIT_ABI_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stddef.h>

/* The library's version, "MAJOR.MINOR.PATCH" (DNNCRIT_VERSION of its build). */
const char *dnc_abi_version(void);
/* sizeof the public type named `type` ("dnc_propagate_opts", ...); 0 for a
 * name it does not know. */
size_t dnc_abi_sizeof(const char *type);

DNC_END_DECLS
#endif
