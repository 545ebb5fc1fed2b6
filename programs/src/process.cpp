#include "regent/programs/process.hpp"

#include <csignal>
#include <pthread.h>
#include <unistd.h>

#include "regent/runtime/logging.hpp"

namespace regent::programs {

void shutdown_latch::trigger(int exit_code, std::string why) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (value_) return;
    value_.emplace(exit_code, std::move(why));
  }
  cv_.notify_all();
}

std::pair<int, std::string> shutdown_latch::wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return value_.has_value(); });
  return *value_;
}

bool shutdown_latch::triggered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return value_.has_value();
}

namespace {
sigset_t shutdown_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR2);  // internal: wakes the signal thread when the latch fired otherwise
  return set;
}
}  // namespace

void block_shutdown_signals() {
  std::signal(SIGPIPE, SIG_IGN);
  auto set = shutdown_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void wait_for_shutdown_signal(shutdown_latch& latch) {
  auto set = shutdown_set();
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGUSR2) return;
    latch.trigger(0, std::string("received ") + (sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "SIGHUP"));
    return;
  }
}

void release_signal_thread(std::thread& t) {
  if (!t.joinable()) return;
  pthread_kill(t.native_handle(), SIGUSR2);
  t.join();
}

std::optional<std::string> init_daemon_logging(const std::string& program, const config::settings& s) {
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  logging::options o;
  o.level = s.log_level;
  if (!s.log_dir.empty()) o.file = s.log_dir + "/" + program + "-" + host + "-" + std::to_string(::getpid()) + ".log";
  return logging::init(o);
}

}  // namespace regent::programs
