/// The dispatcher of one leadership session (DESIGN §2, §4): recovers on grant (dirty
/// JobResultStore entries first — cleaned up, never rerun — then every other job graph),
/// accepts submissions (the job graph is persisted before the answer), runs one job_master
/// per job, and after a job is globally terminal runs its global cleanup under the
/// cleanup strategy, then marks its result clean.
///
/// Detached (its own thread): the HA stores it calls block on fsync or the network.

#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include <caf/all.hpp>

#include "regent/actors/dispatcher_actor.hpp"

#include "regent/actors/cluster.hpp"
#include "regent/actors/job_master_actor.hpp"
#include "regent/ha/errc.hpp"
#include "regent/ha/storage/job_archive.hpp"
#include "regent/rpc/cluster_protocol.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/runtime/job/cleanup_backoff.hpp"
#include "regent/runtime/job_spec.hpp"
#include "regent/runtime/logging.hpp"
#include "regent/runtime/random.hpp"
#include "regent/views/flink_rest.hpp"

namespace regent::actors {

namespace {

using namespace std::chrono_literals;
using rpc::question;

/// A job this session runs or ran.
struct job_entry {
  job_master_actor master;  ///< null once the job is over
  views::job_summary summary;
  std::optional<views::job_snapshot> last;  ///< its job master's last word, once it ended
  std::optional<ha::job_result> result;     ///< its JobResultStore entry, read when it ended
};

/// A globally terminal job whose HA data is being cleaned up: one that ended in this session,
/// or one whose dirty JobResultStore entry the recovery found (it is never run again).
struct pending_cleanup {
  int failed_attempts = 0;  ///< in this session
};

job::cleanup_backoff backoff_of(const config::cleanup_settings& c) {
  job::cleanup_backoff_settings s;
  s.kind = c.kind == config::cleanup_kind::none          ? job::cleanup_backoff_kind::none
           : c.kind == config::cleanup_kind::fixed_delay ? job::cleanup_backoff_kind::fixed_delay
                                                         : job::cleanup_backoff_kind::exponential_delay;
  s.initial_backoff = c.initial_backoff;
  s.max_backoff = c.max_backoff;
  s.exponential_attempts = c.exponential_attempts;
  s.fixed_attempts = c.fixed_attempts;
  s.fixed_delay = c.fixed_delay;
  return job::cleanup_backoff(s);
}

error no_job(const std::string& id) { return error{ha::errc::not_found, "no job " + id}; }

/// The REST answer `what` (one of the per-job questions) from what a job master knows.
std::string render(question what, const views::job_snapshot& job, std::int64_t now_ms) {
  if (what == question::checkpoints) return views::checkpoints(job.checkpoints);
  if (what == question::exceptions) return views::exceptions(job);
  return views::job_details(job, now_ms);
}

/// The dispatcher's state and its handlers, one named member per message or RPC method.
class dispatcher_state {
 public:
  static inline const char* name = "dispatcher";

  /// The behaviour until recovery is done: only the resource manager and the recovery are
  /// handled; anything else (a submission, a query) waits in the mailbox and is handled after
  /// it. So the supervisor may publish the leader info first, before recovery loads the HA
  /// services.
  dispatcher_actor::behavior_type start(dispatcher_actor::pointer self, std::shared_ptr<const session_context> ctx) {
    self_ = self;
    ctx_ = std::move(ctx);
    ha_ = ctx_->ha;
    backoff_ = backoff_of(ctx_->settings.cleanup);
    return {
        [this](use_rm_atom, resource_manager_actor rm) { rm_ = std::move(rm); },
        [this](recover_atom) {
          bool ok = recover();
          self_->become(serving());  // also brings back the messages skipped meanwhile
          return ok;
        },
        [](rpc_atom, const rpc::envelope&, const rpc::responder&) { return caf::skip; },
        [](const job_status_changed&) { return caf::skip; },
        [](const checkpoint_completed&) { return caf::skip; },
        [](const job_terminated&) { return caf::skip; },
        [](const cleanup_attempt&) { return caf::skip; },
        [](const taskmanager_lost&) { return caf::skip; },
        [](const subtasks_reported&) { return caf::skip; },
    };
  }

