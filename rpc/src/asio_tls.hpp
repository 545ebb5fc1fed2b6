#pragma once
// Private to regent_rpc: an Asio view of a regent_tls context, for the units that already
// include Asio (server.cpp, client.cpp, rest_server.cpp).
#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <memory>

#include "regent/tls/tls_context.hpp"

namespace regent::rpc::detail {

/// An `asio::ssl::context` holding its own reference to `c`'s SSL_CTX; null for a null `c`.
inline std::unique_ptr<boost::asio::ssl::context> asio_context(const tls::context_ptr& c) {
  if (!c) return nullptr;
  SSL_CTX_up_ref(c->native());
  return std::make_unique<boost::asio::ssl::context>(c->native());
}

}  // namespace regent::rpc::detail
