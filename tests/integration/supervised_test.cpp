// Supervised restarts, the seed's "YARN + ZooKeeper" mode: ONE jobmanager, run by a real
// supervisord from the shipped deploy/supervisord/regent.conf, killed with `kill -9` three times
// while jobs run. Each time supervisord restarts it, the restarted process recovers every job:
// it adopts the subtasks that kept running on the taskmanager (task-preserving failover, the
// default: checkpointing continues from the latest completed checkpoint, nothing restarts) or,
// in restart mode, restores every job from its latest completed checkpoint. In the end every
// file sink holds each record exactly once. On filesystem and on zookeeper HA (a real 3-server
// quorum), in both modes.

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <map>
#include <tuple>

#include "regent/harness/local_cluster.hpp"
#include "regent/harness/outside.hpp"
#include "regent/harness/supervisord.hpp"
#include "regent/harness/zk_quorum.hpp"

namespace regent {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
constexpr auto deadline = std::chrono::seconds(90);
constexpr long long records = 40000;  // per job: about 20 s at 2,000 records/s
constexpr int jobs = 3;

/// (backend, task-preserving)
class supervised_test : public ::testing::TestWithParam<std::tuple<std::string, bool>> {
 protected:
  harness::temp_dir dir_{"supervised"};
  std::unique_ptr<harness::zk_quorum> zk_;
  std::unique_ptr<harness::local_cluster> cluster_;
  std::unique_ptr<harness::supervisord> supervisord_;
  std::uint16_t rest_port_ = 0;

  void SetUp() override {
    std::string extra = std::string("jobmanager.failover.task-preserving: ") + (task_preserving() ? "true" : "false") + "\n";
    if (std::get<0>(GetParam()) == "zookeeper") {
      zk_ = std::make_unique<harness::zk_quorum>(dir_.path() / "zk");
      ASSERT_TRUE(zk_->start(60s)) << zk_->logs();
      extra += "high-availability.type: zookeeper\nhigh-availability.zookeeper.quorum: " + zk_->connect_string() +
              "\nhigh-availability.zookeeper.client.session-timeout: 1 s\n";
    }
    rest_port_ = harness::local_cluster::free_port();
    extra += "rest.port: " + std::to_string(rest_port_) +
             "\njobmanager.rpc.address: 127.0.0.1\ntaskmanager.numberOfTaskSlots: 8\n";
    cluster_ = std::make_unique<harness::local_cluster>(dir_.path() / "conf", extra);
    supervisord_ = std::make_unique<harness::supervisord>(
        dir_.path() / "supervisord", REGENT_SOURCE_DIR, fs::path(REGENT_SOURCE_DIR) / "deploy/supervisord/regent.conf",
        cluster_->dir());
  }

  void TearDown() override {
    if (HasFailure()) {
      dir_.keep();
      std::fprintf(stderr, "artefacts kept in %s\nstatus:\n%s\n%s\n", dir_.path().c_str(),
                   supervisord_ ? supervisord_->status().c_str() : "",
                   supervisord_ ? supervisord_->logs().c_str() : "");
    }
    if (supervisord_) supervisord_->stop();
  }

  std::string spec(int i) {
    return R"({"name":"supervised-)" + std::to_string(i) +
           R"(","parallelism":2,"source":{"type":"sequence","from":1,"to":)" + std::to_string(records) +
           R"(,"rate-per-second":2000},"operators":[{"type":"map","function":"identity"}],"sink":{"type":"file","path":")" +
           (dir_.path() / ("out" + std::to_string(i))).string() + R"("}})";
  }

  bool task_preserving() const { return std::get<1>(GetParam()); }

  std::uint64_t epoch() {
    auto l = harness::local_cluster::get(rest_port_, "/cluster/leader");
    return l.is_null() || l["leader"].is_null() ? 0 : l["leader"]["epoch"].get<std::uint64_t>();
  }

  struct job_view {
    std::string state;
    std::int64_t restored = 0;   ///< the id of the checkpoint it restored last (0: none)
    std::int64_t completed = 0;  ///< the id of its latest completed checkpoint (0: none)
  };
  job_view state_of(const std::string& id) {
    auto j = harness::local_cluster::get(rest_port_, "/jobs/" + id);
    auto c = harness::local_cluster::get(rest_port_, "/jobs/" + id + "/checkpoints");
    job_view v;
    v.state = j.is_null() ? "" : j.value("state", "");
    if (!c.is_null() && c["latest"]["restored"].is_object()) v.restored = c["latest"]["restored"].value("id", 0);
    if (!c.is_null() && c["latest"]["completed"].is_object()) v.completed = c["latest"]["completed"].value("id", 0);
    return v;
  }
};

