#pragma once
/// Storage-level fencing for backends whose stores live in the same process as the election
/// (`none`, `filesystem`): the commit step of every store write runs inside `fenced`, which
/// checks that `token` is still the held leadership and keeps it held until the step is done.
/// (The ZooKeeper backend fences with a check operation inside the same `multi` instead.)

#include <functional>

#include "regent/runtime/ids.hpp"
#include "regent/runtime/result.hpp"

namespace regent::ha {

class write_fence {
 public:
  virtual ~write_fence() = default;
  /// Runs `commit` only while `token` is the current leadership; leadership cannot be given up
  /// while `commit` runs. Returns errc::not_leader without running it otherwise.
  virtual result<void> fenced(const fencing_token& token, const std::function<result<void>()>& commit) = 0;
};

}  // namespace regent::ha
