// The cluster's RPC messages: REST questions are typed on the wire, and a payload that is not
// the message it claims to be is a clear error, never a default value.

#include <gtest/gtest.h>

#include "regent/rpc/cluster_protocol.hpp"
#include "regent/rpc/errc.hpp"

namespace regent::rpc {
namespace {

TEST(cluster_protocol, every_question_round_trips_with_its_job) {
  for (auto q : {question::overview, question::jobs, question::job, question::checkpoints, question::exceptions,
                 question::result, question::taskmanagers, question::metrics, question::dirty}) {
    auto back = decode_query(encode(query{q, "0123456789abcdef0123456789abcdef"}));
    ASSERT_TRUE(back.ok()) << back.err().message;
    EXPECT_EQ(back->what, q);
    EXPECT_EQ(back->job_id, "0123456789abcdef0123456789abcdef");
  }
}

TEST(cluster_protocol, a_query_without_a_known_question_is_malformed) {
  auto empty = decode_query("");  // every field at its default: no question
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.err().code, errc::malformed_frame);
  EXPECT_NE(empty.err().message.find("Query"), std::string::npos) << empty.err().message;
  // Field 3 (the question) = 99, a number no Question has.
  auto unknown = decode_query(std::string("\x18\x63", 2));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.err().code, errc::malformed_frame);
}

TEST(cluster_protocol, the_per_job_questions_are_the_ones_about_one_job) {
  EXPECT_TRUE(about_one_job(question::job));
  EXPECT_TRUE(about_one_job(question::checkpoints));
  EXPECT_TRUE(about_one_job(question::exceptions));
  EXPECT_TRUE(about_one_job(question::result));
  EXPECT_FALSE(about_one_job(question::jobs));
  EXPECT_FALSE(about_one_job(question::overview));
  EXPECT_FALSE(about_one_job(question::dirty));
}

TEST(cluster_protocol, a_registration_carries_every_running_subtask) {
  register_taskmanager m{"tm-1", "127.0.0.1:7000", 4, fencing_token{7, "s"}, {}};
  m.running.push_back({{"0123456789abcdef0123456789abcdef", 42, 1}, 2, 6, 9, 8, running_subtask::state::ended, ""});
  m.running.push_back(
      {{"fedcba9876543210fedcba9876543210", 43, 0}, 1, 6, 0, 0, running_subtask::state::failed, "boom"});
  auto back = decode_register_taskmanager(encode(m));
  ASSERT_TRUE(back.ok()) << back.err().message;
  EXPECT_EQ(back->accepted, m.accepted);
  ASSERT_EQ(back->running.size(), 2u);
  const auto& r = back->running[0];
  EXPECT_EQ(r.subtask.job_id, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(r.subtask.attempt, 42u);
  EXPECT_EQ(r.subtask.index, 1);
  EXPECT_EQ(r.parallelism, 2);
  EXPECT_EQ(r.deployed_epoch, 6u);
  EXPECT_EQ(r.last_acknowledged, 9u);
  EXPECT_EQ(r.last_committed, 8u);
  EXPECT_EQ(r.what, running_subtask::state::ended);
  EXPECT_EQ(back->running[1].what, running_subtask::state::failed);
  EXPECT_EQ(back->running[1].message, "boom");
}

TEST(cluster_protocol, a_checkpoint_ack_carries_its_snapshot_and_the_records_written_before_it) {
  subtask_event e;
  e.subtask = {"0123456789abcdef0123456789abcdef", 7, 1};
  e.what = subtask_event::kind::ack;
  e.checkpoint_id = 4;
  e.handle = "/chk-4/subtask-1";
  e.state_size = 200;
  e.records = 123456;
  e.taskmanager_id = "tm";
  auto back = decode_subtask_event(encode(e));
  ASSERT_TRUE(back.ok()) << back.err().message;
  EXPECT_EQ(back->checkpoint_id, 4u);
  EXPECT_EQ(back->handle, "/chk-4/subtask-1");
  EXPECT_EQ(back->state_size, 200u);
  EXPECT_EQ(back->records, 123456u);
  EXPECT_EQ(back->subtask.attempt, 7u);
}

TEST(cluster_protocol, garbage_is_malformed_and_names_the_message) {
  const std::string garbage("\xff\xff\xff\xff", 4);
  auto d = decode_deploy(garbage);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.err().code, errc::malformed_frame);
  EXPECT_NE(d.err().message.find("Deploy"), std::string::npos) << d.err().message;
  EXPECT_FALSE(decode_subtask_event(garbage).ok());
  EXPECT_FALSE(decode_submit_job(garbage).ok());
  EXPECT_FALSE(decode_register_taskmanager(garbage).ok());
}

}  // namespace
}  // namespace regent::rpc
