/* Linkage and visibility of the public API. Every public header opens its
 * declarations with DNC_BEGIN_DECLS and closes them with DNC_END_DECLS:
 *   - in C++ they are declared extern "C", so C++ programs link to the C
 *     library;
 *   - with GCC and clang they get default visibility: the library is compiled
 *     with -fvisibility=hidden, so libdnncrit.so exports what the public
 *     headers declare and nothing else (internal headers sit beside their
 *     sources in src/<layer>/ and do not use these macros). */
#ifndef DNNCRIT_EXPORT_H
#define DNNCRIT_EXPORT_H

#ifdef __cplusplus
/* The C headers the public ones use, included here, outside extern "C"
 * (C++ allows a standard header only outside a linkage specification). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#define DNC_EXTERN_C_BEGIN extern "C" {
#define DNC_EXTERN_C_END }
#else
#define DNC_EXTERN_C_BEGIN
#define DNC_EXTERN_C_END
#endif

#if defined(__GNUC__)
#define DNC_VISIBILITY_PUSH _Pragma("GCC visibility push(default)")
#define DNC_VISIBILITY_POP _Pragma("GCC visibility pop")
#else
#define DNC_VISIBILITY_PUSH
#define DNC_VISIBILITY_POP
#endif

#define DNC_BEGIN_DECLS DNC_EXTERN_C_BEGIN DNC_VISIBILITY_PUSH
#define DNC_END_DECLS DNC_VISIBILITY_POP DNC_EXTERN_C_END

#endif