 private:
  dispatcher_actor::behavior_type serving() {
    return {
        [this](use_rm_atom, resource_manager_actor rm) { rm_ = std::move(rm); },
        [](recover_atom) { return true; },  // the supervisor asks once per session; done already
        [this](rpc_atom, const rpc::envelope& req, const rpc::responder& reply) { on_rpc(req, reply); },
        [this](const job_status_changed& m) { on_status_changed(m); },
        [this](const checkpoint_completed&) { ++checkpoints_completed_; },
        [this](const job_terminated& m) { on_terminated(m); },
        [this](const cleanup_attempt& m) { on_cleanup(m.job); },
        [this](const taskmanager_lost& m) {
          for (auto& [id, e] : jobs_)
            if (e.master) self_->send(e.master, m);
        },
        [this](const subtasks_reported& m) { on_subtasks_reported(m); },
    };
  }

  // ---- recovery ----

  /// Dirty results first (cleaned up, never run), then every job graph with its latest
  /// checkpoint; false when the HA stores cannot be listed.
  bool recover() {
    auto dirty = ha_->job_results().dirty_ids();
    if (!dirty) {
      log_->error("recovery: cannot list the JobResultStore: {}", dirty.err().message);
      return false;
    }
    for (auto& id : *dirty) {
      log_->info("recovery: job {} is globally terminal (dirty result): cleaning up, not running it", id.str());
      begin_cleanup(id);
    }
    auto graphs = ha_->job_graphs().list();
    if (!graphs) {
      log_->error("recovery: cannot list the job graphs: {}", graphs.err().message);
      return false;
    }
    std::vector<job_id> ids;
    for (auto& id : *graphs) {
      if (cleanups_.count(id)) continue;
      auto done = ha_->job_results().has_entry(id);
      if (done && *done) continue;
      ids.push_back(id);
    }
    // Every job's graph, then every job's latest checkpoint, each in one batch: on ZooKeeper
    // one pipelined round trip, not one per job. A revoke (this actor's exit) waits for the
    // batch in hand and stops the recovery after it.
    auto read = ha_->job_graphs().get_many(ids);
    if (ctx_->ended) return false;
    std::vector<job_id> runnable;
    std::vector<std::pair<std::string, job_spec>> specs;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      auto spec = read[i] ? parse_job_spec(*read[i]) : result<job_spec>(read[i].err());
      if (!spec) {
        log_->error("recovery: job {} cannot be recovered: {} (it stays for the next leader)", ids[i].str(),
                    spec.err().message);
        continue;
      }
      log_->info("recovery: recovered job graph of job {} ({})", ids[i].str(), spec->name);
      runnable.push_back(ids[i]);
      specs.emplace_back(std::move(*read[i]), std::move(*spec));
    }
    auto latest = ha_->checkpoints().latest_many(runnable);
    if (ctx_->ended) return false;
    for (std::size_t i = 0; i < runnable.size(); ++i)
      start_job(runnable[i], specs[i].first, specs[i].second, std::move(latest[i]));
    return true;
  }

  void start_job(const job_id& id, const std::string& spec_json, const job_spec& spec,
                 std::optional<recovered_checkpoint> latest) {
    auto master = spawn_job_master(self_->system(), ctx_, caf::actor_cast<dispatcher_actor>(self_), rm_, id, spec_json,
                                   std::move(latest));
    self_->link_to(master);
    job_entry e;
    e.master = master;
    e.summary.id = id;
    e.summary.name = spec.name;
    e.summary.parallelism = spec.parallelism;
    e.summary.start_ms = e.summary.modified_ms = ctx_->time->wall_millis();
    jobs_[id] = std::move(e);
  }

  // ---- RPC methods ----

  void on_rpc(const rpc::envelope& req, const rpc::responder& reply) {
    namespace m = rpc::method;
    if (req.method == m::dispatcher_submit) return submit(req, reply);
    if (req.method == m::dispatcher_status) return status(req, reply);
    if (req.method == m::dispatcher_query) return query(req, reply);
    if (req.method == m::dispatcher_cleanup) return cleanup_requested(req, reply);
    if (req.method == m::dispatcher_cancel) return cancel(req, reply);
    if (req.method == m::jm_subtask_event) return forward_subtask_event(req, reply);
    if (req.method == m::blob_get) return blob(req, reply);
    reply.fail(error{rpc::errc::unknown_method, "unknown method " + req.method});
  }

