#pragma once
/// What the `regent` CLI prints, as pure functions (no I/O, no clock): the live progress line of
/// `regent run`, the aligned table of `regent list`, durations, leader changes.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace regent::programs {

/// "850ms", "12s", "3m04s", "2h05m", "3d04h"; "-" for a negative duration.
std::string format_duration(std::int64_t ms);

/// Every row's cells padded to its column's widest cell, columns two spaces apart, one line per
/// row (the first row is the header); trailing blanks trimmed.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

/// What `regent run` knows about its job at one poll.
struct run_progress {
  std::string job_id;
  std::string state;  ///< "" until the first answer
  std::int64_t duration_ms = -1;
  std::int64_t checkpoints = 0;  ///< completed
  int restarts = 0;
  std::string leader;  ///< rest URL of the leader, "" when none is known
  std::uint64_t epoch = 0;
  std::optional<double> records_per_second;  ///< records written per second; unknown until measured
};

/// The one live line: "job 1f2e…: RUNNING 12s · 4.0k records/s · 7 checkpoints · 1 restart ·
/// leader http://h:8081 (epoch 3)".
std::string progress_line(const run_progress& p);

/// "850", "4.0k", "12.3M": a rate at a glance.
std::string format_rate(double per_second);

/// Records written per second from successive answers of the leader (its clock, the records
/// written up to the latest completed checkpoint): the rate over the answers of the last
/// `window_ms`. Records move in steps, one per completed checkpoint, so the window should hold
/// several checkpoints. A count that goes down (a new leader that knows less, a restore) starts
/// over. Pure: `regent run` feeds it from its polls.
class record_rate {
 public:
  explicit record_rate(std::int64_t window_ms = 5000) : window_ms_(window_ms) {}
  /// One answer: the leader's time and its records written (< 0: unknown, ignored).
  void add(std::int64_t now_ms, std::int64_t records);
  /// Unknown until two answers with known records lie apart in time.
  std::optional<double> per_second() const;

 private:
  std::int64_t window_ms_;
  std::deque<std::pair<std::int64_t, std::int64_t>> samples_;  ///< (now_ms, records), oldest first
};

/// A leader as `regent leader` and `regent leader --watch` print it ("" url: none known).
std::string leader_line(const std::string& rest_url, const std::string& rpc_address, std::uint64_t epoch,
                        const std::string& session_id);

}  // namespace regent::programs
