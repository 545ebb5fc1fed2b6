/// The resource manager of one leadership session: taskmanager registrations, the slot pool,
/// heartbeats. It never blocks; it runs detached all the same (see resource_manager_actor.hpp),
/// driven by RPCs routed from the jobmanager's RPC server and by allocation requests of the
/// session's job masters.

#include <deque>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "regent/actors/resource_manager_actor.hpp"

#include "regent/actors/cluster.hpp"
#include "regent/rpc/cluster_protocol.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/runtime/job/heartbeat_monitor.hpp"
#include "regent/runtime/job/slot_pool.hpp"
#include "regent/runtime/logging.hpp"

namespace regent::actors {

namespace {

/// An allocation that waits for taskmanagers to offer enough slots (e.g. right after a
/// takeover, before the taskmanagers have registered with the new leader).
struct pending_allocation {
  std::string job;
  int parallelism = 0;
  caf::typed_response_promise<std::vector<slot>> promise;
};

struct rm_state {
  static inline const char* name = "resource_manager";
  job::slot_pool pool;
  job::heartbeat_monitor heartbeats;
  std::deque<pending_allocation> pending;
};

std::vector<slot> to_slots(const std::vector<job::slot_assignment>& got) {
  std::vector<slot> out;
  for (auto& a : got) out.push_back({a.subtask, a.taskmanager_id, a.address});
  return out;
}

resource_manager_actor::behavior_type resource_manager(resource_manager_actor::stateful_pointer<rm_state> self,
                                                       std::shared_ptr<const session_context> ctx,
                                                       taskmanager_loss_listener on_loss) {
  auto log = logging::get("actors");
  auto interval = ctx->settings.heartbeat_interval;
  auto timeout = ctx->settings.heartbeat_timeout;
  self->delayed_send(self, interval, tick_atom::value);
  // Serves waiting allocations in arrival order while slots last.
  auto serve_pending = [=] {
    auto& st = self->state;
    while (!st.pending.empty()) {
      auto& p = st.pending.front();
      auto got = st.pool.allocate(*job_id::parse(p.job), p.parallelism);
      if (!got) return;
      p.promise.deliver(to_slots(*got));
      st.pending.pop_front();
    }
  };
  auto on_register = [=](const rpc::envelope& req, const rpc::responder& reply) {
    auto m = rpc::decode_register_taskmanager(req.payload);
    if (!m) return (void)reply.fail(m.err());
    auto& election = ctx->ha->election();
    election.observe_epoch(m->accepted.epoch);
    if (m->accepted.valid() && m->accepted != ctx->token && m->accepted.epoch >= ctx->token.epoch) {
      // This epoch was granted to another session before (the HA backend lost the write that
      // stored it): our token is not unique, so nothing we command may count. Step down; the
      // next grant takes an epoch above the taskmanager's.
      auto why = "taskmanager " + m->taskmanager_id + " has accepted " + m->accepted.to_string() + ", so " +
                 ctx->token.to_string() +
                 " is not a unique fencing token (the HA backend lost "
                 "acknowledged writes); stepping down to lead again with a higher epoch";
      log->error("refusing the registration of taskmanager {}: {}", m->taskmanager_id, why);
      election.refuse(ctx->token, m->accepted.epoch, why);
      return (void)reply.fail(error{rpc::errc::fencing_mismatch, why});
    }
    auto& st = self->state;
    auto now = ctx->time->now();
    if (!st.pool.has_taskmanager(m->taskmanager_id)) {
      if (auto r = st.pool.add_taskmanager(m->taskmanager_id, m->address, m->slots); !r)
        return (void)reply.fail(r.err());
      log->info("registered taskmanager {} at {} with {} slots ({})", m->taskmanager_id, m->address, m->slots,
                ctx->token.to_string());
    }
    st.heartbeats.track(m->taskmanager_id, now);
    reply.reply(rpc::encode(rpc::register_reply{interval.count()}));
    serve_pending();
  };
  auto on_heartbeat = [=](const rpc::envelope& req, const rpc::responder& reply) {
    auto m = rpc::decode_heartbeat(req.payload);
    if (!m) return (void)reply.fail(m.err());
    bool known = self->state.heartbeats.heartbeat(m->taskmanager_id, ctx->time->now());
    reply.reply(rpc::encode(rpc::heartbeat_reply{known}));
  };
  return {
      [=](rpc_atom, const rpc::envelope& req, const rpc::responder& reply) {
        if (req.method == rpc::method::rm_register) return on_register(req, reply);
        if (req.method == rpc::method::rm_heartbeat) return on_heartbeat(req, reply);
        reply.fail(error{rpc::errc::unknown_method, "unknown method " + req.method});
      },
      [=](allocate_atom, const std::string& job, int parallelism) -> caf::result<std::vector<slot>> {
        auto id = job_id::parse(job);
        if (!id) return caf::make_error(caf::sec::invalid_argument, "bad job id");
        auto& st = self->state;
        if (st.pending.empty()) {
          auto got = st.pool.allocate(*id, parallelism);
          if (got) return to_slots(*got);
        }
        // Not enough slots now: answer as soon as registrations bring them (the job master's
        // request deadline bounds the wait; it asks again after that).
        auto promise = self->make_response_promise<std::vector<slot>>();
        st.pending.push_back({job, parallelism, promise});
        return promise;
      },
      [=](release_atom, const std::string& job) {
        if (auto id = job_id::parse(job)) self->state.pool.release(*id);
        auto& st = self->state;
        // Drop waiting requests of this job (its master gave up on them) and serve the others.
        st.pending.erase(std::remove_if(st.pending.begin(), st.pending.end(),
                                        [&](const pending_allocation& p) { return p.job == job; }),
                         st.pending.end());
        serve_pending();
      },
      [=](query_atom) -> std::string {
        // Flink's TaskManagersInfo; fields Regent has no notion of carry neutral values.
        auto& st = self->state;
        auto now = ctx->time->now();
        auto rows = nlohmann::json::array();
        for (auto& tm : st.pool.taskmanagers()) {
          auto age = st.heartbeats.since_last(tm.id, now);
          auto resource = [](int slots) {
            return nlohmann::json{{"cpuCores", static_cast<double>(slots)},
                                  {"taskHeapMemory", 0},
                                  {"taskOffHeapMemory", 0},
                                  {"managedMemory", 0},
                                  {"networkMemory", 0},
                                  {"extendedResources", nlohmann::json::object()}};
          };
          auto port = tm.address.substr(tm.address.rfind(':') + 1);
          rows.push_back(
              {{"id", tm.id},
               {"path", tm.address},
               {"dataPort", std::atoi(port.c_str())},
               {"jmxPort", -1},
               {"timeSinceLastHeartbeat",
                age ? std::chrono::duration_cast<std::chrono::milliseconds>(*age).count() : 0},
               {"slotsNumber", tm.slots},
               {"freeSlots", tm.free_slots},
               {"totalResource", resource(tm.slots)},
               {"freeResource", resource(tm.free_slots)},
               {"hardware", {{"cpuCores", tm.slots}, {"physicalMemory", -1}, {"freeMemory", -1}, {"managedMemory", 0}}},
               {"memoryConfiguration", nlohmann::json::object()}});
        }
        return nlohmann::json{{"taskmanagers", rows}}.dump();
      },
      [=](tick_atom) {
        auto& st = self->state;
        for (auto& tm : st.heartbeats.expired(ctx->time->now(), timeout)) {
          st.heartbeats.remove(tm);
          auto jobs = st.pool.remove_taskmanager(tm);
          log->warn("taskmanager {} missed its heartbeats for {} ms: removed ({} jobs lose slots)", tm, timeout.count(),
                    jobs.size());
          self->send(on_loss, tm_lost_atom::value, tm);
        }
        self->delayed_send(self, interval / 2, tick_atom::value);
      },
  };
}

}  // namespace

resource_manager_actor spawn_resource_manager(caf::actor_system& sys, std::shared_ptr<const session_context> ctx,
                                              taskmanager_loss_listener on_loss) {
  return sys.spawn<caf::detached>(resource_manager, std::move(ctx), std::move(on_loss));
}

}  // namespace regent::actors
