/* Shared by the CUDA backend's translation units (C++, nvcc only). */
#ifndef DNNCRIT_CUDA_COMMON_H
#define DNNCRIT_CUDA_COMMON_H

#include <stddef.h>

#include <cublas_v2.h>

extern "C" {
#include "dnncrit/error.h"
}

namespace dnc_cuda {

const unsigned THREADS = 256;

/* Blocks for a grid-stride loop over n elements. */
inline unsigned grid_for(size_t n)
{
    size_t blocks = (n + THREADS - 1) / THREADS;
    return blocks > 65535 ? 65535u : (unsigned)(blocks ? blocks : 1);
}

/* Checks that a GPU is usable, describes it into desc and starts cuBLAS;
 * DNC_EUNSUPPORTED naming the reason otherwise. */
dnc_status start(char *desc, size_t len, cublasHandle_t *blas);

} // namespace dnc_cuda

#define DNC_GRID_STRIDE(t, n)                                                                    \
    for (size_t t = blockIdx.x * (size_t)blockDim.x + threadIdx.x; t < (n);                      \
         t += (size_t)gridDim.x * blockDim.x)

#endif
