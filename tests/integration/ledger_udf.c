/* A user library for the tests (a probe, not a pure function): `ledger_identity` returns its
 * record and appends it, one decimal line, to the file named by the environment variable
 * REGENT_TEST_LEDGER of the taskmanager process. The ledger so holds every record the
 * operators ever processed, including output that was never committed or was rolled back:
 * a record that appears twice was produced twice (reprocessed after a failover).
 *
 * While the file named by REGENT_TEST_HOLD exists, every record takes 10 ms more: a test holds
 * a job back so that it cannot run out of input while the test still kills leaders, however
 * loaded the machine is, and releases it (removes the file) to let the job finish. The
 * subtask sees checkpoint commands between records, so a held job checkpoints as usual. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
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

static void wait_while_held(void) {
  const char* hold = getenv("REGENT_TEST_HOLD");
  if (hold && access(hold, F_OK) == 0) {
    struct timespec pause = {0, 10 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
}

/* x, recorded in the ledger */
REGENT_EXPORT int64_t ledger_identity(int64_t x) {
  wait_while_held();
  char line[32];
  int n = snprintf(line, sizeof line, "%lld\n", (long long)x);
  int fd = ledger_fd();
  if (fd >= 0 && n > 0) {
    ssize_t written = write(fd, line, (size_t)n); /* O_APPEND: one line lands whole */
    (void)written;
  }
  return x;
}
