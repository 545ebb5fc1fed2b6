// Whole subtasks on the subtask executor: checkpoints at record boundaries, commits on the
// completion notice, cancel and restore with exactly-once output, end of input → final
// checkpoint → finished, pacing, user code and failures. Tests drive the subtask from hooks
// in its chain (deterministic record positions) and wait on callbacks with deadlines.

#include <fstream>
#include <memory>

#include <gtest/gtest.h>

#include "regent/task/errc.hpp"
#include "regent/task/file_sink.hpp"
#include "regent/task/sequence_source.hpp"
#include "regent/task/snapshot.hpp"
#include "test_support.hpp"

namespace regent::task {
namespace {

namespace fs = std::filesystem;

subtask_config make_config(const fs::path& root, int index, int parallelism, std::int64_t from, std::int64_t to) {
  subtask_config c;
  c.job = test::test_job();
  c.index = index;
  c.parallelism = parallelism;
  c.source.from = from;
  c.source.to = to;
  c.sink.type = "file";
  c.sink.path = (root / "out").string();
  c.checkpoints_dir = root / "checkpoints";
  return c;
}

/// The numbers subtask `index` of `parallelism` owns, sorted.
std::vector<std::int64_t> share(std::int64_t from, std::int64_t to, int index, int parallelism) {
  auto part = sequence_partition::make(from, to, index, parallelism);
  std::vector<std::int64_t> out;
  for (std::uint64_t k = 0; k < part->size(); ++k) out.push_back(part->at(k));
  return out;
}

/// Drives a started subtask whose source is exhausted to finished: checkpoint `id`, its
/// completion notice, then waits for on_finished.
void finish(subtask& st, test::subtask_events& ev, checkpoint_id id) {
  ASSERT_TRUE(ev.wait([&] { return ev.end_of_input == 1; }));
  st.trigger_checkpoint(id);
  ASSERT_TRUE(ev.wait([&] { return !ev.acks.empty() && ev.acks.back().id == id; }));
  st.notify_checkpoint_complete(id);
  ASSERT_TRUE(ev.wait([&] { return ev.finished == 1 || !ev.failures.empty(); }));
  ASSERT_TRUE(ev.failures.empty()) << ev.failures[0].message;
}

/// Restores from checkpoint 2 (the last one completed) or 3 (acknowledged, completion notice
/// lost in the crash: the restore must commit its output exactly once).
class subtask_restore : public ::testing::TestWithParam<checkpoint_id> {};

TEST_P(subtask_restore, checkpoints_cancel_and_restore_give_exactly_once_output) {
  test::temp_dir dir;
  const std::int64_t from = -10000, to = 10000;
  const int index = 1, parallelism = 3;
  const auto expected = share(from, to, index, parallelism);
  test::subtask_events first_events;
  {
    subtask* self = nullptr;
    auto config = make_config(dir.path(), index, parallelism, from, to);
    std::uint64_t seen = 0;  // touched only by the subtask's steps (one at a time)
    config.make_chain = [&]() -> result<operator_chain> {
      operator_chain chain;
      chain.add([&](std::int64_t v) {
        ++seen;
        if (seen == 1000) self->trigger_checkpoint(1);
        if (seen == 2000) self->trigger_checkpoint(2);
        if (seen == 3000) self->trigger_checkpoint(3);
        if (seen == 3500) self->cancel();
        return v;
      });
      return chain;
    };
    subtask st(config, first_events.callbacks([&](const checkpoint_ack& ack) {
      if (ack.id <= 2) self->notify_checkpoint_complete(ack.id);
    }));
    self = &st;
    ASSERT_TRUE(st.start().ok());
    ASSERT_TRUE(first_events.wait([&] { return first_events.cancelled == 1; }));
    st.join();
  }
  ASSERT_TRUE(first_events.failures.empty()) << first_events.failures[0].message;
  ASSERT_EQ(first_events.acks.size(), 3u);
  EXPECT_EQ(first_events.end_of_input, 0);
  for (checkpoint_id id : {1, 2, 3}) {
    auto snap = read_snapshot(first_events.ack_of(id).handle);
    ASSERT_TRUE(snap.ok()) << snap.err().message;
    EXPECT_EQ(snap->source_position, id * 1000);  // taken right after the triggering record
    EXPECT_EQ(first_events.ack_of(id).size, fs::file_size(first_events.ack_of(id).handle));
  }
  // Only checkpoint 2's output is visible: the rest is hidden until a commit.
  EXPECT_EQ(test::committed_records(dir.path() / "out"),
            std::vector<std::int64_t>(expected.begin(), expected.begin() + 2000));

  const checkpoint_id restore_from = GetParam();
  test::subtask_events ev;
  subtask st(make_config(dir.path(), index, parallelism, from, to), ev.callbacks());
  ASSERT_TRUE(st.start(first_events.ack_of(restore_from).handle).ok());
  finish(st, ev, 4);
  EXPECT_EQ(test::committed_records(dir.path() / "out"), expected);
  EXPECT_TRUE(hidden_parts(dir.path() / "out")->empty());
}

INSTANTIATE_TEST_SUITE_P(from_last_completed_or_acknowledged, subtask_restore, ::testing::Values(2, 3));

TEST(subtask, several_subtasks_write_one_folder_exactly_once) {
  test::temp_dir dir;
  const int parallelism = 3;
  std::vector<std::unique_ptr<test::subtask_events>> events;
  std::vector<std::unique_ptr<subtask>> subtasks;
  for (int i = 0; i < parallelism; ++i) {
    events.push_back(std::make_unique<test::subtask_events>());
    auto config = make_config(dir.path(), i, parallelism, -500, 1000);
    operator_spec negate;
    negate.function = "negate";
    config.operators = {negate};
    subtasks.push_back(std::make_unique<subtask>(config, events.back()->callbacks()));
    ASSERT_TRUE(subtasks.back()->start().ok());
  }
  for (int i = 0; i < parallelism; ++i) finish(*subtasks[i], *events[i], 1);
  EXPECT_EQ(test::committed_records(dir.path() / "out"),
            test::expected_records(-500, 1000, [](std::int64_t v) { return -v; }));
}

TEST(subtask, end_of_input_then_final_checkpoint_then_finished) {
  test::temp_dir dir;
  test::subtask_events ev;
  subtask st(make_config(dir.path(), 0, 1, 1, 100), ev.callbacks());
  ASSERT_TRUE(st.start().ok());
  ASSERT_TRUE(ev.wait([&] { return ev.end_of_input == 1; }));
  st.trigger_checkpoint(1);
  ASSERT_TRUE(ev.wait([&] { return ev.acks.size() == 1; }));
  EXPECT_EQ(ev.finished, 0);  // the output is not committed before the completion notice
  EXPECT_TRUE(test::committed_records(dir.path() / "out").empty());
  st.notify_checkpoint_complete(1);
  ASSERT_TRUE(ev.wait([&] { return ev.finished == 1; }));
  EXPECT_EQ(test::committed_records(dir.path() / "out"), test::expected_records(1, 100));

  // A finished subtask still acknowledges checkpoints, with its final state.
  st.trigger_checkpoint(2);
  ASSERT_TRUE(ev.wait([&] { return ev.acks.size() == 2; }));
  auto snap = read_snapshot(ev.ack_of(2).handle);
  ASSERT_TRUE(snap.ok()) << snap.err().message;
  EXPECT_EQ(snap->source_position, 100u);
  EXPECT_TRUE(snap->sink.pending.empty());
  st.cancel();
  ASSERT_TRUE(ev.wait([&] { return ev.cancelled == 1; }));
  EXPECT_EQ(ev.finished, 1);
  EXPECT_TRUE(ev.failures.empty());
}

TEST(subtask, restored_from_the_final_checkpoint_finishes_without_another_one) {
  test::temp_dir dir;
  checkpoint_ack final_ack;
  {
    test::subtask_events ev;
    subtask st(make_config(dir.path(), 0, 1, 1, 100), ev.callbacks());
    ASSERT_TRUE(st.start().ok());
    ASSERT_TRUE(ev.wait([&] { return ev.end_of_input == 1; }));
    st.trigger_checkpoint(1);
    ASSERT_TRUE(ev.wait([&] { return ev.acks.size() == 1; }));
    final_ack = ev.ack_of(1);
  }  // dies before the completion notice
  test::subtask_events ev;
  subtask st(make_config(dir.path(), 0, 1, 1, 100), ev.callbacks());
  ASSERT_TRUE(st.start(final_ack.handle).ok());
  ASSERT_TRUE(ev.wait([&] { return ev.finished == 1; }));
  EXPECT_EQ(ev.end_of_input, 1);
  EXPECT_EQ(test::committed_records(dir.path() / "out"), test::expected_records(1, 100));
}

TEST(subtask, counts_the_records_of_its_own_attempt_only) {
  test::temp_dir dir;
  checkpoint_ack final_ack;
  {
    test::subtask_events ev;
    subtask st(make_config(dir.path(), 0, 1, 1, 100), ev.callbacks());
    EXPECT_EQ(st.records().out, 0u);
    ASSERT_TRUE(st.start().ok());
    ASSERT_TRUE(ev.wait([&] { return ev.end_of_input == 1; }));
    EXPECT_EQ(st.records().in, 100u);
    EXPECT_EQ(st.records().out, 100u);
    st.trigger_checkpoint(1);
    ASSERT_TRUE(ev.wait([&] { return ev.acks.size() == 1; }));
    final_ack = ev.ack_of(1);
  }
  // Restored after every record: this attempt reads and writes none (Flink's counters are per attempt).
  test::subtask_events ev;
  subtask st(make_config(dir.path(), 0, 1, 1, 100), ev.callbacks());
  ASSERT_TRUE(st.start(final_ack.handle).ok());
  ASSERT_TRUE(ev.wait([&] { return ev.finished == 1; }));
  EXPECT_EQ(st.records().in, 0u);
  EXPECT_EQ(st.records().out, 0u);
}

TEST(subtask, discard_sink_finishes_at_end_of_input) {
  test::temp_dir dir;
  test::subtask_events ev;
  auto config = make_config(dir.path(), 2, 4, 1, 1000);
  config.sink.type = "discard";
  subtask st(config, ev.callbacks());
  ASSERT_TRUE(st.start().ok());
  ASSERT_TRUE(ev.wait([&] { return ev.finished == 1; }));
  EXPECT_EQ(ev.end_of_input, 1);
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
}

TEST(subtask, runs_user_functions_from_a_library) {
  test::temp_dir dir;
  test::subtask_events ev;
  auto config = make_config(dir.path(), 0, 1, 1, 50);
  operator_spec times_ten;
  times_ten.function = "times_ten";
  times_ten.library = "example-artifact";
  config.operators = {times_ten};
  config.resolve_library = [](const std::string&) -> result<fs::path> { return fs::path(REGENT_EXAMPLE_UDF_PATH); };
  subtask st(config, ev.callbacks());
  ASSERT_TRUE(st.start().ok());
  finish(st, ev, 1);
  EXPECT_EQ(test::committed_records(dir.path() / "out"),
            test::expected_records(1, 50, [](std::int64_t v) { return v * 10; }));
}

TEST(subtask, paced_source_emits_only_the_records_the_clock_has_reached) {
  test::temp_dir dir;
  test::subtask_events ev;
  manual_clock clock;
  auto config = make_config(dir.path(), 0, 1, 0, 99);
  config.source.rate_per_second = 10;  // one record every 100 ms of the manual clock
  config.time = &clock;
  config.make_chain = [&]() -> result<operator_chain> {
    operator_chain chain;
    chain.add([&](std::int64_t v) {
      ev.note_record();
      return v;
    });
    return chain;
  };
  subtask st(config, ev.callbacks());
  ASSERT_TRUE(st.start().ok());
  ASSERT_TRUE(ev.wait([&] { return ev.records == 1; }));  // the first record is due at once
  clock.advance(std::chrono::seconds(1));
  ASSERT_TRUE(ev.wait([&] { return ev.records == 11; }));
  st.trigger_checkpoint(1);
  ASSERT_TRUE(ev.wait([&] { return ev.acks.size() == 1; }));
  auto snap = read_snapshot(ev.ack_of(1).handle);
  ASSERT_TRUE(snap.ok()) << snap.err().message;
  EXPECT_EQ(snap->source_position, 11u);  // records 0..10 are due at t = 1 s, record 11 is not
  st.cancel();
  ASSERT_TRUE(ev.wait([&] { return ev.cancelled == 1; }));
}

TEST(subtask, cancel_wakes_a_rate_limit_wait) {
  test::temp_dir dir;
  test::subtask_events ev;
  auto config = make_config(dir.path(), 0, 1, 0, 99);
  config.source.rate_per_second = 0.001;  // the second record is due after 1000 s
  config.make_chain = [&]() -> result<operator_chain> {
    operator_chain chain;
    chain.add([&](std::int64_t v) {
      ev.note_record();
      return v;
    });
    return chain;
  };
  subtask st(config, ev.callbacks());
  ASSERT_TRUE(st.start().ok());
  ASSERT_TRUE(ev.wait([&] { return ev.records == 1; }));
  st.cancel();
  ASSERT_TRUE(ev.wait([&] { return ev.cancelled == 1; }));
  st.join();
  EXPECT_EQ(ev.records, 1u);
}

TEST(subtask, paced_run_on_the_system_clock_is_exactly_once) {
  test::temp_dir dir;
  const int parallelism = 2;
  std::vector<std::unique_ptr<test::subtask_events>> events;
  std::vector<std::unique_ptr<subtask>> subtasks;
  for (int i = 0; i < parallelism; ++i) {
    events.push_back(std::make_unique<test::subtask_events>());
    auto config = make_config(dir.path(), i, parallelism, 1, 2000);
    config.source.rate_per_second = 40000;
    subtasks.push_back(std::make_unique<subtask>(config, events.back()->callbacks()));
    ASSERT_TRUE(subtasks.back()->start().ok());
  }
  for (int i = 0; i < parallelism; ++i) finish(*subtasks[i], *events[i], 1);
  EXPECT_EQ(test::committed_records(dir.path() / "out"), test::expected_records(1, 2000));
}

TEST(subtask, checkpoint_ids_that_do_not_increase_are_ignored) {
  test::temp_dir dir;
  test::subtask_events ev;
  subtask st(make_config(dir.path(), 0, 1, 1, 10), ev.callbacks());
  ASSERT_TRUE(st.start().ok());
  ASSERT_TRUE(ev.wait([&] { return ev.end_of_input == 1; }));
  st.trigger_checkpoint(2);
  st.trigger_checkpoint(1);
  st.trigger_checkpoint(2);
  st.trigger_checkpoint(3);
  ASSERT_TRUE(ev.wait([&] { return !ev.acks.empty() && ev.acks.back().id == 3; }));
  ASSERT_EQ(ev.acks.size(), 2u);
  EXPECT_EQ(ev.acks[0].id, 2u);
}

TEST(subtask, starting_twice_is_an_error) {
  test::temp_dir dir;
  test::subtask_events ev;
  auto config = make_config(dir.path(), 0, 1, 1, 10);
  config.sink.type = "discard";
  subtask st(config, ev.callbacks());
  ASSERT_TRUE(st.start().ok());
  EXPECT_FALSE(st.start().ok());
}

/// Starts a subtask that must fail; returns the error it reported.
error failure_of(subtask_config config, std::optional<fs::path> restore = std::nullopt) {
  test::subtask_events ev;
  subtask st(std::move(config), ev.callbacks());
  EXPECT_TRUE(st.start(std::move(restore)).ok());
  EXPECT_TRUE(ev.wait([&] { return !ev.failures.empty(); }));
  st.join();  // the thread ends after a failure
  return ev.failures.empty() ? error{} : ev.failures[0];
}

TEST(subtask, reports_failures) {
  test::temp_dir dir;
  auto missing = failure_of(make_config(dir.path(), 0, 2, 1, 10), dir.path() / "no-snapshot");
  EXPECT_EQ(missing.code, errc::not_found) << missing.message;

  // A snapshot of subtask 0 given to subtask 1.
  subtask_snapshot other;
  other.job = test::test_job();
  other.checkpoint = 1;
  other.parallelism = 2;
  other.sink_type = "file";
  const auto handle = snapshot_path(dir.path() / "checkpoints", other.job, 1, 0);
  ASSERT_TRUE(write_snapshot(handle, other).ok());
  auto foreign = failure_of(make_config(dir.path(), 1, 2, 1, 10), handle);
  EXPECT_EQ(foreign.code, errc::corrupt) << foreign.message;

  auto bad_function = make_config(dir.path(), 0, 1, 1, 10);
  bad_function.operators.push_back(operator_spec{"map", "cube", std::nullopt});
  auto unknown = failure_of(bad_function);
  EXPECT_EQ(unknown.code, errc::invalid_argument);
  EXPECT_NE(unknown.message.find("cube"), std::string::npos) << unknown.message;

  auto bad_library = make_config(dir.path(), 0, 1, 1, 10);
  bad_library.operators.push_back(operator_spec{"map", "times_ten", (dir.path() / "libgone.so").string()});
  EXPECT_EQ(failure_of(bad_library).code, errc::not_found);

  // An I/O error: the sink folder cannot be created under a regular file.
  std::ofstream(dir.path() / "blocker") << "x";
  auto unwritable = make_config(dir.path(), 0, 1, 1, 10);
  unwritable.sink.path = (dir.path() / "blocker" / "out").string();
  EXPECT_EQ(failure_of(unwritable).code, errc::io);
}

}  // namespace
}  // namespace regent::task
