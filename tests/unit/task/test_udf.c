/* Test libraries for the loader's error cases: built with TEST_UDF_VERSION it reports that
 * (wrong) API version; built without it, it exports no version function at all. */
#include "regent/operator_api.h"

#ifdef TEST_UDF_VERSION
REGENT_EXPORT int regent_operator_api_version(void) { return TEST_UDF_VERSION; }
#endif

REGENT_EXPORT int64_t times_ten(int64_t x) { return (int64_t)((uint64_t)x * 10u); }
