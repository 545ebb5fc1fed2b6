/// The resource manager of one leadership session: taskmanager registrations, the slot pool,
/// heartbeats. It never blocks; it runs detached all the same (see resource_manager_actor.hpp),
/// driven by RPCs routed from the jobmanager's RPC server and by allocation requests of the
/// session's job masters.

#include <deque>

#include <caf/all.hpp>

#include "regent/actors/resource_manager_actor.hpp"

#include "regent/actors/cluster.hpp"
#include "regent/rpc/cluster_protocol.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/runtime/errc.hpp"
#include "regent/runtime/job/heartbeat_monitor.hpp"
#include "regent/runtime/job/slot_pool.hpp"
#include "regent/runtime/logging.hpp"

namespace regent::actors {

namespace {

/// An allocation that waits for taskmanagers to offer enough slots (e.g. right after a
/// takeover, before the taskmanagers have registered with the new leader).
struct pending_allocation {
  job_id job;
  int parallelism = 0;
  caf::typed_response_promise<std::vector<slot>> promise;
};

std::vector<slot> to_slots(const std::vector<job::slot_assignment>& got) {
  std::vector<slot> out;
  for (auto& a : got) out.push_back({a.subtask, a.taskmanager_id, a.address});
  return out;
}

/// The resource manager's state and its handlers, one named member per message.
class rm_state {
 public:
  static inline const char* name = "resource_manager";

  resource_manager_actor::behavior_type start(resource_manager_actor::pointer self,
                                              std::shared_ptr<const session_context> ctx,
                                              taskmanager_listener listener) {
    self_ = self;
    ctx_ = std::move(ctx);
    listener_ = std::move(listener);
    self_->delayed_send(self_, ctx_->settings.heartbeat_interval, tick_atom::value);
    return {
        [this](rpc_atom, const rpc::envelope& req, const rpc::responder& reply) { on_rpc(req, reply); },
        [this](const slot_request& r) { return allocate(r); },
        [this](const slot_release& r) { release(r.job); },
        [this](taskmanagers_atom) { return taskmanagers(); },
        [this](tick_atom) { check_heartbeats(); },
    };
  }

 private:
  void on_rpc(const rpc::envelope& req, const rpc::responder& reply) {
    if (req.method == rpc::method::rm_register) return on_register(req, reply);
    if (req.method == rpc::method::rm_heartbeat) return on_heartbeat(req, reply);
    reply.fail(error{rpc::errc::unknown_method, "unknown method " + req.method});
  }

  void on_register(const rpc::envelope& req, const rpc::responder& reply) {
    auto m = rpc::decode_register_taskmanager(req.payload);
    if (!m) return (void)reply.fail(m.err());
    auto& election = ctx_->ha->election();
    const auto& token = ctx_->token;
    election.observe_epoch(m->accepted.epoch);
    if (m->accepted.valid() && m->accepted != token && m->accepted.epoch >= token.epoch) {
      // This epoch was granted to another session before (the HA backend lost the write that
      // stored it): our token is not unique, so nothing we command may count. Step down; the
      // next grant takes an epoch above the taskmanager's.
      auto why = "taskmanager " + m->taskmanager_id + " has accepted " + m->accepted.to_string() + ", so " +
                 token.to_string() +
                 " is not a unique fencing token (the HA backend lost acknowledged writes); stepping down to lead "
                 "again with a higher epoch";
      log_->error("refusing the registration of taskmanager {}: {}", m->taskmanager_id, why);
      election.refuse(token, m->accepted.epoch, why);
      return (void)reply.fail(error{rpc::errc::fencing_mismatch, why});
    }
    if (!pool_.has_taskmanager(m->taskmanager_id)) {
      if (auto r = pool_.add_taskmanager(m->taskmanager_id, m->address, m->slots); !r) return (void)reply.fail(r.err());
      log_->info("registered taskmanager {} at {} with {} slots ({})", m->taskmanager_id, m->address, m->slots,
                 token.to_string());
    }
    heartbeats_.track(m->taskmanager_id, ctx_->time->now());
    claim_running(*m);
    reply.reply(rpc::encode(rpc::register_reply{ctx_->settings.heartbeat_interval.count()}));
    serve_pending();
  }

