#include "regent/runtime/job/attempt_id.hpp"

#include <set>

#include <gtest/gtest.h>

namespace regent::job {
namespace {

const fencing_token leader_a{34, "567e6101-6d24-4e67-bdc0-c669f4f02525"};
const fencing_token leader_b{34, "1e411625-de5a-4ffa-a9e9-6726138b3c96"};

TEST(attempt_id, two_sessions_granted_the_same_epoch_never_share_an_attempt_id) {
  // The soak of 2026-12-07: ZooKeeper lost epoch 34's write and granted it again; both leaders
  // started job 51 as attempt 570425345. Now their attempts differ.
  std::set<std::uint64_t> seen;
  for (std::uint64_t n = 1; n <= 100; ++n) {
    EXPECT_TRUE(seen.insert(attempt_id(leader_a, n)).second);
    EXPECT_TRUE(seen.insert(attempt_id(leader_b, n)).second);
  }
}

TEST(attempt_id, differs_by_epoch_and_by_attempt_and_is_stable) {
  const fencing_token next{35, leader_a.session_id};
  EXPECT_NE(attempt_id(leader_a, 1), attempt_id(next, 1));
  EXPECT_NE(attempt_id(leader_a, 1), attempt_id(leader_a, 2));
  EXPECT_EQ(attempt_id(leader_a, 7), attempt_id(leader_a, 7));
}

TEST(attempt_id, a_session_id_that_is_not_hex_still_counts) {
  EXPECT_NE(attempt_id({5, "session-one"}, 1), attempt_id({5, "session-two"}, 1));
}

}  // namespace
}  // namespace regent::job