  /// A submission is answered once its artifacts and job graph are persisted (fenced,
  /// durable); then the job starts. While no other submission is being persisted the writes
  /// are made here (this actor is detached); submissions that arrive meanwhile are persisted
  /// on the blocking pool, side by side (their fsyncs and ZooKeeper round trips overlap),
  /// while this actor goes on. An id being persisted counts as submitted.
  void submit(const rpc::envelope& req, const rpc::responder& reply) {
    auto m = rpc::decode_submit_job(req.payload);
    if (!m) return (void)reply.fail(m.err());
    auto spec = parse_job_spec(m->spec_json);
    if (!spec) return (void)reply.fail(spec.err());
    if (!spec->id) spec->id = job_id::parse(random_source::instance().hex32());
    const auto id = *spec->id;
    if (auto it = jobs_.find(id); it != jobs_.end() && !it->second.master)
      return (void)reply.fail(terminal_already(id));  // it ended in this session
    if (jobs_.count(id) || persisting_.count(id))
      return (void)reply.fail(error{ha::errc::already_exists, "job " + id.str() + " was already submitted"});
    auto stored = std::make_shared<const std::string>(to_json(*spec));
    if (persisting_.empty()) return persisted(id, *spec, stored, persist(*ctx_, id, m->artifacts, *stored), reply);
    persisting_.insert(id);
    auto outcome = std::make_shared<std::optional<result<void>>>();
    auto call = std::make_shared<const std::function<void()>>(
        [ctx = ctx_, id, artifacts = std::move(m->artifacts), stored, outcome] {
          if (ctx->ended) return;  // the session is over: nothing more is written
          outcome->emplace(persist(*ctx, id, artifacts, *stored));
        });
    self_->request(ctx_->blocking->next(), caf::infinite, run_atom::value, blocking_call(std::move(call)))
        .then(
            [this, id, spec = std::move(*spec), stored, outcome, reply](done_atom) {
              persisting_.erase(id);
              persisted(id, spec, stored,
                        *outcome ? std::move(**outcome) : result<void>(error{ha::errc::not_leader, "leadership ended"}),
                        reply);
            },
            [this, id, reply](caf::error& e) {
              persisting_.erase(id);
              reply.fail(error{rpc::errc::handler_failed, "blocking pool: " + self_->system().render(e)});
            });
  }

  /// The answer to a submission whose writes are done: the job starts, or the error.
  void persisted(const job_id& id, const job_spec& spec, const std::shared_ptr<const std::string>& stored,
                 result<void> written, const rpc::responder& reply) {
    if (!written) return (void)reply.fail(written.err());
    log_->info("accepted job {} ({}), parallelism {}", id.str(), spec.name, spec.parallelism);
    start_job(id, *stored, spec, std::nullopt);
    reply.reply(rpc::encode(rpc::job_ref{id.str()}));
  }

  static error terminal_already(const job_id& id) {
    return error{ha::errc::already_exists,
                 "job " + id.str() + " already reached a globally terminal state; it is not run again"};
  }

  /// A submission's HA writes (here or on the blocking pool): refused when the job already reached a
  /// globally terminal state, else its artifacts, then its job graph.
  static result<void> persist(const session_context& ctx, const job_id& id,
                              const std::vector<std::pair<std::string, std::string>>& artifacts,
                              const std::string& stored) {
    auto done = ctx.ha->job_results().has_entry(id);
    if (!done) return std::move(done).err();
    if (*done) return terminal_already(id);
    for (auto& [key, data] : artifacts)
      if (auto r = ctx.count_write(ctx.ha->blobs().put(ctx.token, id, key, data)); !r) return r;
    return ctx.count_write(ctx.ha->job_graphs().put(ctx.token, id, stored));
  }

  void status(const rpc::envelope& req, const rpc::responder& reply) {
    auto m = rpc::decode_job_ref(req.payload);
    if (!m) return (void)reply.fail(m.err());
    auto id = job_id::parse(m->job_id);
    if (!id) return (void)reply.fail(error{ha::errc::invalid_argument, "not a job id: " + m->job_id});
    if (auto it = jobs_.find(*id); it != jobs_.end()) {
      const auto& s = it->second.summary;
      return (void)reply.reply(rpc::encode(rpc::job_status{m->job_id, job::to_string(s.status), s.name}));
    }
    auto entry = ha_->job_results().get(*id);
    if (!entry) return (void)reply.fail(entry.err());
    if (!entry->has_value()) return (void)reply.fail(no_job(m->job_id));
    auto& r = (*entry)->result;
    reply.reply(rpc::encode(rpc::job_status{m->job_id, views::state_of_application(r.application_status), r.name}));
  }

