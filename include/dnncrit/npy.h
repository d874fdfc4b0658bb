/* NumPy .npy arrays (format versions 1.0, 2.0 and 3.0, as numpy.save writes
 * them): the header dict {'descr', 'fortran_order', 'shape'} and the raw
 * data, read into doubles in C (row-major) order. A gzip'd .npy (magic
 * 1f 8b, whatever the name) is decompressed first (dnc_read_file).
 *
 * dtypes: bool ('|b1'), signed and unsigned integers of 1, 2, 4 and 8 bytes
 * ('i1'..'i8', 'u1'..'u8') and floats of 2, 4 and 8 bytes ('f2', 'f4', 'f8'), either
 * byte order ('<', '>', '|', '='). Integers beyond 2^53 lose precision in the
 * conversion. Structured, object, complex, string and datetime dtypes are
 * refused. Every malformed file (bad magic, truncated header or data, a
 * header that is not the dict numpy writes, a shape whose size overflows,
 * bytes after the data) is DNC_EINVAL naming the file and the problem. */
#ifndef DNNCRIT_NPY_H
#define DNNCRIT_NPY_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>

#include "dnncrit/error.h"

#define DNC_NPY_MAX_DIMS 32 /* numpy's own limit */

typedef struct {
    size_t ndim;                    /* 0 for a scalar */
    size_t shape[DNC_NPY_MAX_DIMS]; /* [ndim] */
    size_t n;                       /* product of shape (1 for a scalar) */
    double *v;                      /* [n] C order, whatever fortran_order was */
    char dtype[8];                  /* the descr as written, e.g. "<f8" */
    bool fortran_order;             /* as the header said */
} dnc_npy;

/* Parses the bytes of a .npy file; `name` names it in errors. */
dnc_status dnc_npy_parse(const void *bytes, size_t len, const char *name, dnc_npy *out);
/* Reads a .npy file (plain or gzip'd). */
dnc_status dnc_npy_read(const char *path, dnc_npy *out);
/* True when the bytes start with the .npy magic "\x93NUMPY". */
bool dnc_npy_is_npy(const void *bytes, size_t len);
void dnc_npy_free(dnc_npy *a);

DNC_END_DECLS
#endif
