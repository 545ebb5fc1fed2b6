#include "regent/ha/epoch_watermark.hpp"

#include <gtest/gtest.h>

namespace regent::ha {
namespace {

TEST(epoch_watermark, a_grant_bumps_the_stored_epoch_when_nothing_higher_was_seen) {
  epoch_watermark w;
  EXPECT_EQ(w.next(0).epoch, 1u);
  w.observe(33);
  auto g = w.next(33);
  EXPECT_EQ(g.epoch, 34u);
  EXPECT_FALSE(g.lost_above);
}

TEST(epoch_watermark, a_stored_epoch_below_one_seen_granted_is_skipped_not_reused) {
  // The backend lost the write of epoch 34: it reads 33. The next grant is 35, never 34 again.
  epoch_watermark w;
  w.observe(34);
  auto g = w.next(33);
  EXPECT_EQ(g.epoch, 35u);
  ASSERT_TRUE(g.lost_above);
  EXPECT_EQ(*g.lost_above, 33u);
}

TEST(epoch_watermark, only_the_highest_epoch_observed_counts) {
  epoch_watermark w;
  w.observe(9);
  w.observe(4);
  w.observe(0);
  EXPECT_EQ(w.highest(), 9u);
  EXPECT_EQ(w.next(12).epoch, 13u);
}

}  // namespace
}  // namespace regent::ha
