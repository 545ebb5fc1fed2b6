#pragma once
/// How to reach the API server: in cluster (the service account's token, CA and namespace, the
/// server from KUBERNETES_SERVICE_HOST/PORT) or from a kubeconfig (`kubernetes.config.file`).
/// Errors are errc::invalid_argument naming the file or the environment variable.

#include <functional>
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

/// Reads a file a kubeconfig names (`what` says which, for the error).
using kubeconfig_file_reader = std::function<result<std::string>(const std::string& file, const std::string& what)>;
/// `load_kubeconfig` on the text of `file`, reading the files it names through `read`.
result<cluster_access> parse_kubeconfig(const std::string& text, const std::string& file,
                                        const kubeconfig_file_reader& read);

/// Decodes standard base64 (whitespace ignored); nullopt when malformed.
std::optional<std::string> decode_base64(const std::string& text);

}  // namespace regent::ha::kubernetes
