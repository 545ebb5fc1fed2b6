#include "regent/harness/supervisord.hpp"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "regent/harness/outside.hpp"

namespace regent::harness {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

supervisord::supervisord(fs::path dir, const fs::path& home, const fs::path& program_conf, const fs::path& conf_dir)
    : dir_(std::move(dir)) {
  fs::create_directories(dir_ / "log");
  {
    std::ofstream c(dir_ / "supervisord.conf");
    c << "[unix_http_server]\nfile=" << (dir_ / "supervisor.sock").string() << "\n\n"
      << "[supervisord]\nnodaemon=true\nlogfile=" << (dir_ / "supervisord.log").string()
      << "\npidfile=" << (dir_ / "supervisord.pid").string() << "\nchildlogdir=" << (dir_ / "log").string()
      << "\nenvironment=REGENT_HOME=\"" << home.string() << "\",REGENT_CONF_DIR=\"" << conf_dir.string()
      << "\",REGENT_BIN_DIR=\"" << bin_dir().string() << "\",REGENT_LOG_DIR=\"" << (dir_ / "log").string() << "\"\n\n"
      << "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = "
         "supervisor.rpcinterface:make_main_rpcinterface\n\n"
      << "[supervisorctl]\nserverurl=unix://" << (dir_ / "supervisor.sock").string() << "\n\n"
      << "[include]\nfiles = " << program_conf.string() << "\n";
  }
  // The shipped program file reads REGENT_* from supervisord's own environment (%(ENV_...)s).
  ::setenv("REGENT_HOME", home.c_str(), 1);
  ::setenv("REGENT_CONF_DIR", conf_dir.c_str(), 1);
  ::setenv("REGENT_BIN_DIR", bin_dir().c_str(), 1);
  ::setenv("REGENT_LOG_DIR", (dir_ / "log").c_str(), 1);
  process_ = std::make_unique<child_process>(
      std::vector<std::string>{"/usr/bin/supervisord", "-n", "-c", (dir_ / "supervisord.conf").string()},
      dir_ / "supervisord.out", true);
}

supervisord::~supervisord() { stop(); }

std::string supervisord::ctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"/usr/bin/supervisorctl", "-c", (dir_ / "supervisord.conf").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  child_process p(argv, dir_ / "supervisorctl.out", true);
  p.wait_exit(30s);
  p.wait_for_line([](const std::string&) { return false; }, 5s);  // returns at the end of its output
  std::string out;
  for (auto& l : p.lines()) out += l + "\n";
  return out;
}

std::optional<pid_t> supervisord::pid(const std::string& program) {
  auto out = ctl({"pid", program});
  try {
    auto p = std::stol(out);
    if (p > 0) return static_cast<pid_t>(p);
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

std::optional<pid_t> supervisord::wait_running(const std::string& program, pid_t not_this,
                                               std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  folder_writes log_writes(dir_ / "log");  // a (re)started program writes its log there
  while (std::chrono::steady_clock::now() < until) {
    if (auto p = pid(program); p && *p != not_this) return p;
    log_writes.wait(100ms);
  }
  return std::nullopt;
}

std::string supervisord::status() { return ctl({"status"}); }

std::optional<pid_t> supervisord::child_named(const std::string& comm) const {
  if (!process_) return std::nullopt;
  const auto self = std::to_string(process_->pid());
  std::ifstream children("/proc/" + self + "/task/" + self + "/children");
  pid_t child;
  while (children >> child) {
    std::ifstream name("/proc/" + std::to_string(child) + "/comm");
    std::string n;
    if (std::getline(name, n) && n == comm) return child;
  }
  return std::nullopt;
}

void supervisord::stop() {
  if (!process_ || !process_->running()) return;
  process_->signal(SIGTERM);  // stops every program (SIGTERM, then SIGKILL after stopwaitsecs)
  if (process_->wait_exit(60s)) return;
  // supervisord did not stop: its programs first (each runs in a process group of its own), then it.
  std::ifstream children("/proc/" + std::to_string(process_->pid()) + "/task/" + std::to_string(process_->pid()) +
                         "/children");
  pid_t child;
  while (children >> child) ::kill(-child, SIGKILL);
  process_->signal(SIGKILL);
  process_->wait_exit(30s);
}

std::string supervisord::logs() const {
  std::string out = process_ ? process_->log_text() : "";
  std::ifstream log(dir_ / "supervisord.log");
  std::stringstream ss;
  ss << log.rdbuf();
  return out + "\n---- supervisord.log ----\n" + ss.str();
}

}  // namespace regent::harness
