/* Where the heavy arithmetic of a propagation runs.
 *   DNC_DEVICE_CPU   the OpenMP + OpenBLAS engine (always built).
 *   DNC_DEVICE_CUDA  the optional CUDA backend (cmake -DDNNCRIT_WITH_CUDA=ON,
 *                    needs nvcc, cuBLAS and a GPU at run time). Weights are
 *                    drawn on the GPU by the same Philox arithmetic as on the
 *                    CPU (src/rng_core.h), bit for bit; products run in
 *                    cuBLAS DGEMM, whose summation order differs from
 *                    OpenBLAS, so observables agree to rounding. */
#ifndef DNNCRIT_DEVICE_H
#define DNNCRIT_DEVICE_H
#include "dnncrit/export.h"
DNC_BEGIN_DECLS

#include <stdbool.h>
#include <stddef.h>

#include "dnncrit/error.h"

typedef enum { DNC_DEVICE_CPU = 0, DNC_DEVICE_CUDA = 1 } dnc_device_kind;

/* "cpu" / "cuda"; parsing returns DNC_EINVAL naming `s`. */
const char *dnc_device_name(dnc_device_kind d);
dnc_status dnc_device_parse(const char *s, dnc_device_kind *out);

/* True when this library was built with the CUDA backend. */
bool dnc_cuda_built(void);
/* Describes the GPU the CUDA backend would use (name, compute capability,
 * memory) into buf. DNC_EUNSUPPORTED with the reason when there is none:
 * built without CUDA, no GPU or no driver, or a driver error. */
dnc_status dnc_cuda_describe(char *buf, size_t len);
/* DNC_OK when device d can run here (always for the CPU); else the reason,
 * as dnc_cuda_describe. For checking a request before any work starts. */
dnc_status dnc_device_available(dnc_device_kind d);

DNC_END_DECLS
#endif
