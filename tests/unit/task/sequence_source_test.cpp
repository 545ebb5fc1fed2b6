// The sequence source: every number of from..to goes to exactly one subtask (n mod P == i, a
// mathematical mod for negative numbers), and the rate limiter paces through the clock.

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "regent/task/errc.hpp"
#include "regent/task/sequence_source.hpp"

namespace regent::task {
namespace {

constexpr std::int64_t max64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t min64 = std::numeric_limits<std::int64_t>::min();

TEST(floor_mod, is_non_negative_for_negative_numbers) {
  EXPECT_EQ(floor_mod(-1, 4), 3);
  EXPECT_EQ(floor_mod(-4, 4), 0);
  EXPECT_EQ(floor_mod(-5, 4), 3);
  EXPECT_EQ(floor_mod(7, 4), 3);
  EXPECT_EQ(floor_mod(min64, 3), 1);  // -9223372036854775808 = 3 * -3074457345618258603 + 1
}

TEST(sequence_partition, covers_every_number_exactly_once_for_several_parallelisms) {
  const std::vector<std::pair<std::int64_t, std::int64_t>> ranges = {
      {1, 1000}, {-500, 500}, {-1000, -1}, {0, 0}, {-7, -7}, {3, 5}, {max64 - 20, max64}, {min64, min64 + 20}};
  for (const auto& [from, to] : ranges) {
    for (int p : {1, 2, 3, 4, 7, 16}) {
      std::vector<std::int64_t> all;
      for (int i = 0; i < p; ++i) {
        auto part = sequence_partition::make(from, to, i, p);
        ASSERT_TRUE(part.ok()) << part.err().message;
        for (std::uint64_t k = 0; k < part->size(); ++k) {
          const std::int64_t n = part->at(k);
          EXPECT_EQ(floor_mod(n, p), i) << "n=" << n << " P=" << p;
          if (k > 0) {
            EXPECT_LT(part->at(k - 1), n);
          }
          all.push_back(n);
        }
      }
      std::sort(all.begin(), all.end());
      std::vector<std::int64_t> expected;
      for (std::int64_t n = from;; ++n) {
        expected.push_back(n);
        if (n == to) break;
      }
      EXPECT_EQ(all, expected) << "range " << from << ".." << to << " P=" << p;
    }
  }
}

TEST(sequence_partition, empty_when_from_is_above_to_or_the_share_has_no_number) {
  auto reversed = sequence_partition::make(5, 4, 0, 1);
  ASSERT_TRUE(reversed.ok());
  EXPECT_EQ(reversed->size(), 0u);
  auto none = sequence_partition::make(1, 2, 3, 4);  // 1 mod 4 = 1, 2 mod 4 = 2
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->size(), 0u);
}

TEST(sequence_partition, rejects_bad_index_parallelism_and_oversized_shares) {
  EXPECT_EQ(sequence_partition::make(1, 10, 0, 0).err().code, errc::invalid_argument);
  EXPECT_EQ(sequence_partition::make(1, 10, 4, 4).err().code, errc::invalid_argument);
  EXPECT_EQ(sequence_partition::make(1, 10, -1, 4).err().code, errc::invalid_argument);
  EXPECT_EQ(sequence_partition::make(min64, max64, 0, 1).err().code, errc::invalid_argument);
  auto half = sequence_partition::make(min64, max64, 1, 2);
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(half->size(), std::uint64_t{1} << 63);
  EXPECT_EQ(half->at(half->size() - 1), max64);
}

TEST(rate_limiter, releases_records_as_the_clock_advances) {
  manual_clock clock;
  rate_limiter limiter(clock.now(), 10.0);  // one record every 100 ms
  EXPECT_EQ(limiter.due(0), clock.now());
  EXPECT_TRUE(limiter.is_due(0, clock.now()));
  EXPECT_FALSE(limiter.is_due(1, clock.now()));
  clock.advance(std::chrono::milliseconds(100));
  EXPECT_TRUE(limiter.is_due(1, clock.now()));
  EXPECT_FALSE(limiter.is_due(2, clock.now()));
  clock.advance(std::chrono::milliseconds(900));
  EXPECT_TRUE(limiter.is_due(10, clock.now()));
  EXPECT_FALSE(limiter.is_due(11, clock.now()));
  EXPECT_EQ(limiter.due(11) - clock.now(), std::chrono::milliseconds(100));
}

// A slow subtask waits for a few records at a time: at 100 records/s it wakes for every fifth
// (the 50 ms pause), at 10 records/s or slower for every record.
TEST(rate_limiter, a_waiting_subtask_wakes_for_a_small_batch_not_for_every_record) {
  manual_clock clock;
  rate_limiter fast(clock.now(), 100.0);
  EXPECT_EQ(fast.wake(0) - clock.now(), std::chrono::milliseconds(40)) << "records 0..4 due by then";
  EXPECT_EQ(fast.wake(10) - clock.now(), std::chrono::milliseconds(140));
  rate_limiter slow(clock.now(), 10.0);
  EXPECT_EQ(slow.wake(3), slow.due(3));
  rate_limiter fastest(clock.now(), 1e6);
  EXPECT_EQ(fastest.wake(0) - fastest.due(0), fastest.due(49999) - fastest.due(0));
}

TEST(rate_limiter, splits_the_source_rate_evenly_over_subtasks) {
  source_spec source;
  EXPECT_EQ(subtask_rate(source, 4), 0.0);
  source.rate_per_second = 100000;
  EXPECT_EQ(subtask_rate(source, 4), 25000.0);
  EXPECT_EQ(subtask_rate(source, 1), 100000.0);
}

}  // namespace
}  // namespace regent::task
