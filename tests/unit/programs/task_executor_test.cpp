// The taskmanager's core as a library, in process: the test plays the leader retrieval (it
// calls on_leader_change itself) and the leader (fake_leader, a test double of a jobmanager's
// RPC endpoint), and sends the leader's commands to the executor's own RPC server.

#include <gtest/gtest.h>

#include <algorithm>

#include "fake_leader.hpp"
#include "regent/programs/task_executor.hpp"
#include "regent/rpc/client.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/runtime/errc_category.hpp"
#include "test_dir.hpp"
#include "test_fence.hpp"

namespace regent::programs {
namespace {

using kind = rpc::subtask_event::kind;
using test::fake_leader;
using test::test_token;

const std::string job = "0123456789abcdef0123456789abcdef";

class task_executor_test : public ::testing::Test {
 protected:
  void SetUp() override { start_executor(true, std::chrono::seconds(60)); }
  void start_executor(bool task_preserving, std::chrono::milliseconds grace) {
    if (executor_) TearDown();
    task_executor_options o;
    o.task_preserving = task_preserving;
    o.grace = grace;
    o.taskmanager_id = "tm-under-test";
    o.slots = 3;
    o.heartbeat_interval = std::chrono::milliseconds(50);
    o.checkpoints_dir = dir_.path() / "checkpoints";
    o.tmp_dir = dir_.path() / "tmp";
    executor_ = task_executor::start(o).value();
    rpc::client_options c;
    c.port = static_cast<std::uint16_t>(std::stoi(executor_->address().substr(executor_->address().rfind(':') + 1)));
    tm_ = std::make_unique<rpc::client>(c);
  }
  void TearDown() override {
    tm_->close();
    executor_->stop();
  }

  /// Tells the executor that `leader` leads (as its leader retrieval would).
  void follow(const fake_leader& leader) {
    executor_->on_leader_change(ha::leader_info{leader.address(), "", leader.token(), 0});
  }

  /// Sends `method` to the executor as the holder of `token` would.
  result<rpc::envelope> command(const char* method, const fencing_token& token, std::string payload) {
    auto r = tm_->request(rpc::make_request(method, token, std::move(payload)), std::chrono::seconds(10));
    return r ? rpc::to_result(std::move(r).value()) : r;
  }

  /// Deploys subtask `index` of a job that runs far longer than any test.
  result<rpc::envelope> deploy(const fake_leader& leader, std::uint64_t attempt, int index, int parallelism) {
    auto spec = R"({"name":"slow","parallelism":)" + std::to_string(parallelism) + R"(,"job-id":")" + job +
                R"(","source":{"type":"sequence","from":1,"to":1000000000,"rate-per-second":10},)"
                R"("sink":{"type":"discard"}})";
    rpc::deploy d{{job, attempt, index}, parallelism, spec, "", ""};
    return command(rpc::method::tm_deploy, leader.token(), rpc::encode(d));
  }

  static int events(const fake_leader::records& r, kind what) {
    return static_cast<int>(
        std::count_if(r.events.begin(), r.events.end(), [&](const rpc::subtask_event& e) { return e.what == what; }));
  }

  test::test_dir dir_;
  std::unique_ptr<task_executor> executor_;
  std::unique_ptr<rpc::client> tm_;
};

TEST_F(task_executor_test, registers_with_the_leader_it_is_told_of_and_heartbeats) {
  fake_leader leader(test_token(3));
  follow(leader);
  ASSERT_TRUE(leader.wait([](auto& r) { return !r.registrations.empty() && r.heartbeats >= 2; }));
  auto reg = leader.snapshot().registrations.front();
  EXPECT_EQ(reg.taskmanager_id, "tm-under-test");
  EXPECT_EQ(reg.address, executor_->address());
  EXPECT_EQ(reg.slots, 3);
  EXPECT_EQ(leader.snapshot().rejected, 0) << "every request carried the leader's token";
}

