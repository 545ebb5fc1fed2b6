// The `filesystem` stores on disk: the DESIGN §3 layout, persistence across store objects, and
// damaged files reported naming the file while everything else stays readable.

#include <fstream>

#include <gtest/gtest.h>

#include "regent/ha/errc.hpp"
#include "regent/ha/storage/payload.hpp"
#include "result_checks.hpp"
#include "store_families.hpp"
#include "test_dir.hpp"
#include "test_fence.hpp"

namespace regent::test {
namespace {

namespace fs = std::filesystem;

/// One folder of `filesystem` stores behind a test_fence, plus ways to damage its files.
class filesystem_stores : public ::testing::Test {
 protected:
  test_dir dir_;
  filesystem_family family_{dir_.path()};
  fencing_token token_ = test_token(1);
  test_fence fence_{token_};

  fs::path cluster() const { return family_.cluster_dir; }
  fs::path jrs() const { return family_.job_result_dir; }

  static void overwrite(const fs::path& file, const std::string& bytes) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
  }
  static void truncate_to(const fs::path& file, std::uintmax_t size) { fs::resize_file(file, size); }
  static void flip_last_byte(const fs::path& file) {
    std::fstream f(file, std::ios::binary | std::ios::in | std::ios::out);
    f.seekg(-1, std::ios::end);
    char c = static_cast<char>(f.get() ^ 0x20);
    f.seekp(-1, std::ios::end);
    f.put(c);
  }
  static void expect_corrupt_naming(const error& e, const fs::path& file) {
    EXPECT_EQ(e.code, ha::errc::corrupt) << e.message;
    EXPECT_NE(e.message.find(file.string()), std::string::npos) << e.message;
  }
};

TEST_F(filesystem_stores, files_follow_the_documented_layout) {
  ASSERT_TRUE(family_.job_graphs(fence_)->put(token_, job(1), "g").ok());
  ASSERT_TRUE(family_.checkpoints(1, fence_)->add(token_, job(1), 42, "c").ok());
  ASSERT_TRUE(family_.counter(fence_)->next(token_, job(1)).ok());
  ASSERT_TRUE(family_.blobs(fence_)->put(token_, job(1), "lib.so", "b").ok());
  ASSERT_TRUE(family_.job_results(false, fence_)->create_dirty(token_, {job(1), "SUCCEEDED", 1, {}, "n", 1, 2}).ok());
  auto id = job(1).str();
  EXPECT_TRUE(fs::is_regular_file(cluster() / "jobgraphs" / id));
  EXPECT_TRUE(fs::is_regular_file(cluster() / "checkpoints" / id / "0000000000000000042"));
  EXPECT_TRUE(fs::is_regular_file(cluster() / "checkpoints" / id / "checkpoint_id_counter"));
  EXPECT_TRUE(fs::is_regular_file(cluster() / "blob" / ("job_" + id) / "lib.so"));
  EXPECT_TRUE(fs::is_regular_file(jrs() / (id + "_DIRTY.json")));
  ASSERT_TRUE(family_.job_results(false, fence_)->mark_clean(token_, job(1)).ok());
  EXPECT_FALSE(fs::exists(jrs() / (id + "_DIRTY.json")));
  EXPECT_TRUE(fs::is_regular_file(jrs() / (id + ".json")));
}

TEST_F(filesystem_stores, every_file_and_folder_it_creates_is_readable_by_the_clusters_user_only) {
  ASSERT_TRUE(family_.job_graphs(fence_)->put(token_, job(1), "g").ok());
  ASSERT_TRUE(family_.checkpoints(1, fence_)->add(token_, job(1), 42, "c").ok());
  ASSERT_TRUE(family_.counter(fence_)->next(token_, job(1)).ok());
  ASSERT_TRUE(family_.blobs(fence_)->put(token_, job(1), "lib.so", "b").ok());
  ASSERT_TRUE(family_.job_results(false, fence_)->create_dirty(token_, {job(1), "SUCCEEDED", 1, {}, "n", 1, 2}).ok());
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_.path())) {
    const auto others = e.status().permissions() & (fs::perms::group_all | fs::perms::others_all);
    EXPECT_EQ(others, fs::perms::none) << e.path() << " is open to other users";
    files += e.is_regular_file();
  }
  EXPECT_EQ(files, 5) << "job graph, checkpoint, counter, blob, job result";
}

