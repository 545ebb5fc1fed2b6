// The election contract across real processes: several `regent_ha_contender` processes over
// one backend; the leader is killed with SIGKILL, stopped, and asked to write after it lost
// leadership.

#include <gtest/gtest.h>

#include <csignal>
#include <sstream>

#include "backends.hpp"
#include "contenders.hpp"
#include "regent/harness/child_process.hpp"

namespace regent::contract {
namespace {

/// Parses "GRANTED <epoch> <session>".
fencing_token parse_grant(const std::string& line) {
  std::istringstream in(line);
  std::string word;
  fencing_token t;
  in >> word >> t.epoch >> t.session_id;
  return t;
}

template <class Backend>
class process_contract : public ::testing::Test {
 protected:
  harness::temp_dir dir_{std::string("process-contract-") + Backend::name};
  Backend backend_{dir_.path()};
  contenders<Backend> contenders_{backend_, dir_.path()};
  std::vector<std::unique_ptr<harness::child_process>>& procs_ = contenders_.procs();

  harness::child_process& spawn(int i) { return contenders_.spawn(i); }

  /// Waits until one of the live processes (other than `except`) reports a grant after
  /// `from[i]` lines; returns its index and token.
  std::pair<int, fencing_token> wait_for_leader(const std::vector<std::size_t>& from, int except = -1) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      for (std::size_t i = 0; i < procs_.size(); ++i) {
        if (static_cast<int>(i) == except) continue;
        if (auto l = procs_[i]->wait_for_prefix("GRANTED", std::chrono::milliseconds(10), from[i]))
          return {static_cast<int>(i), parse_grant(*l)};
      }
    }
    std::string logs;
    for (auto& p : procs_) logs += p->log_text();
    ADD_FAILURE() << "no process was granted before the deadline\n" << logs;
    return {-1, {}};
  }

  std::vector<std::size_t> line_counts() {
    std::vector<std::size_t> out;
    for (auto& p : procs_) out.push_back(p->line_count());
    return out;
  }

  std::string ask(harness::child_process& p, const std::string& cmd) { return contenders<Backend>::ask(p, cmd); }
};

using multi_process_backends = ::testing::Types<filesystem_backend, zookeeper_backend, kubernetes_backend>;
TYPED_TEST_SUITE(process_contract, multi_process_backends, backend_names);

TYPED_TEST(process_contract, kill_9_of_the_leader_hands_leadership_to_another_process) {
  for (int i = 0; i < 3; ++i) this->spawn(i);
  auto watcher = this->backend_.make_services();
  recording_retrieval_listener seen;
  auto retrieval = watcher->make_retrieval(ha::component::dispatcher);
  ASSERT_TRUE(retrieval->start(seen).ok());

  auto [first, token1] = this->wait_for_leader({0, 0, 0});
  ASSERT_GE(first, 0);
  EXPECT_EQ(this->ask(*this->procs_[first], "publish"), "OK");
  ASSERT_TRUE(seen.wait_until([&, t = token1](auto& l) { return l && l->token == t; }));
  for (std::size_t i = 0; i < 3; ++i)
    if (static_cast<int>(i) != first) {
      EXPECT_FALSE(this->procs_[i]->wait_for_prefix("GRANTED", std::chrono::milliseconds(0)))
          << "two processes lead at once";
    }
  EXPECT_EQ(this->ask(*this->procs_[first], "next-id 0000000000000000000000000000000a"), "ID 1");
  EXPECT_EQ(this->ask(*this->procs_[first], "next-id 0000000000000000000000000000000a"), "ID 2");

  auto before = this->line_counts();
  this->procs_[first]->signal(SIGKILL);
  ASSERT_TRUE(this->procs_[first]->wait_exit(deadline));
  auto [second, token2] = this->wait_for_leader(before, first);
  ASSERT_GE(second, 0);
  EXPECT_GT(token2.epoch, token1.epoch);
  EXPECT_EQ(this->ask(*this->procs_[second], "publish"), "OK");
  EXPECT_TRUE(seen.wait_until([&, t = token2](auto& l) { return l && l->token == t; }))
      << "retrieval did not report the new leader";
  EXPECT_EQ(this->ask(*this->procs_[second], "next-id 0000000000000000000000000000000a"), "ID 3")
      << "the checkpoint counter went backwards across the failover";
  retrieval->stop();
}

TYPED_TEST(process_contract, a_process_that_lost_leadership_cannot_write) {
  for (int i = 0; i < 2; ++i) this->spawn(i);
  auto [first, token1] = this->wait_for_leader({0, 0});
  ASSERT_GE(first, 0);
  auto& old_leader = *this->procs_[first];
  auto& other = *this->procs_[1 - first];
  const std::string job = "000000000000000000000000000000bb";
  EXPECT_EQ(this->ask(old_leader, "put-graph " + job + " v1"), "OK");
  auto before = this->line_counts();
  EXPECT_EQ(this->ask(old_leader, "stop-election"), "STOPPED");
  auto [second, token2] = this->wait_for_leader(before, first);
  ASSERT_EQ(second, 1 - first);
  EXPECT_GT(token2.epoch, token1.epoch);
  EXPECT_EQ(this->ask(other, "put-graph " + job + " v2"), "OK");
  auto answer = this->ask(old_leader, "put-graph " + job + " stale");
  EXPECT_EQ(answer.rfind("REJECTED", 0), 0u) << answer;
  EXPECT_EQ(this->ask(other, "get-graph " + job), "GRAPH v2");
  EXPECT_EQ(this->ask(old_leader, "get-graph " + job), "GRAPH v2");
}

}  // namespace
}  // namespace regent::contract
