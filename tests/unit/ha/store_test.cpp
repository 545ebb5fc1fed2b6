// Behaviour both store families share: round trips, listing, retention, counters and blob keys.

#include <gtest/gtest.h>

#include "regent/ha/errc.hpp"
#include "result_checks.hpp"
#include "store_families.hpp"
#include "test_dir.hpp"
#include "test_fence.hpp"

namespace regent::test {
namespace {

using ids = std::vector<std::uint64_t>;

/// A fresh family of stores per test, led by `token_`.
template <class Family>
class stores : public ::testing::Test {
 protected:
  test_dir dir_;
  Family family_{dir_.path()};
  fencing_token token_ = test_token(1);
  test_fence fence_{token_};
};

using families = ::testing::Types<memory_family, filesystem_family>;
TYPED_TEST_SUITE(stores, families);

TYPED_TEST(stores, job_graphs_round_trip_and_overwrite) {
  auto store = this->family_.job_graphs(this->fence_);
  ASSERT_TRUE(store->put(this->token_, job(1), "graph one").ok());
  ASSERT_TRUE(store->put(this->token_, job(2), std::string("bin\0ary", 7)).ok());
  EXPECT_EQ(must(store->get(job(1))), "graph one");
  EXPECT_EQ(must(store->get(job(2))), std::string("bin\0ary", 7));
  ASSERT_TRUE(store->put(this->token_, job(1), "graph one v2").ok());
  EXPECT_EQ(must(store->get(job(1))), "graph one v2");
  ASSERT_TRUE(store->put(this->token_, job(3), "").ok());
  EXPECT_EQ(must(store->get(job(3))), "");
}

TYPED_TEST(stores, job_graphs_list_remove_and_report_missing_ones) {
  auto store = this->family_.job_graphs(this->fence_);
  EXPECT_TRUE(must(store->list()).empty());
  for (int n : {3, 1, 2}) ASSERT_TRUE(store->put(this->token_, job(n), "g").ok());
  EXPECT_EQ(must(store->list()), (std::vector<job_id>{job(1), job(2), job(3)}));
  ASSERT_TRUE(store->remove(this->token_, job(2)).ok());
  EXPECT_EQ(must(store->list()), (std::vector<job_id>{job(1), job(3)}));
  EXPECT_EQ(failure_of(store->get(job(2))).code, ha::errc::not_found);
  EXPECT_TRUE(store->remove(this->token_, job(2)).ok()) << "removal is idempotent";
  EXPECT_EQ(failure_of(store->put(this->token_, job_id(), "g")).code, ha::errc::invalid_argument);
  EXPECT_EQ(failure_of(store->get(job_id())).code, ha::errc::invalid_argument);
}

TYPED_TEST(stores, retaining_one_checkpoint_drops_the_previous) {
  auto store = this->family_.checkpoints(1, this->fence_);
  EXPECT_EQ(store->retained(), 1);
  EXPECT_FALSE(must(store->latest(job(1))).has_value());
  EXPECT_EQ(must(store->add(this->token_, job(1), 1, "c1")), ids{});
  EXPECT_EQ(must(store->add(this->token_, job(1), 2, "c2")), ids{1});
  EXPECT_EQ(must(store->add(this->token_, job(1), 7, "c7")), ids{2});
  EXPECT_EQ(must(store->list(job(1))), ids{7});
  auto latest = store->latest(job(1));
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->id, 7u);
  EXPECT_EQ((*latest)->bytes, "c7");
  EXPECT_EQ(failure_of(store->get(job(1), 2)).code, ha::errc::not_found);
}

TYPED_TEST(stores, retaining_three_checkpoints_drops_the_oldest_in_order) {
  auto store = this->family_.checkpoints(3, this->fence_);
  for (std::uint64_t id = 1; id <= 3; ++id)
    EXPECT_EQ(must(store->add(this->token_, job(1), id, "c" + std::to_string(id))), ids{});
  EXPECT_EQ(must(store->add(this->token_, job(1), 4, "c4")), ids{1});
  EXPECT_EQ(must(store->add(this->token_, job(1), 9, "c9")), ids{2});
  EXPECT_EQ(must(store->list(job(1))), (ids{3, 4, 9}));
  EXPECT_EQ(must(store->get(job(1), 4)).bytes, "c4");
  EXPECT_EQ(must(store->latest(job(1))).value().id, 9u);
  EXPECT_TRUE(must(store->list(job(2))).empty()) << "jobs are separate";
}

TYPED_TEST(stores, checkpoint_ids_only_grow) {
  auto store = this->family_.checkpoints(2, this->fence_);
  ASSERT_TRUE(store->add(this->token_, job(1), 5, "c5").ok());
  EXPECT_EQ(failure_of(store->add(this->token_, job(1), 5, "again")).code, ha::errc::invalid_argument);
  EXPECT_EQ(failure_of(store->add(this->token_, job(1), 3, "older")).code, ha::errc::invalid_argument);
  EXPECT_EQ(failure_of(store->add(this->token_, job(1), 0, "zero")).code, ha::errc::invalid_argument);
  EXPECT_EQ(must(store->get(job(1), 5)).bytes, "c5");
  EXPECT_EQ(must(store->list(job(1))), ids{5});
  ASSERT_TRUE(store->add(this->token_, job(2), 1, "other job").ok());
}

TYPED_TEST(stores, removing_all_checkpoints_is_idempotent_and_keeps_the_counter) {
  auto store = this->family_.checkpoints(2, this->fence_);
  auto counter = this->family_.counter(this->fence_);
  ASSERT_TRUE(counter->next(this->token_, job(1)).ok());
  ASSERT_TRUE(store->add(this->token_, job(1), 1, "c1").ok());
  ASSERT_TRUE(store->add(this->token_, job(1), 2, "c2").ok());
  ASSERT_TRUE(store->add(this->token_, job(2), 1, "kept").ok());
  ASSERT_TRUE(store->remove_all(this->token_, job(1)).ok());
  EXPECT_TRUE(must(store->list(job(1))).empty());
  EXPECT_FALSE(must(store->latest(job(1))).has_value());
  EXPECT_TRUE(store->remove_all(this->token_, job(1)).ok());
  EXPECT_EQ(must(counter->peek(job(1))), 2u) << "the counter has its own remove";
  EXPECT_EQ(must(store->get(job(2), 1)).bytes, "kept");
  ASSERT_TRUE(store->add(this->token_, job(1), 3, "after cleanup").ok());
}

TYPED_TEST(stores, the_counter_starts_at_one_and_is_monotonic_per_job) {
  auto counter = this->family_.counter(this->fence_);
  EXPECT_EQ(must(counter->peek(job(1))), 1u);
  EXPECT_EQ(must(counter->next(this->token_, job(1))), 1u);
  EXPECT_EQ(must(counter->next(this->token_, job(1))), 2u);
  EXPECT_EQ(must(counter->peek(job(1))), 3u);
  EXPECT_EQ(must(counter->peek(job(1))), 3u) << "peek does not advance";
  EXPECT_EQ(must(counter->next(this->token_, job(2))), 1u);
  EXPECT_EQ(must(counter->next(this->token_, job(1))), 3u);
  ASSERT_TRUE(counter->remove(this->token_, job(1)).ok());
  EXPECT_EQ(must(counter->peek(job(1))), 1u);
  EXPECT_TRUE(counter->remove(this->token_, job(1)).ok()) << "removal is idempotent";
  EXPECT_EQ(must(counter->peek(job(2))), 2u);
}

TYPED_TEST(stores, blobs_round_trip_per_job) {
  auto blobs = this->family_.blobs(this->fence_);
  ASSERT_TRUE(blobs->put(this->token_, job(1), "libudf.so", "ELF...").ok());
  ASSERT_TRUE(blobs->put(this->token_, job(1), "config.json", "{}").ok());
  ASSERT_TRUE(blobs->put(this->token_, job(2), "libudf.so", "other").ok());
  EXPECT_EQ(must(blobs->get(job(1), "libudf.so")), "ELF...");
  EXPECT_EQ(must(blobs->list(job(1))), (std::vector<std::string>{"config.json", "libudf.so"}));
  EXPECT_EQ(failure_of(blobs->get(job(1), "missing.so")).code, ha::errc::not_found);
  ASSERT_TRUE(blobs->remove_job(this->token_, job(1)).ok());
  EXPECT_TRUE(must(blobs->list(job(1))).empty());
  EXPECT_EQ(failure_of(blobs->get(job(1), "libudf.so")).code, ha::errc::not_found);
  EXPECT_TRUE(blobs->remove_job(this->token_, job(1)).ok()) << "removal is idempotent";
  EXPECT_EQ(must(blobs->get(job(2), "libudf.so")), "other");
}

TYPED_TEST(stores, blob_keys_that_escape_their_folder_are_rejected) {
  auto blobs = this->family_.blobs(this->fence_);
  for (const char* key : {"../x", "a/b", "..", ".", "", "/etc/passwd", "../../jobgraphs/x"}) {
    EXPECT_EQ(failure_of(blobs->put(this->token_, job(1), key, "x")).code, ha::errc::invalid_argument) << key;
    EXPECT_EQ(failure_of(blobs->get(job(1), key)).code, ha::errc::invalid_argument) << key;
  }
  EXPECT_TRUE(must(blobs->list(job(1))).empty());
  EXPECT_EQ(this->fence_.commits(), 0) << "rejected before the fence";
}

}  // namespace
}  // namespace regent::test
