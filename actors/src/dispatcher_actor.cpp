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

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "regent/actors/dispatcher_actor.hpp"

#include "regent/actors/cluster.hpp"
#include "regent/actors/job_master_actor.hpp"
#include "regent/ha/errc.hpp"
#include "regent/rpc/cluster_protocol.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/runtime/job/cleanup_backoff.hpp"
#include "regent/runtime/job_spec.hpp"
#include "regent/runtime/logging.hpp"
#include "regent/runtime/random.hpp"

namespace regent::actors {

namespace {

struct job_entry {
  job_master_actor master;  // null once the job is over
  std::string state;
  std::string name;
  // What REST shows (wall-clock ms; end -1 while not terminal).
  int parallelism = 0;
  std::int64_t start_ms = 0;
  std::int64_t end_ms = -1;
  std::int64_t modified_ms = 0;
  // The job master's last answers, kept after it is gone (final_atom).
  std::string job_json, checkpoints_json, exceptions_json, result_json;
};

using nlohmann::json;

// Flink's ExecutionState of the job's tasks for a job status (the `tasks` of JobDetails).
const char* task_state_of(const std::string& job_state) {
  if (job_state == "RUNNING" || job_state == "FINISHED" || job_state == "CANCELED" || job_state == "FAILED")
    return job_state.c_str();
  if (job_state == "CANCELLING") return "CANCELING";
  return "CREATED";
}

json job_row(const std::string& id, const job_entry& e, std::int64_t now_ms) {
  json tasks = {{"total", e.parallelism}};
  const std::string current = task_state_of(e.state);
  for (auto* s : {"created", "scheduled", "deploying", "running", "finished", "canceling", "canceled", "failed",
                  "reconciling", "initializing"}) {
    std::string upper(s);
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    tasks[s] = upper == current ? e.parallelism : 0;
  }
  auto end = e.end_ms;
  return {{"jid", id},
          {"name", e.name},
          {"state", e.state},
          {"start-time", e.start_ms},
          {"end-time", end},
          {"duration", (end >= 0 ? end : now_ms) - e.start_ms},
          {"last-modification", e.modified_ms},
          {"tasks", tasks}};
}

// JobExecutionResultResponseBody (wire form) of a JobResultStore entry.
json execution_result(const ha::job_result& r) {
  json jr = {{"id", r.id.str()},
             {"application-status", r.application_status},
             {"accumulator-results", json::object()},
             {"net-runtime", r.net_runtime_ms}};
  if (r.failure_cause)
    jr["failure-cause"] = {
        {"class", "regent.JobFailure"}, {"stack-trace", *r.failure_cause}, {"serialized-throwable", ""}};
  return {{"status", {{"id", "COMPLETED"}}}, {"job-execution-result", jr}};
}

struct dispatcher_state {
  static inline const char* name = "dispatcher";
  resource_manager_actor rm;
  std::map<std::string, job_entry> jobs;
  std::map<std::string, int> cleanup_failures;
  std::int64_t checkpoints_completed = 0;  // in this leadership session
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

const char* state_of(const std::string& application_status) {
  if (application_status == "SUCCEEDED") return "FINISHED";
  if (application_status == "CANCELED") return "CANCELED";
  if (application_status == "FAILED") return "FAILED";
  return "UNKNOWN";
}

int jobs_running_of(const std::map<std::string, int>& by_state) {
  int n = 0;
  for (auto& [state, count] : by_state)
    if (state != "FINISHED" && state != "CANCELED" && state != "FAILED") n += count;
  return n;
}

dispatcher_actor::behavior_type dispatcher(dispatcher_actor::stateful_pointer<dispatcher_state> self,
                                           std::shared_ptr<const session_context> ctx) {
  auto log = logging::get("actors");
  ha::ha_services* const hap = ctx->ha;
  const auto token = ctx->token;
  const auto backoff = backoff_of(ctx->settings.cleanup);

  auto start_job = [=](const std::string& id, const std::string& spec_json, const job_spec& spec,
                       std::optional<recovered_checkpoint> latest) {
    auto master = spawn_job_master(self->system(), ctx, caf::actor_cast<dispatcher_actor>(self), self->state.rm, id,
                                   spec_json, std::move(latest));
    self->link_to(master);
    job_entry e;
    e.master = master;
    e.state = "INITIALIZING";
    e.name = spec.name;
    e.parallelism = spec.parallelism;
    e.start_ms = e.modified_ms = ctx->time->wall_millis();
    self->state.jobs[id] = std::move(e);
  };

  // Global cleanup of a terminal job's HA data; true when nothing of it is left.
  auto clean = [=](const std::string& id) -> result<void> {
    auto job = *job_id::parse(id);
    if (auto r = hap->job_graphs().remove(token, job); !r) return r;
    if (auto r = hap->checkpoints().remove_all(token, job); !r) return r;
    if (auto r = hap->checkpoint_ids().remove(token, job); !r) return r;
    if (auto r = hap->blobs().remove_job(token, job); !r) return r;
    std::error_code ec;
    std::filesystem::remove_all(std::filesystem::path(ctx->settings.checkpoints_dir) / id, ec);
    if (ec) return error{ha::errc::io, "cannot remove checkpoint data of job " + id + ": " + ec.message()};
    return hap->job_results().mark_clean(token, job);
  };

  auto on_submit = [=](const rpc::envelope& req, const rpc::responder& reply) {
    auto m = rpc::decode_submit_job(req.payload);
    if (!m) return (void)reply.fail(m.err());
    auto spec = parse_job_spec(m->spec_json);
    if (!spec) return (void)reply.fail(spec.err());
    if (!spec->id) spec->id = job_id::parse(random_source::instance().hex32());
    auto id = spec->id->str();
    auto done = hap->job_results().has_entry(*spec->id);
    if (!done) return (void)reply.fail(done.err());
    if (*done)
      return (void)reply.fail(error{ha::errc::already_exists,
                                    "job " + id + " already reached a globally terminal state; it is not run again"});
    if (self->state.jobs.count(id))
      return (void)reply.fail(error{ha::errc::already_exists, "job " + id + " was already submitted"});
    for (auto& [key, data] : m->artifacts)
      if (auto r = hap->blobs().put(token, *spec->id, key, data); !r) return (void)reply.fail(r.err());
    auto stored = to_json(*spec);
    if (auto r = hap->job_graphs().put(token, *spec->id, stored); !r) return (void)reply.fail(r.err());
    log->info("accepted job {} ({}), parallelism {}", id, spec->name, spec->parallelism);
    start_job(id, stored, *spec, std::nullopt);
    reply.reply(rpc::encode(rpc::job_ref{id}));
  };

  auto on_status = [=](const rpc::envelope& req, const rpc::responder& reply) {
    auto m = rpc::decode_job_ref(req.payload);
    if (!m) return (void)reply.fail(m.err());
    auto it = self->state.jobs.find(m->job_id);
    if (it != self->state.jobs.end())
      return (void)reply.reply(rpc::encode(rpc::job_status{m->job_id, it->second.state, it->second.name}));
    auto id = job_id::parse(m->job_id);
    if (!id) return (void)reply.fail(error{ha::errc::invalid_argument, "not a job id: " + m->job_id});
    auto entry = hap->job_results().get(*id);
    if (!entry) return (void)reply.fail(entry.err());
    if (!entry->has_value()) return (void)reply.fail(error{ha::errc::not_found, "no job " + m->job_id});
    auto& r = (*entry)->result;
    reply.reply(rpc::encode(rpc::job_status{m->job_id, state_of(r.application_status), r.name}));
  };

  // REST questions (rpc::query): answered from this session's state, the job masters, the
  // resource manager, or the JobResultStore for jobs that ended before this session.
  auto on_query = [=](const rpc::envelope& req, const rpc::responder& reply) {
    auto q = rpc::decode_query(req.payload);
    if (!q) return (void)reply.fail(q.err());
    auto& jobs = self->state.jobs;
    if (q->what == "jobs") {
      json rows = json::array();
      for (auto& [id, e] : jobs)
        if (e.state != "CLEANUP") rows.push_back(job_row(id, e, ctx->time->wall_millis()));
      return (void)reply.reply(json{{"jobs", rows}}.dump());
    }
    if (q->what == "overview" || q->what == "taskmanagers" || q->what == "metrics") {
      std::map<std::string, int> by_state;
      for (auto& [id, e] : jobs)
        if (e.state != "CLEANUP") ++by_state[e.state];
      auto what = q->what;
      self->request(self->state.rm, std::chrono::seconds(5), query_atom::value)
          .then(
              [=](const std::string& tms) {
                if (what == "taskmanagers") return (void)reply.reply(tms);
                auto parsed = json::parse(tms, nullptr, false);
                int total = 0, free = 0, count = 0;
                for (auto& tm : parsed["taskmanagers"]) {
                  ++count;
                  total += tm["slotsNumber"].get<int>();
                  free += tm["freeSlots"].get<int>();
                }
                auto n = [&](const char* s) {
                  auto it = by_state.find(s);
                  return it == by_state.end() ? 0 : it->second;
                };
                if (what == "metrics") {
                  std::string out = "# TYPE regent_jobs gauge\n";
                  for (auto* s : {"INITIALIZING", "CREATED", "RUNNING", "FAILING", "FAILED", "CANCELLING", "CANCELED",
                                  "FINISHED", "RESTARTING", "SUSPENDED"})
                    out += std::string("regent_jobs{state=\"") + s + "\"} " + std::to_string(n(s)) + "\n";
                  out += "# TYPE regent_checkpoints_completed_total counter\nregent_checkpoints_completed_total " +
                         std::to_string(self->state.checkpoints_completed) + "\n";
                  out += "# TYPE regent_taskmanagers gauge\nregent_taskmanagers " + std::to_string(count) + "\n";
                  out += "# TYPE regent_slots_available gauge\nregent_slots_available " + std::to_string(free) + "\n";
                  return (void)reply.reply(out);
                }
                reply.reply(json{
                    {"taskmanagers", count},
                    {"slots-total", total},
                    {"slots-available", free},
                    {"jobs-running", jobs_running_of(by_state)},
                    {"jobs-finished", n("FINISHED")},
                    {"jobs-cancelled", n("CANCELED")},
                    {"jobs-failed", n("FAILED")},
                    {"flink-version", "regent-0.1"},
                    {"flink-commit",
                     "unknown"}}.dump());
              },
              [=](caf::error& e) {
                reply.fail(error{rpc::errc::handler_failed, "resource manager: " + self->system().render(e)});
              });
      return;
    }
    if (q->what == "dirty") {
      // Globally terminal jobs whose cleanup has not finished, with the HA data each still holds.
      auto dirty = hap->job_results().dirty_ids();
      if (!dirty) return (void)reply.fail(dirty.err());
      json rows = json::array();
      for (auto& id : *dirty) {
        auto entry = hap->job_results().get(id);
        json row = {{"jid", id.str()}};
        if (entry && entry->has_value()) {
          row["name"] = (*entry)->result.name;
          row["application-status"] = (*entry)->result.application_status;
        }
        auto f = self->state.cleanup_failures.find(id.str());
        row["cleanup-attempts"] = f == self->state.cleanup_failures.end() ? 0 : f->second;
        auto graph = hap->job_graphs().get(id);
        auto checkpoints = hap->checkpoints().list(id);
        auto blobs = hap->blobs().list(id);
        std::error_code ec;
        row["artifacts"] = {
            {"job-graph", graph.ok()},
            {"checkpoints", checkpoints ? json(*checkpoints) : json::array()},
            {"blobs", blobs ? json(*blobs) : json::array()},
            {"checkpoint-data",
             std::filesystem::exists(std::filesystem::path(ctx->settings.checkpoints_dir) / id.str(), ec)}};
        rows.push_back(row);
      }
      return (void)reply.reply(json{{"dirty", rows}}.dump());
    }
    auto it = jobs.find(q->job_id);
    if (it != jobs.end() && it->second.state != "CLEANUP") {
      auto& e = it->second;
      if (q->what == "result") {
        if (e.master || e.result_json.empty())
          return (void)reply.reply(json{{"status", {{"id", "IN_PROGRESS"}}}}.dump());
        return (void)reply.reply(e.result_json);
      }
      if (e.master) {
        auto what = q->what;
        auto job = q->job_id;
        self->request(e.master, std::chrono::seconds(5), query_atom::value, what)
            .then([=](const std::string& answer) { reply.reply(answer); },
                  [=](caf::error& err) {
                    // The job master ended under the question: its final answers reached this
                    // mailbox before it went, so they are kept by now.
                    auto now = self->state.jobs.find(job);
                    if (now != self->state.jobs.end() && !now->second.master) {
                      auto& k = now->second;
                      const auto& kept = what == "checkpoints"  ? k.checkpoints_json
                                         : what == "exceptions" ? k.exceptions_json
                                                                : k.job_json;
                      if (!kept.empty()) {
                        reply.reply(kept);
                        return;
                      }
                    }
                    reply.fail(error{rpc::errc::handler_failed, "job master: " + self->system().render(err)});
                  });
        return;
      }
      const auto& kept = q->what == "checkpoints"  ? e.checkpoints_json
                         : q->what == "exceptions" ? e.exceptions_json
                                                   : e.job_json;
      if (!kept.empty()) return (void)reply.reply(kept);
    }
    // A job that ended before this session: only its JobResultStore entry is left.
    auto id = job_id::parse(q->job_id);
    if (!id) return (void)reply.fail(error{ha::errc::not_found, "no job " + q->job_id});
    auto entry = hap->job_results().get(*id);
    if (!entry) return (void)reply.fail(entry.err());
    if (!entry->has_value()) return (void)reply.fail(error{ha::errc::not_found, "no job " + q->job_id});
    auto& r = (*entry)->result;
    if (q->what == "result") return (void)reply.reply(execution_result(r).dump());
    if (q->what == "checkpoints")
      return (
                 void)reply.reply(json{
          {"counts", {{"restored", 0}, {"total", 0}, {"in_progress", 0}, {"completed", 0}, {"failed", 0}}},
          {"summary", json::object()},
          {"latest", {{"completed", nullptr}, {"savepoint", nullptr}, {"failed", nullptr}, {"restored", nullptr}}},
          {"history", json::array()}}.dump());
    if (q->what == "exceptions") {
      json j = {{"root-exception", r.failure_cause ? json(*r.failure_cause) : json(nullptr)},
                {"timestamp", r.failure_cause ? json(r.end_time) : json(nullptr)},
                {"all-exceptions", json::array()},
                {"truncated", false},
                {"exceptionHistory", {{"entries", json::array()}, {"truncated", false}}}};
      return (void)reply.reply(j.dump());
    }
    job_entry e;
    e.state = state_of(r.application_status);
    e.name = r.name;
    e.start_ms = r.start_time;
    e.end_ms = e.modified_ms = r.end_time;
    auto row = job_row(q->job_id, e, ctx->time->wall_millis());
    json timestamps = json::object();
    timestamps[e.state] = r.end_time;
    reply.reply(json{{"jid", q->job_id},
                     {"name", r.name},
                     {"isStoppable", false},
                     {"state", e.state},
                     {"start-time", r.start_time},
                     {"end-time", r.end_time},
                     {"duration", r.end_time - r.start_time},
                     {"maxParallelism", -1},
                     {"now", ctx->time->wall_millis()},
                     {"timestamps", timestamps},
                     {"vertices", json::array()},
                     {"status-counts", json::object()},
                     {"plan", {{"jid", q->job_id}, {"name", r.name}, {"nodes", json::array()}}}}
                    .dump());
  };

  // Until it has recovered, the dispatcher handles only its resource manager and the recovery;
  // anything else (a submission, a query) waits in the mailbox and is handled after it. So the
  // supervisor may publish the leader info first, before recovery loads the HA services.
  auto serving = std::make_shared<std::optional<dispatcher_actor::behavior_type>>();  // set below
  auto recovered = [=](bool ok) {
    self->become(**serving);  // also brings back the messages skipped meanwhile
    return ok;
  };
  dispatcher_actor::behavior_type recovering{
      [=](use_rm_atom, resource_manager_actor rm) { self->state.rm = std::move(rm); },
      [=](recover_atom) -> bool {
        auto dirty = hap->job_results().dirty_ids();
        if (!dirty) {
          log->error("recovery: cannot list the JobResultStore: {}", dirty.err().message);
          return recovered(false);
        }
        for (auto& id : *dirty) {
          log->info("recovery: job {} is globally terminal (dirty result): cleaning up, not running it", id.str());
          self->state.jobs[id.str()].state = "CLEANUP";
          self->send(self, cleanup_atom::value, id.str());
        }
        auto graphs = hap->job_graphs().list();
        if (!graphs) {
          log->error("recovery: cannot list the job graphs: {}", graphs.err().message);
          return recovered(false);
        }
        std::vector<job_id> ids;
        for (auto& id : *graphs) {
          if (self->state.jobs.count(id.str())) continue;
          auto done = hap->job_results().has_entry(id);
          if (done && *done) continue;
          ids.push_back(id);
        }
        // Every job's graph, then every job's latest checkpoint, each in one batch: on
        // ZooKeeper one pipelined round trip, not one per job. A revoke (this actor's exit)
        // waits for the batch in hand and stops the recovery after it.
        auto read = hap->job_graphs().get_many(ids);
        if (ctx->ended) return false;
        std::vector<job_id> runnable;
        std::vector<std::pair<std::string, job_spec>> specs;
        for (std::size_t i = 0; i < ids.size(); ++i) {
          auto spec = read[i] ? parse_job_spec(*read[i]) : result<job_spec>(read[i].err());
          if (!spec) {
            log->error("recovery: job {} cannot be recovered: {} (it stays for the next leader)", ids[i].str(),
                       spec.err().message);
            continue;
          }
          log->info("recovery: recovered job graph of job {} ({})", ids[i].str(), spec->name);
          runnable.push_back(ids[i]);
          specs.emplace_back(std::move(*read[i]), std::move(*spec));
        }
        auto latest = hap->checkpoints().latest_many(runnable);
        if (ctx->ended) return false;
        for (std::size_t i = 0; i < runnable.size(); ++i)
          start_job(runnable[i].str(), specs[i].first, specs[i].second, std::move(latest[i]));
        return recovered(true);
      },
      // Everything else waits in the mailbox until recovery is done.
      [](rpc_atom, const rpc::envelope&, const rpc::responder&) { return caf::skip; },
      [](state_atom, const std::string&, const std::string&, const std::string&) { return caf::skip; },
      [](checkpointed_atom, const std::string&) { return caf::skip; },
      [](final_atom, const std::string&, const std::string&, const std::string&, const std::string&) {
        return caf::skip;
      },
      [](terminal_atom, const std::string&, const std::string&) { return caf::skip; },
      [](cleanup_atom, const std::string&) { return caf::skip; },
      [](tm_lost_atom, const std::string&) { return caf::skip; },
      [](cancel_atom, const std::string&) { return caf::skip; },
  };
  *serving = dispatcher_actor::behavior_type{
      [=](use_rm_atom, resource_manager_actor rm) { self->state.rm = std::move(rm); },
      [](recover_atom) { return true; },  // the supervisor asks once per session; done already
      [=](rpc_atom, const rpc::envelope& req, const rpc::responder& reply) {
        if (req.method == rpc::method::dispatcher_submit) return on_submit(req, reply);
        if (req.method == rpc::method::dispatcher_status) return on_status(req, reply);
        if (req.method == rpc::method::dispatcher_query) return on_query(req, reply);
        if (req.method == rpc::method::dispatcher_cleanup) {
          auto m = rpc::decode_job_ref(req.payload);
          if (!m) return (void)reply.fail(m.err());
          auto id = job_id::parse(m->job_id);
          if (!id) return (void)reply.fail(error{ha::errc::not_found, "no job " + m->job_id});
          auto entry = hap->job_results().get(*id);
          if (!entry) return (void)reply.fail(entry.err());
          if (!entry->has_value() || !(*entry)->dirty)
            return (void)reply.fail(
                error{ha::errc::not_found, "no job " + m->job_id + " with a dirty result to clean up"});
          log->info("job {}: cleanup requested by an operator", m->job_id);
          self->state.cleanup_failures.erase(m->job_id);
          self->send(self, cleanup_atom::value, m->job_id);
          return (void)reply.reply("");
        }
        if (req.method == rpc::method::dispatcher_cancel) {
          auto m = rpc::decode_job_ref(req.payload);
          if (!m) return (void)reply.fail(m.err());
          auto it = self->state.jobs.find(m->job_id);
          if (it == self->state.jobs.end() || !it->second.master)
            return (void)reply.fail(error{ha::errc::not_found, "no running job " + m->job_id});
          log->info("cancelling job {} on request", m->job_id);
          self->send(it->second.master, cancel_atom::value);
          return (void)reply.reply("");
        }
        if (req.method == rpc::method::jm_subtask_event) {
          auto e = rpc::decode_subtask_event(req.payload);
          if (!e) return (void)reply.fail(e.err());
          auto it = self->state.jobs.find(e->subtask.job_id);
          if (it == self->state.jobs.end() || !it->second.master)
            return (void)reply.fail(error{ha::errc::not_found, "no running job " + e->subtask.job_id});
          return self->send(it->second.master, rpc_atom::value, req, reply);
        }
        if (req.method == rpc::method::blob_get) {
          auto b = rpc::decode_blob_request(req.payload);
          if (!b) return (void)reply.fail(b.err());
          auto id = job_id::parse(b->job_id);
          if (!id) return (void)reply.fail(error{ha::errc::invalid_argument, "not a job id: " + b->job_id});
          auto bytes = hap->blobs().get(*id, b->key);
          if (!bytes) return (void)reply.fail(bytes.err());
          return (void)reply.reply(*bytes);
        }
        reply.fail(error{rpc::errc::unknown_method, "unknown method " + req.method});
      },
      [=](state_atom, const std::string& id, const std::string& state, const std::string& name) {
        auto& e = self->state.jobs[id];
        e.state = state;
        e.name = name;
        e.modified_ms = ctx->time->wall_millis();
      },
      [=](checkpointed_atom, const std::string&) { ++self->state.checkpoints_completed; },
      [=](final_atom, const std::string& id, const std::string& job_json, const std::string& checkpoints_json,
          const std::string& exceptions_json) {
        auto& e = self->state.jobs[id];
        e.job_json = job_json;
        e.checkpoints_json = checkpoints_json;
        e.exceptions_json = exceptions_json;
        // Read the (still dirty) result now: with delete-on-commit the entry goes with the cleanup.
        if (auto entry = hap->job_results().get(*job_id::parse(id)); entry && entry->has_value())
          e.result_json = execution_result((*entry)->result).dump();
      },
      [=](terminal_atom, const std::string& id, const std::string& state) {
        auto& e = self->state.jobs[id];
        if (e.master) self->unlink_from(e.master);
        e.master = nullptr;
        e.state = state;
        e.end_ms = e.modified_ms = ctx->time->wall_millis();
        self->send(self, cleanup_atom::value, id);
      },
      [=](cleanup_atom, const std::string& id) {
        auto r = clean(id);
        auto& failures = self->state.cleanup_failures[id];
        if (r) {
          log->info("job {}: HA data cleaned up, result marked clean", id);
          self->state.cleanup_failures.erase(id);
          return;
        }
        ++failures;
        auto delay = backoff.next_delay(failures);
        if (!delay) {
          log->error(
              "job {}: cleanup gave up after {} attempts ({}): {}; its JobResultStore entry stays dirty and the next "
              "leader retries",
              id, failures, backoff.describe(), r.err().message);
          return;
        }
        log->warn("job {}: cleanup attempt {} failed: {}; retrying in {} ms", id, failures, r.err().message,
                  delay->count());
        self->delayed_send(self, *delay, cleanup_atom::value, id);
      },
      [=](tm_lost_atom, const std::string& tm) {
        for (auto& [id, e] : self->state.jobs)
          if (e.master) self->send(e.master, tm_lost_atom::value, tm);
      },
      [=](cancel_atom, const std::string& id) {
        auto it = self->state.jobs.find(id);
        if (it != self->state.jobs.end() && it->second.master) self->send(it->second.master, cancel_atom::value);
      },
  };
  return recovering;
}

}  // namespace

dispatcher_actor spawn_dispatcher(caf::actor_system& sys, std::shared_ptr<const session_context> ctx) {
  return sys.spawn<caf::detached>(dispatcher, std::move(ctx));
}

}  // namespace regent::actors
