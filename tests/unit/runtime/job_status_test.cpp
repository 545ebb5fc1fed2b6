#include "regent/runtime/job/job_status.hpp"

#include <gtest/gtest.h>

#include "regent/runtime/errc.hpp"

namespace regent::job {
namespace {

using S = job_status;

TEST(job_status, names_are_flinks_and_parse_back) {
  const std::vector<std::string> names = {"INITIALIZING", "CREATED",    "RUNNING",    "FAILING",
                                          "FAILED",       "CANCELLING", "CANCELED",   "FINISHED",
                                          "RESTARTING",   "SUSPENDED",  "RECONCILING"};
  ASSERT_EQ(all_job_statuses().size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(to_string(all_job_statuses()[i]), names[i]);
    EXPECT_EQ(parse_job_status(names[i]), all_job_statuses()[i]);
  }
  EXPECT_FALSE(parse_job_status("running").has_value());
  EXPECT_FALSE(parse_job_status("CANCELING").has_value());  // ExecutionState's spelling, not JobStatus's
  EXPECT_FALSE(parse_job_status("").has_value());
}

TEST(job_status, globally_terminal_are_finished_canceled_failed) {
  for (S s : all_job_statuses()) {
    bool expected = s == S::finished || s == S::canceled || s == S::failed;
    EXPECT_EQ(globally_terminal(s), expected) << to_string(s);
    EXPECT_EQ(locally_terminal(s), expected || s == S::suspended) << to_string(s);
  }
}

TEST(job_status, application_status_for_the_job_result_store) {
  EXPECT_EQ(application_status_of(S::finished), application_status::succeeded);
  EXPECT_EQ(application_status_of(S::canceled), application_status::canceled);
  EXPECT_EQ(application_status_of(S::failed), application_status::failed);
  EXPECT_EQ(application_status_of(S::running), application_status::unknown);
  EXPECT_EQ(application_status_of(S::suspended), application_status::unknown);
  EXPECT_STREQ(to_string(application_status::succeeded), "SUCCEEDED");
  EXPECT_STREQ(to_string(application_status::unknown), "UNKNOWN");
  for (auto a : {application_status::succeeded, application_status::failed, application_status::canceled,
                 application_status::unknown})
    EXPECT_EQ(parse_application_status(to_string(a)), a);
  EXPECT_FALSE(parse_application_status("FINISHED").has_value());
}

TEST(job_status, terminal_statuses_have_no_way_out) {
  for (S from : {S::finished, S::canceled, S::failed, S::suspended})
    for (S to : all_job_statuses()) EXPECT_FALSE(transition_allowed(from, to)) << to_string(from);
  for (S s : all_job_statuses()) EXPECT_FALSE(transition_allowed(s, s)) << to_string(s);
}

TEST(job_status, every_live_status_can_be_suspended_and_reach_a_terminal_status) {
  for (S s : all_job_statuses()) {
    if (locally_terminal(s)) continue;
    EXPECT_TRUE(transition_allowed(s, S::suspended)) << to_string(s);
    EXPECT_TRUE(transition_allowed(s, S::failed) || transition_allowed(s, S::canceled)) << to_string(s);
  }
}

TEST(job_status, cancel_goes_through_cancelling_once_tasks_run) {
  EXPECT_FALSE(transition_allowed(S::running, S::canceled));
  EXPECT_TRUE(transition_allowed(S::running, S::cancelling));
  EXPECT_TRUE(transition_allowed(S::cancelling, S::canceled));
  EXPECT_TRUE(transition_allowed(S::created, S::canceled));
  EXPECT_FALSE(transition_allowed(S::cancelling, S::running));
  EXPECT_FALSE(transition_allowed(S::created, S::finished));
}

TEST(job_status_machine, records_a_lifecycle_with_timestamps) {
  job_status_machine m(S::initializing, 1000);
  EXPECT_EQ(m.current(), S::initializing);
  EXPECT_EQ(m.start_time(), 1000);
  EXPECT_EQ(m.timestamp(S::initializing), 1000);
  ASSERT_TRUE(m.transition(S::created, 1010).ok());
  ASSERT_TRUE(m.transition(S::running, 1020).ok());
  EXPECT_FALSE(m.end_time().has_value());
  EXPECT_EQ(m.duration(1500), 500);
  ASSERT_TRUE(m.transition(S::finished, 2000).ok());
  EXPECT_EQ(m.current(), S::finished);
  EXPECT_EQ(m.timestamp(S::created), 1010);
  EXPECT_EQ(m.timestamp(S::running), 1020);
  EXPECT_EQ(m.timestamp(S::finished), 2000);
  EXPECT_EQ(m.timestamp(S::failed), 0);
  EXPECT_EQ(m.end_time(), std::optional<std::int64_t>(2000));
  EXPECT_EQ(m.last_modification(), 2000);
  EXPECT_EQ(m.duration(99999), 1000);
  EXPECT_EQ(m.timestamps()[static_cast<std::size_t>(S::running)], 1020);
}

TEST(job_status_machine, restart_cycle_keeps_the_latest_timestamp) {
  job_status_machine m(S::created, 0);
  ASSERT_TRUE(m.transition(S::running, 10).ok());
  ASSERT_TRUE(m.transition(S::restarting, 20).ok());
  ASSERT_TRUE(m.transition(S::running, 30).ok());
  ASSERT_TRUE(m.transition(S::failing, 40).ok());
  ASSERT_TRUE(m.transition(S::failed, 50).ok());
  EXPECT_EQ(m.timestamp(S::running), 30);
  EXPECT_EQ(m.timestamp(S::restarting), 20);
  EXPECT_EQ(m.end_time(), std::optional<std::int64_t>(50));
}

TEST(job_status_machine, counts_its_restarts) {
  job_status_machine m(S::created, 0);
  EXPECT_EQ(m.restarts(), 0);
  ASSERT_TRUE(m.transition(S::running, 10).ok());
  ASSERT_TRUE(m.transition(S::restarting, 20).ok());
  ASSERT_TRUE(m.transition(S::running, 30).ok());
  ASSERT_TRUE(m.transition(S::restarting, 40).ok());
  EXPECT_EQ(m.restarts(), 2);
  EXPECT_FALSE(m.transition(S::finished, 50).ok() && m.transition(S::restarting, 60).ok());
  EXPECT_EQ(m.restarts(), 2);
}

TEST(job_status_machine, rejects_invalid_transitions_and_stays_put) {
  job_status_machine m(S::running, 5);
  ASSERT_TRUE(m.transition(S::finished, 10).ok());
  auto r = m.transition(S::running, 20);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, make_error_code(runtime_errc::invalid_transition));
  EXPECT_EQ(r.err().message, "job status cannot go from FINISHED to RUNNING (FINISHED is final)");
  EXPECT_EQ(m.current(), S::finished);
  EXPECT_EQ(m.timestamp(S::running), 5);
  EXPECT_EQ(m.last_modification(), 10);

  job_status_machine live(S::running, 0);
  auto same = live.transition(S::running, 1);
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.err().message, "job status cannot go from RUNNING to RUNNING");
}

TEST(job_status_machine, suspended_is_not_globally_terminal) {
  job_status_machine m(S::running, 0);
  ASSERT_TRUE(m.transition(S::suspended, 7).ok());
  EXPECT_FALSE(m.end_time().has_value());
  EXPECT_FALSE(m.transition(S::running, 8).ok());
}

}  // namespace
}  // namespace regent::job