  void cleanup_requested(const rpc::envelope& req, const rpc::responder& reply) {
    auto m = rpc::decode_job_ref(req.payload);
    if (!m) return (void)reply.fail(m.err());
    auto id = job_id::parse(m->job_id);
    if (!id) return (void)reply.fail(no_job(m->job_id));
    auto entry = ha_->job_results().get(*id);
    if (!entry) return (void)reply.fail(entry.err());
    if (!entry->has_value() || !(*entry)->dirty)
      return (void)reply.fail(error{ha::errc::not_found, "no job " + m->job_id + " with a dirty result to clean up"});
    log_->info("job {}: cleanup requested by an operator", m->job_id);
    cleanups_[*id] = pending_cleanup{};
    self_->send(self_, cleanup_attempt{*id});
    reply.reply("");
  }

  /// The job master of a running job `text` names, or null.
  job_master_actor master_of(const std::string& text) const {
    auto id = job_id::parse(text);
    auto it = id ? jobs_.find(*id) : jobs_.end();
    return it == jobs_.end() ? job_master_actor{} : it->second.master;
  }

  void cancel(const rpc::envelope& req, const rpc::responder& reply) {
    auto m = rpc::decode_job_ref(req.payload);
    if (!m) return (void)reply.fail(m.err());
    auto master = master_of(m->job_id);
    if (!master) return (void)reply.fail(error{ha::errc::not_found, "no running job " + m->job_id});
    log_->info("cancelling job {} on request", m->job_id);
    self_->send(master, cancel_atom::value);
    reply.reply("");
  }

  void forward_subtask_event(const rpc::envelope& req, const rpc::responder& reply) {
    auto e = rpc::decode_subtask_event(req.payload);
    if (!e) return (void)reply.fail(e.err());
    auto master = master_of(e->subtask.job_id);
    if (!master) return (void)reply.fail(error{ha::errc::not_found, "no running job " + e->subtask.job_id});
    self_->send(master, rpc_atom::value, req, reply);
  }

  void blob(const rpc::envelope& req, const rpc::responder& reply) {
    auto b = rpc::decode_blob_request(req.payload);
    if (!b) return (void)reply.fail(b.err());
    auto id = job_id::parse(b->job_id);
    if (!id) return (void)reply.fail(error{ha::errc::invalid_argument, "not a job id: " + b->job_id});
    auto bytes = ha_->blobs().get(*id, b->key);
    if (!bytes) return (void)reply.fail(bytes.err());
    reply.reply(*bytes);
  }

  // ---- REST questions ----

  void query(const rpc::envelope& req, const rpc::responder& reply) {
    auto q = rpc::decode_query(req.payload);
    if (!q) return (void)reply.fail(q.err());
    if (rpc::about_one_job(q->what)) return answer_about_job(q->what, q->job_id, reply);
    if (q->what == question::jobs) return (void)reply.reply(views::jobs_overview(summaries(), now_ms()));
    if (q->what == question::dirty) return answer_dirty(reply);
    answer_with_taskmanagers(q->what, reply);
  }

  std::vector<views::job_summary> summaries() const {
    std::vector<views::job_summary> out;
    for (auto& [id, e] : jobs_) out.push_back(e.summary);
    return out;
  }

  /// overview, taskmanagers and metrics: they need the resource manager's taskmanagers.
  void answer_with_taskmanagers(question what, const rpc::responder& reply) {
    self_->request(rm_, 5s, taskmanagers_atom::value)
        .then(
            [this, what, reply](const taskmanager_list& tms) {
              if (what == question::taskmanagers) return (void)reply.reply(views::taskmanagers(tms.rows));
              auto jobs = summaries();
              if (what == question::metrics)
                return (void)reply.reply(views::leader_metrics(tms.rows, jobs, checkpoints_completed_));
              reply.reply(views::cluster_overview(tms.rows, jobs));
            },
            [this, reply](caf::error& e) {
              reply.fail(error{rpc::errc::handler_failed, "resource manager: " + self_->system().render(e)});
            });
  }

