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

TEST(cli_format, the_progress_line_shows_state_checkpoints_restarts_and_leader) {
  run_progress p;
  p.job_id = "j1";
  p.state = "RUNNING";
  p.duration_ms = 12'000;
  p.checkpoints = 7;
  p.leader = "http://h:8081";
  p.epoch = 3;
  EXPECT_EQ(progress_line(p), "job j1: RUNNING 12s · 7 checkpoints · leader http://h:8081 (epoch 3)");
  p.restarts = 1;
  p.checkpoints = 1;
  p.leader.clear();
  EXPECT_EQ(progress_line(p), "job j1: RUNNING 12s · 1 checkpoint · 1 restart · no leader known");
}

TEST(cli_format, a_leader_line_names_url_rpc_epoch_and_session) {
  EXPECT_EQ(leader_line("http://h:1", "h:2", 5, "s-1"), "leader http://h:1 (rpc h:2) epoch 5 session s-1");
  EXPECT_EQ(leader_line("", "", 0, ""), "no leader known");
}

}  // namespace
}  // namespace regent::programs
