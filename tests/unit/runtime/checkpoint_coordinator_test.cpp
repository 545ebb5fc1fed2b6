#include "regent/runtime/job/checkpoint_coordinator.hpp"

#include <gtest/gtest.h>

namespace regent::job {
namespace {

using namespace std::chrono_literals;

const job_id the_job = *job_id::parse("0123456789abcdef0123456789abcdef");

/// A coordinator for a job at parallelism 3 with a 10 s timeout, and a manual clock.
class checkpoint_coordinator_test : public ::testing::Test {
 protected:
  manual_clock clock;
  checkpoint_coordinator coord{the_job, {3, 10000ms, 10}};

  instant now() const { return instant::of(clock); }

  /// The single action of kind T in `actions` (a copy: `actions` is usually a temporary).
  template <class T>
  static T only(const std::vector<checkpoint_action>& actions) {
    EXPECT_EQ(actions.size(), 1u);
    if (actions.size() != 1 || !std::holds_alternative<T>(actions[0])) {
      ADD_FAILURE() << "unexpected action kind";
      return T{};
    }
    return std::get<T>(actions[0]);
  }

  std::vector<checkpoint_action> ack(int subtask, std::int64_t id, std::int64_t size = 10) {
    return coord.acknowledge(subtask, id, "/ckpt/chk-" + std::to_string(id) + "/" + std::to_string(subtask), size,
                             now());
  }

  /// Triggers `id` and acknowledges every subtask; returns the store action's metadata.
  checkpoint_metadata run_to_store(std::int64_t id) {
    only<send_trigger>(coord.trigger(id, now()));
    for (int i = 0; i < 2; ++i) EXPECT_TRUE(ack(i, id).empty());
    return only<store_checkpoint>(ack(2, id)).metadata;
  }

