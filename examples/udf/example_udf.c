/* An example user library for Regent: two map functions over int64 records.
 *
 * Built against include/regent/operator_api.h only; loaded by the taskmanagers with dlopen.
 * Both functions are pure and thread-safe; arithmetic wraps on overflow (done in uint64_t so
 * it is defined behaviour) instead of trapping. */
#include "regent/operator_api.h"

REGENT_DEFINE_OPERATOR_API_VERSION

/* The offset plus_offset adds. */
#define EXAMPLE_OFFSET 1000000

/* x * 10 */
REGENT_EXPORT int64_t times_ten(int64_t x) { return (int64_t)((uint64_t)x * 10u); }

/* x + 1000000 */
REGENT_EXPORT int64_t plus_offset(int64_t x) { return (int64_t)((uint64_t)x + EXAMPLE_OFFSET); }