  /// Globally terminal jobs whose cleanup has not finished, with the HA data each still holds.
  void answer_dirty(const rpc::responder& reply) {
    auto dirty = ha_->job_results().dirty_ids();
    if (!dirty) return (void)reply.fail(dirty.err());
    std::vector<views::dirty_job> rows;
    for (auto& id : *dirty) {
      views::dirty_job d;
      d.id = id;
      if (auto entry = ha_->job_results().get(id); entry && entry->has_value()) d.result = (*entry)->result;
      if (auto c = cleanups_.find(id); c != cleanups_.end()) d.cleanup_attempts = c->second.failed_attempts;
      d.job_graph = ha_->job_graphs().get(id).ok();
      if (auto checkpoints = ha_->checkpoints().list(id)) d.checkpoints = std::move(*checkpoints);
      if (auto blobs = ha_->blobs().list(id)) d.blobs = std::move(*blobs);
      std::error_code ec;
      d.checkpoint_data = std::filesystem::exists(checkpoint_data_of(id), ec);
      rows.push_back(std::move(d));
    }
    reply.reply(views::dirty_jobs(rows));
  }

  void answer_about_job(question what, const std::string& text, const rpc::responder& reply) {
    auto id = job_id::parse(text);
    if (!id) return (void)reply.fail(no_job(text));
    auto it = jobs_.find(*id);
    if (it == jobs_.end()) return answer_from_result_store(what, *id, reply);
    auto& e = it->second;
    if (what == question::result)
      return (void)reply.reply(e.master || !e.result ? views::execution_in_progress()
                                                     : views::execution_result(*e.result));
    if (!e.master) return (void)reply.reply(render(what, *e.last, now_ms()));
    self_->request(e.master, 5s, snapshot_atom::value)
        .then([this, what, reply](const views::job_snapshot& s) { reply.reply(render(what, s, now_ms())); },
              [this, what, id = *id, reply](caf::error& err) {
                // The job master ended under the question: its last word reached this mailbox
                // before it went, so it is kept by now.
                auto now = jobs_.find(id);
                if (now != jobs_.end() && now->second.last)
                  return (void)reply.reply(render(what, *now->second.last, now_ms()));
                reply.fail(error{rpc::errc::handler_failed, "job master: " + self_->system().render(err)});
              });
  }

  /// A job that ended before this session: only its JobResultStore entry is left.
  void answer_from_result_store(question what, const job_id& id, const rpc::responder& reply) {
    auto entry = ha_->job_results().get(id);
    if (!entry) return (void)reply.fail(entry.err());
    if (!entry->has_value()) return (void)reply.fail(no_job(id.str()));
    auto& r = (*entry)->result;
    if (what == question::result) return (void)reply.reply(views::execution_result(r));
    if (what == question::checkpoints) return (void)reply.reply(views::archived_checkpoints());
    if (what == question::exceptions) return (void)reply.reply(views::archived_exceptions(r));
    reply.reply(views::archived_job_details(r, now_ms()));
  }

  // ---- from the job masters ----

  void on_status_changed(const job_status_changed& m) {
    auto it = jobs_.find(m.job);
    if (it == jobs_.end()) return;
    it->second.summary.status = m.status;
    it->second.summary.modified_ms = now_ms();
  }

  void on_terminated(const job_terminated& m) {
    auto it = jobs_.find(m.job);
    if (it == jobs_.end()) return;
    auto& e = it->second;
    if (e.master) self_->unlink_from(e.master);
    e.master = nullptr;
    e.summary.status = m.status;
    e.summary.end_ms = e.summary.modified_ms = now_ms();
    e.last = m.last;
    // Read the (still dirty) result now: with delete-on-commit the entry goes with the cleanup.
    if (auto entry = ha_->job_results().get(m.job); entry && entry->has_value()) e.result = (*entry)->result;
    archive(*e.last, e.result);
    begin_cleanup(m.job);
  }

  /// Hands each job's reported subtasks to its job master; subtasks of a job this session
  /// does not run (unknown, or over) are cancelled and their slots freed.
  void on_subtasks_reported(const subtasks_reported& m) {
    std::map<std::string, subtasks_reported> per_job;
    for (const auto& r : m.running) {
      auto& mine = per_job[r.subtask.job_id];
      mine.taskmanager_id = m.taskmanager_id;
      mine.address = m.address;
      mine.running.push_back(r);
    }
    for (auto& [text, report] : per_job) {
      auto master = master_of(text);
      if (master) {
        self_->send(master, std::move(report));
        continue;
      }
      log_->info("taskmanager {} runs {} subtasks of job {}, which this leader does not run: cancelling them",
                 m.taskmanager_id, report.running.size(), text);
      for (const auto& r : report.running)
        ctx_->taskmanagers->send(m.address,
                                 rpc::make_request(rpc::method::tm_cancel, ctx_->token,
                                                   rpc::encode(rpc::cancel_job{r.subtask.job_id, r.subtask.attempt})),
                                 [log = log_, text](result<rpc::envelope> r) {
                                   if (!r) log->warn("job {}: tm.cancel failed: {}", text, r.err().message);
                                 });
      if (auto id = job_id::parse(text)) self_->send(rm_, slot_release{*id});
    }
  }

