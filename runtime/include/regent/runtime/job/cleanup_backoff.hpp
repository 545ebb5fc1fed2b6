#pragma once
/// How long to wait before retrying the global cleanup of a globally terminal job
/// (`cleanup-strategy.*`, as Flink's cleanup retry strategies).

#include <chrono>
#include <optional>
#include <string>

namespace regent::job {

enum class cleanup_backoff_kind { exponential_delay, fixed_delay, none };

/// The plain values of `cleanup-strategy` and its sub-keys (copied from config::settings).
struct cleanup_backoff_settings {
  cleanup_backoff_kind kind = cleanup_backoff_kind::exponential_delay;
  std::chrono::milliseconds initial_backoff{1000};  ///< exponential-delay.initial-backoff
  std::chrono::milliseconds max_backoff{3600000};   ///< exponential-delay.max-backoff
  std::optional<int> exponential_attempts;          ///< exponential-delay.attempts (unset = unlimited)
  int fixed_attempts = 1;                           ///< fixed-delay.attempts
  std::chrono::milliseconds fixed_delay{1000};      ///< fixed-delay.delay
};

/// The retry schedule of one cleanup: a pure function of how many attempts failed so far.
///
/// Immutable after construction, so one instance may be shared by every cleanup of a
/// dispatcher. `attempts` counts retries after the first attempt (Flink's meaning):
/// `exponential-delay` waits initial, 2·initial, 4·initial, ... capped at max;
/// `fixed-delay` waits `delay` each time; `none` makes a single attempt.
class cleanup_backoff {
 public:
  explicit cleanup_backoff(const cleanup_backoff_settings& s);
  static cleanup_backoff exponential_delay(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                                           std::optional<int> attempts = std::nullopt);
  static cleanup_backoff fixed_delay(int attempts, std::chrono::milliseconds delay);
  static cleanup_backoff none();

  /// The wait before the next attempt after `failed_attempts` attempts failed; nullopt = give
  /// up (the JobResultStore entry stays dirty for the next leader). 0 failed attempts → 0 ms:
  /// the first attempt runs at once.
  std::optional<std::chrono::milliseconds> next_delay(int failed_attempts) const;

  /// "exponential-delay (initial=1000 ms, max=3600000 ms, attempts=unlimited)", for log lines.
  std::string describe() const;

 private:
  cleanup_backoff_settings s_;
};

}  // namespace regent::job
