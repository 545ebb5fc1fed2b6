// The TCP transport over loopback: a real rpc::server and rpc::client.
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "regent/rpc/client.hpp"
#include "regent/rpc/fencing.hpp"
#include "regent/rpc/server.hpp"
#include "rpc_test_support.hpp"

namespace regent::rpc {
namespace {

using test::counter;
using test::patience;
using test::rpc_code;

std::unique_ptr<server> start_server(server::handler h, server_options o = {}) {
  auto r = server::start(std::move(o), std::move(h));
  if (!r.ok()) {
    ADD_FAILURE() << "server did not start: " << r.err().message;
    return nullptr;
  }
  return std::move(r).value();
}

client_options at(const server& s) { return client_options{"127.0.0.1", s.port()}; }

client::time_point later() { return std::chrono::steady_clock::now() + patience; }

void echo(const envelope& request, responder reply) { reply.reply("echo:" + request.payload); }

/// Requests a handler keeps, with their responders, instead of answering; the test answers
/// them (or never does). Thread-safe.
class parking {
 public:
  void park(const envelope& request, responder r) {
    {
      std::lock_guard lock(mutex_);
      parked_.emplace_back(request, std::move(r));
    }
    arrived.add();
  }
  std::vector<std::pair<envelope, responder>> take() {
    std::lock_guard lock(mutex_);
    return std::move(parked_);
  }
  server::handler handler() {
    return [this](const envelope& request, responder r) { park(request, std::move(r)); };
  }
  counter arrived;

