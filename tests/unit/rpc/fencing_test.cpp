#include <string>
#include <system_error>

#include <gtest/gtest.h>

#include "regent/rpc/envelope.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/rpc/fencing.hpp"
#include "rpc_test_support.hpp"

namespace regent::rpc {
namespace {

using test::rpc_code;

const fencing_token current{4, "aaaaaaaa-0000-4000-8000-000000000004"};
const fencing_token stale{3, "bbbbbbbb-0000-4000-8000-000000000003"};

TEST(fencing, matching_token_passes) {
  EXPECT_TRUE(check_fencing(current, make_request("job_master.ack", current, "")).ok());
}

TEST(fencing, stale_epoch_is_rejected_naming_both_tokens) {
  auto r = check_fencing(current, make_request("job_master.ack", stale, ""));
  ASSERT_EQ(rpc_code(r), errc::fencing_mismatch);
  EXPECT_EQ(r.err().message.rfind("fencing token mismatch: epoch=3 session=" + stale.session_id +
                                      " did not match epoch=4 session=" + current.session_id,
                                  0),
            0u)
      << r.err().message;
}

TEST(fencing, same_epoch_other_session_is_rejected) {
  fencing_token other{4, stale.session_id};
  EXPECT_EQ(rpc_code(check_fencing(current, make_request("m", other, ""))), errc::fencing_mismatch);
}

TEST(fencing, nothing_passes_without_a_held_leadership) {
  // Not leading (no token) must not accept an unfenced request either.
  auto r = check_fencing(fencing_token{}, make_request("m", fencing_token{}, ""));
  ASSERT_EQ(rpc_code(r), errc::fencing_mismatch);
  EXPECT_NE(r.err().message.find("no leadership"), std::string::npos) << r.err().message;
}

TEST(fencing, error_reply_answers_the_request_without_leaking_the_token) {
  envelope request = make_request("dispatcher.cancel", stale, "job");
  request.correlation_id = 17;
  auto check = check_fencing(current, request);
  ASSERT_FALSE(check.ok());
  envelope reply = make_error_reply(request, check.err());
  EXPECT_EQ(reply.correlation_id, 17u);
  EXPECT_EQ(reply.method, "dispatcher.cancel");
  EXPECT_TRUE(reply.is_response);
  EXPECT_EQ(reply.token, fencing_token{});
  EXPECT_TRUE(reply.payload.empty());
  ASSERT_TRUE(reply.error.has_value());
  EXPECT_EQ(reply.error->code, static_cast<std::int32_t>(errc::fencing_mismatch));
  auto as_result = to_result(reply);
  EXPECT_EQ(rpc_code(as_result), errc::fencing_mismatch);
  EXPECT_EQ(as_result.err().message, check.err().message);
}

TEST(fencing, an_error_of_another_category_travels_with_its_category_and_code) {
  envelope request = make_request("m", current, "");
  envelope reply = make_error_reply(request, error(std::make_error_code(std::errc::io_error), "disk on fire"));
  ASSERT_TRUE(reply.error.has_value());
  EXPECT_EQ(reply.error->category, "generic");
  EXPECT_EQ(reply.error->message, "disk on fire");
  auto back = to_result(reply);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.err().code, std::make_error_code(std::errc::io_error));
  EXPECT_EQ(back.err().message, "disk on fire");
  // A category this process does not know keeps its name and code.
  reply.error = wire_error{7, "from a newer peer", "regent.future"};
  auto unknown = to_result(reply);
  EXPECT_STREQ(unknown.err().code.category().name(), "regent.future");
  EXPECT_EQ(unknown.err().code.value(), 7);
}

TEST(fencing, successful_reply_is_its_own_result) {
  envelope request = make_request("m", current, "in");
  request.correlation_id = 5;
  auto r = to_result(make_reply(request, "out"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->payload, "out");
  EXPECT_EQ(r->correlation_id, 5u);
  EXPECT_TRUE(r->is_response);
}

TEST(fencing, error_codes_have_names) {
  std::error_code ec = errc::fencing_mismatch;
  EXPECT_STREQ(ec.category().name(), "rpc");
  EXPECT_EQ(ec.message(), "fencing token mismatch");
  EXPECT_EQ(std::error_code(errc::timeout).message(), "deadline expired");
}

}  // namespace
}  // namespace regent::rpc
