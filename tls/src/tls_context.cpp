// Builds OpenSSL contexts from the security.ssl.* settings. The only unit of regent_tls; the
// one place that reads key material (PKCS12 through PKCS12_parse, PEM through OpenSSL's files).
#include "regent/tls/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace regent::tls {

namespace {

using config::errc;

/// The oldest queued OpenSSL error as text (the queue is cleared), or `fallback`.
std::string openssl_error(const char* fallback = "unknown OpenSSL error") {
  unsigned long e = ERR_get_error();
  std::string out = fallback;
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out = buf;
  }
  ERR_clear_error();
  return out;
}

error key_error(errc code, const std::string& key, const std::string& where, const std::string& problem) {
  return {config::make_error_code(code), key + ": " + problem + " in " + where};
}

error source_error(errc code, const config::ssl_source& s, const std::string& problem) {
  return key_error(code, s.key, s.where, problem);
}

/// The whole file, or an error naming the key that names it.
result<std::string> read_file(const config::ssl_source& s) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(s.path.c_str(), "rb"), &std::fclose);
  if (!f) return source_error(errc::io, s, "cannot read '" + s.path + "': " + std::strerror(errno));
  std::string out;
  char buf[8192];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f.get())) > 0;) out.append(buf, n);
  if (std::ferror(f.get())) return source_error(errc::io, s, "cannot read '" + s.path + "': " + std::strerror(errno));
  return out;
}

/// An unreadable PEM file is reported with errno before OpenSSL is asked (its errors are vague).
result<void> check_readable(const config::ssl_source& s) {
  auto r = read_file(s);
  if (!r) return std::move(r).err();
  return ok();
}

struct pkcs12_free {
  void operator()(PKCS12* p) const { PKCS12_free(p); }
};
struct pkey_free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_free {
  void operator()(X509* p) const { X509_free(p); }
};
struct x509_stack_free {
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
};

/// What a PKCS12 file holds.
struct pkcs12_contents {
  std::unique_ptr<EVP_PKEY, pkey_free> key;
  std::unique_ptr<X509, x509_free> cert;
  std::unique_ptr<STACK_OF(X509), x509_stack_free> chain;
};

/// Opens a PKCS12 file with its password: the MAC is checked first, so a wrong password names the
/// password's key (an empty password is tried as "no password" too, as keytool writes them).
result<pkcs12_contents> load_pkcs12(const config::ssl_source& file, const config::ssl_secret& password) {
  auto bytes = read_file(file);
  if (!bytes) return std::move(bytes).err();
  const auto* p = reinterpret_cast<const unsigned char*>(bytes->data());
  std::unique_ptr<PKCS12, pkcs12_free> p12(d2i_PKCS12(nullptr, &p, static_cast<long>(bytes->size())));
  if (!p12) {
    ERR_clear_error();
    return source_error(errc::malformed, file, "'" + file.path + "' is not a PKCS12 file");
  }
  const char* pass = password.value.c_str();
  if (!PKCS12_verify_mac(p12.get(), pass, -1)) {
    if (password.value.empty() && PKCS12_verify_mac(p12.get(), nullptr, 0)) {
      pass = nullptr;
    } else {
      ERR_clear_error();
      return key_error(errc::malformed, password.key, password.where,
                       password.value.empty() ? "not set, but '" + file.path + "' (" + file.key + ") needs a password"
                                              : "wrong password for '" + file.path + "' (" + file.key + ")");
    }
  }
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* chain = nullptr;
  if (!PKCS12_parse(p12.get(), pass, &key, &cert, &chain))
    return source_error(errc::malformed, file, "cannot read '" + file.path + "': " + openssl_error());
  return pkcs12_contents{std::unique_ptr<EVP_PKEY, pkey_free>(key), std::unique_ptr<X509, x509_free>(cert),
                         std::unique_ptr<STACK_OF(X509), x509_stack_free>(chain)};
}

/// A certificate past its end (or before its start) is refused at start-up, naming the key.
result<void> check_validity(X509* cert, const config::ssl_source& s) {
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0)
    return source_error(errc::malformed, s, "the certificate in '" + s.path + "' has expired");
  if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0)
    return source_error(errc::malformed, s, "the certificate in '" + s.path + "' is not valid yet");
  return ok();
}

