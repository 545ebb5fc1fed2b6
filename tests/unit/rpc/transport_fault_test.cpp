// The TCP transport when things go wrong: malformed, oversized and half-sent frames from raw
// sockets, lost and refused connections, closing, limits.
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "regent/rpc/client.hpp"
#include "regent/rpc/frame_codec.hpp"
#include "regent/rpc/server.hpp"
#include "rpc_test_support.hpp"

namespace regent::rpc {
namespace {

using test::counter;
using test::length_prefix;
using test::patience;
using test::raw_socket;
using test::rpc_code;

std::unique_ptr<server> start_server(server::handler h, server_options o = {}) {
  auto r = server::start(std::move(o), std::move(h));
  if (!r.ok()) {
    ADD_FAILURE() << "server did not start: " << r.err().message;
    return nullptr;
  }
  return std::move(r).value();
}

void echo(const envelope& request, responder reply) { reply.reply("echo:" + request.payload); }

/// Keeps every request's responder unanswered (a responder dropped unanswered would answer
/// with an error). Declare it before the server, so that it outlives it.
struct never_answers {
  counter arrived;
  std::mutex mu;
  std::vector<responder> kept;
  server::handler handler() {
    return [this](const envelope&, responder r) {
      {
        std::lock_guard lock(mu);
        kept.push_back(std::move(r));
      }
      arrived.add();
    };
  }
};

/// Asserts that `c` still gets answers from the echo server.
void expect_served(client& c, const std::string& payload) {
  auto r = c.request(make_request("echo", {}, payload), patience);
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(r->payload, "echo:" + payload);
}

class rpc_bad_peer : public ::testing::Test {
 protected:
  void SetUp() override {
    srv_ = start_server(echo);
    ASSERT_NE(srv_, nullptr);
    good_ = std::make_unique<client>(client_options{"127.0.0.1", srv_->port()});
    expect_served(*good_, "before");  // the good client is connected before the bad peer
  }

  /// Sends `bytes` from a raw socket, expects the server to close that socket, and the good
  /// client to keep being served.
  void expect_only_bad_connection_closed(const std::string& bytes) {
    raw_socket bad(srv_->port());
    ASSERT_TRUE(bad.connected());
    ASSERT_TRUE(bad.send_all(bytes));
    EXPECT_TRUE(bad.closed_by_peer());
    expect_served(*good_, "after");
    // A new connection is accepted too.
    client fresh(client_options{"127.0.0.1", srv_->port()});
    expect_served(fresh, "fresh");
  }

