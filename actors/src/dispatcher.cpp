/// The dispatcher of one leadership session (DESIGN §2, §4): recovers on grant (dirty
/// JobResultStore entries first — cleaned up, never rerun — then every other job graph),
/// accepts submissions (the job graph is persisted before the answer), runs one job_master
/// per job, and after a job is globally terminal runs its global cleanup under the
/// cleanup strategy, then marks its result clean.
///
/// Detached (its own thread): the HA stores it calls block on fsync or the network.

#include <filesystem>
#include <map>

#include <caf/all.hpp>

#include "regent/actors/cluster.hpp"
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
  caf::actor master;  // null once the job is over
  std::string state;
  std::string name;
};

struct dispatcher_state {
  static inline const char* name = "dispatcher";
  caf::actor rm;
  std::map<std::string, job_entry> jobs;
  std::map<std::string, int> cleanup_failures;
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

caf::behavior dispatcher(caf::stateful_actor<dispatcher_state>* self, std::shared_ptr<const session_context> ctx) {
  auto log = logging::get("actors");
  ha::ha_services* const hap = ctx->ha;
  const auto token = ctx->token;
  const auto backoff = backoff_of(ctx->settings.cleanup);

  auto start_job = [=](const std::string& id, const std::string& spec_json, const std::string& name) {
    auto master = spawn_job_master(self->system(), ctx, caf::actor_cast<caf::actor>(self), self->state.rm, id, spec_json);
    self->link_to(master);
    self->state.jobs[id] = job_entry{master, "INITIALIZING", name};
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
    if (*done) return (void)reply.fail(error{ha::errc::already_exists, "job " + id + " already reached a globally terminal state; it is not run again"});
    if (self->state.jobs.count(id)) return (void)reply.fail(error{ha::errc::already_exists, "job " + id + " was already submitted"});
    for (auto& [key, data] : m->artifacts)
      if (auto r = hap->blobs().put(token, *spec->id, key, data); !r) return (void)reply.fail(r.err());
    auto stored = to_json(*spec);
    if (auto r = hap->job_graphs().put(token, *spec->id, stored); !r) return (void)reply.fail(r.err());
    log->info("accepted job {} ({}), parallelism {}", id, spec->name, spec->parallelism);
    start_job(id, stored, spec->name);
    reply.reply(rpc::encode(rpc::job_ref{id}));
  };

  auto on_status = [=](const rpc::envelope& req, const rpc::responder& reply) {
    auto m = rpc::decode_job_ref(req.payload);
    if (!m) return (void)reply.fail(m.err());
    auto it = self->state.jobs.find(m->job_id);
    if (it != self->state.jobs.end()) return (void)reply.reply(rpc::encode(rpc::job_status{m->job_id, it->second.state, it->second.name}));
    auto id = job_id::parse(m->job_id);
    if (!id) return (void)reply.fail(error{ha::errc::invalid_argument, "not a job id: " + m->job_id});
    auto entry = hap->job_results().get(*id);
    if (!entry) return (void)reply.fail(entry.err());
    if (!entry->has_value()) return (void)reply.fail(error{ha::errc::not_found, "no job " + m->job_id});
    auto& r = (*entry)->result;
    reply.reply(rpc::encode(rpc::job_status{m->job_id, state_of(r.application_status), r.name}));
  };

  return {
      [=](use_rm_atom, caf::actor rm) { self->state.rm = std::move(rm); },
      [=](recover_atom) -> bool {
        auto dirty = hap->job_results().dirty_ids();
        if (!dirty) {
          log->error("recovery: cannot list the JobResultStore: {}", dirty.err().message);
          return false;
        }
        for (auto& id : *dirty) {
          log->info("recovery: job {} is globally terminal (dirty result): cleaning up, not running it", id.str());
          self->state.jobs[id.str()] = job_entry{nullptr, "CLEANUP", ""};
          self->send(self, cleanup_atom::value, id.str());
        }
        auto graphs = hap->job_graphs().list();
        if (!graphs) {
          log->error("recovery: cannot list the job graphs: {}", graphs.err().message);
          return false;
        }
        for (auto& id : *graphs) {
          if (self->state.jobs.count(id.str())) continue;
          auto done = hap->job_results().has_entry(id);
          if (done && *done) continue;
          auto graph = hap->job_graphs().get(id);
          if (!graph) {
            log->error("recovery: job {} cannot be recovered: {}", id.str(), graph.err().message);
            continue;
          }
          auto spec = parse_job_spec(*graph);
          if (!spec) {
            log->error("recovery: job {} has an unreadable job graph: {}", id.str(), spec.err().message);
            continue;
          }
          log->info("recovery: recovered job graph of job {} ({})", id.str(), spec->name);
          start_job(id.str(), *graph, spec->name);
        }
        return true;
      },
      [=](rpc_atom, const rpc::envelope& req, const rpc::responder& reply) {
        if (req.method == rpc::method::dispatcher_submit) return on_submit(req, reply);
        if (req.method == rpc::method::dispatcher_status) return on_status(req, reply);
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
      },
      [=](terminal_atom, const std::string& id, const std::string& state) {
        auto& e = self->state.jobs[id];
        if (e.master) self->unlink_from(e.master);
        e.master = nullptr;
        e.state = state;
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
          log->error("job {}: cleanup gave up after {} attempts ({}): {}; its JobResultStore entry stays dirty and the next leader retries",
                     id, failures, backoff.describe(), r.err().message);
          return;
        }
        log->warn("job {}: cleanup attempt {} failed: {}; retrying in {} ms", id, failures, r.err().message, delay->count());
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
}

}  // namespace

caf::actor spawn_dispatcher(caf::actor_system& sys, std::shared_ptr<const session_context> ctx) {
  return sys.spawn<caf::detached>(dispatcher, std::move(ctx));
}

}  // namespace regent::actors