result<void> use_keystore(SSL_CTX* ctx, const config::ssl_settings& s) {
  if (!s.key_password.value.empty() && s.key_password.value != s.keystore_password.value)
    return key_error(errc::malformed, s.key_password.key, s.key_password.where,
                     "differs from " + s.keystore_password.key +
                         ": a PKCS12 keystore has one password for the store and its key (as keytool writes "
                         "them); leave it unset or the same");
  auto p12 = load_pkcs12(s.keystore, s.keystore_password);
  if (!p12) return std::move(p12).err();
  if (!p12->key || !p12->cert)
    return source_error(errc::malformed, s.keystore,
                        "'" + s.keystore.path + "' holds no private key with its certificate");
  if (auto r = check_validity(p12->cert.get(), s.keystore); !r) return r;
  if (SSL_CTX_use_certificate(ctx, p12->cert.get()) != 1 || SSL_CTX_use_PrivateKey(ctx, p12->key.get()) != 1)
    return source_error(errc::malformed, s.keystore,
                        "cannot use the key of '" + s.keystore.path + "': " + openssl_error());
  if (p12->chain)
    for (int i = 0; i < sk_X509_num(p12->chain.get()); ++i)
      if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(p12->chain.get(), i)) != 1)
        return source_error(errc::malformed, s.keystore,
                            "cannot use the chain of '" + s.keystore.path + "': " + openssl_error());
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return source_error(errc::malformed, s.keystore,
                        "the private key in '" + s.keystore.path + "' does not belong to its certificate");
  }
  return ok();
}

int pem_password(char* buf, int size, int, void* userdata) {
  const auto* pass = static_cast<const std::string*>(userdata);
  if (pass == nullptr || pass->empty()) return -1;  // an encrypted key without key-password: fail
  int n = static_cast<int>(std::min<std::size_t>(pass->size(), static_cast<std::size_t>(size)));
  std::memcpy(buf, pass->data(), static_cast<std::size_t>(n));
  return n;
}

result<void> use_pem(SSL_CTX* ctx, const config::ssl_settings& s) {
  if (auto r = check_readable(s.cert); !r) return r;
  if (auto r = check_readable(s.key); !r) return r;
  if (SSL_CTX_use_certificate_chain_file(ctx, s.cert.path.c_str()) != 1)
    return source_error(errc::malformed, s.cert,
                        "'" + s.cert.path + "' holds no PEM certificate (" + openssl_error() + ")");
  if (auto r = check_validity(SSL_CTX_get0_certificate(ctx), s.cert); !r) return r;
  SSL_CTX_set_default_passwd_cb(ctx, pem_password);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, const_cast<std::string*>(&s.key_password.value));
  const int loaded = SSL_CTX_use_PrivateKey_file(ctx, s.key.path.c_str(), SSL_FILETYPE_PEM);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  if (loaded != 1) {
    std::string why = openssl_error();
    if (why.find("bad decrypt") != std::string::npos || why.find("bad password") != std::string::npos ||
        why.find("problems getting password") != std::string::npos)
      return key_error(errc::malformed, s.key_password.key, s.key_password.where,
                       s.key_password.value.empty() ? "not set, but the key '" + s.key.path + "' is encrypted"
                                                    : "wrong password for the key '" + s.key.path + "'");
    if (why.find("key values mismatch") == std::string::npos)
      return source_error(errc::malformed, s.key, "'" + s.key.path + "' holds no usable PEM private key (" + why + ")");
  }
  if (loaded != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return source_error(errc::malformed, s.key,
                        "the private key in '" + s.key.path + "' does not belong to the certificate in '" +
                            s.cert.path + "' (" + s.cert.key + ")");
  }
  return ok();
}

result<void> use_trust(SSL_CTX* ctx, const config::ssl_settings& s) {
  if (!s.trusted_ca.path.empty()) {
    if (auto r = check_readable(s.trusted_ca); !r) return r;
    if (SSL_CTX_load_verify_locations(ctx, s.trusted_ca.path.c_str(), nullptr) != 1)
      return source_error(errc::malformed, s.trusted_ca,
                          "'" + s.trusted_ca.path + "' holds no PEM certificate (" + openssl_error() + ")");
    return ok();
  }
  auto p12 = load_pkcs12(s.truststore, s.truststore_password);
  if (!p12) return std::move(p12).err();
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int added = 0;
  auto add = [&](X509* cert) {
    if (cert != nullptr && X509_STORE_add_cert(store, cert) == 1) ++added;
  };
  add(p12->cert.get());
  if (p12->chain)
    for (int i = 0; i < sk_X509_num(p12->chain.get()); ++i) add(sk_X509_value(p12->chain.get(), i));
  ERR_clear_error();
  if (added == 0)
    return source_error(errc::malformed, s.truststore, "'" + s.truststore.path + "' holds no certificate");
  return ok();
}

}  // namespace

