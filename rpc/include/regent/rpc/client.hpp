#pragma once
/// The RPC client: one TCP connection to one server, many requests in flight on it.
/// Asio stays inside rpc/src/client.cpp; this header is cheap to include.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "regent/rpc/envelope.hpp"
#include "regent/rpc/frame_codec.hpp"
#include "regent/runtime/clock.hpp"
#include "regent/runtime/result.hpp"
#include "regent/tls/tls_context.hpp"

namespace regent::rpc {

/// Where a client connects; a plain value given to its constructor.
struct client_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  /// Frames over this are neither sent (`errc::frame_too_large`) nor accepted (disconnect).
  std::size_t max_frame_bytes = default_max_frame_bytes;
  /// A client-side TLS context (security.ssl.internal.*): the connection is TLS, the server's
  /// certificate must be signed by its trusted CAs, and its own certificate is presented.
  /// Null: plain TCP. The handshake runs on the client's io thread, once per connection.
  tls::context_ptr tls = nullptr;
};

/// A client of one server address. Owned by its user (e.g. a gateway or a taskmanager's
/// connection to the leader); runs one io thread of its own, which also runs the callbacks.
/// It connects on the first request and again on the first request after a loss. Requests are
/// matched to responses by correlation id (assigned here), so many may be in flight at once.
/// Every request completes exactly once: with the response (an error reply included — see
/// `to_result`), or `errc::timeout` at its deadline, `errc::disconnected` when the connection
/// is lost, `errc::connect_failed`, `errc::frame_too_large`, or `errc::stopped` on `close()`.
/// Thread-safe; `close()` and the destructor must not run on the io thread (a callback).
class client {
 public:
  using callback = std::function<void(result<envelope>)>;
  using time_point = clock::time_point;

  explicit client(client_options options);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Sends `request` and blocks until it completes. Any thread but the io thread (a callback),
  /// where it returns `errc::invalid_argument` at once.
  result<envelope> request(envelope request, time_point deadline);
  result<envelope> request(envelope request, std::chrono::nanoseconds timeout);

  /// Sends `request`; `done` runs once on the io thread (or at once on the calling thread when
  /// the client is closed). `done` must not block.
  void async_request(envelope request, time_point deadline, callback done);

  /// Fails the pending requests with `errc::stopped`, closes the connection, joins the io
  /// thread. Later requests fail with `errc::stopped`. Idempotent.
  void close();

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace regent::rpc
