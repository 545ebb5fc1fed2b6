/// The job master of one job in one leadership session (DESIGN §2, §4): asks the resource
/// manager for slots, deploys the subtasks (restoring the latest completed checkpoint), runs
/// the checkpoint coordinator, restarts on failures by the restart strategy, and ends the job.
/// When the job is globally terminal it writes the dirty JobResultStore entry before it does
/// anything else — in particular before it can handle a revoke (an actor handles one message
/// at a time), which closes the race of FLINK-39704.
///
/// Event-based, on CAF's workers: its HA calls, which block on fsync or the network, run on the
/// blocking pool while it waits for them, handling nothing else (see off_worker).

#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <utility>

#include <caf/all.hpp>

#include "regent/actors/job_master_actor.hpp"

#include "regent/actors/cluster.hpp"
#include "regent/ha/errc.hpp"
#include "regent/rpc/cluster_protocol.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/runtime/job/attempt_id.hpp"
#include "regent/runtime/job/checkpoint_coordinator.hpp"
#include "regent/runtime/job/job_status.hpp"
#include "regent/runtime/job/restart_strategy.hpp"
#include "regent/runtime/job_spec.hpp"
#include "regent/runtime/logging.hpp"
#include "regent/task/file_sink.hpp"
#include "regent/views/flink_rest.hpp"

namespace regent::actors {

namespace {

using namespace std::chrono_literals;
using maybe_checkpoint = result<std::optional<ha::completed_checkpoint>>;

/// Fault injection for tests of task-preserving failover: with REGENT_CRASH_POINT=<point> in
/// its environment the process ends at once, as under kill -9, when a job reaches <point> of a
/// checkpoint after the job's first completed checkpoint. Points: before-trigger,
/// after-first-ack (some subtasks acknowledged), after-store (stored in the HA services, no
/// sink told), after-first-notify (one taskmanager was told); and while-reconciling (a new
/// leader, as it begins to reconcile a recovered job). Unset: nothing happens.
void crash_point(const char* point) {
  static const char* wanted = std::getenv("REGENT_CRASH_POINT");
  if (wanted == nullptr || std::strcmp(wanted, point) != 0) return;
  auto log = logging::get("actors");
  log->critical("crash point {}: exiting at once (REGENT_CRASH_POINT)", point);
  log->flush();
  std::_Exit(86);
}

job::restart_settings restart_settings_of(const config::settings& s) {
  job::restart_settings r;
  r.kind = s.restart == config::restart_kind::none ? job::restart_kind::none : job::restart_kind::fixed_delay;
  r.attempts = s.restart_attempts;
  r.delay = s.restart_delay;
  return r;
}

/// The job master's state and its handlers, one named member per message and per step of a
/// job's life (slots, deployment, checkpoints, failures, the end).
class jm_state {
 public:
  static inline const char* name = "job_master";

  job_master_actor::behavior_type start(job_master_actor::pointer self, std::shared_ptr<const session_context> ctx,
                                        dispatcher_actor dispatcher, resource_manager_actor rm, job_id id,
                                        const std::string& spec_json, std::optional<recovered_checkpoint> recovered) {
    self_ = self;
    ctx_ = std::move(ctx);
    dispatcher_ = std::move(dispatcher);
    rm_ = std::move(rm);
    id_ = id;
    job_ = id.str();
    spec_ = parse_job_spec(spec_json).value();
    status_ = job::job_status_machine(job::job_status::initializing, ctx_->time->wall_millis());
    restarts_ = std::make_unique<job::restart_strategy>(restart_settings_of(ctx_->settings));
    coordinator_ = std::make_unique<job::checkpoint_coordinator>(
        id_, job::checkpoint_coordinator_options{spec_.parallelism, std::chrono::minutes(10), 10});
    prefetched_latest_ = std::move(recovered);
    // A job recovered by a new leader: its subtasks may still run (task-preserving failover).
    // Decided here, before any message: the taskmanagers' reports may arrive before a start.
    if (prefetched_latest_ && ctx_->settings.task_preserving)
      begin_reconciling();
    else
      self_->send(self_, start_atom::value);
    return {
        [this](start_atom) { on_start(); },
        [this](tick_atom, std::uint64_t attempt) { on_tick(attempt); },
        [this](rpc_atom, const rpc::envelope& req, const rpc::responder& reply) {
          auto e = rpc::decode_subtask_event(req.payload);
          if (!e) return (void)reply.fail(e.err());
          reply.reply("");
          on_event(*e);
        },
        [this](const deploy_failed& m) {
          if (m.attempt == attempt_) fail_attempt(m.cause, false);
        },
        [this](const taskmanager_lost& m) {
          if (reconciling_) {
            for (auto& [index, r] : reported_)
              if (r.taskmanager_id == m.taskmanager_id)
                return restart_after_reconciling("taskmanager " + m.taskmanager_id + " was lost");
            return;
          }
          for (auto& s : slots_)
            if (s.taskmanager_id == m.taskmanager_id)
              return fail_attempt("taskmanager " + m.taskmanager_id + " was lost", false);
        },
        [this](const subtasks_reported& m) { on_reported(m); },
        [this](reconcile_timeout_atom) {
          if (reconciling_)
            restart_after_reconciling(std::to_string(reported_.size()) + " of " + std::to_string(spec_.parallelism) +
                                      " subtasks were reported within " +
                                      std::to_string(ctx_->settings.reconcile_timeout.count()) + " ms");
        },
        [this](cancel_atom) { finish(job::job_status::canceled, ""); },
        [this](snapshot_atom) { return snapshot(); },
    };
  }

