#pragma once
/// The RPC server: accepts TCP connections and hands each decoded request to one handler.
/// Asio stays inside rpc/src/server.cpp; this header is cheap to include.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "regent/rpc/envelope.hpp"
#include "regent/rpc/frame_codec.hpp"
#include "regent/runtime/result.hpp"
#include "regent/tls/tls_context.hpp"

namespace regent::rpc {

namespace detail {
/// Where a responder's reply goes: one accepted connection of a server (server.cpp).
class reply_sink {
 public:
  virtual ~reply_sink() = default;
  /// Queues `response` for the connection; false when the connection or server is gone.
  virtual bool send(envelope response) = 0;
};
}  // namespace detail

/// The way to answer one request. Handed to the server's handler with the request; may be
/// copied, kept, and called later from any thread. Only the first call sends anything: the
/// response gets the request's correlation id and method and `is_response` set. A responder
/// never called leaves the caller to its deadline. It does not keep the connection alive.
class responder {
 public:
  responder(std::shared_ptr<detail::reply_sink> sink, envelope request_head);

  /// Sends `response` (its correlation id, method and `is_response` are overwritten). False
  /// when already answered or the connection is closed. A response over the server's frame
  /// limit is replaced by an `errc::frame_too_large` error reply.
  bool send(envelope response) const;
  /// Shorthand for `send(make_reply(request, payload))`.
  bool reply(std::string payload) const;
  /// Shorthand for `send(make_error_reply(request, e))`.
  bool fail(const error& e) const;

  /// The request this responder answers, without its payload.
  const envelope& request() const;
  /// True once `send` (or `reply`, `fail`) has been called.
  bool answered() const;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

/// How a server listens; a plain value given to `server::start`.
struct server_options {
  /// Address to listen on (a name or a literal; "0.0.0.0" for every interface).
  std::string host = "127.0.0.1";
  /// 0 picks a free port; `server::port()` reports it.
  std::uint16_t port = 0;
  /// Threads running the server's I/O and its handler calls.
  std::size_t io_threads = 1;
  /// Frames longer than this close their connection.
  std::size_t max_frame_bytes = default_max_frame_bytes;
  /// A server-side TLS context (security.ssl.internal.*): every connection starts with a TLS
  /// handshake on the io thread, and a peer whose certificate is missing or not signed by the
  /// trusted CAs is refused there (one log line) before any frame is read. Null: plain TCP.
  tls::context_ptr tls;
};

/// A TCP server of fenced RPCs. Owned by whoever started it (e.g. the jobmanager's process
/// wiring); runs its own io thread(s), which also run the handler — so the handler must not
/// block: it answers at once or keeps the responder and answers later from another thread.
/// A connection that sends a malformed or oversized frame is closed (one log line); the others
/// are unaffected. `stop()` (or the destructor) closes everything and joins the threads.
class server {
 public:
  using handler = std::function<void(const envelope& request, responder reply)>;

  /// Binds, listens and starts the io threads. `errc::bind_failed` when the address cannot be
  /// resolved or bound.
  static result<std::unique_ptr<server>> start(server_options options, handler on_request);

  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// The port actually bound.
  std::uint16_t port() const;
  /// Closes the listener and every connection, joins the io threads. Idempotent; must not be
  /// called from the handler (an io thread).
  void stop();

  struct impl;

 private:
  explicit server(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

}  // namespace regent::rpc
