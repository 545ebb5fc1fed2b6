#pragma once
/// The TLS contexts a process needs, built once at start-up from `security.ssl.*` (main thread).
/// A missing, unreadable or mismatched key or certificate is an error naming the key and the
/// file; the programs exit with code 2.

#include "regent/config/settings.hpp"
#include "regent/runtime/result.hpp"
#include "regent/tls/tls_context.hpp"

namespace regent::programs {

/// Null members: that traffic is plain (its `enabled` key is false, or the process does not need it).
struct tls_contexts {
  tls::context_ptr internal_server;  ///< RPC endpoint (jobmanager, taskmanager); always mutual
  tls::context_ptr internal_client;  ///< RPC clients (to the leader, to taskmanagers)
  tls::context_ptr rest_server;      ///< the jobmanager's REST endpoint
  tls::context_ptr rest_client;      ///< the `regent` CLI
};

/// Which contexts to build.
struct tls_needs {
  bool internal = false;
  bool rest_server = false;
  bool rest_client = false;
};

result<tls_contexts> make_tls_contexts(const config::settings& s, tls_needs needs);

}  // namespace regent::programs
