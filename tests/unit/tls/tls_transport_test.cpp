// TLS on the RPC and REST transports over loopback: the cluster's own certificates talk;
// a client without a certificate, with one of another CA, or speaking plain TCP is refused at
// the handshake — its request never reaches the handler.
#include <gtest/gtest.h>

#include <atomic>

#include "regent/rpc/client.hpp"
#include "regent/rpc/rest_server.hpp"
#include "regent/rpc/server.hpp"
#include "tls_material.hpp"

namespace regent::test {
namespace {

using namespace std::chrono_literals;

tls::context_ptr context_of(const config::ssl_settings& s, tls::side role) {
  auto c = tls::build(s, role);
  EXPECT_TRUE(c) << c.err().message;
  return c ? *c : nullptr;
}

/// A client that trusts our CA but presents no certificate.
config::ssl_settings without_certificate(config::ssl_settings s) {
  s.cert.path.clear();
  s.key.path.clear();
  return s;
}

/// A client that trusts our CA and presents a certificate of another CA.
config::ssl_settings with_foreign_certificate(config::ssl_settings s) {
  s.cert.path = tls_file("theirs", "node.crt");
  s.key.path = tls_file("theirs", "node.key");
  return s;
}

class rpc_over_tls : public ::testing::Test {
 protected:
  void SetUp() override {
    rpc::server_options o;
    o.tls = context_of(pem(), tls::side::server);
    auto s = rpc::server::start(o, [this](const rpc::envelope& request, rpc::responder reply) {
      ++handled_;
      reply.reply("echo " + request.payload);
    });
    ASSERT_TRUE(s) << s.err().message;
    server_ = std::move(*s);
  }

  result<rpc::envelope> ask(tls::context_ptr tls) {
    rpc::client c({"127.0.0.1", server_->port(), rpc::default_max_frame_bytes, std::move(tls)});
    return c.request(rpc::make_request("test.echo", {}, "hello"), 20s);
  }

  std::unique_ptr<rpc::server> server_;
  std::atomic<int> handled_{0};
};

TEST_F(rpc_over_tls, a_client_with_a_certificate_of_the_cluster_ca_is_answered_over_one_connection) {
  rpc::client c({"127.0.0.1", server_->port(), rpc::default_max_frame_bytes, context_of(pkcs12(), tls::side::client)});
  for (int i = 0; i < 3; ++i) {
    auto r = c.request(rpc::make_request("test.echo", {}, "hello"), 20s);
    ASSERT_TRUE(r) << r.err().message;
    EXPECT_EQ(r->payload, "echo hello");
  }
  EXPECT_EQ(handled_.load(), 3);
}

TEST_F(rpc_over_tls, a_client_without_a_certificate_is_refused_before_its_request_is_read) {
  auto r = ask(context_of(without_certificate(pem()), tls::side::client));
  EXPECT_FALSE(r) << "answered: " << r->payload;
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(rpc_over_tls, a_client_with_a_certificate_of_another_ca_is_refused) {
  auto r = ask(context_of(with_foreign_certificate(pem()), tls::side::client));
  EXPECT_FALSE(r) << "answered: " << r->payload;
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(rpc_over_tls, a_plain_tcp_client_gets_nothing) {
  auto r = ask(nullptr);
  EXPECT_FALSE(r) << "answered: " << r->payload;
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(rpc_over_tls, a_client_that_does_not_trust_the_server_certificate_gives_up_at_the_handshake) {
  auto theirs = pem("theirs");  // trusts only the other CA
  auto r = ask(context_of(theirs, tls::side::client));
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("TLS handshake with 127.0.0.1:"), std::string::npos) << r.err().message;
  EXPECT_EQ(handled_.load(), 0);
}

TEST(rpc_tls, a_tls_client_to_a_plain_server_fails_at_the_handshake) {
  std::atomic<int> handled{0};
  auto s = rpc::server::start({}, [&](const rpc::envelope&, rpc::responder reply) {
    ++handled;
    reply.reply("plain");
  });
  ASSERT_TRUE(s);
  rpc::client c({"127.0.0.1", (*s)->port(), rpc::default_max_frame_bytes, context_of(pem(), tls::side::client)});
  auto r = c.request(rpc::make_request("test.echo", {}, "hello"), 20s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("TLS handshake"), std::string::npos) << r.err().message;
}

class rest_over_tls : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = pem("ours", "rest");
    s.authentication = true;  // security.ssl.rest.authentication-enabled: true
    rpc::rest_server_options o;
    o.tls = context_of(s, tls::side::server);
    auto started =
        rpc::rest_server::start(o, [this](rpc::http_request r, std::function<void(rpc::http_response)> done) {
          ++handled_;
          done({200, "text/plain", "hello " + r.target});
        });
    ASSERT_TRUE(started) << started.err().message;
    server_ = std::move(*started);
  }

  result<rpc::http_response> get(const tls::context_ptr& tls) {
    return rpc::http_call("127.0.0.1", server_->port(), {"GET", "/overview", "", ""}, 20s, tls);
  }

  std::unique_ptr<rpc::rest_server> server_;
  std::atomic<int> handled_{0};
};

TEST_F(rest_over_tls, a_client_with_a_certificate_of_the_cluster_ca_is_answered) {
  auto r = get(context_of(pkcs12("ours", "rest"), tls::side::client));
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->body, "hello /overview");
}

TEST_F(rest_over_tls, clients_without_a_certificate_with_a_foreign_one_or_plain_http_are_refused) {
  auto none = get(context_of(without_certificate(pem("ours", "rest")), tls::side::client));
  EXPECT_FALSE(none) << "answered " << none->status;
  auto foreign = get(context_of(with_foreign_certificate(pem("ours", "rest")), tls::side::client));
  EXPECT_FALSE(foreign) << "answered " << foreign->status;
  auto plain = get(nullptr);
  EXPECT_FALSE(plain) << "answered " << plain->status;
  EXPECT_EQ(handled_.load(), 0);
}

}  // namespace
}  // namespace regent::test
