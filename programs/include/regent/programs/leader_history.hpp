#pragma once
/// The leadership history one jobmanager saw (the dashboard's timeline, GET
/// /cluster/leader/history): every leader its leader retrieval reported, and, for the sessions
/// this process led itself, how long the takeover took (grant → every job recovered).
///
/// Owned by jobmanager's main(); fed from the retrieval thread (`observed`) and the supervisor's
/// thread (`led`), read from the REST io thread. Thread-safe. Keeps the newest `capacity` grants.
/// A restarted jobmanager starts with an empty history: the dashboard merges the histories of
/// every jobmanager it can reach, by epoch.

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "regent/ha/leader_election.hpp"
#include "regent/runtime/clock.hpp"

namespace regent::programs {

struct leader_grant {
  std::uint64_t epoch = 0;
  std::string session_id;
  std::string rest_url;
  std::string rpc_address;
  std::int64_t since_ms = 0;        ///< when the session was granted (the leader's wall clock)
  std::int64_t seen_ms = 0;         ///< when this jobmanager first saw it as leader
  std::int64_t leaderless_ms = -1;  ///< how long this jobmanager knew no leader right before; -1 if it never did
  double takeover_ms = -1;          ///< grant → recovered, when this jobmanager was that leader; else -1
  bool self = false;                ///< this jobmanager led that session
};

class leader_history {
 public:
  explicit leader_history(const clock& time, std::string own_rpc_address, std::size_t capacity = 200);

  /// What leader retrieval reported (nullopt: no leader known).
  void observed(const std::optional<ha::leader_info>& leader);
  /// This process's session of `epoch` finished its takeover in `takeover_ms`.
  void led(std::uint64_t epoch, double takeover_ms);

  std::vector<leader_grant> grants() const;
  /// {"this": rest-url, "grants": [{epoch, session-id, rest-url, rpc-address, since, seen,
  /// leaderless-ms, takeover-ms, self}...]}, oldest first; unknown durations are null.
  std::string to_json(const std::string& own_rest_url) const;

 private:
  const clock& time_;
  std::string own_rpc_address_;
  std::size_t capacity_;
  mutable std::mutex mu_;
  std::vector<leader_grant> grants_;
  std::map<std::uint64_t, double> takeovers_;  ///< epoch → takeover ms, reported before the grant was seen
  std::optional<std::int64_t> leaderless_since_;
};

}  // namespace regent::programs
