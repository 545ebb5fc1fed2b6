#pragma once
/// `regent_ha_contender` processes of one backend's cluster, owned by a test (killed and reaped
/// with it), and the small protocol the tests speak with them (ha_contender_main.cpp).

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "backends.hpp"
#include "regent/harness/child_process.hpp"

namespace regent::contract {

template <class Backend>
class contenders {
 public:
  contenders(const Backend& backend, std::filesystem::path log_dir) : backend_(backend), log_dir_(std::move(log_dir)) {}

  /// Starts contender `i` with a conf dir of its own and waits until it contends.
  harness::child_process& spawn(int i) {
    auto conf = backend_.write_conf_dir("p" + std::to_string(i));
    procs_.push_back(std::make_unique<harness::child_process>(
        std::vector<std::string>{(harness::bin_dir() / "regent_ha_contender").string(), "--config-dir", conf.string()},
        log_dir_ / ("contender-" + std::to_string(i) + ".log")));
    auto& p = *procs_.back();
    EXPECT_TRUE(p.wait_for_prefix("CONTENDING", deadline)) << p.log_text();
    return p;
  }

  /// Sends a command and returns its answer (the next line that is not an election event).
  static std::string ask(harness::child_process& p, const std::string& cmd) {
    auto from = p.line_count();
    p.send_line(cmd);
    auto l = p.wait_for_line(
        [](const std::string& l) { return l.rfind("GRANTED", 0) != 0 && l.rfind("REVOKED", 0) != 0; }, deadline, from);
    return l.value_or("(no answer)\n" + p.log_text());
  }

  std::vector<std::unique_ptr<harness::child_process>>& procs() { return procs_; }
  void clear() { procs_.clear(); }

 private:
  const Backend& backend_;
  std::filesystem::path log_dir_;
  std::vector<std::unique_ptr<harness::child_process>> procs_;
};

/// The epoch of a "GRANTED <epoch> <session>" line.
inline epoch_t grant_epoch(const std::string& line) {
  std::istringstream in(line);
  std::string word;
  epoch_t e = 0;
  in >> word >> e;
  return e;
}

inline bool rejected(const std::string& answer) { return answer.rfind("REJECTED", 0) == 0; }

}  // namespace regent::contract
