/// The resource manager of one leadership session: taskmanager registrations, the slot pool,
/// heartbeats. Event-based (it never blocks), driven by RPCs routed from the jobmanager's
/// RPC server and by allocation requests of the session's job masters.

#include <caf/all.hpp>

#include "regent/actors/cluster.hpp"
#include "regent/rpc/cluster_protocol.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/runtime/job/heartbeat_monitor.hpp"
#include "regent/runtime/job/slot_pool.hpp"
#include "regent/runtime/logging.hpp"

namespace regent::actors {

namespace {

struct rm_state {
  static inline const char* name = "resource_manager";
  job::slot_pool pool;
  job::heartbeat_monitor heartbeats;
};

caf::behavior resource_manager(caf::stateful_actor<rm_state>* self, std::shared_ptr<const session_context> ctx,
                               caf::actor dispatcher) {
  auto log = logging::get("actors");
  auto interval = ctx->settings.heartbeat_interval;
  auto timeout = ctx->settings.heartbeat_timeout;
  self->delayed_send(self, interval, tick_atom::value);
  auto on_register = [=](const rpc::envelope& req, const rpc::responder& reply) {
    auto m = rpc::decode_register_taskmanager(req.payload);
    if (!m) return (void)reply.fail(m.err());
    auto& st = self->state;
    auto now = std::chrono::steady_clock::now();
    if (!st.pool.has_taskmanager(m->taskmanager_id)) {
      if (auto r = st.pool.add_taskmanager(m->taskmanager_id, m->address, m->slots); !r) return (void)reply.fail(r.err());
      log->info("registered taskmanager {} at {} with {} slots ({})", m->taskmanager_id, m->address, m->slots,
                ctx->token.to_string());
    }
    st.heartbeats.track(m->taskmanager_id, now);
    reply.reply(rpc::encode(rpc::register_reply{interval.count()}));
  };
  auto on_heartbeat = [=](const rpc::envelope& req, const rpc::responder& reply) {
    auto m = rpc::decode_heartbeat(req.payload);
    if (!m) return (void)reply.fail(m.err());
    bool known = self->state.heartbeats.heartbeat(m->taskmanager_id, std::chrono::steady_clock::now());
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
        auto got = self->state.pool.allocate(*id, parallelism);
        if (!got) return caf::make_error(caf::sec::runtime_error, got.err().message);
        std::vector<slot> out;
        for (auto& a : *got) out.push_back({a.subtask, a.taskmanager_id, a.address});
        return out;
      },
      [=](release_atom, const std::string& job) {
        if (auto id = job_id::parse(job)) self->state.pool.release(*id);
      },
      [=](tick_atom) {
        auto& st = self->state;
        for (auto& tm : st.heartbeats.expired(std::chrono::steady_clock::now(), timeout)) {
          st.heartbeats.remove(tm);
          auto jobs = st.pool.remove_taskmanager(tm);
          log->warn("taskmanager {} missed its heartbeats for {} ms: removed ({} jobs lose slots)", tm, timeout.count(),
                    jobs.size());
          self->send(dispatcher, tm_lost_atom::value, tm);
        }
        self->delayed_send(self, interval / 2, tick_atom::value);
      },
  };
}

}  // namespace

caf::actor spawn_resource_manager(caf::actor_system& sys, std::shared_ptr<const session_context> ctx,
                                  caf::actor dispatcher_for_tm_loss) {
  return sys.spawn(resource_manager, std::move(ctx), std::move(dispatcher_for_tm_loss));
}

}  // namespace regent::actors
