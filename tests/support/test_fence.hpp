#pragma once
/// A `write_fence` test double whose current leadership a test sets and clears by hand, so a
/// store can be driven without an election. Like a real fence it runs the commit step while
/// holding the leadership (its mutex), and counts the commits it let through.
///
/// Owned by a test; thread-safe.

#include <mutex>

#include "regent/ha/write_fence.hpp"

namespace regent::test {

class test_fence final : public ha::write_fence {
 public:
  /// Starts as the leader with `token`.
  explicit test_fence(fencing_token token) : token_(std::move(token)) {}
  test_fence() = default;

  /// Makes `token` the current leadership.
  void set(fencing_token token);
  /// No leadership: every fenced write is rejected.
  void clear();
  fencing_token current() const;
  /// How many commit steps ran.
  int commits() const;

  result<void> fenced(const fencing_token& token, const std::function<result<void>()>& commit) override;

 private:
  mutable std::mutex mu_;
  fencing_token token_;
  int commits_ = 0;
};

/// A valid token for tests: epoch `epoch` and a fixed session id derived from it.
fencing_token test_token(epoch_t epoch);

}  // namespace regent::test
