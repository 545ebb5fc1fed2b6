#pragma once
/// The HTTP/1.1 server behind the REST API, and a small blocking HTTP client (CLI, tests).
/// Boost.Beast stays inside rpc/src/rest_server.cpp; this header has plain types only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "regent/runtime/result.hpp"
#include "regent/tls/tls_context.hpp"

namespace regent::rpc {

struct http_request {
  std::string method;  ///< "GET", "POST", ...
  std::string target;  ///< path plus query, e.g. "/jobs/abc?mode=cancel"
  std::string content_type;
  std::string body;
};

struct http_response {
  int status = 200;
  std::string content_type = "application/json; charset=UTF-8";
  std::string body;
};

/// One request parsed from wire bytes by the same parser, limits and conversion the server uses.
struct parsed_http_request {
  http_request request;
  bool keep_alive = false;
  std::size_t consumed = 0;  ///< bytes of the wire the request took (a pipelined next one follows)
};

/// Parses the first HTTP/1.1 request in `wire` (pure: no socket, no thread), as a server
/// connection does: a body over `max_body_bytes` or bytes that are not a whole request are an
/// error (`errc::malformed_frame`) whose message starts with the status the server answers
/// (413 or 400). For tests and fuzzing of the REST path in process.
result<parsed_http_request> parse_http_request(std::string_view wire, std::size_t max_body_bytes);

/// `{"errors":[message]}` with `status`.
http_response error_response(int status, const std::string& message);

struct rest_server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  ///< 0: any free port
  /// Bodies over this are answered 413 (Flink's rest.server.max-content-length, 100 MiB).
  std::size_t max_body_bytes = 100u * 1024u * 1024u;
  /// A request not fully read by then is dropped (slow or half-sent clients block nobody).
  std::chrono::milliseconds request_timeout{30000};
  /// Sent as Access-Control-Allow-Origin on every answer, and OPTIONS preflights are answered
  /// 204 (Flink's web.access-control-allow-origin), so a dashboard served by one jobmanager can
  /// follow the leader to another. Empty: no CORS headers.
  std::string allow_origin;
  /// HTTPS (security.ssl.rest.*): a server-side TLS context; with authentication it refuses,
  /// at the handshake, clients without a certificate of its trusted CAs. Null: plain HTTP.
  tls::context_ptr tls;
};

/// Answers one request: call `done` exactly once, from any thread, now or later.
using rest_handler = std::function<void(http_request, std::function<void(http_response)> done)>;

/// An HTTP server on its own io thread. Every connection is asynchronous with its own deadline,
/// so a slow client never delays another. Owned by the process's main(); `stop()` (or the
/// destructor) closes the listener and every connection and joins the thread.
class rest_server {
 public:
  static result<std::unique_ptr<rest_server>> start(rest_server_options options, rest_handler handler);
  ~rest_server();
  rest_server(const rest_server&) = delete;
  rest_server& operator=(const rest_server&) = delete;

  std::uint16_t port() const;
  void stop();

  struct impl;

 private:
  explicit rest_server(std::shared_ptr<impl> impl);
  std::shared_ptr<impl> impl_;  // shared with the open connections
};

/// One blocking HTTP/1.1 request to host:port (a fresh connection). Fails with an error naming
/// the address: `errc::connect_failed` when it could not connect (the server saw nothing);
/// `errc::disconnected` or `errc::timeout` when the connection broke or the answer did not
/// arrive within `timeout` after the request went out (the server may have handled it).
/// With a client-side `tls` context the request goes over HTTPS (the server's certificate must
/// be signed by the context's trusted CAs; the context's own certificate is presented).
result<http_response> http_call(const std::string& host, std::uint16_t port, const http_request& request,
                                std::chrono::milliseconds timeout = std::chrono::milliseconds(30000),
                                const tls::context_ptr& tls = nullptr);

}  // namespace regent::rpc