 private:
  // ---- slots and deployment ----

  void on_start() {
    if (terminal_ || deployed_ || reconciling_) return;
    if (ctx_->ended) return self_->quit();
    move_to(job::job_status::created);
    self_->request(rm_, 5s, slot_request{id_, spec_.parallelism})
        .then(
            [this](const std::vector<slot>& slots) {
              waiting_logged_ = false;
              deploy(slots);
            },
            [this](caf::error& e) {
              self_->send(rm_, slot_release{id_});  // withdraw the expired request
              if (!waiting_logged_) {
                log_->info("job {} waits for {} slots: {}", job_, spec_.parallelism, self_->system().render(e));
                waiting_logged_ = true;
              }
              self_->send(self_, start_atom::value);
            });
  }

  void deploy(std::vector<slot> slots) {
    if (ctx_->ended) return self_->quit();
    if (prefetched_latest_) {
      auto latest = std::move(*prefetched_latest_);
      prefetched_latest_.reset();
      return deploy_from(std::move(slots), std::move(latest), true);
    }
    blocking([ctx = ctx_, id = id_] { return ctx->ha->checkpoints().latest(id); },
             [this, slots = std::move(slots)](maybe_checkpoint latest) mutable {
               deploy_from(std::move(slots), std::move(latest), false);
             });
  }

  /// Deploys an attempt on `slots`, restoring `latest`; `recovered`: the session's first
  /// deployment of a job recovered from the HA store.
  void deploy_from(std::vector<slot> slots, maybe_checkpoint latest, bool recovered) {
    if (ctx_->ended) return self_->quit();  // the session ended while the slots were found
    slots_ = std::move(slots);
    attempt_ = job::attempt_id(ctx_->token, ++attempts_);
    ended_.clear();
    finished_.clear();
    if (!latest) return finish(job::job_status::failed, "cannot read the latest checkpoint: " + latest.err().message);
    std::vector<std::string> restore(static_cast<std::size_t>(spec_.parallelism));
    if (latest->has_value()) {
      auto meta = job::parse_checkpoint_metadata((*latest)->bytes);
      if (!meta) return finish(job::job_status::failed, "corrupt checkpoint metadata: " + meta.err().message);
      for (auto& h : meta->subtasks)
        if (h.index >= 0 && h.index < spec_.parallelism) restore[static_cast<std::size_t>(h.index)] = h.handle;
      execute(coordinator_->restored(meta->checkpoint_id, chk_dir(meta->checkpoint_id).string(), now()));
      log_->info("job {} restoring from checkpoint {} (attempt {})", job_, meta->checkpoint_id, attempt_);
    } else {
      log_->info("job {} starting from scratch: no completed checkpoint (attempt {})", job_, attempt_);
      if (recovered) warn_if_output_without_checkpoint();
    }
    send_deployments(restore);
    deployed_ = true;
    move_to(job::job_status::running);
    start_ticks();
  }

