// Subtask snapshots: the text form round-trips, the framed file is checked, and snapshots
// that do not parse or name files outside the sink folder are refused.

#include <fstream>

#include <gtest/gtest.h>

#include "regent/task/errc.hpp"
#include "regent/task/snapshot.hpp"
#include "test_support.hpp"

namespace regent::task {
namespace {

subtask_snapshot sample() {
  subtask_snapshot s;
  s.job = test::test_job();
  s.checkpoint = 7;
  s.subtask_index = 2;
  s.parallelism = 4;
  s.sink_type = "file";
  s.source_position = 1234;
  s.sink.next_seq = 5;
  s.sink.pending.push_back({6, 3, ".part-2-6-3-abc.pending", "part-2-6-3"});
  s.sink.pending.push_back({7, 4, ".part-2-7-4-abc.pending", "part-2-7-4"});
  return s;
}

void expect_same(const subtask_snapshot& a, const subtask_snapshot& b) {
  EXPECT_EQ(a.job, b.job);
  EXPECT_EQ(a.checkpoint, b.checkpoint);
  EXPECT_EQ(a.subtask_index, b.subtask_index);
  EXPECT_EQ(a.parallelism, b.parallelism);
  EXPECT_EQ(a.sink_type, b.sink_type);
  EXPECT_EQ(a.source_position, b.source_position);
  EXPECT_EQ(a.sink, b.sink);
}

TEST(subtask_snapshot, text_form_round_trips) {
  const auto s = sample();
  auto back = decode_snapshot(encode_snapshot(s), "mem");
  ASSERT_TRUE(back.ok()) << back.err().message;
  expect_same(*back, s);

  subtask_snapshot empty = sample();
  empty.sink = {};
  auto back_empty = decode_snapshot(encode_snapshot(empty), "mem");
  ASSERT_TRUE(back_empty.ok()) << back_empty.err().message;
  expect_same(*back_empty, empty);
}

TEST(subtask_snapshot, path_follows_the_checkpoint_layout) {
  EXPECT_EQ(snapshot_path("/ckpt", test::test_job(), 12, 3),
            std::filesystem::path("/ckpt/0123456789abcdef0123456789abcdef/chk-12/subtask-3"));
}

TEST(subtask_snapshot, framed_file_round_trips_and_reports_its_size) {
  test::temp_dir dir;
  const auto file = snapshot_path(dir.path(), test::test_job(), 7, 2);
  auto size = write_snapshot(file, sample());
  ASSERT_TRUE(size.ok()) << size.err().message;
  EXPECT_EQ(*size, std::filesystem::file_size(file));
  auto back = read_snapshot(file);
  ASSERT_TRUE(back.ok()) << back.err().message;
  expect_same(*back, sample());
}

TEST(subtask_snapshot, missing_or_damaged_files_are_errors_naming_the_file) {
  test::temp_dir dir;
  const auto missing = dir.path() / "nope";
  auto r = read_snapshot(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, errc::not_found);

  const auto file = dir.path() / "subtask-0";
  ASSERT_TRUE(write_snapshot(file, sample()).ok());
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-10, std::ios::end);
    f.put('#');
  }
  auto damaged = read_snapshot(file);
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.err().code, errc::corrupt);
  EXPECT_NE(damaged.err().message.find(file.string()), std::string::npos) << damaged.err().message;
}

TEST(subtask_snapshot, refuses_malformed_text_and_unsafe_names) {
  const std::string good = encode_snapshot(sample());
  for (const std::string& bad : {
           std::string(""),
           good.substr(0, good.size() - 4),  // no "end"
           good + "trailing\n",
           std::string("regent-subtask-snapshot 2\n") + good.substr(good.find('\n') + 1),
       }) {
    auto r = decode_snapshot(bad, "mem");
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.err().code, errc::corrupt);
    }
  }
  auto escaping = sample();
  escaping.sink.pending[0].final_name = "../outside";
  EXPECT_FALSE(decode_snapshot(encode_snapshot(escaping), "mem").ok());
  auto visible_pending = sample();
  visible_pending.sink.pending[0].pending_name = "part-2-6-3";
  EXPECT_FALSE(decode_snapshot(encode_snapshot(visible_pending), "mem").ok());
}

}  // namespace
}  // namespace regent::task
