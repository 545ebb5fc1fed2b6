// The one table from an error that came back from the leader to the REST API's HTTP status.

#include "regent/programs/http_status.hpp"

#include <gtest/gtest.h>

#include "regent/ha/errc.hpp"
#include "regent/rpc/envelope.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/runtime/errc.hpp"
#include "regent/task/errc.hpp"

namespace regent::programs {
namespace {

TEST(http_status, every_error_a_forwarded_request_can_meet_has_its_status) {
  struct expectation {
    std::error_code code;
    int status;
  };
  const expectation table[] = {
      {rpc::errc::timeout, 503},
      {rpc::errc::disconnected, 503},
      {rpc::errc::connect_failed, 503},
      {rpc::errc::fencing_mismatch, 503},
      {rpc::errc::stopped, 503},
      {ha::errc::not_leader, 503},
      {ha::errc::unavailable, 503},
      {ha::errc::not_found, 404},
      {ha::errc::invalid_argument, 404},
      {ha::errc::already_exists, 409},
      {runtime_errc::invalid_spec, 400},
      {runtime_errc::not_found, 404},
      {ha::errc::corrupt, 500},
      {ha::errc::io, 500},
      {rpc::errc::handler_failed, 500},
      {rpc::errc::unknown_method, 500},
      {rpc::errc::malformed_frame, 500},
      {task::errc::io, 500},
      {std::make_error_code(std::errc::io_error), 500},
  };
  for (const auto& e : table)
    EXPECT_EQ(http_status_of(e.code), e.status) << e.code.category().name() << " " << e.code.message();
}

TEST(http_status, a_code_that_crossed_the_wire_maps_as_the_same_code_made_here) {
  const auto request = rpc::make_request("dispatcher.status", {}, "");
  for (auto code : {std::error_code(ha::errc::not_found), std::error_code(ha::errc::already_exists),
                    std::error_code(runtime_errc::invalid_spec), std::error_code(rpc::errc::fencing_mismatch)}) {
    auto back = rpc::to_result(rpc::make_error_reply(request, error{code, "some message that says nothing"}));
    ASSERT_FALSE(back.ok());
    EXPECT_EQ(http_status_of(back.err().code), http_status_of(code)) << code.message();
  }
}

}  // namespace
}  // namespace regent::programs
