// What the regent CLI prints: durations, aligned tables, the live progress line, leaders.

#include "regent/programs/cli_format.hpp"

#include <gtest/gtest.h>

namespace regent::programs {
namespace {

TEST(cli_format, durations_read_at_a_glance) {
  EXPECT_EQ(format_duration(-1), "-");
  EXPECT_EQ(format_duration(850), "850ms");
  EXPECT_EQ(format_duration(12'400), "12s");
  EXPECT_EQ(format_duration(184'000), "3m04s");
  EXPECT_EQ(format_duration(7'500'000), "2h05m");
  EXPECT_EQ(format_duration(273'600'000), "3d04h");
}

TEST(cli_format, a_table_aligns_every_column_to_its_widest_cell) {
  auto t = format_table({{"JOB ID", "STATE", "NAME"}, {"abc", "RUNNING", "count"}, {"abcdef", "FINISHED", "x"}});
  EXPECT_EQ(t,
            "JOB ID  STATE     NAME\n"
            "abc     RUNNING   count\n"
            "abcdef  FINISHED  x\n");
}

/// Job j1 RUNNING for 12 s with 7 checkpoints under the leader http://h:8081 of epoch 3.
run_progress a_running_job() {
  run_progress p;
  p.job_id = "j1";
  p.state = "RUNNING";
  p.duration_ms = 12'000;
  p.checkpoints = 7;
  p.leader = "http://h:8081";
  p.epoch = 3;
  return p;
}

TEST(cli_format, the_progress_line_shows_state_checkpoints_restarts_and_leader) {
  auto p = a_running_job();
  EXPECT_EQ(progress_line(p), "job j1: RUNNING 12s · 7 checkpoints · leader http://h:8081 (epoch 3)");
  p.restarts = 1;
  p.checkpoints = 1;
  p.leader.clear();
  EXPECT_EQ(progress_line(p), "job j1: RUNNING 12s · 1 checkpoint · 1 restart · no leader known");
}

TEST(cli_format, the_progress_line_shows_records_written_per_second_once_measured) {
  auto p = a_running_job();
  p.records_per_second = 4000;
  EXPECT_EQ(progress_line(p), "job j1: RUNNING 12s · 4.0k records/s · 7 checkpoints · leader http://h:8081 (epoch 3)");
  p.records_per_second = 850.4;
  EXPECT_EQ(progress_line(p), "job j1: RUNNING 12s · 850 records/s · 7 checkpoints · leader http://h:8081 (epoch 3)");
  EXPECT_EQ(format_rate(12'345'678), "12.3M");
}

TEST(cli_format, the_record_rate_spans_the_answers_of_its_window) {
  record_rate r(5000);
  EXPECT_FALSE(r.per_second());
  r.add(1000, -1);  // no checkpoint completed yet: unknown, ignored
  r.add(1000, 0);
  EXPECT_FALSE(r.per_second()) << "one answer is no rate";
  r.add(2000, 0);
  EXPECT_EQ(*r.per_second(), 0.0);
  r.add(3000, 4000);
  EXPECT_EQ(*r.per_second(), 2000.0);  // 4000 records over 2 s
  r.add(8000, 24000);
  EXPECT_EQ(*r.per_second(), 4000.0);  // from 3000 (the newest answer older than the window): 20000 over 5 s
  r.add(9000, 100);                    // a new leader that knows less: start over
  EXPECT_FALSE(r.per_second());
  r.add(10000, 600);
  EXPECT_EQ(*r.per_second(), 500.0);
}

TEST(cli_format, a_leader_line_names_url_rpc_epoch_and_session) {
  EXPECT_EQ(leader_line("http://h:1", "h:2", 5, "s-1"), "leader http://h:1 (rpc h:2) epoch 5 session s-1");
  EXPECT_EQ(leader_line("", "", 0, ""), "no leader known");
}

}  // namespace
}  // namespace regent::programs
