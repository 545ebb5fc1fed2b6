#pragma once
/// Time as an interface (as Envoy's TimeSource): logic never reads the wall clock directly.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace regent {

/// Source of monotonic and wall-clock time. Thread-safe.
class clock {
 public:
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~clock() = default;
  /// Monotonic time, for deadlines and intervals.
  virtual time_point now() const = 0;
  /// Milliseconds since the Unix epoch, for timestamps users see.
  virtual std::int64_t wall_millis() const = 0;
};

/// The real clocks of the machine.
class system_clock final : public clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
  std::int64_t wall_millis() const override;
  /// The process-wide instance.
  static system_clock& instance();
};

/// A clock that moves only when told to; for deterministic tests of logic classes.
class manual_clock final : public clock {
 public:
  time_point now() const override { return time_point(duration(nanos_.load())); }
  std::int64_t wall_millis() const override { return wall_base_ms_ + nanos_.load() / 1000000; }
  void advance(duration d) { nanos_ += d.count(); }

 private:
  std::atomic<std::int64_t> nanos_{1000000000};
  std::int64_t wall_base_ms_ = 1700000000000;
};

}  // namespace regent