  void send_deployments(const std::vector<std::string>& restore) {
    auto spec_json = to_json(spec_);
    for (auto& s : slots_) {
      rpc::deploy d{{job_, attempt_, s.subtask},
                    spec_.parallelism,
                    spec_json,
                    restore[static_cast<std::size_t>(s.subtask)],
                    ctx_->settings.checkpoints_dir};
      ctx_->taskmanagers->send(
          s.address, rpc::make_request(rpc::method::tm_deploy, ctx_->token, rpc::encode(d)),
          [self = caf::actor_cast<job_master_actor>(self_), attempt = attempt_](auto r) {
            auto folded = r ? rpc::to_result(std::move(r).value()) : std::move(r);
            if (!folded) caf::anon_send(self, deploy_failed{attempt, "deploy failed: " + folded.err().message});
          });
    }
  }

  /// A recovered job without a completed checkpoint whose file sink holds committed output ran
  /// past a checkpoint that the HA store no longer has (a backend that lost acknowledged
  /// writes): say so, in the log a person reads first. Its subtasks then fail it (the sink
  /// refuses to restore under newer output); this line says why.
  void warn_if_output_without_checkpoint() {
    const auto& sink = spec_.sink;
    if (sink.type != "file") return;
    blocking(
        [dir = sink.path, job = job_] {
          auto parts = task::committed_parts_of(dir, job);
          return parts ? parts->size() : std::size_t{0};
        },
        [this, path = sink.path](std::size_t parts) {
          if (parts > 0)
            log_->error(
                "job {} recovered with no completed checkpoint, but its sink folder {} holds {} committed part files: "
                "it completed checkpoints before, which the HA store has lost",
                job_, path, parts);
        });
  }

  /// Sends `method` with `payload` to every taskmanager of the current attempt (once per address).
  void to_subtasks(const char* method, const std::string& payload) {
    std::set<std::string> addresses;
    for (auto& s : slots_) addresses.insert(s.address);
    const bool notify_after_first =
        std::strcmp(method, rpc::method::tm_notify) == 0 && coordinator_->latest_completed_id() > 1;
    for (auto& a : addresses)
      ctx_->taskmanagers->send(a, rpc::make_request(method, ctx_->token, payload),
                               [log = log_, job = job_, method, notify_after_first](result<rpc::envelope> r) {
                                 if (!r) return log->warn("job {}: {} failed: {}", job, method, r.err().message);
                                 if (notify_after_first) crash_point("after-first-notify");
                               });
  }

  void cancel_attempt() {
    self_->send(rm_, slot_release{id_});  // also withdraws a waiting slot request
    reconciling_ = false;
    cancel_reported();
    if (!deployed_) return;
    to_subtasks(rpc::method::tm_cancel, rpc::encode(rpc::cancel_job{job_, attempt_}));
    deployed_ = false;
    slots_.clear();
  }

  // ---- task-preserving failover: adopt the subtasks that kept running ----

  void begin_reconciling() {
    crash_point("while-reconciling");
    reconciling_ = true;
    move_to(job::job_status::created);
    move_to(job::job_status::reconciling);
    log_->info("job {} waits up to {} ms for the taskmanagers to report its {} subtasks (task-preserving failover)",
               job_, ctx_->settings.reconcile_timeout.count(), spec_.parallelism);
    self_->delayed_send(self_, ctx_->settings.reconcile_timeout, reconcile_timeout_atom::value);
    reserve_ids();
  }

  void on_reported(const subtasks_reported& m) {
    for (const auto& r : m.running) {
      if (reconciling_) {
        reported_[r.subtask.index] = {m.taskmanager_id, m.address, r};
      } else if (!(deployed_ && r.subtask.attempt == attempt_)) {
        log_->info(
            "job {}: taskmanager {} runs subtask {} of attempt {}, which is not the job's attempt: cancelling it", job_,
            m.taskmanager_id, r.subtask.index, r.subtask.attempt);
        cancel_on(m.address, r.subtask.attempt);
      }
    }
    if (reconciling_) try_adopt();
  }

