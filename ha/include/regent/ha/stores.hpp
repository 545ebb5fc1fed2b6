#pragma once
/// The HA stores (DESIGN §3). Plain interfaces over opaque bytes: no CAF, protobuf or Beast.
///
/// Every mutating call takes the writer's fencing token and is rejected with errc::not_leader
/// unless that token is the current leadership, checked in the same atomic operation as the
/// write. Calls block (fsync, network): run them on I/O threads, never on actor workers.
/// A corrupt payload is errc::corrupt with a message naming the file; never a crash, never
/// silently skipped.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "regent/runtime/ids.hpp"
#include "regent/runtime/result.hpp"

namespace regent::ha {

/// Submitted job graphs, one per job id.
class job_graph_store {
 public:
  virtual ~job_graph_store() = default;
  /// Adds or replaces the job's graph.
  virtual result<void> put(const fencing_token& token, const job_id& job, const std::string& bytes) = 0;
  virtual result<std::string> get(const job_id& job) const = 0;
  /// `get` of many jobs, one result per job in their order: what a new leader's recovery
  /// reads. A backend whose reads are round trips overrides it to send them all at once; this
  /// default calls `get` for each.
  virtual std::vector<result<std::string>> get_many(const std::vector<job_id>& jobs) const;
  /// Asks the store to keep a copy of the graphs current from now on, for a later `get_many`
  /// to serve what it can from: what a standby jobmanager calls when it starts contending, so a
  /// grant's recovery need not read every graph. Never changes what `get_many` answers. A
  /// backend whose reads are round trips does it; the default does nothing.
  virtual void keep_warm() {}
  /// Removing a missing graph succeeds (cleanup is idempotent).
  virtual result<void> remove(const fencing_token& token, const job_id& job) = 0;
  virtual result<std::vector<job_id>> list() const = 0;
};

/// One completed checkpoint's metadata.
struct completed_checkpoint {
  std::uint64_t id = 0;
  std::string bytes;
};

/// Completed checkpoint metadata per job; keeps the newest `retained` (>= 1) checkpoints.
class completed_checkpoint_store {
 public:
  virtual ~completed_checkpoint_store() = default;
  /// Adds checkpoint `id` (larger than every id present), then drops the oldest beyond the
  /// retained count. Returns the ids it dropped, so the caller can discard their state files.
  virtual result<std::vector<std::uint64_t>> add(const fencing_token& token, const job_id& job, std::uint64_t id,
                                                 const std::string& bytes) = 0;
  /// The newest checkpoint, or nullopt when the job has none.
  virtual result<std::optional<completed_checkpoint>> latest(const job_id& job) const = 0;
  /// `latest` of many jobs, one result per job in their order (see job_graph_store::get_many).
  virtual std::vector<result<std::optional<completed_checkpoint>>> latest_many(const std::vector<job_id>& jobs) const;
  virtual result<completed_checkpoint> get(const job_id& job, std::uint64_t id) const = 0;
  /// Checkpoint ids present, ascending.
  virtual result<std::vector<std::uint64_t>> list(const job_id& job) const = 0;
  /// Removes every checkpoint of the job (global cleanup); idempotent.
  virtual result<void> remove_all(const fencing_token& token, const job_id& job) = 0;
  virtual int retained() const = 0;
};

/// Monotonic per-job checkpoint ids that survive failover. The first id is 1.
class checkpoint_id_counter {
 public:
  virtual ~checkpoint_id_counter() = default;
  /// Returns the first of `count` (>= 1) consecutive ids and advances the counter past them,
  /// in one fenced write: a leader that hands out ids from a reserved block needs one write
  /// per block, not per checkpoint; ids it never used are skipped (as after a failure).
  virtual result<std::uint64_t> reserve(const fencing_token& token, const job_id& job, std::uint64_t count) = 0;
  /// Returns the next id and advances the counter.
  result<std::uint64_t> next(const fencing_token& token, const job_id& job) { return reserve(token, job, 1); }
  /// The id `next` would return, without advancing.
  virtual result<std::uint64_t> peek(const job_id& job) const = 0;
  /// Removes the job's counter (global cleanup); idempotent.
  virtual result<void> remove(const fencing_token& token, const job_id& job) = 0;
};

/// User artifacts (shared libraries) per job, by key: 1..200 of [A-Za-z0-9._-], not "." or
/// "..", not starting with ".tmp-" (the prefix of temp files).
class blob_store {
 public:
  virtual ~blob_store() = default;
  virtual result<void> put(const fencing_token& token, const job_id& job, const std::string& key,
                           const std::string& bytes) = 0;
  virtual result<std::string> get(const job_id& job, const std::string& key) const = 0;
  virtual result<std::vector<std::string>> list(const job_id& job) const = 0;
  /// Removes every blob of the job (global cleanup); idempotent.
  virtual result<void> remove_job(const fencing_token& token, const job_id& job) = 0;
};

/// True when `key` is a valid blob key (cannot escape its directory).
bool valid_blob_key(const std::string& key);

}  // namespace regent::ha
