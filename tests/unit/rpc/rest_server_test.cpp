// The REST server over loopback: a handler that throws answers 500 and the server keeps
// serving (a bad leader record must not take the REST thread down with it).

#include "regent/rpc/rest_server.hpp"

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace regent::rpc {
namespace {

TEST(rest_server, a_handler_that_throws_answers_500_and_the_server_keeps_serving) {
  auto server = rest_server::start({}, [](http_request request, std::function<void(http_response)> done) {
    if (request.target == "/throws") throw std::invalid_argument("stoi");
    if (request.target == "/throws-after-answering") {
      done({200, "text/plain", "first"});
      throw std::runtime_error("late");
    }
    done({200, "text/plain", "fine " + request.target});
  });
  ASSERT_TRUE(server.ok()) << server.err().message;
  const auto port = (*server)->port();
  for (int round = 0; round < 3; ++round) {
    auto thrown = http_call("127.0.0.1", port, {"GET", "/throws", "", ""});
    ASSERT_TRUE(thrown.ok()) << thrown.err().message;
    EXPECT_EQ(thrown->status, 500);
    EXPECT_NE(thrown->body.find("stoi"), std::string::npos) << thrown->body;
    auto fine = http_call("127.0.0.1", port, {"GET", "/next", "", ""});
    ASSERT_TRUE(fine.ok()) << fine.err().message;
    EXPECT_EQ(fine->status, 200);
    EXPECT_EQ(fine->body, "fine /next");
  }
  auto once = http_call("127.0.0.1", port, {"GET", "/throws-after-answering", "", ""});
  ASSERT_TRUE(once.ok()) << once.err().message;
  EXPECT_EQ(once->status, 200);  // the answer given stands; the throw adds no second one
  EXPECT_EQ(once->body, "first");
  EXPECT_EQ(http_call("127.0.0.1", port, {"GET", "/after", "", ""})->body, "fine /after");
}

}  // namespace
}  // namespace regent::rpc
