#include "regent/runtime/job/heartbeat_monitor.hpp"

#include <gtest/gtest.h>

namespace regent::job {
namespace {

using namespace std::chrono_literals;
using keys = std::vector<std::string>;

TEST(heartbeat_monitor, expires_keys_that_went_quiet) {
  manual_clock clock;
  heartbeat_monitor m;
  m.track("tm-a", clock.now());
  m.track("tm-b", clock.now());
  EXPECT_EQ(m.size(), 2u);

  clock.advance(30s);
  EXPECT_TRUE(m.heartbeat("tm-a", clock.now()));
  clock.advance(20s);  // tm-b silent for exactly the timeout: not yet expired
  EXPECT_EQ(m.expired(clock.now(), 50s), keys{});
  clock.advance(1ms);
  EXPECT_EQ(m.expired(clock.now(), 50s), keys{"tm-b"});
  clock.advance(30s);
  EXPECT_EQ(m.expired(clock.now(), 50s), (keys{"tm-a", "tm-b"}));

  // The monitor reports; the owner removes.
  EXPECT_TRUE(m.remove("tm-b"));
  EXPECT_FALSE(m.remove("tm-b"));
  EXPECT_EQ(m.expired(clock.now(), 50s), keys{"tm-a"});
}

TEST(heartbeat_monitor, unknown_keys_are_not_revived_by_a_heartbeat) {
  manual_clock clock;
  heartbeat_monitor m;
  EXPECT_FALSE(m.heartbeat("ghost", clock.now()));
  EXPECT_FALSE(m.contains("ghost"));
  EXPECT_FALSE(m.since_last("ghost", clock.now()).has_value());
}

TEST(heartbeat_monitor, time_since_last_heartbeat_and_next_expiry) {
  manual_clock clock;
  heartbeat_monitor m;
  EXPECT_FALSE(m.next_expiry(10s).has_value());
  const auto t0 = clock.now();
  m.track("a", t0);
  clock.advance(4s);
  m.track("b", clock.now());
  EXPECT_EQ(m.since_last("a", clock.now()), std::optional<clock::duration>(4s));
  EXPECT_EQ(m.next_expiry(10s), std::optional<clock::time_point>(t0 + 10s + 1ns));
  EXPECT_TRUE(m.expired(t0 + 10s, 10s).empty());
  EXPECT_EQ(m.expired(*m.next_expiry(10s), 10s), keys{"a"});
}

TEST(heartbeat_monitor, a_late_heartbeat_never_moves_time_backwards) {
  manual_clock clock;
  heartbeat_monitor m;
  const auto early = clock.now();
  clock.advance(5s);
  m.track("a", clock.now());
  EXPECT_TRUE(m.heartbeat("a", early));
  EXPECT_EQ(m.since_last("a", clock.now()), std::optional<clock::duration>(0s));
}

TEST(heartbeat_monitor, tracking_again_restarts_the_timer) {
  manual_clock clock;
  heartbeat_monitor m;
  m.track("a", clock.now());
  clock.advance(60s);
  m.track("a", clock.now());  // the taskmanager registered again
  EXPECT_TRUE(m.expired(clock.now(), 50s).empty());
  EXPECT_EQ(m.size(), 1u);
}

}  // namespace
}  // namespace regent::job