 private:
  std::mutex mutex_;
  std::vector<std::pair<envelope, responder>> parked_;
};

TEST(rpc_transport, request_gets_its_response) {
  auto srv = start_server(echo);
  ASSERT_NE(srv, nullptr);
  EXPECT_NE(srv->port(), 0);
  client c(at(*srv));
  auto r = c.request(make_request("test.echo", fencing_token{1, "s"}, "hello"), patience);
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_TRUE(r->is_response);
  EXPECT_EQ(r->method, "test.echo");
  EXPECT_EQ(r->payload, "echo:hello");
  EXPECT_FALSE(r->error.has_value());
  EXPECT_NE(r->correlation_id, 0u);
}

TEST(rpc_transport, many_requests_answered_in_reverse_order_are_matched) {
  constexpr int n = 200;
  // Declared before the client: its io thread uses them until the client is destroyed.
  counter done;
  std::mutex mutex;
  std::vector<std::string> wrong;
  parking parked;
  auto srv = start_server(parked.handler());
  ASSERT_NE(srv, nullptr);
  client c(at(*srv));
  for (int i = 0; i < n; ++i) {
    std::string payload = "request-" + std::to_string(i);
    c.async_request(make_request("m", {}, payload), later(), [&, payload](result<envelope> r) {
      if (!r.ok() || r->payload != "answer-to-" + payload) {
        std::lock_guard lock(mutex);
        wrong.push_back(payload + " got " + (r.ok() ? r->payload : r.err().message));
      }
      done.add();
    });
  }
  ASSERT_TRUE(parked.arrived.wait_for(n));
  auto requests = parked.take();
  ASSERT_EQ(requests.size(), static_cast<std::size_t>(n));
  for (auto it = requests.rbegin(); it != requests.rend(); ++it)
    EXPECT_TRUE(it->second.reply("answer-to-" + it->first.payload));
  ASSERT_TRUE(done.wait_for(n));
  std::lock_guard lock(mutex);
  EXPECT_TRUE(wrong.empty()) << wrong.size() << " mismatched, first: " << wrong.front();
}

TEST(rpc_transport, blocking_requests_from_many_threads_are_matched) {
  server_options options;
  options.io_threads = 2;
  auto srv = start_server(echo, options);
  ASSERT_NE(srv, nullptr);
  client c(at(*srv));
  constexpr int threads = 8, each = 50;
  std::vector<std::future<int>> workers;
  for (int t = 0; t < threads; ++t) {
    workers.push_back(std::async(std::launch::async, [&c, t] {
      int matched = 0;
      for (int i = 0; i < each; ++i) {
        std::string payload = std::to_string(t) + "/" + std::to_string(i);
        auto r = c.request(make_request("m", {}, payload), patience);
        if (r.ok() && r->payload == "echo:" + payload) ++matched;
      }
      return matched;
    }));
  }
  for (auto& w : workers) EXPECT_EQ(w.get(), each);
}

TEST(rpc_transport, responder_answers_later_from_another_thread) {
  parking parked;
  auto srv = start_server(parked.handler());
  ASSERT_NE(srv, nullptr);
  client c(at(*srv));
  auto pending = std::async(std::launch::async, [&] { return c.request(make_request("slow", {}, "x"), patience); });
  ASSERT_TRUE(parked.arrived.wait_for(1));
  auto requests = parked.take();
  ASSERT_EQ(requests.size(), 1u);
  // The handler has long returned; another thread answers, and only its first answer counts.
  std::thread answerer([r = requests[0].second] {
    EXPECT_TRUE(r.reply("done later"));
    EXPECT_FALSE(r.reply("second answer"));
    EXPECT_TRUE(r.answered());
  });
  answerer.join();
  auto r = pending.get();
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(r->payload, "done later");
  EXPECT_EQ(r->method, "slow");
}

TEST(rpc_transport, unanswered_request_times_out_and_the_connection_stays_usable) {
  parking parked;
  auto srv = start_server([&](const envelope& request, responder r) {
    if (request.method == "never") return parked.park(request, std::move(r));
    echo(request, std::move(r));
  });
  ASSERT_NE(srv, nullptr);
  client c(at(*srv));
  auto r = c.request(make_request("never", {}, ""), std::chrono::milliseconds(200));
  EXPECT_EQ(rpc_code(r), errc::timeout);
  ASSERT_TRUE(parked.arrived.wait_for(1));
  // A late answer is dropped; the next request on the same client is answered normally.
  for (auto& [request, responder] : parked.take()) responder.reply("too late");
  auto next = c.request(make_request("echo", {}, "still here"), patience);
  ASSERT_TRUE(next.ok()) << next.err().message;
  EXPECT_EQ(next->payload, "echo:still here");
}

TEST(rpc_transport, a_request_dropped_unanswered_gets_an_error_reply_at_once) {
  auto srv = start_server([](const envelope& request, responder reply) {
    if (request.method == "drop") return;  // as an actor that ended with the request queued
    echo(request, std::move(reply));
  });
  ASSERT_NE(srv, nullptr);
  client c(at(*srv));
  auto r = c.request(make_request("drop", {}, ""), patience);
  ASSERT_TRUE(r.ok()) << "answered, not left to the deadline: " << r.err().message;
  auto failed = to_result(*r);
  EXPECT_EQ(rpc_code(failed), errc::handler_failed);
  EXPECT_NE(failed.err().message.find("dropped without an answer"), std::string::npos) << failed.err().message;
  auto next = c.request(make_request("echo", {}, "ok"), patience);
  ASSERT_TRUE(next.ok()) << next.err().message;
  EXPECT_EQ(next->payload, "echo:ok");
}

TEST(rpc_transport, deadline_already_passed_times_out) {
  auto srv = start_server(echo);
  ASSERT_NE(srv, nullptr);
  client c(at(*srv));
  auto r = c.request(make_request("m", {}, ""), std::chrono::steady_clock::now());
  EXPECT_EQ(rpc_code(r), errc::timeout);
}

TEST(rpc_transport, stale_token_gets_a_fencing_mismatch_reply) {
  const fencing_token leadership{4, "aaaaaaaa-0000-4000-8000-000000000004"};
  auto srv = start_server([&](const envelope& request, responder reply) {
    if (auto fenced = check_fencing(leadership, request); !fenced) {
      reply.fail(fenced.err());
      return;
    }
    reply.reply("accepted");
  });
  ASSERT_NE(srv, nullptr);
  client c(at(*srv));
  const fencing_token stale{3, "bbbbbbbb-0000-4000-8000-000000000003"};
  auto r = c.request(make_request("dispatcher.submit", stale, "job"), patience);
  ASSERT_TRUE(r.ok()) << r.err().message;
  ASSERT_TRUE(r->error.has_value());
  auto rejected = to_result(*r);
  ASSERT_EQ(rpc_code(rejected), errc::fencing_mismatch);
  EXPECT_NE(rejected.err().message.find("epoch=3"), std::string::npos);
  EXPECT_NE(rejected.err().message.find("did not match epoch=4"), std::string::npos);
  EXPECT_EQ(r->token, fencing_token{});

  auto accepted = c.request(make_request("dispatcher.submit", leadership, "job"), patience);
  ASSERT_TRUE(accepted.ok()) << accepted.err().message;
  EXPECT_FALSE(accepted->error.has_value());
  EXPECT_EQ(accepted->payload, "accepted");
}

TEST(rpc_transport, throwing_handler_gets_an_error_reply_and_the_server_keeps_serving) {
  auto srv = start_server([](const envelope& request, responder reply) {
    if (request.method == "boom") throw std::runtime_error("kaboom");
    echo(request, std::move(reply));
  });
  ASSERT_NE(srv, nullptr);
  client c(at(*srv));
  auto r = c.request(make_request("boom", {}, ""), patience);
  ASSERT_TRUE(r.ok()) << r.err().message;
  auto failed = to_result(*r);
  EXPECT_EQ(rpc_code(failed), errc::handler_failed);
  EXPECT_NE(failed.err().message.find("kaboom"), std::string::npos);
  auto next = c.request(make_request("echo", {}, "ok"), patience);
  ASSERT_TRUE(next.ok()) << next.err().message;
  EXPECT_EQ(next->payload, "echo:ok");
}

}  // namespace
}  // namespace regent::rpc
