#include "fake_leader.hpp"

#include "regent/rpc/errc.hpp"
#include "regent/rpc/fencing.hpp"

namespace regent::test {

fake_leader::fake_leader(fencing_token token) : token_(std::move(token)) {
  auto s = rpc::server::start({}, [this](const rpc::envelope& req, rpc::responder reply) { handle(req, reply); });
  if (!s) throw std::runtime_error("fake leader: " + s.err().message);
  server_ = std::move(*s);
}

fake_leader::~fake_leader() { server_->stop(); }

void fake_leader::handle(const rpc::envelope& req, const rpc::responder& reply) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto f = rpc::check_fencing(token_, req); !f) {
    ++seen_.rejected;
    reply.fail(f.err());
  } else if (req.method == rpc::method::rm_register) {
    auto m = rpc::decode_register_taskmanager(req.payload);
    if (!m) return (void)reply.fail(m.err());
    if (refuse_ > 0) {
      --refuse_;
      ++seen_.refused;
      reply.fail(error{rpc::errc::handler_failed, "fake leader: not ready"});
      cv_.notify_all();
      return;
    }
    seen_.registrations.push_back(*m);
    reply.reply(rpc::encode(rpc::register_reply{100}));
  } else if (req.method == rpc::method::rm_heartbeat) {
    ++seen_.heartbeats;
    if (unreachable_) {
      reply.fail(error{rpc::errc::handler_failed, "fake leader: unreachable"});
    } else {
      reply.reply(rpc::encode(rpc::heartbeat_reply{known_}));
    }
  } else if (req.method == rpc::method::jm_subtask_event) {
    auto m = rpc::decode_subtask_event(req.payload);
    if (!m) return (void)reply.fail(m.err());
    seen_.events.push_back(*m);
    reply.reply({});
  } else if (req.method == rpc::method::blob_get) {
    auto m = rpc::decode_blob_request(req.payload);
    if (!m) return (void)reply.fail(m.err());
    seen_.blob_requests.push_back(*m);
    auto it = blobs_.find(m->key);
    if (it == blobs_.end()) return (void)reply.fail(error{rpc::errc::invalid_argument, "no blob " + m->key});
    reply.reply(it->second);
  } else {
    reply.fail(error{rpc::errc::unknown_method, "fake leader has no method " + req.method});
  }
  cv_.notify_all();
}

}  // namespace regent::test
