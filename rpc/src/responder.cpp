#include <atomic>

#include "regent/rpc/errc.hpp"
#include "regent/rpc/server.hpp"

namespace regent::rpc {

/// Shared by the copies of one responder: the connection's sink, the request's head and
/// whether it was answered. Any thread. A request whose last responder goes away unanswered
/// (its receiver ended with the request in its mailbox, e.g. a job master that finished) gets
/// an error reply at once instead of leaving the caller to its deadline.
struct responder::state {
  std::shared_ptr<detail::reply_sink> sink;
  envelope head;
  std::atomic<bool> answered{false};

  ~state() {
    if (answered.exchange(true) || !sink) return;
    envelope e = make_error_reply(
        head, error{make_error_code(errc::handler_failed), head.method + " was dropped without an answer (its receiver ended)"});
    e.correlation_id = head.correlation_id;
    e.is_response = true;
    sink->send(std::move(e));
  }
};

responder::responder(std::shared_ptr<detail::reply_sink> sink, envelope request_head)
    : state_(std::make_shared<state>()) {
  state_->sink = std::move(sink);
  state_->head = std::move(request_head);
  state_->head.payload.clear();
}

bool responder::send(envelope response) const {
  if (state_->answered.exchange(true)) return false;
  response.correlation_id = state_->head.correlation_id;
  response.method = state_->head.method;
  response.is_response = true;
  return state_->sink && state_->sink->send(std::move(response));
}

bool responder::reply(std::string payload) const { return send(make_reply(state_->head, std::move(payload))); }

bool responder::fail(const error& e) const { return send(make_error_reply(state_->head, e)); }

const envelope& responder::request() const { return state_->head; }

bool responder::answered() const { return state_->answered.load(); }

}  // namespace regent::rpc