  /// Writes the ended job's REST views to jobmanager.archive.fs.dir (when set), so that every
  /// later leader still answers about it. Blocking file I/O, as the JobResultStore read above.
  void archive(const views::job_snapshot& last, const std::optional<ha::job_result>& result) {
    const auto& s = ctx_->settings;
    if (s.archive_dir.empty()) return;
    ha::job_archive store(s.archive_dir, s.jobstore_expiration, s.jobstore_max_capacity, *ctx_->time);
    if (auto r = store.put(last.id, views::job_archive(last, result, now_ms())); !r)
      log_->warn("job {}: cannot archive its REST views: {}", last.id.str(), r.err().message);
  }

  // ---- global cleanup ----

  void begin_cleanup(const job_id& id) {
    cleanups_.emplace(id, pending_cleanup{});
    self_->send(self_, cleanup_attempt{id});
  }

  std::filesystem::path checkpoint_data_of(const job_id& id) const {
    return std::filesystem::path(ctx_->settings.checkpoints_dir) / id.str();
  }

  /// Removes what a globally terminal job left in the HA services, then marks its result clean.
  result<void> clean(const job_id& job) {
    const auto& token = ctx_->token;
    if (auto r = ha_->job_graphs().remove(token, job); !r) return r;
    if (auto r = ha_->checkpoints().remove_all(token, job); !r) return r;
    if (auto r = ha_->checkpoint_ids().remove(token, job); !r) return r;
    if (auto r = ha_->blobs().remove_job(token, job); !r) return r;
    std::error_code ec;
    std::filesystem::remove_all(checkpoint_data_of(job), ec);
    if (ec) return error{ha::errc::io, "cannot remove checkpoint data of job " + job.str() + ": " + ec.message()};
    return ha_->job_results().mark_clean(token, job);
  }

  void on_cleanup(const job_id& id) {
    auto r = clean(id);
    ctx_->count_write(r);
    if (r) {
      log_->info("job {}: HA data cleaned up, result marked clean", id.str());
      cleanups_.erase(id);
      return;
    }
    auto& failures = cleanups_[id].failed_attempts;
    ++failures;
    auto delay = backoff_.next_delay(failures);
    if (!delay) {
      log_->error(
          "job {}: cleanup gave up after {} attempts ({}): {}; its JobResultStore entry stays dirty and the next "
          "leader retries",
          id.str(), failures, backoff_.describe(), r.err().message);
      return;
    }
    log_->warn("job {}: cleanup attempt {} failed: {}; retrying in {} ms", id.str(), failures, r.err().message,
               delay->count());
    self_->delayed_send(self_, *delay, cleanup_attempt{id});
  }

  std::int64_t now_ms() const { return ctx_->time->wall_millis(); }

  dispatcher_actor::pointer self_ = nullptr;
  std::shared_ptr<const session_context> ctx_;
  ha::ha_services* ha_ = nullptr;
  std::shared_ptr<spdlog::logger> log_ = logging::get("actors");
  job::cleanup_backoff backoff_{job::cleanup_backoff_settings{}};
  resource_manager_actor rm_;
  std::map<job_id, job_entry> jobs_;
  std::set<job_id> persisting_;  ///< submitted, their HA writes not done yet
  std::map<job_id, pending_cleanup> cleanups_;
  std::int64_t checkpoints_completed_ = 0;  ///< in this leadership session
};

dispatcher_actor::behavior_type dispatcher(dispatcher_actor::stateful_pointer<dispatcher_state> self,
                                           std::shared_ptr<const session_context> ctx) {
  return self->state.start(self, std::move(ctx));
}

}  // namespace

dispatcher_actor spawn_dispatcher(caf::actor_system& sys, std::shared_ptr<const session_context> ctx) {
  return sys.spawn<caf::detached>(dispatcher, std::move(ctx));
}

}  // namespace regent::actors
