#include "regent/harness/child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "regent/harness/outside.hpp"

namespace regent::harness {

namespace fs = std::filesystem;

child_process::child_process(std::vector<std::string> argv, fs::path log_file, bool merge_stderr)
    : log_file_(std::move(log_file)), merged_(merge_stderr) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::setpgid(0, 0);
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    if (merge_stderr) {
      ::dup2(out[1], 2);
    } else {
      int err = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (err >= 0) ::dup2(err, 2);
    }
    // Unblock every signal the test may have blocked.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::fprintf(stderr, "exec %s failed: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  stdin_fd_ = in[1];
  int out_fd = out[0];
  reader_ = std::thread([this, out_fd] { read_stdout(out_fd); });
}

child_process::~child_process() {
  if (!exit_code_) {
    ::kill(pid_, SIGKILL);
    ::kill(pid_, SIGCONT);
    wait_exit(std::chrono::seconds(30));
  }
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  if (reader_.joinable()) reader_.join();
}

void child_process::read_stdout(int fd) {
  std::ofstream copy;
  if (merged_) copy.open(log_file_, std::ios::app);
  std::string buf;
  char chunk[4096];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buf.append(chunk, static_cast<std::size_t>(n));
    std::size_t pos;
    while ((pos = buf.find('\n')) != std::string::npos) {
      if (merged_) copy << buf.substr(0, pos + 1) << std::flush;
      std::lock_guard<std::mutex> lock(mu_);
      lines_.push_back(buf.substr(0, pos));
      buf.erase(0, pos + 1);
      cv_.notify_all();
    }
  }
  ::close(fd);
  std::lock_guard<std::mutex> lock(mu_);
  if (!buf.empty()) lines_.push_back(buf);
  eof_ = true;
  cv_.notify_all();
}

bool child_process::send_line(const std::string& line) {
  std::string data = line + "\n";
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(stdin_fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

std::optional<std::string> child_process::wait_for_line(const std::function<bool(const std::string&)>& pred,
                                                        std::chrono::milliseconds timeout, std::size_t from) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  std::size_t i = from;
  for (;;) {
    for (; i < lines_.size(); ++i)
      if (pred(lines_[i])) return lines_[i];
    if (eof_) return std::nullopt;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && i == lines_.size()) return std::nullopt;
  }
}

std::optional<std::string> child_process::wait_for_prefix(const std::string& prefix, std::chrono::milliseconds timeout,
                                                          std::size_t from) {
  return wait_for_line([&](const std::string& l) { return l.rfind(prefix, 0) == 0; }, timeout, from);
}

std::vector<std::string> child_process::lines() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lines_;
}

std::size_t child_process::line_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lines_.size();
}

void child_process::signal(int sig) {
  if (!exit_code_) ::kill(pid_, sig);
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  auto reap = [this]() -> bool {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r != pid_) return false;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
  };
  if (!reap() && wait_pid_exited(pid_, timeout)) reap();  // exited: its status is there to collect
  return exit_code_;
}

bool child_process::running() {
  if (exit_code_) return false;
  return !wait_exit(std::chrono::milliseconds(0)).has_value();
}

std::string child_process::log_text() const {
  std::ifstream in(log_file_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

temp_dir::temp_dir(const std::string& label) {
  auto base = fs::temp_directory_path() / "regent-tests";
  fs::create_directories(base);
  std::string tmpl = (base / (label + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

temp_dir::~temp_dir() {
  if (keep_) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path bin_dir() {
  if (const char* d = std::getenv("REGENT_BIN_DIR")) return d;
  return REGENT_DEFAULT_BIN_DIR;
}

}  // namespace regent::harness
