// The `jobmanager` binary as users run it: two processes on one storage dir with the
// embedded `filesystem` HA show one leader and one standby; the standby takes over when the
// leader is killed (SIGKILL) or stopped (SIGTERM); configuration errors exit with code 2.

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <regex>

#include "regent/harness/child_process.hpp"

namespace regent {
namespace {

namespace fs = std::filesystem;
constexpr auto deadline = std::chrono::seconds(20);

bool has(const std::string& line, const std::string& what) { return line.find(what) != std::string::npos; }

/// The epoch in a "granted leadership epoch=N session=..." line.
std::uint64_t epoch_of(const std::string& line) {
  std::smatch m;
  std::regex re("epoch=([0-9]+) session=([0-9a-f-]{36})");
  if (!std::regex_search(line, m, re)) return 0;
  return std::stoull(m[1]);
}

class jobmanager_test : public ::testing::Test {
 protected:
  harness::temp_dir dir_{"jobmanager"};
  std::vector<std::unique_ptr<harness::child_process>> jms_;

  void SetUp() override {
    std::ofstream(dir_.path() / "config.yaml") << "high-availability:\n"
                                               << "  type: filesystem\n"
                                               << "  storageDir: " << (dir_.path() / "ha").string() << "\n"
                                               << "env.log.dir: " << (dir_.path() / "log").string() << "\n";
  }

  void TearDown() override {
    if (HasFailure())
      for (auto& jm : jms_) std::fprintf(stderr, "---- %s ----\n%s\n", jm->log_file().c_str(), jm->log_text().c_str());
  }

  harness::child_process& start(int n, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{(harness::bin_dir() / "jobmanager").string(), "--config-dir", dir_.path().string(),
                                  "-D", "rest.port=0"};  // a free port: tests run side by side
    argv.insert(argv.end(), extra.begin(), extra.end());
    jms_.push_back(
        std::make_unique<harness::child_process>(argv, dir_.path() / ("jm" + std::to_string(n) + ".out"), true));
    return *jms_.back();
  }

  /// Waits until one of `among` logs "leader ready" (after line `from[k]` of `among[k]`);
  /// returns its index in jms_.
  int wait_leader(const std::vector<int>& among, const std::vector<std::size_t>& from) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until)
      for (std::size_t k = 0; k < among.size(); ++k)
        if (jms_[among[k]]->wait_for_line([](auto& l) { return has(l, "leader ready"); }, std::chrono::milliseconds(10),
                                          from.at(k)))
          return among[k];
    return -1;
  }
};

TEST_F(jobmanager_test, one_leads_one_stands_by_and_the_standby_takes_over_after_kill_9) {
  start(0);
  start(1);
  int leader = wait_leader({0, 1}, {0, 0});
  ASSERT_GE(leader, 0) << "no jobmanager became leader";
  int standby = 1 - leader;
  ASSERT_TRUE(jms_[standby]->wait_for_line([](auto& l) { return has(l, "jobmanager starting"); }, deadline));
  EXPECT_FALSE(
      jms_[standby]->wait_for_line([](auto& l) { return has(l, "granted leadership"); }, std::chrono::milliseconds(0)))
      << "both jobmanagers lead";
  auto granted = jms_[leader]->wait_for_line([](auto& l) { return has(l, "granted leadership"); }, deadline);
  ASSERT_TRUE(granted);
  auto first_epoch = epoch_of(*granted);
  EXPECT_GT(first_epoch, 0u) << *granted;

  auto from = jms_[standby]->line_count();
  jms_[leader]->signal(SIGKILL);
  ASSERT_TRUE(jms_[leader]->wait_exit(deadline));
  auto taken = jms_[standby]->wait_for_line([](auto& l) { return has(l, "granted leadership"); }, deadline, from);
  ASSERT_TRUE(taken) << "the standby did not take over";
  EXPECT_GT(epoch_of(*taken), first_epoch);
  EXPECT_TRUE(jms_[standby]->wait_for_line([](auto& l) { return has(l, "leader ready"); }, deadline, from));
}

TEST_F(jobmanager_test, sigterm_steps_down_cleanly_and_hands_over) {
  start(0);
  int leader = wait_leader({0}, {0});
  ASSERT_EQ(leader, 0);
  start(1);
  ASSERT_TRUE(jms_[1]->wait_for_line([](auto& l) { return has(l, "jobmanager starting"); }, deadline));
  jms_[0]->signal(SIGTERM);
  EXPECT_EQ(jms_[0]->wait_exit(deadline), std::optional<int>(0)) << "a clean stop exits with 0";
  EXPECT_TRUE(jms_[0]->wait_for_line([](auto& l) { return has(l, "stepping down from leadership epoch="); }, deadline));
  EXPECT_GE(wait_leader({1}, {0}), 1) << "the standby did not take over after SIGTERM";
  jms_[1]->signal(SIGTERM);
  EXPECT_EQ(jms_[1]->wait_exit(deadline), std::optional<int>(0));
}

TEST_F(jobmanager_test, a_configuration_error_names_the_key_and_file_and_exits_2) {
  std::ofstream(dir_.path() / "config.yaml") << "high-availability:\n  type: zookeper\n";
  auto& jm = start(0);
  EXPECT_EQ(jm.wait_exit(deadline), std::optional<int>(2));
  auto line = jm.wait_for_line([](auto& l) { return has(l, "high-availability.type"); }, deadline);
  ASSERT_TRUE(line) << jm.log_text();
  EXPECT_TRUE(has(*line, "config.yaml")) << *line;
}

TEST_F(jobmanager_test, a_bad_override_is_a_usage_error_with_exit_2) {
  auto& jm = start(0, {"-D", "heartbeat.interval=soon"});
  EXPECT_EQ(jm.wait_exit(deadline), std::optional<int>(2));
  EXPECT_TRUE(jm.wait_for_line([](auto& l) { return has(l, "heartbeat.interval"); }, deadline)) << jm.log_text();
}

}  // namespace
}  // namespace regent
