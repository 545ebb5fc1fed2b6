#include "regent/harness/outside.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>

#include "regent/harness/child_process.hpp"

namespace regent::harness {

namespace fs = std::filesystem;

namespace {
/// Polls `fd` for input until `deadline`; true when it became readable.
bool readable_before(int fd, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    struct pollfd p {
      fd, POLLIN, 0
    };
    int n = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
    if (n < 0 && errno == EINTR) continue;
    return n > 0;
  }
}
}  // namespace

bool wait_pid_exited(pid_t pid, std::chrono::milliseconds timeout) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;  // gone (and reaped) already
  bool exited = readable_before(fd, std::chrono::steady_clock::now() + timeout);
  ::close(fd);
  return exited;
}

folder_writes::folder_writes(const fs::path& dir) {
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ >= 0) ::inotify_add_watch(fd_, dir.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE);
}

folder_writes::~folder_writes() {
  if (fd_ >= 0) ::close(fd_);
}

void folder_writes::wait(std::chrono::milliseconds at_most) {
  if (fd_ < 0 || !readable_before(fd_, std::chrono::steady_clock::now() + at_most)) return;
  char events[4096];
  while (::read(fd_, events, sizeof events) > 0) {
  }  // drain: the next wait is for the next write
}

std::map<long long, std::vector<std::string>> committed_records(const fs::path& dir) {
  std::map<long long, std::vector<std::string>> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (auto& e : fs::directory_iterator(dir, ec)) {
    auto name = e.path().filename().string();
    if (name.rfind("part-", 0) != 0) continue;
    std::ifstream in(e.path());
    for (long long v; in >> v;) out[v].push_back(name);
  }
  return out;
}

promtool_verdict promtool_check(const std::string& text, const fs::path& dir, const std::string& name,
                                std::chrono::milliseconds timeout) {
  const auto file = dir / (name + ".metrics");
  std::ofstream(file) << text;
  child_process promtool({"/bin/sh", "-c", "exec promtool check metrics < '" + file.string() + "'"},
                         dir / (name + ".promtool"), true);
  promtool_verdict v;
  v.exit_code = promtool.wait_exit(timeout);
  promtool.wait_for_line([](const std::string&) { return false; }, std::chrono::seconds(5));  // to its last line
  v.findings = promtool.lines();
  v.output = promtool.log_text();
  return v;
}

}  // namespace regent::harness
