#pragma once
/// Heartbeat bookkeeping (`heartbeat.interval`, `heartbeat.timeout`): when each peer (a
/// taskmanager id, a job master, ...) was last heard from, and which ones went quiet.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "regent/runtime/clock.hpp"

namespace regent::job {

/// Owned by the component that receives the heartbeats (the resource_manager for
/// taskmanagers) and driven on its thread; not thread-safe. Times are monotonic and supplied
/// by the caller; the monitor never removes a peer by itself.
class heartbeat_monitor {
 public:
  /// Starts watching `key` as if it had just sent a heartbeat (re-tracking restarts the timer).
  void track(const std::string& key, clock::time_point now);
  /// Records a heartbeat; false (and nothing recorded) when `key` is not tracked.
  bool heartbeat(const std::string& key, clock::time_point now);
  /// Stops watching `key`; false when it was not tracked.
  bool remove(const std::string& key);

  bool contains(const std::string& key) const { return last_.count(key) != 0; }
  std::size_t size() const { return last_.size(); }
  /// The time since `key`'s last heartbeat (REST `timeSinceLastHeartbeat`); nullopt if unknown.
  std::optional<clock::duration> since_last(const std::string& key, clock::time_point now) const;

  /// The keys whose last heartbeat is more than `timeout` before `now`, sorted.
  std::vector<std::string> expired(clock::time_point now, clock::duration timeout) const;
  /// The earliest moment at which some key would expire (for the caller's timer); nullopt
  /// when nothing is tracked.
  std::optional<clock::time_point> next_expiry(clock::duration timeout) const;

 private:
  std::map<std::string, clock::time_point> last_;
};

}  // namespace regent::job