TEST_F(task_executor_test, runs_deployed_subtasks_and_acknowledges_a_checkpoint_of_its_leader_only) {
  fake_leader leader(test_token(3));
  follow(leader);
  ASSERT_TRUE(leader.wait([](auto& r) { return !r.registrations.empty(); }));
  ASSERT_TRUE(deploy(leader, 1, 0, 2).ok());
  ASSERT_TRUE(deploy(leader, 1, 1, 2).ok());
  ASSERT_TRUE(command(rpc::method::tm_trigger, leader.token(), rpc::encode(rpc::checkpoint_command{job, 1, 1})).ok());
  ASSERT_TRUE(leader.wait([](auto& r) { return events(r, kind::ack) == 2; })) << "both subtasks acknowledge";
  for (auto& e : leader.snapshot().events) EXPECT_EQ(e.checkpoint_id, 1u);

  auto stranger = command(rpc::method::tm_trigger, test_token(2), rpc::encode(rpc::checkpoint_command{job, 1, 2}));
  ASSERT_FALSE(stranger.ok()) << "a command of another leadership is refused";
  EXPECT_TRUE(same_code(stranger.err().code, make_error_code(rpc::errc::fencing_mismatch))) << stranger.err().message;
}

TEST_F(task_executor_test, a_new_leader_takes_over_the_running_subtasks_and_the_old_one_is_fenced_off) {
  fake_leader first(test_token(3));
  follow(first);
  ASSERT_TRUE(first.wait([](auto& r) { return !r.registrations.empty(); }));
  ASSERT_TRUE(deploy(first, 7, 0, 2).ok());
  ASSERT_TRUE(deploy(first, 7, 1, 2).ok());
  ASSERT_TRUE(command(rpc::method::tm_trigger, first.token(), rpc::encode(rpc::checkpoint_command{job, 7, 1})).ok());
  ASSERT_TRUE(first.wait([](auto& r) { return events(r, kind::ack) == 2; }));
  ASSERT_TRUE(command(rpc::method::tm_notify, first.token(), rpc::encode(rpc::checkpoint_command{job, 7, 1})).ok());

  fake_leader second(test_token(4));
  follow(second);
  ASSERT_TRUE(second.wait([](auto& r) { return !r.registrations.empty(); }));
  auto reg = second.snapshot().registrations.front();
  ASSERT_EQ(reg.running.size(), 2u) << "the registration reports what runs";
  for (const auto& r : reg.running) {
    EXPECT_EQ(r.subtask.job_id, job);
    EXPECT_EQ(r.subtask.attempt, 7u) << "the attempt survives";
    EXPECT_EQ(r.parallelism, 2);
    EXPECT_EQ(r.deployed_epoch, 3u);
    EXPECT_EQ(r.last_acknowledged, 1u);
    EXPECT_EQ(r.last_committed, 1u);
    EXPECT_EQ(r.what, rpc::running_subtask::state::running);
  }
  auto old = command(rpc::method::tm_trigger, first.token(), rpc::encode(rpc::checkpoint_command{job, 7, 2}));
  EXPECT_FALSE(old.ok()) << "the deposed leader is fenced off";
  ASSERT_TRUE(command(rpc::method::tm_trigger, second.token(), rpc::encode(rpc::checkpoint_command{job, 7, 3})).ok())
      << "the new leader commands the same attempt";
  ASSERT_TRUE(second.wait([](auto& r) { return events(r, kind::ack) == 2; })) << "acks go to the new leader";
  for (auto& e : second.snapshot().events) EXPECT_EQ(e.checkpoint_id, 3u);
  EXPECT_EQ(events(first.snapshot(), kind::ack), 2) << "the old leader got nothing more";
}

