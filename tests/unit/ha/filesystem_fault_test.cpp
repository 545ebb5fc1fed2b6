// The `filesystem` stores when a write fails half-way, before its rename, or on a full disk:
// the error is returned, no entry becomes visible, the previous value survives, and the next
// write succeeds.

#include <algorithm>

#include <gtest/gtest.h>

#include "faulty_file_io.hpp"
#include "regent/ha/errc.hpp"
#include "regent/ha/filesystem/filesystem_stores.hpp"
#include "result_checks.hpp"
#include "store_families.hpp"
#include "test_dir.hpp"
#include "test_fence.hpp"

namespace regent::test {
namespace {

namespace fs = std::filesystem;
using fault = faulty_file_io::fault;

/// `filesystem` stores over a faulty_file_io; the parameter is the fault under test.
class filesystem_faults : public ::testing::TestWithParam<fault> {
 protected:
  test_dir dir_;
  fs::path cluster_ = dir_.path() / "ha" / "cluster";
  fs::path jrs_dir_ = dir_.path() / "ha" / "job-result-store" / "cluster";
  faulty_file_io io_;
  fencing_token token_ = test_token(1);
  test_fence fence_{token_};

  /// Arms the fault under test and checks that the write it is given fails with errc::io.
  template <class Write>
  void expect_failed_write(Write&& write) {
    io_.arm(GetParam());
    auto r = write();
    ASSERT_FALSE(r.ok()) << "the armed write succeeded";
    EXPECT_EQ(failure_of(r).code, ha::errc::io) << failure_of(r).message;
    EXPECT_FALSE(io_.armed());
    if (GetParam() == fault::no_space) {
      EXPECT_NE(failure_of(r).message.find("No space left"), std::string::npos) << failure_of(r).message;
    }
  }

  /// Names on disk in `dir`, temp files included (what a crash leaves behind).
  static std::vector<std::string> names_on_disk(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  /// After a failed write into `dir`: only temp files besides `visible`, and only when the
  /// fault leaves one behind.
  void expect_only_temp_leftovers(const fs::path& dir, const std::vector<std::string>& visible) {
    std::size_t temps = 0;
    for (const auto& name : names_on_disk(dir)) {
      if (ha::storage::is_temp_name(name))
        ++temps;
      else
        EXPECT_NE(std::find(visible.begin(), visible.end(), name), visible.end()) << "unexpected " << name;
    }
    EXPECT_EQ(temps, GetParam() == fault::no_space ? 0u : 1u);
  }
};

TEST_P(filesystem_faults, a_failed_job_graph_write_leaves_the_previous_graph) {
  auto store = ha::filesystem::make_job_graph_store(cluster_, fence_, io_);
  ASSERT_TRUE(store->put(token_, job(1), "version one").ok());
  expect_failed_write([&] { return store->put(token_, job(1), "version two, much longer than one"); });
  EXPECT_EQ(must(store->get(job(1))), "version one");
  expect_failed_write([&] { return store->put(token_, job(2), "never visible"); });
  EXPECT_EQ(failure_of(store->get(job(2))).code, ha::errc::not_found);
  EXPECT_EQ(must(store->list()), std::vector<job_id>{job(1)});
  ASSERT_TRUE(store->put(token_, job(2), "second try").ok());
  EXPECT_EQ(must(store->get(job(2))), "second try");
  ASSERT_TRUE(store->put(token_, job(1), "version two").ok());
  EXPECT_EQ(must(store->get(job(1))), "version two");
}

TEST_P(filesystem_faults, a_failed_write_leaves_no_visible_file) {
  auto store = ha::filesystem::make_job_graph_store(cluster_, fence_, io_);
  ASSERT_TRUE(store->put(token_, job(1), "one").ok());
  expect_failed_write([&] { return store->put(token_, job(2), std::string(4096, 'g')); });
  expect_only_temp_leftovers(cluster_ / "jobgraphs", {job(1).str()});
}

TEST_P(filesystem_faults, a_failed_checkpoint_is_not_listed_and_the_id_can_be_retried) {
  auto store = ha::filesystem::make_checkpoint_store(cluster_, 1, fence_, io_);
  ASSERT_TRUE(store->add(token_, job(1), 1, "c1").ok());
  expect_failed_write([&] { return store->add(token_, job(1), 2, "c2"); });
  EXPECT_EQ(must(store->list(job(1))), std::vector<std::uint64_t>{1});
  EXPECT_EQ(must(store->latest(job(1))).value().bytes, "c1") << "nothing pruned for a failed add";
  EXPECT_EQ(failure_of(store->get(job(1), 2)).code, ha::errc::not_found);
  expect_only_temp_leftovers(cluster_ / "checkpoints" / job(1).str(), {"0000000000000000001"});
  EXPECT_EQ(must(store->add(token_, job(1), 2, "c2")), std::vector<std::uint64_t>{1});
  EXPECT_EQ(must(store->latest(job(1))).value().bytes, "c2");
}

TEST_P(filesystem_faults, a_failed_counter_step_does_not_advance) {
  auto counter = ha::filesystem::make_checkpoint_id_counter(cluster_, fence_, io_);
  EXPECT_EQ(must(counter->next(token_, job(1))), 1u);
  expect_failed_write([&] { return counter->next(token_, job(1)); });
  EXPECT_EQ(must(counter->peek(job(1))), 2u);
  EXPECT_EQ(must(counter->next(token_, job(1))), 2u);
  EXPECT_EQ(must(counter->next(token_, job(1))), 3u);
}

TEST_P(filesystem_faults, a_failed_blob_is_not_listed) {
  auto blobs = ha::filesystem::make_blob_store(cluster_, fence_, io_);
  ASSERT_TRUE(blobs->put(token_, job(1), "a.so", "A").ok());
  expect_failed_write([&] { return blobs->put(token_, job(1), "b.so", "BBBB"); });
  EXPECT_EQ(must(blobs->list(job(1))), std::vector<std::string>{"a.so"});
  EXPECT_EQ(failure_of(blobs->get(job(1), "b.so")).code, ha::errc::not_found);
  ASSERT_TRUE(blobs->put(token_, job(1), "b.so", "BBBB").ok());
  EXPECT_EQ(must(blobs->get(job(1), "b.so")), "BBBB");
}

TEST_P(filesystem_faults, a_failed_dirty_result_leaves_no_dirty_file) {
  auto results = ha::filesystem::make_job_result_store(jrs_dir_, true, fence_, io_);
  ha::job_result r{job(1), "SUCCEEDED", 5, std::nullopt, "n", 1, 6};
  expect_failed_write([&] { return results->create_dirty(token_, r); });
  EXPECT_FALSE(fs::exists(jrs_dir_ / (job(1).str() + "_DIRTY.json")));
  EXPECT_FALSE(must(results->has_entry(job(1))));
  EXPECT_TRUE(must(results->dirty_ids()).empty());
  EXPECT_FALSE(must(results->get(job(1))).has_value());
  expect_only_temp_leftovers(jrs_dir_, {});
  ASSERT_TRUE(results->create_dirty(token_, r).ok());
  EXPECT_EQ(must(results->get(job(1))).value().result, r);
}

std::string fault_name(const ::testing::TestParamInfo<fault>& info) { return to_string(info.param); }

INSTANTIATE_TEST_SUITE_P(every_fault, filesystem_faults,
                         ::testing::Values(fault::half_written, fault::before_rename, fault::no_space), fault_name);

}  // namespace
}  // namespace regent::test