  /// Adopts the reported subtasks once every one is there and they agree; restarts the job
  /// when a report shows that adopting cannot work.
  void try_adopt() {
    const auto& first = reported_.begin()->second.report;
    for (const auto& [index, r] : reported_) {
      if (r.report.what == rpc::running_subtask::state::failed)
        return restart_after_reconciling("subtask " + std::to_string(index) +
                                         " failed while there was no leader: " + r.report.message);
      if (r.report.subtask.attempt != first.subtask.attempt || r.report.parallelism != spec_.parallelism || index < 0 ||
          index >= spec_.parallelism)
        return restart_after_reconciling("the reports of its subtasks disagree (attempts " +
                                         std::to_string(first.subtask.attempt) + " and " +
                                         std::to_string(r.report.subtask.attempt) + ")");
    }
    if (static_cast<int>(reported_.size()) < spec_.parallelism) return;  // more to come
    auto latest = std::move(*prefetched_latest_);
    prefetched_latest_.reset();
    std::int64_t completed = 0;
    if (latest && latest->has_value()) {
      auto meta = job::parse_checkpoint_metadata((*latest)->bytes);
      if (!meta) return finish(job::job_status::failed, "corrupt checkpoint metadata: " + meta.err().message);
      completed = meta->checkpoint_id;
    } else if (!latest) {
      return restart_after_reconciling("cannot read its latest checkpoint: " + latest.err().message);
    }
    adopt(completed);
  }

  void adopt(std::int64_t completed) {
    reconciling_ = false;
    attempt_ = reported_.begin()->second.report.subtask.attempt;
    slots_.clear();
    ended_.clear();
    finished_.clear();
    std::set<std::string> taskmanagers;
    for (const auto& [index, r] : reported_) {
      slots_.push_back({index, r.taskmanager_id, r.address});
      taskmanagers.insert(r.taskmanager_id);
      if (r.report.what != rpc::running_subtask::state::running) ended_.insert(index);
      if (r.report.what == rpc::running_subtask::state::finished) finished_.insert(index);
    }
    reported_.clear();
    deployed_ = true;
    coordinator_->adopted(completed);
    log_->info(
        "job {} adopted: its {} subtasks of attempt {} keep running on {} taskmanagers; latest completed "
        "checkpoint {}",
        job_, slots_.size(), attempt_, taskmanagers.size(), completed);
    move_to(job::job_status::running);
    // The old leader may have stored checkpoint `completed` without telling every sink: tell
    // them again (committing a checkpoint twice is harmless, and it covers everything before).
    if (completed > 0) to_subtasks(rpc::method::tm_notify, checkpoint_command(completed));
    auto early = std::move(early_events_);
    early_events_.clear();
    for (const auto& e : early) on_event(e);
    if (terminal_) return;
    if (static_cast<int>(finished_.size()) == spec_.parallelism) return finish(job::job_status::finished, "");
    trigger_checkpoint();
    start_ticks();
  }

  /// Gives up adopting: cancels what was reported and restarts from the latest checkpoint.
  void restart_after_reconciling(const std::string& why) {
    log_->warn("job {} cannot be adopted: {}; cancelling what runs of it and restarting it from its latest checkpoint",
               job_, why);
    reconciling_ = false;
    cancel_reported();
    early_events_.clear();
    self_->send(rm_, slot_release{id_});
    on_start();
  }

  void cancel_reported() {
    for (const auto& [index, r] : reported_) cancel_on(r.address, r.report.subtask.attempt);
    reported_.clear();
  }

  void cancel_on(const std::string& address, std::uint64_t attempt) {
    ctx_->taskmanagers->send(
        address, rpc::make_request(rpc::method::tm_cancel, ctx_->token, rpc::encode(rpc::cancel_job{job_, attempt})),
        [log = log_, job = job_](result<rpc::envelope> r) {
          if (!r) log->warn("job {}: tm.cancel failed: {}", job, r.err().message);
        });
  }

  // ---- events of the subtasks ----

