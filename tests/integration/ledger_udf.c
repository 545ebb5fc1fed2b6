/* A user library for the tests (a probe, not a pure function): `ledger_identity` returns its
 * record and appends it, one decimal line, to the file named by the environment variable
 * REGENT_TEST_LEDGER of the taskmanager process. The ledger so holds every record the
 * operators ever processed, including output that was never committed or was rolled back:
 * a record that appears twice was produced twice (reprocessed after a failover). */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "regent/operator_api.h"

REGENT_DEFINE_OPERATOR_API_VERSION

static int ledger_fd(void) {
  static int fd = -2; /* opened once; a data race at the first record opens it at most twice */
  if (fd == -2) {
    const char* path = getenv("REGENT_TEST_LEDGER");
    fd = path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
  }
  return fd;
}

/* x, recorded in the ledger */
REGENT_EXPORT int64_t ledger_identity(int64_t x) {
  char line[32];
  int n = snprintf(line, sizeof line, "%lld\n", (long long)x);
  int fd = ledger_fd();
  if (fd >= 0 && n > 0) {
    ssize_t written = write(fd, line, (size_t)n); /* O_APPEND: one line lands whole */
    (void)written;
  }
  return x;
}
