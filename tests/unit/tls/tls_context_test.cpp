// The TLS-context builder: PEM and PKCS12 key material loads; every file or password that
// cannot be used is an error naming its key and where it was set.
#include <gtest/gtest.h>

#include <fstream>

#include "tls_material.hpp"

namespace regent::test {
namespace {

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

/// The message of building `s` for `role`, which must fail.
std::string failure_of(const config::ssl_settings& s, tls::side role = tls::side::server) {
  auto built = tls::build(s, role);
  EXPECT_FALSE(built) << "built although it should not";
  return built ? std::string() : built.err().message;
}

TEST(tls_context, pem_material_builds_a_server_that_requires_client_certificates_and_a_client) {
  auto server = tls::build(pem(), tls::side::server);
  ASSERT_TRUE(server) << server.err().message;
  EXPECT_TRUE((*server)->peer_certificate_required());
  auto client = tls::build(pem(), tls::side::client);
  ASSERT_TRUE(client) << client.err().message;
}

TEST(tls_context, a_pkcs12_keystore_and_truststore_build_as_flink_configures_them) {
  auto server = tls::build(pkcs12(), tls::side::server);
  ASSERT_TRUE(server) << server.err().message;
  auto client = tls::build(pkcs12(), tls::side::client);
  ASSERT_TRUE(client) << client.err().message;
}

TEST(tls_context, rest_without_authentication_asks_no_client_certificate) {
  auto s = pem("ours", "rest");
  EXPECT_FALSE(s.authentication) << "security.ssl.rest.authentication-enabled defaults to false";
  auto server = tls::build(s, tls::side::server);
  ASSERT_TRUE(server) << server.err().message;
  EXPECT_FALSE((*server)->peer_certificate_required());
}

TEST(tls_context, a_wrong_keystore_password_names_the_password_key) {
  auto s = pkcs12();
  s.keystore_password.value = "guess";
  auto message = failure_of(s);
  EXPECT_TRUE(has(message, "security.ssl.internal.keystore-password: wrong password")) << message;
  EXPECT_TRUE(has(message, "-D (command line)")) << message;
}

TEST(tls_context, a_wrong_truststore_password_names_the_password_key) {
  auto s = pkcs12();
  s.truststore_password.value = "guess";
  EXPECT_TRUE(has(failure_of(s), "security.ssl.internal.truststore-password: wrong password")) << failure_of(s);
}

TEST(tls_context, a_missing_file_names_its_key_and_the_path) {
  auto s = pkcs12();
  s.keystore.path = (material_root() / "nowhere.p12").string();
  auto message = failure_of(s);
  EXPECT_TRUE(has(message, "security.ssl.internal.keystore: cannot read '" + s.keystore.path + "'")) << message;
  EXPECT_TRUE(has(message, "No such file")) << message;

  auto p = pem();
  p.trusted_ca.path = (material_root() / "nowhere.crt").string();
  EXPECT_TRUE(has(failure_of(p), "security.ssl.internal.trusted-ca: cannot read")) << failure_of(p);
}

TEST(tls_context, an_unreadable_file_names_its_key) {
  if (::geteuid() == 0) {
    // root reads every file: a directory stands in for a file that cannot be read.
    auto s = pem();
    s.key.path = material_root().string();
    EXPECT_TRUE(has(failure_of(s), "security.ssl.internal.key: ")) << failure_of(s);
    return;
  }
  auto copy = material_root() / "unreadable.key";
  fs::copy_file(tls_file("ours", "node.key"), copy, fs::copy_options::overwrite_existing);
  fs::permissions(copy, fs::perms::none);
  auto s = pem();
  s.key.path = copy.string();
  EXPECT_TRUE(has(failure_of(s), "security.ssl.internal.key: cannot read")) << failure_of(s);
}

TEST(tls_context, a_key_that_does_not_belong_to_the_certificate_names_the_key) {
  auto s = pem();
  s.key.path = tls_file("theirs", "node.key");
  auto message = failure_of(s);
  EXPECT_TRUE(has(message, "security.ssl.internal.key: the private key in")) << message;
  EXPECT_TRUE(has(message, "does not belong to the certificate")) << message;
}

TEST(tls_context, a_file_of_the_wrong_kind_names_its_key) {
  auto s = pem();
  s.cert.path = tls_file("ours", "node.key");  // a key where the certificate should be
  EXPECT_TRUE(has(failure_of(s), "security.ssl.internal.cert: ")) << failure_of(s);
  auto t = pkcs12();
  t.keystore.path = tls_file("ours", "node.crt");  // PEM where PKCS12 should be
  EXPECT_TRUE(has(failure_of(t), "security.ssl.internal.keystore: '" + t.keystore.path + "' is not a PKCS12 file"))
      << failure_of(t);
  auto u = pkcs12();
  u.keystore.path = tls_file("ours", "truststore.p12");  // certificates only, no key
  EXPECT_TRUE(has(failure_of(u), "holds no private key")) << failure_of(u);
}

TEST(tls_context, an_unknown_cipher_list_names_security_ssl_algorithms) {
  auto s = pem();
  s.algorithms = "NO-SUCH-CIPHER";
  EXPECT_TRUE(has(failure_of(s), "security.ssl.algorithms: 'NO-SUCH-CIPHER'")) << failure_of(s);
}

TEST(ssl_settings, enabled_without_key_material_names_the_missing_key) {
  auto s = ssl_from({"enabled=true", "trusted-ca=" + tls_file("ours", "ca.crt")});
  ASSERT_FALSE(s);
  EXPECT_TRUE(has(s.err().message, "security.ssl.internal.keystore: not set")) << s.err().message;
  auto t =
      ssl_from({"enabled=true", "cert=" + tls_file("ours", "node.crt"), "trusted-ca=" + tls_file("ours", "ca.crt")});
  ASSERT_FALSE(t);
  EXPECT_TRUE(has(t.err().message, "security.ssl.internal.key: not set")) << t.err().message;
  auto u = ssl_from({"enabled=true", "keystore=" + tls_file("ours", "keystore.p12")}, "rest");
  ASSERT_FALSE(u);
  EXPECT_TRUE(has(u.err().message, "security.ssl.rest.truststore: not set")) << u.err().message;
}

TEST(ssl_settings, both_forms_at_once_or_an_unknown_protocol_are_refused) {
  auto s = ssl_from({"enabled=true", "keystore=" + tls_file("ours", "keystore.p12"),
                     "cert=" + tls_file("ours", "node.crt"), "trusted-ca=" + tls_file("ours", "ca.crt")});
  ASSERT_FALSE(s);
  EXPECT_TRUE(has(s.err().message, "security.ssl.internal.keystore: set together with")) << s.err().message;
  auto conf = config::configuration::load(material_root() / "no-such-conf", {"security.ssl.protocol=SSLv3"});
  ASSERT_TRUE(conf);
  auto p = config::validate_ssl(*conf, "rest");
  ASSERT_FALSE(p);
  EXPECT_TRUE(has(p.err().message, "security.ssl.protocol: unknown value 'SSLv3'")) << p.err().message;
}

TEST(ssl_settings, off_by_default_and_passwords_are_hidden_in_the_effective_configuration) {
  auto s = ssl_from({});
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->enabled);
  auto conf = config::configuration::load(
      material_root() / "no-such-conf",
      {"security.ssl.internal.keystore-password=s3cret", "security.ssl.rest.truststore-password=s3cret"});
  ASSERT_TRUE(conf);
  for (auto& [key, value] : conf->effective()) {
    if (key.find("password") != std::string::npos) {
      EXPECT_EQ(value, "******") << key;
    }
  }
}

}  // namespace
}  // namespace regent::test