  void on_event(const rpc::subtask_event& e) {
    if (reconciling_) return early_events_.push_back(e);  // replayed once adopted
    if (e.subtask.attempt != attempt_ || !deployed_ || terminal_) return;
    using kind = rpc::subtask_event::kind;
    switch (e.what) {
      case kind::ack:
        acked_records_[static_cast<std::int64_t>(e.checkpoint_id)][e.subtask.index] = e.records;
        execute(coordinator_->acknowledge(e.subtask.index, static_cast<std::int64_t>(e.checkpoint_id), e.handle,
                                          static_cast<std::int64_t>(e.state_size), now()));
        if (coordinator_->latest_completed_id() > 0 && coordinator_->pending_id() && !coordinator_->awaiting_store())
          crash_point("after-first-ack");
        break;
      case kind::end_of_input:
        ended_.insert(e.subtask.index);
        break;
      case kind::finished:
        finished_.insert(e.subtask.index);
        if (static_cast<int>(finished_.size()) == spec_.parallelism) return finish(job::job_status::finished, "");
        break;
      case kind::failed:
        return fail_attempt("subtask " + std::to_string(e.subtask.index) + " failed: " + e.message, e.unrecoverable);
      case kind::cancelled:
        return fail_attempt("subtask " + std::to_string(e.subtask.index) + " was cancelled", false);
    }
    // Once every subtask has read all its input, the final checkpoint commits the rest.
    if (static_cast<int>(ended_.size()) == spec_.parallelism) trigger_checkpoint();
  }

  // ---- checkpoints ----

  /// The checkpoint schedule of this attempt: a tick every interval at fixed rate (each one
  /// due an interval after the previous was due, not after it was handled, so a busy actor
  /// system delays a tick but does not shift the ones after it).
  void start_ticks() {
    const auto interval = ctx_->settings.checkpoint_interval;
    if (interval.count() <= 0) return;
    next_tick_ = ctx_->time->now() + interval;
    self_->delayed_send(self_, interval, tick_atom::value, attempt_);
  }

  void on_tick(std::uint64_t attempt) {
    if (attempt != attempt_ || !deployed_ || terminal_) return;
    execute(coordinator_->timeout(now()));
    trigger_checkpoint();
    const auto interval = ctx_->settings.checkpoint_interval;
    const auto at = ctx_->time->now();
    next_tick_ += interval;
    if (next_tick_ + interval <= at) next_tick_ = at;  // more than an interval behind: no burst to catch up
    const auto delay = std::clamp<clock::duration>(next_tick_ - at, clock::duration::zero(), interval);
    self_->delayed_send(self_, delay, tick_atom::value, attempt);
  }

  /// Triggers a checkpoint now; when one is still pending, as soon as it completes or fails (a
  /// tick that found the previous checkpoint pending is not lost: the schedule holds as long
  /// as a checkpoint takes less than the interval on average).
  void trigger_checkpoint() {
    if (!deployed_ || terminal_) return;
    if (!coordinator_->can_trigger() || ids_next_ == ids_end_) {
      checkpoint_due_ = true;
      if (ids_next_ == ids_end_) reserve_ids();  // the checkpoint goes when they arrive
      return;
    }
    checkpoint_due_ = false;
    if (coordinator_->latest_completed_id() > 0) crash_point("before-trigger");
    execute(coordinator_->trigger(static_cast<std::int64_t>(ids_next_++), now()));
  }

  /// Reserves the next block of checkpoint ids (a fenced HA write) unless a reservation is on
  /// its way. Unlike the job's other blocking calls, the job handles its messages meanwhile: a
  /// job recovered by a new leader reserves while it waits for the taskmanagers' reports, so
  /// that its first checkpoint after adoption waits for no HA write before the trigger.
  void reserve_ids() {
    if (reserving_ || terminal_) return;
    reserving_ = true;
    const auto block = id_block();
    blocking([ctx = ctx_, id = id_, block] { return ctx->ha->checkpoint_ids().reserve(ctx->token, id, block); },
             [this, block](result<std::uint64_t> first) {
               reserving_ = false;
               if (after_reserving_) return std::exchange(after_reserving_, nullptr)();
               if (!first) return log_->warn("job {}: no checkpoint id: {}", job_, first.err().message);
               ids_next_ = *first;
               ids_end_ = *first + block;
               if (checkpoint_due_) trigger_checkpoint();
             },
             /*in_order=*/false);
  }

  /// How many checkpoint ids one counter write reserves: about ten seconds' worth at this job's
  /// interval, 1 to 100 (one HA write per block instead of per checkpoint; the ids of a block
  /// this session does not use are skipped, as ids are after any failure).
  std::uint64_t id_block() const {
    const auto interval = ctx_->settings.checkpoint_interval;
    if (interval.count() <= 0) return 1;
    return static_cast<std::uint64_t>(std::clamp<std::int64_t>(10s / interval, 1, 100));
  }

