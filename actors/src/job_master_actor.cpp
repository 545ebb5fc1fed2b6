/// The job master of one job in one leadership session (DESIGN §2, §4): asks the resource
/// manager for slots, deploys the subtasks (restoring the latest completed checkpoint), runs
/// the checkpoint coordinator, restarts on failures by the restart strategy, and ends the job.
/// When the job is globally terminal it writes the dirty JobResultStore entry before it does
/// anything else — in particular before it can handle a revoke (an actor handles one message
/// at a time), which closes the race of FLINK-39704.
///
/// Event-based, on CAF's workers: its HA calls, which block on fsync or the network, run on the
/// blocking pool while it waits for them, handling nothing else (see off_worker).

#include <deque>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

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

namespace regent::actors {

namespace {

using namespace std::chrono_literals;

struct jm_state {
  static inline const char* name = "job_master";
  job_id id;
  job_spec spec;
  job::job_status_machine status;
  std::uint64_t attempts = 0;  // attempts started in this session
  std::uint64_t attempt = 0;   // the current attempt's id (unique across sessions)
  std::vector<slot> slots;
  std::unique_ptr<job::checkpoint_coordinator> coordinator;
  std::unique_ptr<job::restart_strategy> restarts;
  std::set<int> ended, finished;
  bool deployed = false;
  bool terminal = false;
  bool waiting_logged = false;
  struct failure {
    std::string cause;
    std::int64_t timestamp = 0;
  };
  std::deque<failure> failures;  // newest first, at most 16 (REST exceptions)
  // The latest completed checkpoint as the dispatcher's recovery read it; good for the
  // session's first deployment only (nothing completes before it).
  std::optional<recovered_checkpoint> prefetched_latest;
  /// Carries out checkpoint coordinator actions (see the job master's behaviour).
  std::function<void(std::deque<job::checkpoint_action>)> run_actions;
};

using nlohmann::json;

// Flink's execution state of the one vertex (the operator chain) for a job status.
const char* vertex_status(job::job_status s) {
  switch (s) {
    case job::job_status::running:
      return "RUNNING";
    case job::job_status::finished:
      return "FINISHED";
    case job::job_status::canceled:
      return "CANCELED";
    case job::job_status::failed:
      return "FAILED";
    case job::job_status::cancelling:
      return "CANCELING";
    case job::job_status::created:
      return "SCHEDULED";
    default:
      return "CREATED";
  }
}

json execution_states(const char* current, int count) {
  json m = json::object();
  for (auto* s : {"CREATED", "SCHEDULED", "DEPLOYING", "RUNNING", "FINISHED", "CANCELING", "CANCELED", "FAILED",
                  "RECONCILING", "INITIALIZING"})
    m[s] = std::string(s) == current ? count : 0;
  return m;
}

// JobDetailsInfo (the wire form, see reference/flink-rest-subset.md).
json render_job(const jm_state& st, std::int64_t now) {
  auto start = st.status.start_time();
  auto end = st.status.end_time();
  json timestamps = json::object();
  for (auto s : job::all_job_statuses()) timestamps[job::to_string(s)] = st.status.timestamp(s);
  const char* vs = vertex_status(st.status.current());
  auto vertex_id = st.id.str();  // one vertex: the chain; its id reuses the job id's hex form
  json vertex = {{"id", vertex_id},
                 {"name", st.spec.name},
                 {"parallelism", st.spec.parallelism},
                 {"maxParallelism", st.spec.parallelism},
                 {"status", vs},
                 {"start-time", start},
                 {"end-time", end ? *end : -1},
                 {"duration", (end ? *end : now) - start},
                 {"tasks", execution_states(vs, st.spec.parallelism)},
                 {"metrics",
                  {{"read-bytes", 0},
                   {"read-bytes-complete", false},
                   {"write-bytes", 0},
                   {"write-bytes-complete", false},
                   {"read-records", 0},
                   {"read-records-complete", false},
                   {"write-records", 0},
                   {"write-records-complete", false}}}};
  return {{"jid", st.id.str()},
          {"name", st.spec.name},
          {"isStoppable", false},
          {"state", job::to_string(st.status.current())},
          {"start-time", start},
          {"end-time", end ? *end : -1},
          {"duration", (end ? *end : now) - start},
          {"maxParallelism", st.spec.parallelism},
          {"now", now},
          {"timestamps", timestamps},
          {"vertices", json::array({vertex})},
          {"status-counts", execution_states(vs, 1)},
          {"plan",
           {{"jid", st.id.str()},
            {"name", st.spec.name},
            {"type", "STREAMING"},
            {"nodes", json::array({{{"id", vertex_id},
                                    {"parallelism", st.spec.parallelism},
                                    {"operator", ""},
                                    {"description", st.spec.name},
                                    {"inputs", json::array()}}})}}}};
}

json render_checkpoint(const job::checkpoint_stats& c) {
  const char* clazz = c.status == job::checkpoint_status::completed ? "completed"
                      : c.status == job::checkpoint_status::failed  ? "failed"
                                                                    : "in_progress";
  json j = {{"clazz", clazz},
            {"id", c.id},
            {"status", job::to_string(c.status)},
            {"is_savepoint", false},
            {"trigger_timestamp", c.trigger_timestamp},
            {"latest_ack_timestamp", c.latest_ack_timestamp},
            {"state_size", c.state_size},
            {"end_to_end_duration", c.end_to_end_duration},
            {"alignment_buffered", 0},
            {"processed_data", 0},
            {"persisted_data", 0},
            {"num_subtasks", c.num_subtasks},
            {"num_acknowledged_subtasks", c.num_acknowledged_subtasks},
            {"checkpoint_type", "CHECKPOINT"},
            {"tasks", json::object()}};
  if (c.status == job::checkpoint_status::completed) {
    j["external_path"] = c.external_path;
    j["discarded"] = false;
  }
  if (c.status == job::checkpoint_status::failed) {
    j["failure_timestamp"] = c.failure_timestamp;
    j["failure_message"] = c.failure_message;
  }
  return j;
}

json render_summary(const job::stats_summary& s) {
  return {{"min", s.min()},         {"max", s.max()},          {"avg", s.avg()},          {"p50", s.quantile(0.5)},
          {"p90", s.quantile(0.9)}, {"p95", s.quantile(0.95)}, {"p99", s.quantile(0.99)}, {"p999", s.quantile(0.999)}};
}

// CheckpointingStatistics (wire form).
json render_checkpoints(const job::checkpoint_statistics& s) {
  job::stats_summary zero;
  json history = json::array();
  for (auto& c : s.history) history.push_back(render_checkpoint(c));
  json restored = nullptr;
  if (s.latest_restored)
    restored = {{"id", s.latest_restored->id},
                {"restore_timestamp", s.latest_restored->restore_timestamp},
                {"is_savepoint", false},
                {"external_path", s.latest_restored->external_path}};
  return {{"counts",
           {{"restored", s.counts.restored},
            {"total", s.counts.total},
            {"in_progress", s.counts.in_progress},
            {"completed", s.counts.completed},
            {"failed", s.counts.failed}}},
          {"summary",
           {{"state_size", render_summary(s.state_size)},
            {"end_to_end_duration", render_summary(s.end_to_end_duration)},
            {"alignment_buffered", render_summary(zero)},
            {"processed_data", render_summary(zero)},
            {"persisted_data", render_summary(zero)}}},
          {"latest",
           {{"completed", s.latest_completed ? render_checkpoint(*s.latest_completed) : json(nullptr)},
            {"savepoint", nullptr},
            {"failed", s.latest_failed ? render_checkpoint(*s.latest_failed) : json(nullptr)},
            {"restored", restored}}},
          {"history", history}};
}

// JobExceptionsInfoWithHistory from the failure causes this job master saw.
json render_exceptions(const jm_state& st) {
  json entries = json::array();
  json all = json::array();
  for (auto& f : st.failures) {
    entries.push_back({{"exceptionName", "regent.JobFailure"},
                       {"stacktrace", f.cause},
                       {"timestamp", f.timestamp},
                       {"taskName", st.spec.name},
                       {"location", nullptr},
                       {"concurrentExceptions", json::array()}});
    all.push_back(
        {{"exception", f.cause}, {"task", st.spec.name}, {"location", "(unassigned)"}, {"timestamp", f.timestamp}});
  }
  json j = {{"all-exceptions", all},
            {"truncated", false},
            {"exceptionHistory", {{"entries", entries}, {"truncated", false}}}};
  if (!st.failures.empty()) {
    j["root-exception"] = st.failures.front().cause;
    j["timestamp"] = st.failures.front().timestamp;
  } else {
    j["root-exception"] = nullptr;
    j["timestamp"] = nullptr;
  }
  return j;
}

using jm_pointer = job_master_actor::stateful_pointer<jm_state>;

/// Makes the blocking call `work` on the blocking pool and gives its result to `then` on this
/// actor, which handles no other message in between (an exit included): as if it had made the
/// call itself, but without holding a CAF worker.
template <class Work, class Then>
void off_worker(jm_pointer self, const blocking_pool& pool, Work work, Then then) {
  auto out = std::make_shared<std::optional<decltype(work())>>();
  auto call = std::make_shared<const std::function<void()>>([out, work = std::move(work)] { out->emplace(work()); });
  self->request(pool.next(), caf::infinite, run_atom::value, blocking_call(std::move(call)))
      .await([out, then = std::move(then)](done_atom) mutable { then(std::move(**out)); },
             [self](caf::error&) { self->quit(); });  // the pool is gone: the process is ending
}

job::restart_settings restart_settings_of(const config::settings& s) {
  job::restart_settings r;
  r.kind = s.restart == config::restart_kind::none ? job::restart_kind::none : job::restart_kind::fixed_delay;
  r.attempts = s.restart_attempts;
  r.delay = s.restart_delay;
  return r;
}

job_master_actor::behavior_type job_master(job_master_actor::stateful_pointer<jm_state> self,
                                           std::shared_ptr<const session_context> ctx, dispatcher_actor dispatcher,
                                           resource_manager_actor rm, std::string id_text, std::string spec_json,
                                           std::optional<recovered_checkpoint> recovered) {
  auto log = logging::get("actors");
  auto& st = self->state;
  st.id = *job_id::parse(id_text);
  st.status = job::job_status_machine(job::job_status::initializing, ctx->time->wall_millis());
  st.restarts = std::make_unique<job::restart_strategy>(restart_settings_of(ctx->settings));
  auto take_spec = [self](job_spec spec) {
    auto& st = self->state;
    st.spec = std::move(spec);
    st.coordinator = std::make_unique<job::checkpoint_coordinator>(
        st.id, job::checkpoint_coordinator_options{st.spec.parallelism, std::chrono::minutes(10), 10});
  };
  take_spec(parse_job_spec(spec_json).value());
  st.prefetched_latest = std::move(recovered);
  const auto token = ctx->token;
  const std::string job = id_text;
  const std::filesystem::path checkpoints_dir = ctx->settings.checkpoints_dir;
  // Where the subtasks keep checkpoint `id` of this job.
  auto chk_dir = [checkpoints_dir, job](std::int64_t id) {
    return checkpoints_dir / job / ("chk-" + std::to_string(id));
  };
  auto now = [ctx] { return job::instant::of(*ctx->time); };

  auto move_to = [=](job::job_status s) {
    auto& st = self->state;
    if (st.status.current() == s) return;
    if (auto r = st.status.transition(s, ctx->time->wall_millis()); !r) {
      log->debug("job {}: {}", job, r.err().message);
      return;
    }
    self->send(dispatcher, state_atom::value, job, std::string(job::to_string(s)), st.spec.name);
  };

  // Sends `method` with `payload` to every taskmanager of the current attempt (once per address).
  auto to_subtasks = [=](const char* method, const std::string& payload) {
    std::set<std::string> addresses;
    for (auto& s : self->state.slots) addresses.insert(s.address);
    for (auto& a : addresses) {
      ctx->taskmanagers->send(a, rpc::make_request(method, token, payload),
                              [log, job, method](result<rpc::envelope> r) {
                                if (!r) log->warn("job {}: {} failed: {}", job, method, r.err().message);
                              });
    }
  };

  auto cancel_attempt = [=] {
    auto& st = self->state;
    self->send(rm, release_atom::value, job);  // also withdraws a waiting slot request
    if (!st.deployed) return;
    to_subtasks(rpc::method::tm_cancel, rpc::encode(rpc::cancel_job{job, st.attempt}));
    st.deployed = false;
    st.slots.clear();
  };

  // Makes a blocking HA call off CAF's workers (see off_worker).
  auto blocking = [self, ctx](auto work, auto then) {
    off_worker(self, *ctx->blocking, std::move(work), std::move(then));
  };

  // The latest completed checkpoint of this job, for `then`.
  auto read_latest = [=](std::function<void(result<std::optional<ha::completed_checkpoint>>)> then) {
    blocking([ctx, jid = self->state.id] { return ctx->ha->checkpoints().latest(jid); }, std::move(then));
  };

  // The job is over for the whole cluster: record it, then tell the dispatcher. Nothing else
  // is handled until the record is written (or refused): not a revoke, not a cancel.
  auto finish = [=](job::job_status end, const std::string& cause) {
    auto& st = self->state;
    if (st.terminal) return;
    st.terminal = true;
    (void)st.coordinator->abort_pending("job ended", now());
    auto wall = ctx->time->wall_millis();
    ha::job_result r;
    r.id = st.id;
    r.application_status = job::to_string(job::application_status_of(end));
    r.start_time = st.status.start_time();
    r.end_time = wall;
    r.net_runtime_ms = wall - st.status.start_time();
    r.name = st.spec.name;
    if (!cause.empty()) r.failure_cause = cause;
    if (!cause.empty() && (st.failures.empty() || st.failures.front().cause != cause))
      st.failures.push_front({cause, wall});
    blocking(
        [ctx, token, r] { return ctx->ha->job_results().create_dirty(token, r); },
        [=](result<void> written) {
          auto& st = self->state;
          if (!written && written.err().code != ha::errc::already_exists) {
            // Most likely leadership is gone: the next leader recovers the job and ends it again.
            log->warn("job {} reached {} but its result could not be recorded: {} (the job stays for the next leader)",
                      job, job::to_string(end), written.err().message);
            cancel_attempt();
            self->quit();
            return;
          }
          if (end == job::job_status::canceled) move_to(job::job_status::cancelling);
          if (end == job::job_status::failed) move_to(job::job_status::failing);
          move_to(end);
          log->info("job {} ({}) is {}{}", job, st.spec.name, job::to_string(end), cause.empty() ? "" : ": " + cause);
          cancel_attempt();
          self->send(dispatcher, final_atom::value, job, render_job(st, ctx->time->wall_millis()).dump(),
                     render_checkpoints(st.coordinator->statistics()).dump(), render_exceptions(st).dump());
          self->send(dispatcher, terminal_atom::value, job, std::string(job::to_string(end)));
          self->quit();
        });
  };

  // `unrecoverable`: a subtask said a restart cannot help (its output shows HA state was lost).
  auto fail_attempt = [=](const std::string& cause, bool unrecoverable) {
    auto& st = self->state;
    if (st.terminal || !st.deployed) return;
    log->warn("job {} attempt {} failed: {}", job, st.attempt, cause);
    st.failures.push_front({cause, ctx->time->wall_millis()});
    if (st.failures.size() > 16) st.failures.pop_back();
    (void)st.coordinator->abort_pending(cause, now());
    cancel_attempt();
    if (unrecoverable) {
      log->error("job {} fails without a restart: {}", job, cause);
      return finish(job::job_status::failed, cause);
    }
    auto decision = st.restarts->on_failure(cause);
    if (!decision.restart) return finish(job::job_status::failed, decision.reason);
    move_to(job::job_status::failing);
    move_to(job::job_status::restarting);
    log->info("job {} restarts in {} ms (restart {} of {})", job, decision.delay.count(), decision.attempt,
              st.restarts->describe());
    self->delayed_send(self, decision.delay, start_atom::value);
  };

  // Carries out what the checkpoint coordinator asks for, in order, and what that leads to
  // (appended). Storing a completed checkpoint is a blocking call: the rest goes on once it
  // has returned. Kept in the state so that it can call itself from that continuation.
  self->state.run_actions = [=](std::deque<job::checkpoint_action> todo) {
    auto& st = self->state;
    while (!todo.empty()) {
      auto action = std::move(todo.front());
      todo.pop_front();
      if (auto* t = std::get_if<job::send_trigger>(&action)) {
        to_subtasks(rpc::method::tm_trigger, rpc::encode(rpc::checkpoint_command{
                                                 job, st.attempt, static_cast<std::uint64_t>(t->checkpoint_id)}));
      } else if (auto* s = std::get_if<job::store_checkpoint>(&action)) {
        auto id = s->metadata.checkpoint_id;
        auto bytes = job::serialize_checkpoint_metadata(s->metadata);
        blocking(
            [ctx, token, jid = st.id, id, bytes, chk_dir] {
              auto added = ctx->ha->checkpoints().add(token, jid, static_cast<std::uint64_t>(id), bytes);
              if (added)
                for (auto dropped : *added) {
                  std::error_code ec;
                  std::filesystem::remove_all(chk_dir(static_cast<std::int64_t>(dropped)), ec);
                }
              return added;
            },
            [=, todo = std::move(todo)](result<std::vector<std::uint64_t>> added) mutable {
              auto& st = self->state;
              std::vector<job::checkpoint_action> next;
              if (!added) {
                next = st.coordinator->fail(id, added.err().message, now());
              } else {
                log->info("job {} completed checkpoint {}", job, id);
                self->send(dispatcher, checkpointed_atom::value, job);
                next = st.coordinator->completed(id, chk_dir(id).string(), now());
              }
              for (auto& a : next) todo.push_back(std::move(a));
              self->state.run_actions(std::move(todo));
            });
        return;
      } else if (auto* n = std::get_if<job::send_notify_complete>(&action)) {
        to_subtasks(rpc::method::tm_notify, rpc::encode(rpc::checkpoint_command{
                                                job, st.attempt, static_cast<std::uint64_t>(n->checkpoint_id)}));
      } else if (auto* a = std::get_if<job::send_abort>(&action)) {
        log->warn("job {} checkpoint {} failed: {}", job, a->checkpoint_id, a->reason);
      } else if (auto* i = std::get_if<job::ignored_event>(&action)) {
        log->debug("job {} checkpoint {}: ignored: {}", job, i->checkpoint_id, i->reason);
      }
    }
  };
  auto execute = [self](std::vector<job::checkpoint_action> first) {
    self->state.run_actions(std::deque<job::checkpoint_action>(first.begin(), first.end()));
  };

  auto trigger_checkpoint = [=] {
    auto& st = self->state;
    if (!st.deployed || st.terminal || !st.coordinator->can_trigger()) return;
    blocking([ctx, token, jid = st.id] { return ctx->ha->checkpoint_ids().next(token, jid); },
             [=](result<std::uint64_t> id) {
               if (!id) {
                 log->warn("job {}: no checkpoint id: {}", job, id.err().message);
                 return;
               }
               execute(self->state.coordinator->trigger(static_cast<std::int64_t>(*id), now()));
             });
  };

  // A recovered job without a completed checkpoint whose file sink holds committed output ran
  // past a checkpoint that the HA store no longer has (a backend that lost acknowledged writes):
  // say so, in the log a person reads first. Its subtasks then fail it (the sink refuses to
  // restore under newer output); this line says why.
  auto warn_if_output_without_checkpoint = [=] {
    const auto& sink = self->state.spec.sink;
    if (sink.type != "file") return;
    blocking(
        [dir = sink.path, job] {
          auto parts = task::committed_parts_of(dir, job);
          return parts ? parts->size() : std::size_t{0};
        },
        [=](std::size_t parts) {
          if (parts > 0)
            log->error(
                "job {} recovered with no completed checkpoint, but its sink folder {} holds {} committed "
                "part files: it completed checkpoints before, which the HA store has lost",
                job, sink.path, parts);
        });
  };

  // Deploys the attempt on `slots`, restoring `latest`; `recovered`: the session's first
  // deployment of a job recovered from the HA store.
  auto deploy_from = [=](std::vector<slot> slots, result<std::optional<ha::completed_checkpoint>> latest,
                         bool recovered) {
    auto& st = self->state;
    if (ctx->ended) return self->quit();  // the session ended while the slots were found
    st.slots = std::move(slots);
    st.attempt = job::attempt_id(token, ++st.attempts);
    st.ended.clear();
    st.finished.clear();
    std::vector<std::string> restore(static_cast<std::size_t>(st.spec.parallelism));
    if (!latest) return finish(job::job_status::failed, "cannot read the latest checkpoint: " + latest.err().message);
    if (latest->has_value()) {
      auto meta = job::parse_checkpoint_metadata((*latest)->bytes);
      if (!meta) return finish(job::job_status::failed, "corrupt checkpoint metadata: " + meta.err().message);
      for (auto& h : meta->subtasks)
        if (h.index >= 0 && h.index < st.spec.parallelism) restore[static_cast<std::size_t>(h.index)] = h.handle;
      execute(st.coordinator->restored(meta->checkpoint_id, chk_dir(meta->checkpoint_id).string(), now()));
      log->info("job {} restoring from checkpoint {} (attempt {})", job, meta->checkpoint_id, st.attempt);
    } else {
      log->info("job {} starting from scratch: no completed checkpoint (attempt {})", job, st.attempt);
      if (recovered) warn_if_output_without_checkpoint();
    }
    auto spec_json = to_json(st.spec);
    for (auto& s : st.slots) {
      rpc::deploy d{{job, st.attempt, s.subtask},
                    st.spec.parallelism,
                    spec_json,
                    restore[static_cast<std::size_t>(s.subtask)],
                    checkpoints_dir.string()};
      auto attempt = st.attempt;
      ctx->taskmanagers->send(
          s.address, rpc::make_request(rpc::method::tm_deploy, token, rpc::encode(d)),
          [self = caf::actor_cast<job_master_actor>(self), attempt, job, log](result<rpc::envelope> r) {
            auto folded = r ? rpc::to_result(std::move(r).value()) : std::move(r);
            if (!folded) caf::anon_send(self, retry_atom::value, attempt, "deploy failed: " + folded.err().message);
          });
    }
    st.deployed = true;
    move_to(job::job_status::running);
    if (ctx->settings.checkpoint_interval.count() > 0)
      self->delayed_send(self, ctx->settings.checkpoint_interval, tick_atom::value, st.attempt);
  };

  auto deploy = [=](std::vector<slot> slots) {
    auto& st = self->state;
    if (ctx->ended) return self->quit();
    if (st.prefetched_latest) {
      auto latest = std::move(*st.prefetched_latest);
      st.prefetched_latest.reset();
      return deploy_from(std::move(slots), std::move(latest), true);
    }
    read_latest([=](result<std::optional<ha::completed_checkpoint>> latest) mutable {
      deploy_from(std::move(slots), std::move(latest), false);
    });
  };

  auto on_event = [=](const rpc::subtask_event& e) {
    auto& st = self->state;
    if (e.subtask.attempt != st.attempt || !st.deployed || st.terminal) return;
    using kind = rpc::subtask_event::kind;
    switch (e.what) {
      case kind::ack:
        execute(st.coordinator->acknowledge(e.subtask.index, static_cast<std::int64_t>(e.checkpoint_id), e.handle,
                                            static_cast<std::int64_t>(e.state_size), now()));
        break;
      case kind::end_of_input:
        st.ended.insert(e.subtask.index);
        break;
      case kind::finished:
        st.finished.insert(e.subtask.index);
        if (static_cast<int>(st.finished.size()) == st.spec.parallelism) return finish(job::job_status::finished, "");
        break;
      case kind::failed:
        return fail_attempt("subtask " + std::to_string(e.subtask.index) + " failed: " + e.message, e.unrecoverable);
      case kind::cancelled:
        return fail_attempt("subtask " + std::to_string(e.subtask.index) + " was cancelled", false);
    }
    // Once every subtask has read all its input, the final checkpoint commits the rest.
    if (static_cast<int>(st.ended.size()) == st.spec.parallelism) trigger_checkpoint();
  };

  auto ask_for_slots = [=] {
    auto& st = self->state;
    move_to(job::job_status::created);
    self->request(rm, std::chrono::seconds(5), allocate_atom::value, job, st.spec.parallelism)
        .then(
            [=](const std::vector<slot>& slots) {
              self->state.waiting_logged = false;
              deploy(slots);
            },
            [=](caf::error& e) {
              self->send(rm, release_atom::value, job);  // withdraw the expired request
              if (!self->state.waiting_logged) {
                log->info("job {} waits for {} slots: {}", job, self->state.spec.parallelism, self->system().render(e));
                self->state.waiting_logged = true;
              }
              self->send(self, start_atom::value);
            });
  };

  self->send(self, start_atom::value);
  return {
      [=](start_atom) {
        auto& st = self->state;
        if (st.terminal || st.deployed) return;
        if (ctx->ended) return self->quit();
        ask_for_slots();
      },
      [=](tick_atom, std::uint64_t attempt) {
        auto& st = self->state;
        if (attempt != st.attempt || !st.deployed || st.terminal) return;
        execute(st.coordinator->timeout(now()));
        trigger_checkpoint();
        self->delayed_send(self, ctx->settings.checkpoint_interval, tick_atom::value, attempt);
      },
      [=](rpc_atom, const rpc::envelope& req, const rpc::responder& reply) {
        auto e = rpc::decode_subtask_event(req.payload);
        if (!e) return (void)reply.fail(e.err());
        reply.reply("");
        on_event(*e);
      },
      [=](retry_atom, std::uint64_t attempt, const std::string& cause) {
        if (attempt == self->state.attempt) fail_attempt(cause, false);
      },
      [=](tm_lost_atom, const std::string& tm) {
        for (auto& s : self->state.slots)
          if (s.taskmanager_id == tm) return fail_attempt("taskmanager " + tm + " was lost", false);
      },
      [=](cancel_atom) { finish(job::job_status::canceled, ""); },
      [=](query_atom, const std::string& what) -> std::string {
        auto& st = self->state;
        if (what == "checkpoints") return render_checkpoints(st.coordinator->statistics()).dump();
        if (what == "exceptions") return render_exceptions(st).dump();
        return render_job(st, ctx->time->wall_millis()).dump();
      },
  };
}

}  // namespace

job_master_actor spawn_job_master(caf::actor_system& sys, std::shared_ptr<const session_context> ctx,
                                  dispatcher_actor dispatcher, resource_manager_actor resource_manager,
                                  std::string job_id, std::string spec_json,
                                  std::optional<recovered_checkpoint> latest) {
  return sys.spawn(job_master, std::move(ctx), std::move(dispatcher), std::move(resource_manager), std::move(job_id),
                   std::move(spec_json), std::move(latest));
}

}  // namespace regent::actors
