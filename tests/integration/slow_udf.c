/* A user library for the tests: a map function that takes its time (300 ms a record), so a
 * cancelled subtask running it ends only once the record in hand is done — the shape of a
 * user function that calls out to a slow service. */
#define _POSIX_C_SOURCE 199309L
#include <time.h>

#include "regent/operator_api.h"

REGENT_DEFINE_OPERATOR_API_VERSION

/* x, after 300 ms */
REGENT_EXPORT int64_t slow_identity(int64_t x) {
  struct timespec t = {0, 300 * 1000 * 1000};
  while (nanosleep(&t, &t) != 0) {
  }
  return x;
}
