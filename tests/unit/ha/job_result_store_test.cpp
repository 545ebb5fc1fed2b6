// The JobResultStore of both families: dirty -> clean, with and without delete-on-commit.

#include <gtest/gtest.h>

#include "regent/ha/errc.hpp"
#include "result_checks.hpp"
#include "store_families.hpp"
#include "test_dir.hpp"
#include "test_fence.hpp"

namespace regent::test {
namespace {

/// A fresh JobResultStore folder (or map) per test, led by `token_`.
template <class Family>
class job_results : public ::testing::Test {
 protected:
  test_dir dir_;
  Family family_{dir_.path()};
  fencing_token token_ = test_token(1);
  test_fence fence_{token_};

  static ha::job_result result_of(int n, std::optional<std::string> cause = std::nullopt) {
    return ha::job_result{
        job(n), cause ? "FAILED" : "SUCCEEDED", 100 + n, std::move(cause), "job " + std::to_string(n), 1000, 1100 + n};
  }
};

using families = ::testing::Types<memory_family, filesystem_family>;
TYPED_TEST_SUITE(job_results, families);

TYPED_TEST(job_results, a_dirty_result_is_listed_and_readable) {
  auto jrs = this->family_.job_results(true, this->fence_);
  auto r = this->result_of(1, std::string("java.lang.RuntimeException: boom"));
  EXPECT_FALSE(must(jrs->has_entry(job(1))));
  EXPECT_FALSE(must(jrs->get(job(1))).has_value());
  ASSERT_TRUE(jrs->create_dirty(this->token_, r).ok());
  ASSERT_TRUE(jrs->create_dirty(this->token_, this->result_of(2)).ok());
  EXPECT_TRUE(must(jrs->has_entry(job(1))));
  EXPECT_EQ(must(jrs->dirty_ids()), (std::vector<job_id>{job(1), job(2)}));
  EXPECT_EQ(must(jrs->dirty_results()), (std::vector<ha::job_result>{r, this->result_of(2)}));
  auto entry = jrs->get(job(1));
  ASSERT_TRUE(entry.ok() && entry->has_value());
  EXPECT_TRUE((*entry)->dirty);
  EXPECT_EQ((*entry)->result, r);
}

TYPED_TEST(job_results, creating_twice_is_already_exists) {
  auto jrs = this->family_.job_results(true, this->fence_);
  ASSERT_TRUE(jrs->create_dirty(this->token_, this->result_of(1)).ok());
  auto again = jrs->create_dirty(this->token_, this->result_of(1, std::string("other")));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(failure_of(again).code, ha::errc::already_exists);
  EXPECT_EQ(must(jrs->get(job(1))).value().result, this->result_of(1)) << "the first result stays";
}

TYPED_TEST(job_results, delete_on_commit_removes_the_entry_when_clean) {
  auto jrs = this->family_.job_results(true, this->fence_);
  ASSERT_TRUE(jrs->create_dirty(this->token_, this->result_of(1)).ok());
  ASSERT_TRUE(jrs->create_dirty(this->token_, this->result_of(2)).ok());
  ASSERT_TRUE(jrs->mark_clean(this->token_, job(1)).ok());
  EXPECT_FALSE(must(jrs->has_entry(job(1))));
  EXPECT_FALSE(must(jrs->get(job(1))).has_value());
  EXPECT_EQ(must(jrs->dirty_ids()), std::vector<job_id>{job(2)});
  EXPECT_EQ(failure_of(jrs->mark_clean(this->token_, job(1))).code, ha::errc::not_found);
}

TYPED_TEST(job_results, without_delete_on_commit_the_clean_entry_is_kept) {
  auto jrs = this->family_.job_results(false, this->fence_);
  ASSERT_TRUE(jrs->create_dirty(this->token_, this->result_of(1)).ok());
  ASSERT_TRUE(jrs->mark_clean(this->token_, job(1)).ok());
  EXPECT_TRUE(must(jrs->has_entry(job(1)))) << "the job must never run again";
  auto entry = jrs->get(job(1));
  ASSERT_TRUE(entry.ok() && entry->has_value());
  EXPECT_FALSE((*entry)->dirty);
  EXPECT_EQ((*entry)->result, this->result_of(1));
  EXPECT_TRUE(must(jrs->dirty_ids()).empty());
  EXPECT_TRUE(must(jrs->dirty_results()).empty());
  EXPECT_EQ(failure_of(jrs->create_dirty(this->token_, this->result_of(1))).code, ha::errc::already_exists);
  EXPECT_EQ(failure_of(jrs->mark_clean(this->token_, job(1))).code, ha::errc::not_found);
}

TYPED_TEST(job_results, bad_input_is_rejected_before_the_fence) {
  auto jrs = this->family_.job_results(true, this->fence_);
  auto r = this->result_of(1);
  r.application_status = "RUNNING";
  EXPECT_EQ(failure_of(jrs->create_dirty(this->token_, r)).code, ha::errc::invalid_argument);
  EXPECT_EQ(failure_of(jrs->create_dirty(this->token_, ha::job_result{})).code, ha::errc::invalid_argument);
  EXPECT_EQ(failure_of(jrs->mark_clean(this->token_, job_id())).code, ha::errc::invalid_argument);
  EXPECT_EQ(failure_of(jrs->mark_clean(this->token_, job(1))).code, ha::errc::not_found);
  EXPECT_FALSE(must(jrs->has_entry(job(1))));
}

}  // namespace
}  // namespace regent::test
