#pragma once
/// What a job does when a task or taskmanager fails (`restart-strategy.*`, as Flink's
/// FixedDelayRestartBackoffTimeStrategy and NoRestartBackoffTimeStrategy).

#include <chrono>
#include <string>

namespace regent::job {

enum class restart_kind { fixed_delay, none };

/// The plain values of `restart-strategy.type`, `...fixed-delay.attempts` and
/// `...fixed-delay.delay` (the actors copy them from config::settings).
struct restart_settings {
  restart_kind kind = restart_kind::fixed_delay;
  int attempts = 3;                       ///< restarts allowed over the job's life (fixed-delay)
  std::chrono::milliseconds delay{1000};  ///< wait before each restart (fixed-delay)
};

/// The answer to one failure: restart after `delay`, or fail the job with `reason`.
struct restart_decision {
  bool restart = false;
  std::chrono::milliseconds delay{0};
  int attempt = 0;     ///< which restart this is (1-based); 0 when failing
  std::string reason;  ///< when failing: why no restart, with the failure cause
};

/// Counts the failures of one job and decides each time whether it restarts.
///
/// Owned by the job's job_master for one leadership session (a new leader starts counting
/// afresh, as Flink does); not thread-safe. `fixed-delay` allows `attempts` restarts and fails
/// the job at the next failure; `none` fails it at the first.
class restart_strategy {
 public:
  explicit restart_strategy(const restart_settings& s);
  static restart_strategy fixed_delay(int attempts, std::chrono::milliseconds delay);
  static restart_strategy none();

  /// Records a failure (`cause` is what went wrong) and decides.
  restart_decision on_failure(const std::string& cause);

  /// Restarts granted so far.
  int restarts() const { return restarts_; }
  /// "fixed-delay (attempts=3, delay=1000 ms)" or "none", for logs and failure reasons.
  std::string describe() const;

 private:
  restart_settings settings_;
  int restarts_ = 0;
};

}  // namespace regent::job
