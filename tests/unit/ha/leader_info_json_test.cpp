// The stored leader info ({"rpc-address","rest-url","epoch","session-id","since"}): what a
// ZooKeeper connection_info node or a Kubernetes ConfigMap value holds. The number cases were
// found by fuzz/fuzz_ha_payloads.cpp: a "since" of 1.7e44 was converted to int64 with undefined
// behaviour (UBSan), and an epoch of -1 was read as 2^64-1.
#include <gtest/gtest.h>

#include "regent/ha/errc.hpp"
#include "regent/ha/leader_info_json.hpp"

namespace regent::ha {
namespace {

leader_info sample() {
  leader_info info;
  info.rpc_address = "127.0.0.1:6123";
  info.rest_url = "http://127.0.0.1:8081";
  info.token = fencing_token{7, "0123456789abcdef0123456789abcdef"};
  info.since_ms = 1700000000000;
  return info;
}

std::string with(const std::string& field, const std::string& value) {
  return R"({"rpc-address":"127.0.0.1:6123","rest-url":"http://127.0.0.1:8081","epoch":)" +
         (field == "epoch" ? value : "7") + R"(,"session-id":"0123456789abcdef0123456789abcdef","since":)" +
         (field == "since" ? value : "1700000000000") + "}";
}

TEST(leader_info_json, round_trips) {
  auto back = leader_info_from_json(to_json(sample()), "node");
  ASSERT_TRUE(back.ok()) << back.err().message;
  EXPECT_EQ(to_json(*back), to_json(sample()));
}

TEST(leader_info_json, a_since_out_of_range_is_corrupt_not_undefined_behaviour) {
  // The input the fuzzer found, reduced.
  for (const char* since : {"170000000000000000000000000000000000000000000", "1.5", "9223372036854775808", "\"1\""}) {
    auto r = leader_info_from_json(with("since", since), "ZooKeeper node /flink/default/leader/rm/connection_info");
    ASSERT_FALSE(r.ok()) << since;
    EXPECT_EQ(r.err().code, errc::corrupt);
    EXPECT_NE(r.err().message.find("ZooKeeper node /flink/default/leader/rm/connection_info"), std::string::npos);
  }
  auto negative = leader_info_from_json(with("since", "-5"), "node");
  ASSERT_TRUE(negative.ok()) << negative.err().message;
  EXPECT_EQ(negative->since_ms, -5);
}

TEST(leader_info_json, a_negative_or_fractional_epoch_is_corrupt) {
  for (const char* epoch : {"-1", "7.5", "1e30", "\"7\""}) {
    auto r = leader_info_from_json(with("epoch", epoch), "node");
    ASSERT_FALSE(r.ok()) << epoch;
    EXPECT_EQ(r.err().code, errc::corrupt);
    EXPECT_NE(r.err().message.find("epoch"), std::string::npos) << r.err().message;
  }
}

}  // namespace
}  // namespace regent::ha