  void run_to_completion(std::int64_t id) {
    run_to_store(id);
    only<send_notify_complete>(coord.completed(id, "/ha/chk-" + std::to_string(id), now()));
  }
};

TEST_F(checkpoint_coordinator_test, all_acks_complete_and_notify) {
  const std::int64_t t0 = clock.wall_millis();
  const auto& trig = only<send_trigger>(coord.trigger(1, now()));
  EXPECT_EQ(trig.checkpoint_id, 1);
  EXPECT_EQ(trig.timestamp, t0);
  EXPECT_EQ(trig.parallelism, 3);
  EXPECT_FALSE(coord.can_trigger());
  EXPECT_EQ(coord.pending_id(), std::optional<std::int64_t>(1));

  clock.advance(40ms);
  EXPECT_TRUE(ack(2, 1, 30).empty());
  clock.advance(60ms);
  EXPECT_TRUE(ack(0, 1, 10).empty());
  EXPECT_EQ(coord.statistics().history.front().num_acknowledged_subtasks, 2);
  EXPECT_EQ(coord.statistics().history.front().status, checkpoint_status::in_progress);
  const auto& store = only<store_checkpoint>(ack(1, 1, 20));
  EXPECT_TRUE(coord.awaiting_store());
  EXPECT_FALSE(coord.can_trigger());

  const auto& m = store.metadata;
  EXPECT_EQ(m.job, the_job);
  EXPECT_EQ(m.checkpoint_id, 1);
  EXPECT_EQ(m.timestamp, t0);
  ASSERT_EQ(m.subtasks.size(), 3u);
  EXPECT_EQ(m.subtasks[0], (subtask_state_handle{0, "/ckpt/chk-1/0", 10}));
  EXPECT_EQ(m.subtasks[1], (subtask_state_handle{1, "/ckpt/chk-1/1", 20}));
  EXPECT_EQ(m.subtasks[2], (subtask_state_handle{2, "/ckpt/chk-1/2", 30}));

  clock.advance(5ms);  // the HA write
  const auto& notify = only<send_notify_complete>(coord.completed(1, "/ha/chk-1", now()));
  EXPECT_EQ(notify.checkpoint_id, 1);
  EXPECT_TRUE(coord.can_trigger());
  EXPECT_FALSE(coord.awaiting_store());
  EXPECT_EQ(coord.latest_completed_id(), 1);

  const auto& stats = coord.statistics();
  EXPECT_EQ(stats.counts.total, 1);
  EXPECT_EQ(stats.counts.completed, 1);
  EXPECT_EQ(stats.counts.in_progress, 0);
  EXPECT_EQ(stats.counts.failed, 0);
  ASSERT_TRUE(stats.latest_completed.has_value());
  const auto& c = *stats.latest_completed;
  EXPECT_EQ(c.id, 1);
  EXPECT_EQ(c.status, checkpoint_status::completed);
  EXPECT_EQ(c.trigger_timestamp, t0);
  EXPECT_EQ(c.latest_ack_timestamp, t0 + 100);
  EXPECT_EQ(c.end_to_end_duration, 100);
  EXPECT_EQ(c.state_size, 60);
  EXPECT_EQ(c.num_subtasks, 3);
  EXPECT_EQ(c.num_acknowledged_subtasks, 3);
  EXPECT_EQ(c.external_path, "/ha/chk-1");
  EXPECT_EQ(c.failure_timestamp, -1);
  ASSERT_EQ(stats.history.size(), 1u);
  EXPECT_EQ(stats.history.front().status, checkpoint_status::completed);
  EXPECT_EQ(stats.state_size.max(), 60);
  EXPECT_EQ(stats.end_to_end_duration.avg(), 100);
}

TEST_F(checkpoint_coordinator_test, in_progress_statistics_before_any_ack) {
  coord.trigger(1, now());
  const auto& e = coord.statistics().history.front();
  EXPECT_EQ(e.status, checkpoint_status::in_progress);
  EXPECT_EQ(e.latest_ack_timestamp, -1);
  EXPECT_EQ(e.end_to_end_duration, 0);
  EXPECT_EQ(e.num_acknowledged_subtasks, 0);
  EXPECT_EQ(coord.statistics().counts.in_progress, 1);
}

TEST_F(checkpoint_coordinator_test, late_ack_for_an_old_id_is_ignored) {
  run_to_completion(1);
  coord.trigger(2, now());
  const auto& late = only<ignored_event>(ack(0, 1));
  EXPECT_EQ(late.checkpoint_id, 1);
  EXPECT_EQ(late.subtask, std::optional<int>(0));
  EXPECT_EQ(late.reason, "late message for checkpoint 1 (checkpoint 2 is pending)");
  EXPECT_EQ(coord.statistics().history.front().num_acknowledged_subtasks, 0);

  coord.abort_pending("stop", now());
  EXPECT_EQ(only<ignored_event>(ack(0, 2)).reason, "late message for checkpoint 2, which is no longer pending");
}

TEST_F(checkpoint_coordinator_test, ack_for_an_unknown_id_is_ignored) {
  coord.trigger(1, now());
  EXPECT_EQ(only<ignored_event>(ack(0, 9)).reason, "unknown checkpoint 9 (never triggered)");
  EXPECT_EQ(only<ignored_event>(coord.completed(9, "/x", now())).reason, "unknown checkpoint 9 (never triggered)");
}

TEST_F(checkpoint_coordinator_test, duplicate_out_of_range_and_negative_acks_are_ignored) {
  coord.trigger(1, now());
  EXPECT_TRUE(ack(0, 1).empty());
  EXPECT_EQ(only<ignored_event>(ack(0, 1)).reason, "duplicate acknowledgement for checkpoint 1");
  EXPECT_EQ(only<ignored_event>(ack(3, 1)).reason, "acknowledgement from subtask 3 out of range 0..2");
  EXPECT_EQ(only<ignored_event>(ack(-1, 1)).reason, "acknowledgement from subtask -1 out of range 0..2");
  EXPECT_EQ(only<ignored_event>(ack(1, 1, -5)).reason, "acknowledgement with negative state size -5");
  EXPECT_EQ(coord.statistics().history.front().num_acknowledged_subtasks, 1);
  EXPECT_TRUE(ack(1, 1).empty());
  only<store_checkpoint>(ack(2, 1));
  EXPECT_EQ(only<ignored_event>(ack(2, 1)).reason, "duplicate acknowledgement for checkpoint 1");
}

TEST_F(checkpoint_coordinator_test, decline_aborts_the_checkpoint) {
  coord.trigger(1, now());
  ack(0, 1);
  clock.advance(250ms);
  const auto& abort = only<send_abort>(coord.decline(1, 1, "disk full", now()));
  EXPECT_EQ(abort.checkpoint_id, 1);
  EXPECT_EQ(abort.reason, "declined by subtask 1: disk full");
  EXPECT_TRUE(coord.can_trigger());
  EXPECT_EQ(only<ignored_event>(ack(2, 1)).reason, "late message for checkpoint 1, which is no longer pending");

  const auto& stats = coord.statistics();
  EXPECT_EQ(stats.counts.failed, 1);
  EXPECT_EQ(stats.counts.in_progress, 0);
  ASSERT_TRUE(stats.latest_failed.has_value());
  EXPECT_EQ(stats.latest_failed->status, checkpoint_status::failed);
  EXPECT_EQ(stats.latest_failed->failure_message, "declined by subtask 1: disk full");
  EXPECT_EQ(stats.latest_failed->failure_timestamp, clock.wall_millis());
  EXPECT_EQ(stats.latest_failed->end_to_end_duration, 250);
  EXPECT_EQ(stats.latest_failed->num_acknowledged_subtasks, 1);
  EXPECT_FALSE(stats.latest_completed.has_value());

  only<send_trigger>(coord.trigger(2, now()));
}

TEST_F(checkpoint_coordinator_test, a_failed_store_aborts_and_a_late_completion_is_ignored) {
  run_to_store(4);
  const auto& abort = only<send_abort>(coord.fail(4, "HA store: not the current leader", now()));
  EXPECT_EQ(abort.checkpoint_id, 4);
  EXPECT_EQ(abort.reason, "HA store: not the current leader");
  only<ignored_event>(coord.completed(4, "/x", now()));
  EXPECT_EQ(coord.latest_completed_id(), 0);
  EXPECT_EQ(coord.statistics().counts.failed, 1);
  EXPECT_EQ(coord.statistics().counts.completed, 0);
}

TEST_F(checkpoint_coordinator_test, completion_before_all_acks_is_ignored) {
  coord.trigger(1, now());
  ack(0, 1);
  EXPECT_EQ(only<ignored_event>(coord.completed(1, "/x", now())).reason,
            "completion reported for checkpoint 1 before every subtask acknowledged");
  EXPECT_EQ(coord.pending_id(), std::optional<std::int64_t>(1));
}

TEST_F(checkpoint_coordinator_test, times_out_while_waiting_for_acks) {
  const auto start = clock.now();
  coord.trigger(1, now());
  ack(0, 1);
  EXPECT_EQ(coord.deadline(), std::optional<clock::time_point>(start + 10000ms));
  clock.advance(9999ms);
  EXPECT_TRUE(coord.timeout(now()).empty());
  clock.advance(1ms);
  const auto& abort = only<send_abort>(coord.timeout(now()));
  EXPECT_EQ(abort.reason, "checkpoint 1 expired before completing (timeout 10000 ms, 1 of 3 subtasks acknowledged)");
  EXPECT_TRUE(coord.can_trigger());
  EXPECT_FALSE(coord.deadline().has_value());
  EXPECT_TRUE(coord.timeout(now()).empty());
  EXPECT_EQ(coord.statistics().latest_failed->end_to_end_duration, 10000);
}

TEST_F(checkpoint_coordinator_test, no_timeout_once_every_ack_is_in) {
  run_to_store(1);
  EXPECT_FALSE(coord.deadline().has_value());
  clock.advance(1h);
  EXPECT_TRUE(coord.timeout(now()).empty());
  only<send_notify_complete>(coord.completed(1, "/ha/1", now()));
}

TEST_F(checkpoint_coordinator_test, one_pending_at_a_time_and_ids_increase) {
  coord.trigger(5, now());
  EXPECT_EQ(only<ignored_event>(coord.trigger(6, now())).reason,
            "cannot trigger checkpoint 6: checkpoint 5 is still pending (one at a time)");
  EXPECT_EQ(coord.pending_id(), std::optional<std::int64_t>(5));
  EXPECT_EQ(coord.statistics().counts.total, 1);
  coord.abort_pending("job failing", now());
  EXPECT_EQ(only<ignored_event>(coord.trigger(5, now())).reason,
            "cannot trigger checkpoint 5: ids must increase (latest is 5)");
  EXPECT_EQ(only<ignored_event>(coord.trigger(0, now())).reason,
            "cannot trigger checkpoint 0: ids must increase (latest is 5)");
  only<send_trigger>(coord.trigger(8, now()));  // ids may skip (the HA counter is shared by attempts)
}

TEST_F(checkpoint_coordinator_test, abort_pending_fails_only_what_is_pending) {
  EXPECT_TRUE(coord.abort_pending("suspended", now()).empty());
  coord.trigger(1, now());
  const auto& abort = only<send_abort>(coord.abort_pending("job suspended", now()));
  EXPECT_EQ(abort.checkpoint_id, 1);
  EXPECT_EQ(coord.statistics().latest_failed->failure_message, "job suspended");
}

TEST_F(checkpoint_coordinator_test, restore_is_recorded_and_old_ids_stay_old) {
  const std::int64_t t = clock.wall_millis();
  EXPECT_TRUE(coord.restored(12, "/ha/checkpoints/j/0000000000000000012", now()).empty());
  const auto& stats = coord.statistics();
  EXPECT_EQ(stats.counts.restored, 1);
  ASSERT_TRUE(stats.latest_restored.has_value());
  EXPECT_EQ(stats.latest_restored->id, 12);
  EXPECT_EQ(stats.latest_restored->restore_timestamp, t);
  EXPECT_EQ(stats.latest_restored->external_path, "/ha/checkpoints/j/0000000000000000012");
  EXPECT_EQ(coord.latest_completed_id(), 12);
  only<ignored_event>(coord.trigger(12, now()));
  only<send_trigger>(coord.trigger(13, now()));

  // A restore while a checkpoint is pending (the job restarted) aborts it.
  const auto& abort = only<send_abort>(coord.restored(12, "/ha/12", now()));
  EXPECT_EQ(abort.checkpoint_id, 13);
  EXPECT_EQ(abort.reason, "job restored from checkpoint 12");
  EXPECT_EQ(stats.counts.restored, 2);
  EXPECT_EQ(coord.latest_completed_id(), 12);
  only<ignored_event>(ack(0, 13));
}

TEST_F(checkpoint_coordinator_test, history_keeps_the_ten_newest_first) {
  for (std::int64_t id = 1; id <= 12; ++id) {
    if (id % 4 == 0) {
      coord.trigger(id, now());
      coord.decline(0, id, "no", now());
    } else {
      run_to_completion(id);
    }
    clock.advance(1s);
  }
  coord.trigger(13, now());
  const auto& stats = coord.statistics();
  ASSERT_EQ(stats.history.size(), 10u);
  EXPECT_EQ(stats.history.front().id, 13);
  EXPECT_EQ(stats.history.front().status, checkpoint_status::in_progress);
  EXPECT_EQ(stats.history.back().id, 4);
  EXPECT_EQ(stats.history[1].id, 12);
  EXPECT_EQ(stats.history[1].status, checkpoint_status::failed);
  EXPECT_EQ(stats.history[2].status, checkpoint_status::completed);
  EXPECT_EQ(stats.counts.total, 13);
  EXPECT_EQ(stats.counts.completed, 9);
  EXPECT_EQ(stats.counts.failed, 3);
  EXPECT_EQ(stats.counts.in_progress, 1);
  EXPECT_EQ(stats.latest_completed->id, 11);
  EXPECT_EQ(stats.latest_failed->id, 12);
  EXPECT_EQ(stats.state_size.count(), 9);
  EXPECT_EQ(stats.state_size.min(), 30);
}

TEST_F(checkpoint_coordinator_test, parallelism_one_completes_on_the_first_ack) {
  checkpoint_coordinator single(the_job, {1, 1000ms, 10});
  single.trigger(1, now());
  auto actions = single.acknowledge(0, 1, "/h", 1, now());
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<store_checkpoint>(actions[0]));
}

TEST(stats_summary, min_max_avg_and_quantiles) {
  stats_summary s(4);
  EXPECT_EQ(s.count(), 0);
  EXPECT_EQ(s.min(), 0);
  EXPECT_DOUBLE_EQ(s.quantile(0.5), 0);
  for (std::int64_t v : {100, 10, 20, 30, 40}) s.add(v);
  EXPECT_EQ(s.count(), 5);
  EXPECT_EQ(s.min(), 10);
  EXPECT_EQ(s.max(), 100);
  EXPECT_EQ(s.avg(), 40);
  // Quantiles cover the 4 most recent values: 10, 20, 30, 40.
  EXPECT_DOUBLE_EQ(s.quantile(0), 10);
  EXPECT_DOUBLE_EQ(s.quantile(0.5), 25);
  EXPECT_DOUBLE_EQ(s.quantile(1), 40);
  EXPECT_DOUBLE_EQ(s.quantile(2), 40);
  EXPECT_STREQ(to_string(checkpoint_status::in_progress), "IN_PROGRESS");
  EXPECT_STREQ(to_string(checkpoint_status::completed), "COMPLETED");
  EXPECT_STREQ(to_string(checkpoint_status::failed), "FAILED");
}

TEST_F(checkpoint_coordinator_test, adopted_subtasks_go_on_from_the_latest_completed_checkpoint) {
  coord.adopted(7);
  EXPECT_EQ(coord.latest_completed_id(), 7);
  EXPECT_TRUE(coord.can_trigger());
  EXPECT_FALSE(coord.statistics().latest_restored.has_value()) << "nothing was restored";
  EXPECT_EQ(coord.statistics().counts.restored, 0);
  // An acknowledgement of a checkpoint the old leader triggered and never completed is ignored.
  only<ignored_event>(ack(0, 7));
  run_to_completion(9);
  EXPECT_EQ(coord.latest_completed_id(), 9);
}

}  // namespace
}  // namespace regent::job
