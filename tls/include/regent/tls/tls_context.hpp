#pragma once
/// TLS contexts built from the `security.ssl.*` settings: the key and certificate (a PKCS12
/// keystore as Flink configures it, or PEM files), the trusted CAs (a PKCS12 truststore or a
/// PEM file), the lowest protocol version and the cipher list. Built once at start-up on the
/// main thread; every error names the key whose file or password is wrong and where it was set,
/// so that the programs exit with code 2. A built context is immutable and shared by every
/// connection of its endpoint (any thread). OpenSSL's types stay behind a forward declaration.

#include <memory>
#include <string>

#include "regent/config/settings.hpp"
#include "regent/runtime/result.hpp"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace regent::tls {

/// Which end of a connection a context serves.
enum class side {
  server,  ///< presents its certificate; asks for the peer's when `peer_certificate` is required
  client,  ///< verifies the server's certificate against the trusted CAs; presents its own if any
};

/// A built OpenSSL context. Holds one reference to the SSL_CTX and releases it when the last
/// owner goes; connections take their own references through `native()`.
class context {
 public:
  explicit context(ssl_ctx_st* ctx, side s, bool peer_certificate_required);
  ~context();
  context(const context&) = delete;
  context& operator=(const context&) = delete;

  /// The SSL_CTX (not owned by the caller: up-ref it to keep it beyond this object).
  ssl_ctx_st* native() const { return ctx_; }
  side role() const { return side_; }
  /// Whether a peer without a certificate signed by the trusted CAs is refused at the handshake.
  bool peer_certificate_required() const { return peer_required_; }

 private:
  ssl_ctx_st* ctx_;
  side side_;
  bool peer_required_;
};

using context_ptr = std::shared_ptr<const context>;

/// Builds a context from one kind's settings (which must be enabled). A server requires the
/// peer's certificate when `s.authentication` is set; a client always verifies the server and
/// presents its own certificate when one is configured. Errors (`config::errc::io` for a file
/// that cannot be read, `config::errc::malformed` for a wrong password, a file that holds no
/// key or certificate, or a key that does not belong to the certificate) read
/// `<key>: <problem> in <where>`.
result<context_ptr> build(const config::ssl_settings& s, side role);

/// PEM key material held in memory (e.g. a kubeconfig's `certificate-authority-data`).
struct pem_data {
  std::string ca;      ///< trusted CA certificates; "" = the system's default CAs
  std::string cert;    ///< client certificate chain; "" = none presented
  std::string key;     ///< the client certificate's private key
  std::string origin;  ///< where it came from, prefixed to errors (e.g. the kubeconfig's path)
};

/// A client context from `d`: verifies the server against `d.ca` and presents `d.cert` when
/// given. Errors read `<origin>: the CA certificate cannot be used: ...` or `<origin>: the
/// client certificate cannot be used: ...` (`config::errc::malformed`).
result<context_ptr> build_client(const pem_data& d);

/// The subject of the peer's certificate of an established connection (an `SSL*`), or "" when
/// it presented none. For log lines.
std::string peer_subject(void* ssl);

}  // namespace regent::tls