  void execute(const std::vector<job::checkpoint_action>& first) {
    run_actions(std::deque<job::checkpoint_action>(first.begin(), first.end()));
  }

  /// Carries out what the checkpoint coordinator asks for, in order, and what that leads to
  /// (appended). Storing a completed checkpoint is a blocking call: the rest goes on once it
  /// has returned.
  void run_actions(std::deque<job::checkpoint_action> todo) {
    while (!todo.empty()) {
      auto action = std::move(todo.front());
      todo.pop_front();
      if (auto* t = std::get_if<job::send_trigger>(&action)) {
        to_subtasks(rpc::method::tm_trigger, checkpoint_command(t->checkpoint_id));
      } else if (auto* s = std::get_if<job::store_checkpoint>(&action)) {
        return store(*s, std::move(todo));
      } else if (auto* n = std::get_if<job::send_notify_complete>(&action)) {
        to_subtasks(rpc::method::tm_notify, checkpoint_command(n->checkpoint_id));
      } else if (auto* a = std::get_if<job::send_abort>(&action)) {
        log_->warn("job {} checkpoint {} failed: {}", job_, a->checkpoint_id, a->reason);
      } else if (auto* i = std::get_if<job::ignored_event>(&action)) {
        log_->debug("job {} checkpoint {}: ignored: {}", job_, i->checkpoint_id, i->reason);
      }
    }
    // Nothing pending any more (a store returns above): the checkpoint a tick asked for while
    // one was pending goes now.
    if (checkpoint_due_ && coordinator_->can_trigger()) trigger_checkpoint();
  }

  std::string checkpoint_command(std::int64_t checkpoint_id) const {
    return rpc::encode(rpc::checkpoint_command{job_, attempt_, static_cast<std::uint64_t>(checkpoint_id)});
  }

  /// Stores a completed checkpoint (dropping the data of those it subsumes), then goes on with `rest`.
  void store(const job::store_checkpoint& s, std::deque<job::checkpoint_action> rest) {
    auto id = s.metadata.checkpoint_id;
    blocking(
        [ctx = ctx_, jid = id_, id, bytes = job::serialize_checkpoint_metadata(s.metadata),
         dirs = ctx_->settings.checkpoints_dir, job = job_] {
          auto added = ctx->ha->checkpoints().add(ctx->token, jid, static_cast<std::uint64_t>(id), bytes);
          if (added)
            for (auto dropped : *added) {
              std::error_code ec;
              std::filesystem::remove_all(std::filesystem::path(dirs) / job / ("chk-" + std::to_string(dropped)), ec);
            }
          return added;
        },
        [this, id, rest = std::move(rest)](result<std::vector<std::uint64_t>> added) mutable {
          std::vector<job::checkpoint_action> next;
          if (!added) {
            next = coordinator_->fail(id, added.err().message, now());
          } else {
            log_->info("job {} completed checkpoint {}", job_, id);
            count_records_written(id);
            if (coordinator_->latest_completed_id() > 0) crash_point("after-store");
            self_->send(dispatcher_, checkpoint_completed{id_, id});
            next = coordinator_->completed(id, chk_dir(id).string(), now());
          }
          for (auto& a : next) rest.push_back(std::move(a));
          run_actions(std::move(rest));
        });
  }

  // ---- failures and the end ----

  /// `unrecoverable`: a subtask said a restart cannot help (its output shows HA state was lost).
  void fail_attempt(const std::string& cause, bool unrecoverable) {
    if (terminal_ || !deployed_) return;
    log_->warn("job {} attempt {} failed: {}", job_, attempt_, cause);
    failures_.push_front({cause, ctx_->time->wall_millis()});
    if (failures_.size() > 16) failures_.pop_back();
    (void)coordinator_->abort_pending(cause, now());
    cancel_attempt();
    if (unrecoverable) {
      log_->error("job {} fails without a restart: {}", job_, cause);
      return finish(job::job_status::failed, cause);
    }
    auto decision = restarts_->on_failure(cause);
    if (!decision.restart) return finish(job::job_status::failed, decision.reason);
    move_to(job::job_status::failing);
    move_to(job::job_status::restarting);
    log_->info("job {} restarts in {} ms (restart {} of {})", job_, decision.delay.count(), decision.attempt,
               restarts_->describe());
    self_->delayed_send(self_, decision.delay, start_atom::value);
  }

