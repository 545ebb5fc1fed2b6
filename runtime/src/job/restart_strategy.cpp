#include "regent/runtime/job/restart_strategy.hpp"

#include <algorithm>

namespace regent::job {

restart_strategy::restart_strategy(const restart_settings& s) : settings_(s) {
  // Config validation rejects negatives; clamp anyway so a bad value means "no restarts".
  settings_.attempts = std::max(settings_.attempts, 0);
  settings_.delay = std::max(settings_.delay, std::chrono::milliseconds(0));
}

restart_strategy restart_strategy::fixed_delay(int attempts, std::chrono::milliseconds delay) {
  return restart_strategy({restart_kind::fixed_delay, attempts, delay});
}

restart_strategy restart_strategy::none() { return restart_strategy({restart_kind::none, 0, {}}); }

restart_decision restart_strategy::on_failure(const std::string& cause) {
  restart_decision d;
  if (settings_.kind == restart_kind::none) {
    d.reason = "restart strategy none does not restart jobs; failure: " + cause;
    return d;
  }
  if (restarts_ >= settings_.attempts) {
    d.reason = "restart strategy " + describe() + " exhausted after " + std::to_string(restarts_) +
               (restarts_ == 1 ? " restart" : " restarts") + "; last failure: " + cause;
    return d;
  }
  ++restarts_;
  d.restart = true;
  d.delay = settings_.delay;
  d.attempt = restarts_;
  return d;
}

std::string restart_strategy::describe() const {
  if (settings_.kind == restart_kind::none) return "none";
  return "fixed-delay (attempts=" + std::to_string(settings_.attempts) +
         ", delay=" + std::to_string(settings_.delay.count()) + " ms)";
}

}  // namespace regent::job