TEST_F(task_executor_test, with_no_leader_past_the_grace_period_the_subtasks_are_cancelled_here) {
  start_executor(true, std::chrono::milliseconds(100));
  fake_leader first(test_token(3));
  follow(first);
  ASSERT_TRUE(first.wait([](auto& r) { return !r.registrations.empty(); }));
  ASSERT_TRUE(deploy(first, 7, 0, 1).ok());
  executor_->on_leader_change(std::nullopt);
  ASSERT_TRUE(first.wait([](auto& r) { return events(r, kind::cancelled) == 1; }))
      << "the subtask is cancelled once the grace period is over";
  fake_leader second(test_token(4));
  follow(second);
  ASSERT_TRUE(second.wait([](auto& r) { return !r.registrations.empty(); }));
  EXPECT_TRUE(second.snapshot().registrations.front().running.empty()) << "nothing runs any more";
}

TEST_F(task_executor_test, a_published_leader_that_fails_every_heartbeat_past_the_grace_period_loses_the_subtasks) {
  start_executor(true, std::chrono::milliseconds(300));
  fake_leader first(test_token(3));
  follow(first);
  ASSERT_TRUE(first.wait([](auto& r) { return !r.registrations.empty(); }));
  ASSERT_TRUE(deploy(first, 7, 0, 1).ok());
  first.fail_heartbeats();  // no leader change is ever announced
  ASSERT_TRUE(first.wait([](auto& r) { return events(r, kind::cancelled) == 1; }))
      << "the grace period counts from the last working contact, not from a leader change";
}

TEST_F(task_executor_test, heartbeats_that_work_keep_the_subtasks_past_the_grace_period) {
  start_executor(true, std::chrono::milliseconds(300));
  fake_leader first(test_token(3));
  follow(first);
  ASSERT_TRUE(first.wait([](auto& r) { return !r.registrations.empty(); }));
  ASSERT_TRUE(deploy(first, 7, 0, 1).ok());
  // 30 heartbeats every 100 ms (the fake leader's interval): ten grace periods.
  ASSERT_TRUE(first.wait([](auto& r) { return r.heartbeats >= 30; }));
  EXPECT_EQ(events(first.snapshot(), kind::cancelled), 0);
}

TEST_F(task_executor_test, without_task_preserving_a_new_leader_cancels_what_the_old_one_deployed) {
  start_executor(false, std::chrono::seconds(60));
  fake_leader first(test_token(3));
  follow(first);
  ASSERT_TRUE(first.wait([](auto& r) { return !r.registrations.empty(); }));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(deploy(first, 1, i, 3).ok()) << "subtask " << i;
  auto full = deploy(first, 2, 0, 1);
  ASSERT_FALSE(full.ok()) << "all 3 slots are taken";

  fake_leader second(test_token(4));
  follow(second);
  ASSERT_TRUE(second.wait([](auto& r) { return !r.registrations.empty(); }));
  EXPECT_EQ(second.snapshot().registrations.front().accepted, second.token())
      << "the registration names the leadership it accepted";
  auto old = command(rpc::method::tm_trigger, first.token(), rpc::encode(rpc::checkpoint_command{job, 1, 1}));
  EXPECT_FALSE(old.ok()) << "the deposed leader is fenced off";
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(deploy(second, 5, i, 3).ok()) << "subtask " << i << ": the old leader's subtasks freed their slots";
}

TEST_F(task_executor_test, a_leader_with_an_older_epoch_gets_only_a_registration_that_refuses_it) {
  fake_leader newer(test_token(5));
  follow(newer);
  ASSERT_TRUE(newer.wait([](auto& r) { return !r.registrations.empty(); }));

  fake_leader older(test_token(4));
  follow(older);
  ASSERT_TRUE(older.wait([](auto& r) { return !r.registrations.empty(); }));
  EXPECT_EQ(older.snapshot().registrations.front().accepted, newer.token())
      << "it learns that a higher epoch was accepted (and steps down)";
  auto refused = deploy(older, 1, 0, 1);
  ASSERT_FALSE(refused.ok()) << "an older epoch's commands are rejected";
}

}  // namespace
}  // namespace regent::programs