  /// The job is over for the whole cluster: record it, then tell the dispatcher. Nothing else
  /// is handled until the record is written (or refused): not a revoke, not a cancel.
  void finish(job::job_status end, const std::string& cause) {
    if (terminal_) return;
    terminal_ = true;
    (void)coordinator_->abort_pending("job ended", now());
    auto wall = ctx_->time->wall_millis();
    ha::job_result r;
    r.id = id_;
    r.application_status = job::to_string(job::application_status_of(end));
    r.start_time = status_.start_time();
    r.end_time = wall;
    r.net_runtime_ms = wall - status_.start_time();
    r.name = spec_.name;
    if (!cause.empty()) r.failure_cause = cause;
    if (!cause.empty() && (failures_.empty() || failures_.front().cause != cause)) failures_.push_front({cause, wall});
    auto record = [this, r, end, cause] {
      blocking([ctx = ctx_, r] { return ctx->ha->job_results().create_dirty(ctx->token, r); },
               [this, end, cause](result<void> written) { recorded(end, cause, written); });
    };
    // The job's HA data is removed once its result is recorded: not while a reservation of
    // checkpoint ids, which writes the job's counter, may still be on its way.
    if (reserving_)
      after_reserving_ = std::move(record);
    else
      record();
  }

  void recorded(job::job_status end, const std::string& cause, const result<void>& written) {
    if (!written && written.err().code != ha::errc::already_exists) {
      // Most likely leadership is gone: the next leader recovers the job and ends it again.
      log_->warn("job {} reached {} but its result could not be recorded: {} (the job stays for the next leader)", job_,
                 job::to_string(end), written.err().message);
      cancel_attempt();
      return self_->quit();
    }
    if (end == job::job_status::canceled) move_to(job::job_status::cancelling);
    if (end == job::job_status::failed) move_to(job::job_status::failing);
    move_to(end);
    log_->info("job {} ({}) is {}{}", job_, spec_.name, job::to_string(end), cause.empty() ? "" : ": " + cause);
    cancel_attempt();
    self_->send(dispatcher_, job_terminated{id_, end, snapshot()});
    self_->quit();
  }

  // ---- helpers ----

  void move_to(job::job_status s) {
    if (status_.current() == s) return;
    if (auto r = status_.transition(s, ctx_->time->wall_millis()); !r)
      return log_->debug("job {}: {}", job_, r.err().message);
    self_->send(dispatcher_, job_status_changed{id_, s});
  }

  views::job_snapshot snapshot() const {
    return {id_, spec_.name, spec_.parallelism, status_, coordinator_->statistics(), failures_, records_written_};
  }

  /// Checkpoint `id` completed: the records its acks reported are written (committed).
  void count_records_written(std::int64_t id) {
    auto it = acked_records_.find(id);
    if (it != acked_records_.end() && static_cast<int>(it->second.size()) == spec_.parallelism) {
      std::int64_t sum = 0;
      for (const auto& [index, records] : it->second) sum += static_cast<std::int64_t>(records);
      records_written_ = sum;
    }
    acked_records_.erase(acked_records_.begin(), acked_records_.upper_bound(id));  // older ones never complete
  }

  /// Where the subtasks keep checkpoint `id` of this job.
  std::filesystem::path chk_dir(std::int64_t id) const {
    return std::filesystem::path(ctx_->settings.checkpoints_dir) / job_ / ("chk-" + std::to_string(id));
  }

  job::instant now() const { return job::instant::of(*ctx_->time); }

