#pragma once
/// The ResourceManager's slot bookkeeping: registered taskmanagers with their slots, which
/// job's subtask holds each slot, and the counts REST `/overview` and `/taskmanagers` show.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "regent/runtime/ids.hpp"
#include "regent/runtime/result.hpp"

namespace regent::job {

/// Subtask `subtask` of a job runs in slot `slot_index` of taskmanager `taskmanager_id`.
struct slot_assignment {
  int subtask = 0;
  std::string taskmanager_id;
  std::string address;  ///< the taskmanager's RPC address
  int slot_index = 0;

  friend bool operator==(const slot_assignment& a, const slot_assignment& b) {
    return a.subtask == b.subtask && a.taskmanager_id == b.taskmanager_id && a.address == b.address &&
           a.slot_index == b.slot_index;
  }
};

/// One taskmanager as REST shows it.
struct taskmanager_slots {
  std::string id;
  std::string address;
  int slots = 0;
  int free_slots = 0;
};

/// Owned by the resource_manager of one leadership session and driven on its thread; not
/// thread-safe. Deterministic: the same calls always give the same assignments.
class slot_pool {
 public:
  /// Registers taskmanager `id` offering `slots` (>= 1) slots. runtime_errc::already_exists
  /// when `id` is registered (remove it first), invalid_argument for an empty id or no slots.
  result<void> add_taskmanager(const std::string& id, const std::string& address, int slots);
  /// Forgets taskmanager `id` and its slots. Returns the jobs that held slots on it (sorted),
  /// which must restart; their slots elsewhere stay theirs until release(). Unknown id → {}.
  std::vector<job_id> remove_taskmanager(const std::string& id);
  bool has_taskmanager(const std::string& id) const { return tms_.count(id) != 0; }

  /// Gives `job` `count` slots, one per subtask 0..count-1, all or nothing. Slots are spread
  /// round-robin over the taskmanagers, those with the most free slots first (ties by id),
  /// each giving its lowest free slot. Errors: already_exists (the job holds slots),
  /// insufficient_slots, invalid_argument (count < 1).
  result<std::vector<slot_assignment>> allocate(const job_id& job, int count);
  /// Gives subtask `subtask` of `job` one free slot of taskmanager `taskmanager_id`: a new
  /// leader takes over a subtask that already runs there (task-preserving failover). Errors:
  /// not_found (no such taskmanager), already_exists (the job holds a slot for that subtask),
  /// insufficient_slots (none free there).
  result<slot_assignment> claim(const job_id& job, int subtask, const std::string& taskmanager_id);
  /// Frees every slot `job` holds; returns how many.
  int release(const job_id& job);
  /// The slots `job` holds, by subtask.
  std::vector<slot_assignment> slots_of(const job_id& job) const;

  int total_slots() const;
  int free_slots() const;
  std::size_t taskmanager_count() const { return tms_.size(); }
  /// Every taskmanager, sorted by id.
  std::vector<taskmanager_slots> taskmanagers() const;

 private:
  struct holder {
    job_id job;
    int subtask = 0;
  };
  struct taskmanager {
    std::string address;
    std::vector<std::optional<holder>> slots;
    int free = 0;
  };

  std::map<std::string, taskmanager> tms_;
  std::map<job_id, std::vector<slot_assignment>> jobs_;  ///< by subtask
};

}  // namespace regent::job
