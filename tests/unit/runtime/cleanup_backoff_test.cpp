#include "regent/runtime/job/cleanup_backoff.hpp"

#include <climits>

#include <gtest/gtest.h>

namespace regent::job {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using opt_ms = std::optional<milliseconds>;

TEST(cleanup_backoff, default_is_exponential_one_second_to_one_hour_unlimited) {
  cleanup_backoff b{cleanup_backoff_settings{}};
  std::vector<long> seconds;
  for (int n = 1; n <= 14; ++n) seconds.push_back(static_cast<long>(b.next_delay(n)->count() / 1000));
  EXPECT_EQ(seconds, (std::vector<long>{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600, 3600}));
  EXPECT_EQ(b.next_delay(1000), opt_ms(1h));
  EXPECT_EQ(b.next_delay(INT_MAX), opt_ms(1h));
  EXPECT_EQ(b.describe(), "exponential-delay (initial=1000 ms, max=3600000 ms, attempts=unlimited)");
}

TEST(cleanup_backoff, first_attempt_runs_at_once) {
  for (const auto& b :
       {cleanup_backoff::exponential_delay(1s, 1h), cleanup_backoff::fixed_delay(2, 5s), cleanup_backoff::none()}) {
    EXPECT_EQ(b.next_delay(0), opt_ms(0ms));
    EXPECT_EQ(b.next_delay(-1), opt_ms(0ms));
  }
}

TEST(cleanup_backoff, exponential_attempts_limit_retries) {
  auto b = cleanup_backoff::exponential_delay(100ms, 250ms, 3);
  EXPECT_EQ(b.next_delay(1), opt_ms(100ms));
  EXPECT_EQ(b.next_delay(2), opt_ms(200ms));
  EXPECT_EQ(b.next_delay(3), opt_ms(250ms));
  EXPECT_EQ(b.next_delay(4), std::nullopt);
  EXPECT_EQ(b.describe(), "exponential-delay (initial=100 ms, max=250 ms, attempts=3)");

  auto zero = cleanup_backoff::exponential_delay(1s, 1h, 0);
  EXPECT_EQ(zero.next_delay(1), std::nullopt);
}

TEST(cleanup_backoff, exponential_initial_above_max_is_capped) {
  auto b = cleanup_backoff::exponential_delay(10s, 3s);
  EXPECT_EQ(b.next_delay(1), opt_ms(3s));
  EXPECT_EQ(b.next_delay(5), opt_ms(3s));
}

TEST(cleanup_backoff, fixed_delay_retries_attempts_times) {
  auto b = cleanup_backoff::fixed_delay(2, 500ms);
  EXPECT_EQ(b.next_delay(1), opt_ms(500ms));
  EXPECT_EQ(b.next_delay(2), opt_ms(500ms));
  EXPECT_EQ(b.next_delay(3), std::nullopt);
  EXPECT_EQ(b.describe(), "fixed-delay (attempts=2, delay=500 ms)");

  cleanup_backoff_settings s;
  s.kind = cleanup_backoff_kind::fixed_delay;  // default: one retry after 1 s
  cleanup_backoff from_settings(s);
  EXPECT_EQ(from_settings.next_delay(1), opt_ms(1s));
  EXPECT_EQ(from_settings.next_delay(2), std::nullopt);
}

TEST(cleanup_backoff, none_makes_a_single_attempt) {
  auto b = cleanup_backoff::none();
  EXPECT_EQ(b.next_delay(1), std::nullopt);
  EXPECT_EQ(b.next_delay(2), std::nullopt);
  EXPECT_EQ(b.describe(), "none (a single attempt)");
}

}  // namespace
}  // namespace regent::job
