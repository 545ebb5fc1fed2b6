#pragma once
/// HTTPS to the Kubernetes API server, behind an interface without Beast (only
/// beast_transport.cpp includes Beast and OpenSSL): one request, one answer; and a streamed
/// answer for watches, line by line.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "regent/runtime/result.hpp"

namespace regent::ha::kubernetes {

/// Where the API server is and how to prove who we are (from kube_config.hpp).
struct api_endpoint {
  std::string host;  ///< a DNS name or an IP address; the certificate must name it
  std::string port = "443";
  std::string ca_pem;           ///< CA certificates (PEM) the server's certificate must chain to
  std::string token;            ///< a bearer token (kubeconfig), or
  std::string token_file;       ///< a file re-read when it changes (in-cluster, rotated tokens)
  std::string client_cert_pem;  ///< a client certificate (kubeconfig), with its key
  std::string client_key_pem;
  std::string origin;  ///< where these came from, for error messages
};

struct http_request {
  std::string method;  ///< GET, POST, PUT, PATCH, DELETE
  std::string target;  ///< path and query
  std::string body;
  std::string content_type = "application/json";
};

struct http_response {
  int status = 0;
  std::string body;
  std::optional<std::chrono::milliseconds> retry_after;  ///< from a 429's Retry-After
};

/// Sends requests to one API server. Thread-safe; keeps a few connections open.
///
/// A transport error (`errc::unavailable`) says nothing about whether the server applied the
/// request: the connection may have been cut after it was sent. Callers resolve by re-reading.
class api_transport {
 public:
  virtual ~api_transport() = default;
  virtual result<http_response> send(const http_request& req, std::chrono::milliseconds timeout) = 0;
  /// Sends `req` and hands every line of a 200 answer's body to `on_line` until the server ends
  /// it, the connection breaks, or `on_line` returns false. `keep_going` is polled at least
  /// every `poll` so another thread can end the stream. A non-200 answer comes back whole.
  virtual result<http_response> stream(const http_request& req, const std::function<bool(std::string_view)>& on_line,
                                       const std::function<bool()>& keep_going, std::chrono::milliseconds poll) = 0;
};

/// The real transport: TLS (verifying the server against `ca_pem` and its name or IP), bearer
/// token or client certificate. errc::invalid_argument naming the origin when the certificates
/// cannot be used.
result<std::unique_ptr<api_transport>> make_beast_transport(const api_endpoint& endpoint);

}  // namespace regent::ha::kubernetes
