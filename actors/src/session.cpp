#include <caf/all.hpp>

#include "regent/actors/cluster.hpp"
#include "regent/rpc/client.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/rpc/fencing.hpp"
#include "regent/runtime/host_port.hpp"
#include "regent/runtime/logging.hpp"

namespace regent::actors {

taskmanager_gateway::~taskmanager_gateway() { close(); }

void taskmanager_gateway::send(const std::string& address, rpc::envelope request, callback done) {
  // A registration's address was not checked: one that cannot be used fails this request only.
  auto hp = parse_host_port(address);
  if (!hp) return done(error{rpc::errc::invalid_argument, "taskmanager address: " + hp.err().message});
  rpc::client* c = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = clients_[address];
    if (!slot) {
      rpc::client_options o;
      o.host = hp->host;
      o.port = hp->port;
      o.tls = tls_;
      slot = std::make_unique<rpc::client>(o);
    }
    c = slot.get();
  }
  c->async_request(std::move(request), system_clock::instance().now() + std::chrono::seconds(10), std::move(done));
}

void taskmanager_gateway::close() {
  std::map<std::string, std::unique_ptr<rpc::client>> clients;
  {
    std::lock_guard<std::mutex> lock(mu_);
    clients.swap(clients_);
  }
  for (auto& [address, c] : clients) c->close();
}

void rpc_router::set_session(const fencing_token& token, resource_manager_actor resource_manager,
                             dispatcher_actor dispatcher) {
  std::lock_guard<std::mutex> lock(mu_);
  token_ = token;
  rm_ = std::move(resource_manager);
  dispatcher_ = std::move(dispatcher);
}

void rpc_router::clear_session() {
  std::lock_guard<std::mutex> lock(mu_);
  token_ = {};
  rm_ = nullptr;
  dispatcher_ = nullptr;
}

void rpc_router::route(const rpc::envelope& request, rpc::responder reply) {
  resource_manager_actor rm;
  dispatcher_actor dispatcher;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto fenced = rpc::check_fencing(token_, request); !fenced) {
      if (counters_) counters_->requests_rejected.fetch_add(1, std::memory_order_relaxed);
      logging::get("rpc")->warn("rejected {} from a stale or unknown session: {}", request.method,
                                fenced.err().message);
      reply.fail(fenced.err());
      return;
    }
    if (request.method.rfind("rm.", 0) == 0)
      rm = rm_;
    else
      dispatcher = dispatcher_;
  }
  if (rm)
    caf::anon_send(rm, rpc_atom::value, request, std::move(reply));
  else if (dispatcher)
    caf::anon_send(dispatcher, rpc_atom::value, request, std::move(reply));
}

}  // namespace regent::actors