TEST_P(supervised_test, a_single_jobmanager_killed_three_times_is_restarted_and_recovers_every_job_exactly_once) {
  auto first = supervisord_->wait_running("regent-jobmanager", 0, deadline);
  ASSERT_TRUE(first) << supervisord_->logs();
  ASSERT_TRUE(cluster_->wait_json(
      rest_port_, "/overview", [](const json& j) { return j.value("taskmanagers", 0) == 1; }, deadline));
  std::vector<std::string> ids;
  for (int i = 0; i < jobs; ++i) {
    ids.push_back(harness::local_cluster::submit(rest_port_, spec(i)));
    ASSERT_FALSE(ids.back().empty());
  }

  pid_t pid = *first;
  for (int kill = 1; kill <= 3; ++kill) {
    // Every job runs and has a completed checkpoint to come back to.
    for (auto& id : ids)
      ASSERT_TRUE(cluster_->wait_json(
          rest_port_, "/jobs/" + id + "/checkpoints",
          [](const json& j) { return j["latest"]["completed"].is_object(); }, deadline))
          << "job " << id << " before kill " << kill;
    for (auto& id : ids) ASSERT_EQ(state_of(id).state, "RUNNING") << "job " << id << " before kill " << kill;
    const auto epoch_before = epoch();
    std::map<std::string, job_view> before;
    for (auto& id : ids) before[id] = state_of(id);

    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    ASSERT_TRUE(harness::wait_pid_exited(pid, deadline));
    auto restarted = supervisord_->wait_running("regent-jobmanager", pid, deadline);
    ASSERT_TRUE(restarted) << "supervisord did not restart the jobmanager after kill " << kill;
    pid = *restarted;
    // The restarted process leads with a new epoch and every job runs again: adopted, its
    // checkpoints going on above the latest one before the kill and nothing restored; or, in
    // restart mode, restored from a checkpoint (a newer restore than before this kill).
    ASSERT_TRUE(cluster_->wait_json(
        rest_port_, "/cluster/leader",
        [&](const json& j) {
          return !j["leader"].is_null() && j["leader"]["epoch"].get<std::uint64_t>() > epoch_before;
        },
        deadline))
        << "kill " << kill;
    for (auto& id : ids) {
      ASSERT_TRUE(cluster_->wait_json(
          rest_port_, "/jobs/" + id, [](const json& j) { return j["state"] == "RUNNING"; }, deadline))
          << "job " << id << " after kill " << kill;
      if (task_preserving()) {
        const auto last = before[id].completed;
        EXPECT_TRUE(cluster_->wait_json(
            rest_port_, "/jobs/" + id + "/checkpoints",
            [&](const json& j) {
              return j["latest"]["completed"].is_object() && j["latest"]["completed"].value("id", 0) > last;
            },
            deadline))
            << "job " << id << " after kill " << kill << ": no checkpoint above " << last;
        EXPECT_EQ(state_of(id).restored, before[id].restored)
            << "job " << id << " after kill " << kill << " was restarted instead of adopted";
      } else {
        EXPECT_GT(state_of(id).restored, before[id].restored)
            << "job " << id << " after kill " << kill << " restored no checkpoint";
      }
    }
  }

  for (auto& id : ids)
    ASSERT_TRUE(cluster_->wait_json(
        rest_port_, "/jobs/" + id, [](const json& j) { return j["state"] == "FINISHED"; }, deadline * 2))
        << "job " << id;
  for (int i = 0; i < jobs; ++i) {
    auto committed = harness::committed_records(dir_.path() / ("out" + std::to_string(i)));
    EXPECT_EQ(committed.size(), static_cast<std::size_t>(records)) << "job " << i << ": records missing";
    for (auto& [v, files] : committed) {
      EXPECT_EQ(files.size(), 1u) << "job " << i << ": record " << v << " committed " << files.size() << " times";
      if (files.size() != 1) break;
    }
    EXPECT_EQ(committed.begin()->first, 1);
    EXPECT_EQ(committed.rbegin()->first, records);
  }
  EXPECT_NE(supervisord_->status().find("RUNNING"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(ha, supervised_test,
                         ::testing::Combine(::testing::Values("filesystem", "zookeeper"), ::testing::Bool()),
                         [](const auto& info) {
                           return std::get<0>(info.param) +
                                  (std::get<1>(info.param) ? "_adopting" : "_in_restart_mode");
                         });

}  // namespace
}  // namespace regent
