/* The operator API for user code: the small C ABI a user library is built against.
 *
 * A user library is a shared object (.so) uploaded with a job and loaded by the taskmanagers
 * with dlopen (DESIGN §4). It is plain C so it can be written in C or C++ and built by any
 * compiler without sharing Regent's C++ ABI.
 *
 * Records are 64-bit signed integers. A library exports:
 *
 *   int regent_operator_api_version(void);   returns REGENT_OPERATOR_API_VERSION
 *   int64_t <name>(int64_t record);          one per map function, any C identifier as name
 *
 * A job spec names a map function with {"type": "map", "function": "<name>", "library": ...}.
 *
 * Rules for map functions:
 *   - pure: the result depends only on the argument (a record may be processed again after a
 *     failover; exactly-once output relies on the same input giving the same output);
 *   - thread-safe: subtasks of a job run them concurrently on their own threads;
 *   - no exceptions, longjmp or exit across the boundary: a C++ library must catch everything
 *     inside the function (declare it noexcept);
 *   - no global state that must be torn down: the library may be unloaded (dlclose) when the
 *     subtask ends.
 *
 * Minimal library:
 *
 *   #include "regent/operator_api.h"
 *   REGENT_DEFINE_OPERATOR_API_VERSION
 *   REGENT_EXPORT int64_t times_ten(int64_t x) { return x * 10; }
 */
#ifndef REGENT_OPERATOR_API_H
#define REGENT_OPERATOR_API_H

#include <stdint.h>

/* The version of this ABI. A library built against another version is refused at load time. */
#define REGENT_OPERATOR_API_VERSION 1

/* The name of the version function Regent looks up. */
#define REGENT_OPERATOR_API_VERSION_SYMBOL "regent_operator_api_version"

#ifdef __cplusplus
#define REGENT_EXTERN_C extern "C"
#else
#define REGENT_EXTERN_C
#endif

/* Marks a function as exported with C linkage, also under -fvisibility=hidden. */
#define REGENT_EXPORT REGENT_EXTERN_C __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

/* The signature of a map function: one record in, one record out. */
typedef int64_t (*regent_map_fn)(int64_t record);

/* The signature of the version function every library exports. */
typedef int (*regent_api_version_fn)(void);

#ifdef __cplusplus
}
#endif

/* Defines regent_operator_api_version() returning the version this file declares. Put it in
 * exactly one source file of the library. */
#define REGENT_DEFINE_OPERATOR_API_VERSION \
  REGENT_EXPORT int regent_operator_api_version(void) { return REGENT_OPERATOR_API_VERSION; }

#endif /* REGENT_OPERATOR_API_H */
