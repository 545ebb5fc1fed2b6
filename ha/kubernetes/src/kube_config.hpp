#pragma once
/// How to reach the API server: in cluster (the service account's token, CA and namespace, the
/// server from KUBERNETES_SERVICE_HOST/PORT) or from a kubeconfig (`kubernetes.config.file`).
/// Errors are errc::invalid_argument naming the file or the environment variable.

#include <string>

#include "api_transport.hpp"

namespace regent::ha::kubernetes {

struct cluster_access {
  api_endpoint endpoint;
  std::string namespace_name;  ///< the service account's or the context's; "" when neither says
};

/// In cluster: `sa_dir` holds `token` (re-read by the transport as it rotates), `ca.crt` and
/// `namespace`; the server is https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT.
result<cluster_access> load_in_cluster(const std::string& sa_dir);
/// A kubeconfig: its current context's cluster (server, certificate-authority[-data]) and user
/// (token, tokenFile, or client-certificate[-data] + client-key[-data]); relative paths are
/// relative to the file's folder.
result<cluster_access> load_kubeconfig(const std::string& file);

/// Decodes standard base64 (whitespace ignored); nullopt when malformed.
std::optional<std::string> decode_base64(const std::string& text);

}  // namespace regent::ha::kubernetes
