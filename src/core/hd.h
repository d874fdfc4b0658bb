/* Functions compiled for both the CPU (C17) and, in the optional CUDA
 * backend, the GPU (nvcc, C++): one source for the arithmetic that must
 * give the same numbers on both, e.g. the Philox weights of a network. */
#ifndef DNNCRIT_HD_H
#define DNNCRIT_HD_H

#ifdef __CUDACC__
#define DNC_HD static __host__ __device__ __forceinline__
#else
#define DNC_HD __attribute__((always_inline)) static inline
#endif
/* Unrolls the 10 rounds of Philox in full */
#if defined(__CUDA_ARCH__)
#define DNC_UNROLL10 _Pragma("unroll")
#elif defined(__CUDACC__) /* host side of a .cu file: not a hot path */
#define DNC_UNROLL10
#else
#define DNC_UNROLL10 _Pragma("GCC unroll 10")
#endif

#endif