  /// The slots of the subtasks a registering taskmanager runs stay theirs; the dispatcher
  /// hands them to their jobs' masters, which adopt or cancel them.
  void claim_running(const rpc::register_taskmanager& m) {
    if (m.running.empty()) return;
    for (const auto& r : m.running)
      if (auto job = job_id::parse(r.subtask.job_id)) {
        auto claimed = pool_.claim(*job, r.subtask.index, m.taskmanager_id);
        if (!claimed && claimed.err().code != runtime_errc::already_exists)
          log_->warn("taskmanager {} runs subtask {} of job {}, but its slot cannot be claimed: {}", m.taskmanager_id,
                     r.subtask.index, r.subtask.job_id, claimed.err().message);
      }
    log_->info("taskmanager {} runs {} subtasks; offering them to their jobs", m.taskmanager_id, m.running.size());
    self_->send(listener_, subtasks_reported{m.taskmanager_id, m.address, m.running});
  }

  void on_heartbeat(const rpc::envelope& req, const rpc::responder& reply) {
    auto m = rpc::decode_heartbeat(req.payload);
    if (!m) return (void)reply.fail(m.err());
    bool known = heartbeats_.heartbeat(m->taskmanager_id, ctx_->time->now());
    reply.reply(rpc::encode(rpc::heartbeat_reply{known}));
  }

  caf::result<std::vector<slot>> allocate(const slot_request& r) {
    if (pending_.empty())
      if (auto got = pool_.allocate(r.job, r.parallelism)) return to_slots(*got);
    // Not enough slots now: answer as soon as registrations bring them (the job master's
    // request deadline bounds the wait; it asks again after that).
    auto promise = self_->make_response_promise<std::vector<slot>>();
    pending_.push_back({r.job, r.parallelism, promise});
    return promise;
  }

  void release(const job_id& job) {
    pool_.release(job);
    // Drop waiting requests of this job (its master gave up on them) and serve the others.
    pending_.erase(
        std::remove_if(pending_.begin(), pending_.end(), [&](const pending_allocation& p) { return p.job == job; }),
        pending_.end());
    serve_pending();
  }

  /// Serves waiting allocations in arrival order while slots last.
  void serve_pending() {
    while (!pending_.empty()) {
      auto& p = pending_.front();
      auto got = pool_.allocate(p.job, p.parallelism);
      if (!got) return;
      p.promise.deliver(to_slots(*got));
      pending_.pop_front();
    }
  }

  taskmanager_list taskmanagers() const {
    taskmanager_list out;
    auto now = ctx_->time->now();
    for (auto& tm : pool_.taskmanagers()) {
      auto age = heartbeats_.since_last(tm.id, now);
      out.rows.push_back({tm.id, tm.address, tm.slots, tm.free_slots,
                          age ? std::chrono::duration_cast<std::chrono::milliseconds>(*age).count() : 0});
    }
    return out;
  }

  void check_heartbeats() {
    auto timeout = ctx_->settings.heartbeat_timeout;
    for (auto& tm : heartbeats_.expired(ctx_->time->now(), timeout)) {
      heartbeats_.remove(tm);
      auto jobs = pool_.remove_taskmanager(tm);
      log_->warn("taskmanager {} missed its heartbeats for {} ms: removed ({} jobs lose slots)", tm, timeout.count(),
                 jobs.size());
      self_->send(listener_, taskmanager_lost{tm});
    }
    self_->delayed_send(self_, ctx_->settings.heartbeat_interval / 2, tick_atom::value);
  }

  resource_manager_actor::pointer self_ = nullptr;
  std::shared_ptr<const session_context> ctx_;
  taskmanager_listener listener_;
  std::shared_ptr<spdlog::logger> log_ = logging::get("actors");
  job::slot_pool pool_;
  job::heartbeat_monitor heartbeats_;
  std::deque<pending_allocation> pending_;
};

resource_manager_actor::behavior_type resource_manager(resource_manager_actor::stateful_pointer<rm_state> self,
                                                       std::shared_ptr<const session_context> ctx,
                                                       taskmanager_listener listener) {
  return self->state.start(self, std::move(ctx), std::move(listener));
}

}  // namespace

resource_manager_actor spawn_resource_manager(caf::actor_system& sys, std::shared_ptr<const session_context> ctx,
                                              taskmanager_listener listener) {
  return sys.spawn<caf::detached>(resource_manager, std::move(ctx), std::move(listener));
}

}  // namespace regent::actors
