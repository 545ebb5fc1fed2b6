// Both store families reject every write whose token is not the current leadership, and such
// a write changes nothing.

#include <gtest/gtest.h>

#include "regent/ha/errc.hpp"
#include "result_checks.hpp"
#include "store_families.hpp"
#include "test_dir.hpp"
#include "test_fence.hpp"

namespace regent::test {
namespace {

/// Every store of a family over one test_fence, so a test can take the leadership away.
template <class Family>
class fencing : public ::testing::Test {
 protected:
  test_dir dir_;
  Family family_{dir_.path()};
  fencing_token token_ = test_token(1);
  test_fence fence_{token_};
  std::unique_ptr<ha::job_graph_store> graphs_ = family_.job_graphs(fence_);
  std::unique_ptr<ha::completed_checkpoint_store> checkpoints_ = family_.checkpoints(1, fence_);
  std::unique_ptr<ha::checkpoint_id_counter> counter_ = family_.counter(fence_);
  std::unique_ptr<ha::blob_store> blobs_ = family_.blobs(fence_);
  std::unique_ptr<ha::job_result_store> results_ = family_.job_results(false, fence_);

  /// One of everything, written under `token_`.
  void write_everything() {
    ASSERT_TRUE(graphs_->put(token_, job(1), "graph").ok());
    ASSERT_TRUE(checkpoints_->add(token_, job(1), 1, "c1").ok());
    ASSERT_TRUE(counter_->next(token_, job(1)).ok());
    ASSERT_TRUE(blobs_->put(token_, job(1), "lib.so", "ELF").ok());
    ASSERT_TRUE(results_->create_dirty(token_, {job(1), "SUCCEEDED", 1, std::nullopt, "n", 1, 2}).ok());
    ASSERT_TRUE(results_->create_dirty(token_, {job(2), "CANCELED", 1, std::nullopt, "n", 1, 2}).ok());
  }

  void expect_everything_unchanged() {
    EXPECT_EQ(must(graphs_->get(job(1))), "graph");
    EXPECT_EQ(must(graphs_->list()), std::vector<job_id>{job(1)});
    EXPECT_EQ(must(checkpoints_->list(job(1))), std::vector<std::uint64_t>{1});
    EXPECT_EQ(must(checkpoints_->latest(job(1))).value().bytes, "c1");
    EXPECT_EQ(must(counter_->peek(job(1))), 2u);
    EXPECT_EQ(must(blobs_->list(job(1))), std::vector<std::string>{"lib.so"});
    EXPECT_EQ(must(blobs_->get(job(1), "lib.so")), "ELF");
    EXPECT_EQ(must(results_->dirty_ids()), (std::vector<job_id>{job(1), job(2)}));
    EXPECT_FALSE(must(results_->has_entry(job(3))));
  }

  void expect_every_write_rejected(const fencing_token& stale) {
    auto rejected = [](const auto& r) { return !r.ok() && r.err().code == ha::errc::not_leader; };
    EXPECT_TRUE(rejected(graphs_->put(stale, job(1), "late")));
    EXPECT_TRUE(rejected(graphs_->put(stale, job(3), "late")));
    EXPECT_TRUE(rejected(graphs_->remove(stale, job(1))));
    EXPECT_TRUE(rejected(checkpoints_->add(stale, job(1), 2, "c2")));
    EXPECT_TRUE(rejected(checkpoints_->remove_all(stale, job(1))));
    EXPECT_TRUE(rejected(counter_->next(stale, job(1))));
    EXPECT_TRUE(rejected(counter_->remove(stale, job(1))));
    EXPECT_TRUE(rejected(blobs_->put(stale, job(1), "lib.so", "changed")));
    EXPECT_TRUE(rejected(blobs_->remove_job(stale, job(1))));
    EXPECT_TRUE(rejected(results_->create_dirty(stale, {job(3), "FAILED", 1, std::string("x"), "n", 1, 2})));
    EXPECT_TRUE(rejected(results_->mark_clean(stale, job(1))));
  }
};

using families = ::testing::Types<memory_family, filesystem_family>;
TYPED_TEST_SUITE(fencing, families);

TYPED_TEST(fencing, writes_after_the_leadership_is_lost_are_rejected) {
  this->write_everything();
  this->fence_.clear();
  int commits = this->fence_.commits();
  this->expect_every_write_rejected(this->token_);
  EXPECT_EQ(this->fence_.commits(), commits);
  this->expect_everything_unchanged();
}

TYPED_TEST(fencing, writes_of_a_superseded_leadership_are_rejected) {
  this->write_everything();
  auto successor = test_token(2);
  this->fence_.set(successor);
  this->expect_every_write_rejected(this->token_);
  this->expect_every_write_rejected(test_token(1 + 1000));
  this->expect_everything_unchanged();
  EXPECT_TRUE(this->graphs_->put(successor, job(1), "new leader").ok()) << "the successor may write";
  EXPECT_EQ(must(this->graphs_->get(job(1))), "new leader");
}

TYPED_TEST(fencing, an_invalid_token_is_never_the_leadership) {
  this->fence_.clear();
  EXPECT_EQ(failure_of(this->graphs_->put(fencing_token{}, job(1), "x")).code, ha::errc::not_leader);
  EXPECT_EQ(failure_of(this->graphs_->get(job(1))).code, ha::errc::not_found);
}

}  // namespace
}  // namespace regent::test