TEST_F(filesystem_stores, a_damaged_blob_is_reported_naming_the_file) {
  auto store = family_.blobs(fence_);
  ASSERT_TRUE(store->put(token_, job(1), "lib.so", "library bytes").ok());
  auto file = cluster() / "blob" / ("job_" + job(1).str()) / "lib.so";
  flip_last_byte(file);
  expect_corrupt_naming(failure_of(store->get(job(1), "lib.so")), file);
  truncate_to(file, 3);
  expect_corrupt_naming(failure_of(store->get(job(1), "lib.so")), file);
}

TEST_F(filesystem_stores, a_foreign_file_in_place_of_a_job_graph_is_an_error_naming_it) {
  auto store = family_.job_graphs(fence_);
  ASSERT_TRUE(store->put(token_, job(1), "g").ok());
  auto file = cluster() / "jobgraphs" / job(1).str();
  overwrite(file, "{\"id\":\"" + job(1).str() + "\",\"state\":\"SUCCEEDED\"}");  // a job result's JSON
  expect_corrupt_naming(failure_of(store->get(job(1))), file);
  overwrite(file, std::string("\x7f" "ELF\x02\x01\x01", 7));  // a library
  expect_corrupt_naming(failure_of(store->get(job(1))), file);
}

TEST_F(filesystem_stores, a_new_store_object_continues_where_the_last_one_stopped) {
  EXPECT_EQ(must(family_.counter(fence_)->next(token_, job(1))), 1u);
  EXPECT_EQ(must(family_.counter(fence_)->next(token_, job(1))), 2u);
  auto later = family_.counter(fence_);
  EXPECT_EQ(must(later->peek(job(1))), 3u);
  EXPECT_EQ(must(later->next(token_, job(1))), 3u);
  ASSERT_TRUE(family_.job_graphs(fence_)->put(token_, job(1), "kept").ok());
  EXPECT_EQ(must(family_.job_graphs(fence_)->get(job(1))), "kept");
  ASSERT_TRUE(family_.checkpoints(2, fence_)->add(token_, job(1), 4, "c4").ok());
  EXPECT_EQ(failure_of(family_.checkpoints(2, fence_)->add(token_, job(1), 4, "again")).code,
            ha::errc::invalid_argument);
}

TEST_F(filesystem_stores, removing_the_last_checkpoint_data_removes_the_job_folder) {
  auto store = family_.checkpoints(1, fence_);
  auto counter = family_.counter(fence_);
  ASSERT_TRUE(store->add(token_, job(1), 1, "c").ok());
  ASSERT_TRUE(counter->next(token_, job(1)).ok());
  ASSERT_TRUE(store->remove_all(token_, job(1)).ok());
  EXPECT_TRUE(fs::exists(cluster() / "checkpoints" / job(1).str())) << "the counter is still there";
  ASSERT_TRUE(counter->remove(token_, job(1)).ok());
  EXPECT_FALSE(fs::exists(cluster() / "checkpoints" / job(1).str()));
}

TEST_F(filesystem_stores, a_damaged_job_graph_is_reported_and_others_stay_readable) {
  auto store = family_.job_graphs(fence_);
  for (int n : {1, 2, 3}) ASSERT_TRUE(store->put(token_, job(n), "graph " + std::to_string(n)).ok());
  auto truncated = cluster() / "jobgraphs" / job(1).str();
  auto flipped = cluster() / "jobgraphs" / job(2).str();
  truncate_to(truncated, 10);
  flip_last_byte(flipped);
  expect_corrupt_naming(failure_of(store->get(job(1))), truncated);
  expect_corrupt_naming(failure_of(store->get(job(2))), flipped);
  EXPECT_EQ(must(store->get(job(3))), "graph 3");
  EXPECT_EQ(must(store->list()), (std::vector<job_id>{job(1), job(2), job(3)})) << "nothing silently skipped";
  ASSERT_TRUE(store->put(token_, job(1), "repaired").ok());
  EXPECT_EQ(must(store->get(job(1))), "repaired");
}

TEST_F(filesystem_stores, a_stray_job_graph_name_is_reported) {
  auto store = family_.job_graphs(fence_);
  ASSERT_TRUE(store->put(token_, job(1), "g").ok());
  overwrite(cluster() / "jobgraphs" / "notes.txt", "hello");
  expect_corrupt_naming(failure_of(store->list()), cluster() / "jobgraphs" / "notes.txt");
  EXPECT_EQ(must(store->get(job(1))), "g");
}

