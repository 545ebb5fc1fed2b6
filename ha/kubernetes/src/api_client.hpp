#pragma once
/// The Kubernetes API as the backend uses it: ConfigMaps and Leases of one namespace, JSON in
/// and out (nlohmann), every answer with its HTTP status so callers can tell 404, 409 Conflict
/// and 409 AlreadyExists apart. 429 is retried here after its Retry-After (the server did not
/// apply the request); everything else goes back to the caller. Thread-safe.

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api_transport.hpp"

namespace regent::ha::kubernetes {

using json = nlohmann::json;

struct api_reply {
  int status = 0;
  json body;  ///< the object, list or Status (null when the body is not JSON)

  bool ok() const { return status >= 200 && status < 300; }
  /// The Status reason ("NotFound", "AlreadyExists", "Conflict", ...), "" when none.
  std::string reason() const;
  /// "409 Conflict: Operation cannot be fulfilled on ..." for log lines and errors.
  std::string describe() const;
  /// 500, 503, 504: the request may or may not have been applied.
  bool ambiguous() const { return status == 500 || status == 503 || status == 504; }
};

class api_client {
 public:
  api_client(std::unique_ptr<api_transport> transport, std::string ns, std::chrono::milliseconds timeout,
             int max_429_retries);

  const std::string& ns() const { return ns_; }
  std::string configmaps() const { return "/api/v1/namespaces/" + ns_ + "/configmaps"; }
  std::string configmap(const std::string& name) const { return configmaps() + "/" + name; }
  std::string leases() const { return "/apis/coordination.k8s.io/v1/namespaces/" + ns_ + "/leases"; }
  std::string lease(const std::string& name) const { return leases() + "/" + name; }

  /// One request; errc::unavailable when no answer came (the request may have been applied).
  result<api_reply> call(const std::string& method, const std::string& path, const json* body = nullptr,
                         const std::string& content_type = "application/json");
  result<api_reply> get(const std::string& path) { return call("GET", path); }

  api_transport& transport() { return *transport_; }
  /// Whether the latest request got an answer (any status); true before the first.
  /// Thread-safe.
  bool answering() const { return answering_.load(std::memory_order_relaxed); }

 private:
  std::unique_ptr<api_transport> transport_;
  std::string ns_;
  std::chrono::milliseconds timeout_;
  int max_429_retries_;
  std::atomic<bool> answering_{true};
};

/// "app%3Dc1%2Cconfigmap-type%3Dhigh-availability" — a query value.
std::string url_encode(const std::string& s);

}  // namespace regent::ha::kubernetes
