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
  void SetUp() override {
    task_executor_options o;
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

TEST_F(task_executor_test, a_new_leader_cancels_what_the_old_one_deployed_and_gets_a_registration) {
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