context::context(ssl_ctx_st* ctx, side s, bool peer_certificate_required)
    : ctx_(ctx), side_(s), peer_required_(peer_certificate_required) {}

context::~context() { SSL_CTX_free(ctx_); }

result<context_ptr> build(const config::ssl_settings& s, side role) {
  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx(
      SSL_CTX_new(role == side::server ? TLS_server_method() : TLS_client_method()), &SSL_CTX_free);
  if (!ctx) return error{config::make_error_code(errc::io), "cannot create a TLS context: " + openssl_error()};
  SSL_CTX_set_min_proto_version(ctx.get(), s.protocol == "TLSv1.3" ? TLS1_3_VERSION : TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  if (!s.algorithms.empty() && SSL_CTX_set_cipher_list(ctx.get(), s.algorithms.c_str()) != 1) {
    ERR_clear_error();
    return key_error(errc::unknown_value, "security.ssl.algorithms", s.algorithms_where,
                     "'" + s.algorithms +
                         "' names no cipher OpenSSL knows (an OpenSSL cipher list, e.g. "
                         "ECDHE-RSA-AES128-GCM-SHA256)");
  }
  // Key and certificate: a server always has them, a client when configured (mutual TLS).
  const bool has_key = !s.keystore.path.empty() || !s.cert.path.empty();
  if (role == side::server || has_key) {
    auto r = !s.keystore.path.empty() ? use_keystore(ctx.get(), s) : use_pem(ctx.get(), s);
    if (!r) return std::move(r).err();
  }
  const bool peer_required = role == side::client || s.authentication;
  if (peer_required) {
    if (auto r = use_trust(ctx.get(), s); !r) return std::move(r).err();
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | (role == side::server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                       nullptr);
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  }
  if (role == side::server) {
    static const unsigned char id[] = "regent";
    SSL_CTX_set_session_id_context(ctx.get(), id, sizeof id - 1);
  }
  return context_ptr(std::make_shared<context>(ctx.release(), role, peer_required));
}

namespace {

struct bio_free {
  void operator()(BIO* b) const { BIO_free(b); }
};

std::unique_ptr<BIO, bio_free> memory_bio(const std::string& pem) {
  return std::unique_ptr<BIO, bio_free>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

/// Every certificate of a PEM text, in order.
std::vector<std::unique_ptr<X509, x509_free>> pem_certificates(const std::string& pem) {
  std::vector<std::unique_ptr<X509, x509_free>> out;
  auto bio = memory_bio(pem);
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(c);
  ERR_clear_error();  // the end of the text reads as an error
  return out;
}

}  // namespace

result<context_ptr> build_client(const pem_data& d) {
  auto fail = [&](const std::string& what, const std::string& why) {
    return error{config::make_error_code(errc::malformed), d.origin + ": the " + what + " cannot be used: " + why};
  };
  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  if (!ctx) return fail("TLS context", openssl_error());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (d.ca.empty()) {
    SSL_CTX_set_default_verify_paths(ctx.get());
  } else {
    auto certs = pem_certificates(d.ca);
    if (certs.empty()) return fail("CA certificate", "no PEM certificate in it");
    for (auto& c : certs)
      if (X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), c.get()) != 1)
        return fail("CA certificate", openssl_error());
  }
  if (!d.cert.empty()) {
    auto chain = pem_certificates(d.cert);
    if (chain.empty()) return fail("client certificate", "no PEM certificate in it");
    if (SSL_CTX_use_certificate(ctx.get(), chain.front().get()) != 1)
      return fail("client certificate", openssl_error());
    for (std::size_t i = 1; i < chain.size(); ++i)
      if (SSL_CTX_add1_chain_cert(ctx.get(), chain[i].get()) != 1) return fail("client certificate", openssl_error());
    auto bio = memory_bio(d.key);
    std::unique_ptr<EVP_PKEY, pkey_free> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) return fail("client certificate", "its key is no PEM private key (" + openssl_error() + ")");
    if (SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 || SSL_CTX_check_private_key(ctx.get()) != 1)
      return fail("client certificate", "its key does not belong to it (" + openssl_error() + ")");
  }
  return context_ptr(std::make_shared<context>(ctx.release(), side::client, true));
}

std::string peer_subject(void* ssl) {
  X509* peer = SSL_get1_peer_certificate(static_cast<SSL*>(ssl));
  if (peer == nullptr) return {};
  char buf[512];
  X509_NAME_oneline(X509_get_subject_name(peer), buf, sizeof buf);
  X509_free(peer);
  return buf;
}

}  // namespace regent::tls
