#include "regent/runtime/job/checkpoint_coordinator.hpp"

#include <algorithm>

namespace regent::job {

namespace {
std::string id_str(std::int64_t id) { return "checkpoint " + std::to_string(id); }
}  // namespace

checkpoint_coordinator::checkpoint_coordinator(job_id job, checkpoint_coordinator_options opts)
    : job_(std::move(job)), opts_(opts) {
  opts_.parallelism = std::max(opts_.parallelism, 1);
  opts_.history_size = std::max<std::size_t>(opts_.history_size, 1);
}

std::optional<std::int64_t> checkpoint_coordinator::pending_id() const {
  if (!pending_) return std::nullopt;
  return pending_->id;
}

std::optional<clock::time_point> checkpoint_coordinator::deadline() const {
  if (!pending_ || pending_->all_acknowledged) return std::nullopt;
  return pending_->triggered.mono + opts_.timeout;
}

checkpoint_stats* checkpoint_coordinator::history_entry(std::int64_t id) {
  for (auto& e : stats_.history)
    if (e.id == id) return &e;
  return nullptr;
}

ignored_event checkpoint_coordinator::ignore_unmatched(std::int64_t id, std::optional<int> subtask) const {
  std::string why;
  if (id > latest_id_)
    why = "unknown " + id_str(id) + " (never triggered)";
  else if (pending_)
    why = "late message for " + id_str(id) + " (" + id_str(pending_->id) + " is pending)";
  else
    why = "late message for " + id_str(id) + ", which is no longer pending";
  return {id, subtask, why};
}

std::vector<checkpoint_action> checkpoint_coordinator::trigger(std::int64_t id, const instant& now) {
  if (pending_)
    return {ignored_event{
        id, std::nullopt,
        "cannot trigger " + id_str(id) + ": " + id_str(pending_->id) + " is still pending (one at a time)"}};
  if (id <= latest_id_)
    return {ignored_event{
        id, std::nullopt,
        "cannot trigger " + id_str(id) + ": ids must increase (latest is " + std::to_string(latest_id_) + ")"}};
  pending_checkpoint p;
  p.id = id;
  p.triggered = now;
  p.acks.resize(static_cast<std::size_t>(opts_.parallelism));
  pending_ = std::move(p);
  latest_id_ = id;

  checkpoint_stats e;
  e.id = id;
  e.status = checkpoint_status::in_progress;
  e.trigger_timestamp = now.wall_ms;
  e.num_subtasks = opts_.parallelism;
  stats_.history.push_front(e);
  while (stats_.history.size() > opts_.history_size) stats_.history.pop_back();
  ++stats_.counts.total;
  ++stats_.counts.in_progress;
  return {send_trigger{id, now.wall_ms, opts_.parallelism}};
}

std::vector<checkpoint_action> checkpoint_coordinator::acknowledge(int subtask, std::int64_t id, std::string handle,
                                                                   std::int64_t state_size, const instant& now) {
  if (!pending_ || pending_->id != id) return {ignore_unmatched(id, subtask)};
  if (subtask < 0 || subtask >= opts_.parallelism)
    return {ignored_event{id, subtask,
                          "acknowledgement from subtask " + std::to_string(subtask) + " out of range 0.." +
                              std::to_string(opts_.parallelism - 1)}};
  auto& slot = pending_->acks[static_cast<std::size_t>(subtask)];
  if (slot) return {ignored_event{id, subtask, "duplicate acknowledgement for " + id_str(id)}};
  if (state_size < 0)
    return {ignored_event{id, subtask, "acknowledgement with negative state size " + std::to_string(state_size)}};

  slot = subtask_state_handle{subtask, std::move(handle), state_size};
  ++pending_->acknowledged;
  if (auto* e = history_entry(id)) {
    e->latest_ack_timestamp = now.wall_ms;
    e->num_acknowledged_subtasks = pending_->acknowledged;
    e->state_size += state_size;
    e->end_to_end_duration = std::max<std::int64_t>(0, millis_between(pending_->triggered, now));
  }
  if (pending_->acknowledged < opts_.parallelism) return {};

  pending_->all_acknowledged = true;
  checkpoint_metadata m;
  m.job = job_;
  m.checkpoint_id = id;
  m.timestamp = pending_->triggered.wall_ms;
  for (auto& a : pending_->acks) m.subtasks.push_back(*a);
  return {store_checkpoint{std::move(m)}};
}

std::vector<checkpoint_action> checkpoint_coordinator::decline(int subtask, std::int64_t id, const std::string& reason,
                                                               const instant& now) {
  if (!pending_ || pending_->id != id) return {ignore_unmatched(id, subtask)};
  if (pending_->all_acknowledged)
    return {ignored_event{id, subtask, "decline for " + id_str(id) + " after every subtask acknowledged"}};
  std::vector<checkpoint_action> out;
  fail_pending("declined by subtask " + std::to_string(subtask) + ": " + reason, now, out);
  return out;
}

std::vector<checkpoint_action> checkpoint_coordinator::fail(std::int64_t id, const std::string& reason,
                                                            const instant& now) {
  if (!pending_ || pending_->id != id) return {ignore_unmatched(id, std::nullopt)};
  std::vector<checkpoint_action> out;
  fail_pending(reason, now, out);
  return out;
}

std::vector<checkpoint_action> checkpoint_coordinator::completed(std::int64_t id, std::string external_path,
                                                                 const instant& now) {
  if (!pending_ || pending_->id != id) return {ignore_unmatched(id, std::nullopt)};
  if (!pending_->all_acknowledged)
    return {ignored_event{id, std::nullopt,
                          "completion reported for " + id_str(id) + " before every subtask acknowledged"}};
  pending_.reset();
  latest_completed_id_ = std::max(latest_completed_id_, id);
  --stats_.counts.in_progress;
  ++stats_.counts.completed;
  if (auto* e = history_entry(id)) {
    e->status = checkpoint_status::completed;
    e->external_path = std::move(external_path);
    stats_.state_size.add(e->state_size);
    stats_.end_to_end_duration.add(e->end_to_end_duration);
    stats_.latest_completed = *e;
  }
  return {send_notify_complete{id}};
}

std::vector<checkpoint_action> checkpoint_coordinator::timeout(const instant& now) {
  auto due = deadline();
  if (!due || now.mono < *due) return {};
  std::vector<checkpoint_action> out;
  fail_pending(id_str(pending_->id) + " expired before completing (timeout " + std::to_string(opts_.timeout.count()) +
                   " ms, " + std::to_string(pending_->acknowledged) + " of " + std::to_string(opts_.parallelism) +
                   " subtasks acknowledged)",
               now, out);
  return out;
}

std::vector<checkpoint_action> checkpoint_coordinator::abort_pending(const std::string& reason, const instant& now) {
  std::vector<checkpoint_action> out;
  if (pending_) fail_pending(reason, now, out);
  return out;
}

std::vector<checkpoint_action> checkpoint_coordinator::restored(std::int64_t id, std::string external_path,
                                                                const instant& now) {
  std::vector<checkpoint_action> out;
  if (pending_) fail_pending("job restored from " + id_str(id), now, out);
  latest_id_ = std::max(latest_id_, id);
  latest_completed_id_ = std::max(latest_completed_id_, id);
  ++stats_.counts.restored;
  stats_.latest_restored = restored_checkpoint_stats{id, now.wall_ms, std::move(external_path)};
  return out;
}

void checkpoint_coordinator::adopted(std::int64_t id) {
  latest_id_ = std::max(latest_id_, id);
  latest_completed_id_ = std::max(latest_completed_id_, id);
}

void checkpoint_coordinator::fail_pending(const std::string& reason, const instant& now,
                                          std::vector<checkpoint_action>& out) {
  const std::int64_t id = pending_->id;
  const instant triggered = pending_->triggered;
  pending_.reset();
  --stats_.counts.in_progress;
  ++stats_.counts.failed;
  if (auto* e = history_entry(id)) {
    e->status = checkpoint_status::failed;
    e->failure_timestamp = now.wall_ms;
    e->failure_message = reason;
    e->end_to_end_duration = std::max<std::int64_t>(0, millis_between(triggered, now));
    stats_.latest_failed = *e;
  }
  out.push_back(send_abort{id, reason});
}

}  // namespace regent::job