  /// Makes the blocking call `work` on the blocking pool and gives its result to `then` on this
  /// actor, which handles no other message in between (an exit included): as if it had made
  /// the call itself, but without holding a CAF worker. Not `in_order`: the actor goes on with
  /// its messages and `then` runs when the result arrives.
  template <class Work, class Then>
  void blocking(Work work, Then then, bool in_order = true) {
    auto out = std::make_shared<std::optional<decltype(work())>>();
    auto call = std::make_shared<const std::function<void()>>([out, work = std::move(work), ctx = ctx_] {
      // A call still queued when the session ended is not made: the session writes nothing
      // more and needs no read, and the pool is free at once for what the process does next
      // (a leader stepping down releases its lock sooner).
      if (ctx->ended) return;
      out->emplace(work());
      ctx->count_write(**out);  // reads never fail for lost leadership
    });
    auto reply = self_->request(ctx_->blocking->next(), caf::infinite, run_atom::value, blocking_call(std::move(call)));
    auto done = [this, out, then = std::move(then)](done_atom) mutable {
      if (!*out) return self_->quit();  // skipped: the session ended
      then(std::move(**out));
    };
    auto gone = [this](caf::error&) { self_->quit(); };  // the pool is gone: the process is ending
    if (in_order)
      reply.await(std::move(done), std::move(gone));
    else
      reply.then(std::move(done), std::move(gone));
  }

  job_master_actor::pointer self_ = nullptr;
  std::shared_ptr<const session_context> ctx_;
  dispatcher_actor dispatcher_;
  resource_manager_actor rm_;
  std::shared_ptr<spdlog::logger> log_ = logging::get("actors");
  job_id id_;
  std::string job_;  ///< id_ as text, for logs and RPC payloads
  job_spec spec_;
  job::job_status_machine status_;
  std::uint64_t attempts_ = 0;  ///< attempts started in this session
  std::uint64_t attempt_ = 0;   ///< the current attempt's id (unique across sessions)
  /// Per pending checkpoint: each subtask's acknowledged record count (until it completes).
  std::map<std::int64_t, std::map<int, std::uint64_t>> acked_records_;
  std::int64_t records_written_ = -1;  ///< as of the latest completed checkpoint; -1 unknown
  std::vector<slot> slots_;
  std::unique_ptr<job::checkpoint_coordinator> coordinator_;
  std::unique_ptr<job::restart_strategy> restarts_;
  std::set<int> ended_, finished_;
  bool deployed_ = false;
  bool terminal_ = false;
  /// Task-preserving failover: waiting for the taskmanagers' reports of this job's subtasks.
  bool reconciling_ = false;
  bool checkpoint_due_ = false;               ///< a checkpoint waits for the pending one or for ids
  std::uint64_t ids_next_ = 0, ids_end_ = 0;  ///< checkpoint ids reserved and not yet used: [next, end)
  bool reserving_ = false;                    ///< a reservation of ids is on its way
  std::function<void()> after_reserving_;     ///< the end of the job, waiting for that reservation
  clock::time_point next_tick_{};             ///< when the next tick of the schedule is due
  struct reported_subtask {
    std::string taskmanager_id;
    std::string address;
    rpc::running_subtask report;
  };
  std::map<int, reported_subtask> reported_;      ///< by subtask index
  std::vector<rpc::subtask_event> early_events_;  ///< arrived while reconciling
  bool waiting_logged_ = false;
  std::deque<views::job_failure> failures_;  ///< newest first, at most 16 (REST exceptions)
  /// The latest completed checkpoint as the dispatcher's recovery read it; good for the
  /// session's first deployment only (nothing completes before it).
  std::optional<recovered_checkpoint> prefetched_latest_;
};

job_master_actor::behavior_type job_master(job_master_actor::stateful_pointer<jm_state> self,
                                           std::shared_ptr<const session_context> ctx, dispatcher_actor dispatcher,
                                           resource_manager_actor rm, job_id id, std::string spec_json,
                                           std::optional<recovered_checkpoint> recovered) {
  return self->state.start(self, std::move(ctx), std::move(dispatcher), std::move(rm), id, spec_json,
                           std::move(recovered));
}

}  // namespace

job_master_actor spawn_job_master(caf::actor_system& sys, std::shared_ptr<const session_context> ctx,
                                  dispatcher_actor dispatcher, resource_manager_actor resource_manager, job_id job,
                                  std::string spec_json, std::optional<recovered_checkpoint> latest) {
  return sys.spawn(job_master, std::move(ctx), std::move(dispatcher), std::move(resource_manager), job,
                   std::move(spec_json), std::move(latest));
}

}  // namespace regent::actors
