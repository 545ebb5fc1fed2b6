#pragma once
/// The `sequence` source (DESIGN §4): numbers from..to inclusive, subtask i of P takes the n
/// with n mod P == i, optionally paced at `rate-per-second` for the whole source, split evenly
/// over the subtasks.

#include <cstdint>

#include "regent/runtime/clock.hpp"
#include "regent/runtime/job_spec.hpp"
#include "regent/runtime/result.hpp"

namespace regent::task {

/// n mod p with the sign of p (p > 0): floor_mod(-1, 4) == 3, unlike C++'s -1 % 4 == -1.
constexpr std::int64_t floor_mod(std::int64_t n, std::int64_t p) {
  const std::int64_t r = n % p;
  return r < 0 ? r + p : r;
}

/// The share of a sequence that one subtask emits: the n in [from, to] with
/// floor_mod(n, P) == index, ascending. A position k (0-based) is the k-th number of the
/// share; the position of the next record to emit is what a checkpoint stores.
///
/// A value type, immutable after construction; used by the subtask's steps.
class sequence_partition {
 public:
  /// errc::invalid_argument when P < 1, index is not in [0, P), or the share has 2^64 or
  /// more numbers. from > to gives an empty share.
  static result<sequence_partition> make(std::int64_t from, std::int64_t to, int index, int parallelism);

  /// How many numbers the share holds.
  std::uint64_t size() const { return size_; }
  /// The number at position k; k < size().
  std::int64_t at(std::uint64_t k) const {
    return static_cast<std::int64_t>(first_ + static_cast<__int128>(k) * step_);
  }

 private:
  sequence_partition(std::int64_t first, std::uint64_t size, std::int64_t step)
      : first_(first), size_(size), step_(step) {}

  std::int64_t first_;
  std::uint64_t size_;
  std::int64_t step_;
};

/// Paces one subtask's records at a fixed rate through a clock: record n (counted from when
/// the limiter was made) is due at start + n / rate seconds, so the first one is due at once
/// and a slow consumer catches up in a burst instead of losing rate.
///
/// Pure logic over the clock's time (no waiting here); owned and used by the subtask's steps.
class rate_limiter {
 public:
  /// `per_second` > 0: the subtask's own share of the source's rate.
  rate_limiter(clock::time_point start, double per_second) : start_(start), per_second_(per_second) {}

  /// When record n is due.
  clock::time_point due(std::uint64_t n) const;
  /// True when record n may be emitted at `now`.
  bool is_due(std::uint64_t n, clock::time_point now) const { return due(n) <= now; }
  /// When a subtask waiting for record n wakes up: when the records that fall due within
  /// `min_pause` from record n are all due, so a slow subtask wakes a few times a second
  /// (and emits a small batch) rather than once per record (1,000 subtasks at 100 records/s
  /// would otherwise wake 100,000 times a second); never later than `min_pause` after due(n).
  clock::time_point wake(std::uint64_t n) const;
  static constexpr std::chrono::milliseconds min_pause{50};

 private:
  clock::time_point start_;
  double per_second_;
};

/// The per-subtask rate of a source at parallelism P (its rate split evenly), or 0 when the
/// source is not paced.
double subtask_rate(const source_spec& source, int parallelism);

}  // namespace regent::task