TEST_F(filesystem_stores, a_damaged_checkpoint_is_reported_and_older_ones_stay_readable) {
  auto store = family_.checkpoints(3, fence_);
  for (std::uint64_t id : {1, 2, 3}) ASSERT_TRUE(store->add(token_, job(1), id, "c" + std::to_string(id)).ok());
  auto newest = cluster() / "checkpoints" / job(1).str() / "0000000000000000003";
  flip_last_byte(newest);
  expect_corrupt_naming(failure_of(store->latest(job(1))), newest);
  expect_corrupt_naming(failure_of(store->get(job(1), 3)), newest);
  EXPECT_EQ(must(store->get(job(1), 2)).bytes, "c2");
  EXPECT_EQ(must(store->list(job(1))), (std::vector<std::uint64_t>{1, 2, 3}));
  truncate_to(newest, 0);
  expect_corrupt_naming(failure_of(store->latest(job(1))), newest);
}

TEST_F(filesystem_stores, a_stray_name_among_checkpoints_is_reported) {
  auto store = family_.checkpoints(1, fence_);
  ASSERT_TRUE(store->add(token_, job(1), 1, "c1").ok());
  auto stray = cluster() / "checkpoints" / job(1).str() / "42";
  overwrite(stray, "?");
  expect_corrupt_naming(failure_of(store->list(job(1))), stray);
  expect_corrupt_naming(failure_of(store->add(token_, job(1), 2, "c2")), stray);
  EXPECT_EQ(must(store->get(job(1), 1)).bytes, "c1");
}

TEST_F(filesystem_stores, a_damaged_counter_is_reported_and_not_overwritten) {
  auto counter = family_.counter(fence_);
  ASSERT_TRUE(counter->next(token_, job(1)).ok());
  ASSERT_TRUE(counter->next(token_, job(2)).ok());
  auto file = cluster() / "checkpoints" / job(1).str() / "checkpoint_id_counter";
  truncate_to(file, 5);
  expect_corrupt_naming(failure_of(counter->peek(job(1))), file);
  expect_corrupt_naming(failure_of(counter->next(token_, job(1))), file);
  EXPECT_EQ(fs::file_size(file), 5u) << "a corrupt counter is never reset";
  for (std::string text : {"", "abc", "12x", "-1", "0", "99999999999999999999"}) {
    overwrite(file, ha::storage::encode_payload(text));
    expect_corrupt_naming(failure_of(counter->peek(job(1))), file);
  }
  EXPECT_EQ(must(counter->peek(job(2))), 2u);
  EXPECT_EQ(must(counter->next(token_, job(2))), 2u);
}

TEST_F(filesystem_stores, a_damaged_job_result_is_reported_and_others_stay_readable) {
  auto results = family_.job_results(true, fence_);
  for (int n : {1, 2}) ASSERT_TRUE(results->create_dirty(token_, {job(n), "SUCCEEDED", n, {}, "n", 1, 2}).ok());
  auto file = jrs() / (job(1).str() + "_DIRTY.json");
  truncate_to(file, fs::file_size(file) / 2);
  expect_corrupt_naming(failure_of(results->get(job(1))), file);
  expect_corrupt_naming(failure_of(results->dirty_results()), file);
  EXPECT_EQ(must(results->dirty_ids()), (std::vector<job_id>{job(1), job(2)})) << "still listed by name";
  EXPECT_EQ(must(results->get(job(2))).value().result.net_runtime_ms, 2);
  EXPECT_TRUE(must(results->has_entry(job(1))));
  EXPECT_EQ(failure_of(results->create_dirty(token_, {job(1), "FAILED", 1, {}, "n", 1, 2})).code,
            ha::errc::already_exists);
  overwrite(file, ha::to_json({job(3), "SUCCEEDED", 1, {}, "n", 1, 2}));
  expect_corrupt_naming(failure_of(results->get(job(1))), file);
}

TEST_F(filesystem_stores, unexpected_names_in_the_job_result_folder_are_skipped) {
  auto results = family_.job_results(true, fence_);
  ASSERT_TRUE(results->create_dirty(token_, {job(1), "SUCCEEDED", 1, {}, "n", 1, 2}).ok());
  fs::create_directories(jrs() / "subdir_DIRTY.json.d");
  for (const char* name :
       {"README", "x_DIRTY.json", ".tmp-abc_DIRTY.json-1234", "0123456789ABCDEF0123456789ABCDEF_DIRTY.json",
        "0123456789abcdef0123456789abcdef_DIRTY.jsonx", "0123456789abcdef0123456789abcdef.json.bak"})
    overwrite(jrs() / name, "junk");
  EXPECT_EQ(must(results->dirty_ids()), std::vector<job_id>{job(1)});
  ASSERT_EQ(must(results->dirty_results()).size(), 1u);
}

}  // namespace
}  // namespace regent::test
