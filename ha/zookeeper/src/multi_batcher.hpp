#pragma once
/// Group commit for the hot writes of the stores: the multis that writers of different jobs make at
/// the same time under the same fencing token go to ZooKeeper as one multi, behind one pair of
/// fence checks. A multi is atomic, so the batch commits for all or for none; the servers log,
/// replicate and apply one transaction instead of one per job (1,000 jobs checkpointing every
/// second were 1,000 transactions a second, more than a 3-server ensemble on a shared 2-core
/// machine applies).
///
/// A writer that finds no batch in flight sends its ops (with whatever queued meanwhile) at
/// once, so a lone writer waits for nothing; writers that arrive while a batch is in flight
/// queue and go together in the next. A batch that fails fails for every writer in it (and a
/// race is not retried with the same ops): unless the error is the fence's or the outcome is
/// unknown, nothing was applied, and a writer should write again on its own, re-reading what
/// it assumed.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "fenced_writer.hpp"
#include "regent/ha/errc.hpp"

namespace regent::ha::zookeeper {

class multi_batcher {
 public:
  /// At most `max_ops` ops in one multi (a request must stay far below the server's 1 MB).
  explicit multi_batcher(fenced_writer& writer, std::size_t max_ops = 300) : writer_(writer), max_ops_(max_ops) {}

  /// Commits `ops` (with the fence checks of `token`), alone or in a batch. `applied` tells,
  /// after a lost connection, whether these ops committed (and so the batch they were in).
  /// Errors as fenced_writer::write (for a batch, possibly caused by another writer's ops).
  result<void> write(const fencing_token& token, std::vector<zk_op> ops, const std::function<result<bool>()>& applied,
                     bool* unknown);

  /// Commits the ops `build` returns, batched; when the batch fails for anything but the fence
  /// or an unknown outcome (so nothing of it was applied, maybe for another writer's ops), writes
  /// them alone through fenced_writer, which calls `build` again (fresh reads) and retries races.
  result<void> write_or_alone(const fencing_token& token, const std::function<result<std::vector<zk_op>>()>& build,
                              const std::function<result<bool>()>& applied, bool* unknown);

  /// Whether a failed write applied nothing and may be made again, alone: not the fence's
  /// refusal, not an unknown outcome.
  static bool worth_alone(const result<void>& r, bool unknown) {
    return !r && !unknown && r.err().code != errc::not_leader;
  }

 private:
  struct pending {
    const fencing_token* token;
    std::vector<zk_op>* ops;
    const std::function<result<bool>()>* applied;
    bool done = false;
    result<void> outcome = ok();
    bool unknown = false;
  };

  /// Sends the queue's head batch (same token, up to max_ops_); called with `lock` held and
  /// `busy_` set; returns with it held.
  void send_batch(std::unique_lock<std::mutex>& lock);

  fenced_writer& writer_;
  const std::size_t max_ops_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<pending*> queue_;
  bool busy_ = false;
};

}  // namespace regent::ha::zookeeper
