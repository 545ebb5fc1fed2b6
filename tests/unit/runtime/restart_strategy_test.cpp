#include "regent/runtime/job/restart_strategy.hpp"

#include <gtest/gtest.h>

namespace regent::job {
namespace {

using namespace std::chrono_literals;

TEST(restart_strategy, fixed_delay_restarts_until_attempts_are_exhausted) {
  auto s = restart_strategy::fixed_delay(3, 1500ms);
  for (int i = 1; i <= 3; ++i) {
    auto d = s.on_failure("task 0 failed");
    EXPECT_TRUE(d.restart) << i;
    EXPECT_EQ(d.delay, 1500ms);
    EXPECT_EQ(d.attempt, i);
    EXPECT_TRUE(d.reason.empty());
    EXPECT_EQ(s.restarts(), i);
  }
  auto last = s.on_failure("taskmanager tm-1 lost");
  EXPECT_FALSE(last.restart);
  EXPECT_EQ(last.attempt, 0);
  EXPECT_EQ(last.reason,
            "restart strategy fixed-delay (attempts=3, delay=1500 ms) exhausted after 3 restarts; "
            "last failure: taskmanager tm-1 lost");
  EXPECT_EQ(s.restarts(), 3);
  EXPECT_FALSE(s.on_failure("again").restart);
}

TEST(restart_strategy, none_fails_at_the_first_failure) {
  auto s = restart_strategy::none();
  auto d = s.on_failure("boom");
  EXPECT_FALSE(d.restart);
  EXPECT_EQ(d.reason, "restart strategy none does not restart jobs; failure: boom");
  EXPECT_EQ(s.restarts(), 0);
  EXPECT_EQ(s.describe(), "none");
}

TEST(restart_strategy, zero_attempts_means_no_restart) {
  auto s = restart_strategy::fixed_delay(0, 10ms);
  auto d = s.on_failure("x");
  EXPECT_FALSE(d.restart);
  EXPECT_EQ(d.reason,
            "restart strategy fixed-delay (attempts=0, delay=10 ms) exhausted after 0 restarts; "
            "last failure: x");
}

TEST(restart_strategy, built_from_settings_with_bad_values_clamped) {
  restart_strategy s({restart_kind::fixed_delay, 1, 0ms});
  auto first = s.on_failure("a");
  EXPECT_TRUE(first.restart);
  EXPECT_EQ(first.delay, 0ms);
  EXPECT_FALSE(s.on_failure("b").restart);

  restart_strategy negative({restart_kind::fixed_delay, -4, -5ms});
  EXPECT_EQ(negative.describe(), "fixed-delay (attempts=0, delay=0 ms)");
  EXPECT_FALSE(negative.on_failure("c").restart);
}

}  // namespace
}  // namespace regent::job