  std::unique_ptr<server> srv_;
  std::unique_ptr<client> good_;
};

TEST_F(rpc_bad_peer, garbage_closes_only_that_connection) {
  expect_only_bad_connection_closed("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
}

TEST_F(rpc_bad_peer, unparsable_body_closes_only_that_connection) {
  expect_only_bad_connection_closed(length_prefix(4) + "\xff\xff\xff\xff");
}

TEST_F(rpc_bad_peer, oversized_length_closes_only_that_connection) {
  expect_only_bad_connection_closed(length_prefix((16u << 20) + 1));
}

TEST_F(rpc_bad_peer, half_sent_frame_does_not_block_other_clients) {
  envelope request = make_request("echo", {}, "slowly");
  request.correlation_id = 99;
  std::string frame = encode_frame(request);
  raw_socket slow(srv_->port());
  ASSERT_TRUE(slow.connected());
  ASSERT_TRUE(slow.send_all(frame.substr(0, frame.size() / 2)));
  expect_served(*good_, "meanwhile");
  // The rest of the frame arrives: the slow peer is answered too.
  ASSERT_TRUE(slow.send_all(frame.substr(frame.size() / 2)));
  frame_decoder decoder;
  std::optional<envelope> reply;
  while (!reply) {
    auto bytes = slow.receive();
    ASSERT_TRUE(bytes.has_value() && !bytes->empty()) << "no reply to the completed frame";
    decoder.feed(*bytes);
    auto next = decoder.next();
    ASSERT_TRUE(next.ok()) << next.err().message;
    reply = std::move(*next);
  }
  EXPECT_EQ(reply->correlation_id, 99u);
  EXPECT_TRUE(reply->is_response);
  EXPECT_EQ(reply->payload, "echo:slowly");
}

TEST(rpc_transport_faults, lost_connection_fails_pending_requests_and_the_client_reconnects) {
  never_answers parked;
  auto first = start_server(parked.handler());
  ASSERT_NE(first, nullptr);
  std::uint16_t port = first->port();
  client c(client_options{"127.0.0.1", port});
  auto pending = std::async(std::launch::async, [&] { return c.request(make_request("m", {}, ""), patience); });
  ASSERT_TRUE(parked.arrived.wait_for(1));
  first->stop();
  EXPECT_EQ(rpc_code(pending.get()), errc::disconnected);

  server_options same_port;
  same_port.port = port;
  auto second = start_server(echo, same_port);
  ASSERT_NE(second, nullptr);
  expect_served(c, "reconnected");
}

TEST(rpc_transport_faults, refused_connection_fails_with_connect_failed) {
  client c(client_options{"127.0.0.1", test::unused_port()});
  auto r = c.request(make_request("m", {}, ""), patience);
  EXPECT_EQ(rpc_code(r), errc::connect_failed);
  EXPECT_NE(r.err().message.find("127.0.0.1"), std::string::npos) << r.err().message;
}

TEST(rpc_transport_faults, close_fails_pending_requests_and_later_ones) {
  never_answers parked;
  std::promise<result<envelope>> done;  // outlives the client, whose io thread sets it
  auto srv = start_server(parked.handler());
  ASSERT_NE(srv, nullptr);
  client c(client_options{"127.0.0.1", srv->port()});
  c.async_request(make_request("m", {}, ""), std::chrono::steady_clock::now() + patience,
                  [&](result<envelope> r) { done.set_value(std::move(r)); });
  ASSERT_TRUE(parked.arrived.wait_for(1));
  c.close();
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(rpc_code(future.get()), errc::stopped);
  EXPECT_EQ(rpc_code(c.request(make_request("m", {}, ""), patience)), errc::stopped);
}

TEST(rpc_transport_faults, request_over_the_frame_limit_is_not_sent) {
  counter arrived;
  auto srv = start_server([&](const envelope& r, responder reply) {
    arrived.add();
    echo(r, std::move(reply));
  });
  ASSERT_NE(srv, nullptr);
  client_options options{"127.0.0.1", srv->port()};
  options.max_frame_bytes = 1024;
  client c(options);
  auto r = c.request(make_request("m", {}, std::string(2048, 'x')), patience);
  EXPECT_EQ(rpc_code(r), errc::frame_too_large);
  expect_served(c, "small");
  EXPECT_EQ(arrived.value(), 1);
}

TEST(rpc_transport_faults, response_over_the_frame_limit_becomes_an_error_reply) {
  server_options options;
  options.max_frame_bytes = 1024;
  auto srv = start_server([](const envelope&, responder reply) { reply.reply(std::string(4096, 'y')); }, options);
  ASSERT_NE(srv, nullptr);
  client c(client_options{"127.0.0.1", srv->port()});
  auto r = c.request(make_request("big", {}, ""), patience);
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(rpc_code(to_result(*r)), errc::frame_too_large);
}

TEST(rpc_transport_faults, port_in_use_fails_to_bind) {
  auto first = start_server(echo);
  ASSERT_NE(first, nullptr);
  server_options same_port;
  same_port.port = first->port();
  auto second = server::start(same_port, echo);
  EXPECT_EQ(rpc_code(second), errc::bind_failed);
  server_options bad_host;
  bad_host.host = "256.0.0.1";
  EXPECT_EQ(rpc_code(server::start(bad_host, echo)), errc::bind_failed);
}

TEST(rpc_transport_faults, blocking_request_inside_a_callback_is_refused) {
  std::promise<result<envelope>> inner;  // outlives the client, whose io thread sets it
  auto srv = start_server(echo);
  ASSERT_NE(srv, nullptr);
  client c(client_options{"127.0.0.1", srv->port()});
  c.async_request(make_request("m", {}, ""), std::chrono::steady_clock::now() + patience,
                  [&](result<envelope>) { inner.set_value(c.request(make_request("m", {}, ""), patience)); });
  auto future = inner.get_future();
  ASSERT_EQ(future.wait_for(patience), std::future_status::ready);
  EXPECT_EQ(rpc_code(future.get()), errc::invalid_argument);
}

}  // namespace
}  // namespace regent::rpc
