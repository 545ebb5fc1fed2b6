// Finished jobs survive a failover: with Flink's default job-result-store.delete-on-commit, a job
// that finished before the leader died is still answered by the next leader — FINISHED, with its
// checkpoints and its result — from jobmanager.archive.fs.dir; jobstore.max-capacity keeps the
// newest. Two jobmanagers and a taskmanager on filesystem HA.

#include <gtest/gtest.h>

#include <csignal>

#include "regent/harness/local_cluster.hpp"

namespace regent {
namespace {

using json = nlohmann::json;
constexpr auto deadline = std::chrono::seconds(60);

class archive_test : public ::testing::Test {
 protected:
  harness::temp_dir dir_{"archive"};
  std::unique_ptr<harness::local_cluster> cluster_;
  std::uint16_t leader_ = 0, standby_ = 0;

  void TearDown() override {
    if (HasFailure() && cluster_) std::fprintf(stderr, "%s\n", cluster_->logs().c_str());
  }

  void start(const std::string& extra = "") {
    cluster_ = std::make_unique<harness::local_cluster>(dir_.path() / "cluster", extra);
    auto a = cluster_->start_jobmanager();
    auto b = cluster_->start_jobmanager();
    ASSERT_NE(a, 0);
    ASSERT_NE(b, 0);
    cluster_->start_taskmanager();
    ASSERT_TRUE(cluster_->wait_json(b, "/cluster/leader", [](const json& j) { return !j["leader"].is_null(); }));
    leader_ = harness::local_cluster::leader_port(b);
    standby_ = leader_ == a ? b : a;
  }

  /// Runs a short job to FINISHED and waits until its HA cleanup is done (its JobResultStore
  /// entry deleted, as Flink's default delete-on-commit does).
  std::string finished_job(const std::string& name) {
    auto id = harness::local_cluster::submit(
        leader_, R"({"name":")" + name +
                     R"(","parallelism":2,"source":{"type":"sequence","from":1,"to":3000,"rate-per-second":3000},)"
                     R"("sink":{"type":"file","path":")" +
                     (dir_.path() / name).string() + R"("}})");
    EXPECT_FALSE(id.empty());
    EXPECT_TRUE(cluster_->wait_json(leader_, "/jobs/" + id, [](const json& j) { return j["state"] == "FINISHED"; }));
    EXPECT_TRUE(cluster_->wait_json(leader_, "/cluster/ha/dirty", [](const json& j) { return j["dirty"].empty(); }));
    return id;
  }

  void kill_leader() {
    cluster_->process_of(leader_).signal(SIGKILL);
    ASSERT_TRUE(cluster_->wait_json(standby_, "/cluster/leader", [](const json& j) {
      return !j["leader"].is_null() && j["this"]["role"] == "leader";
    }));
  }
};

TEST_F(archive_test, a_job_finished_before_the_leader_died_is_still_answered_with_its_checkpoints) {
  start();
  ASSERT_FALSE(HasFailure());
  auto id = finished_job("count");
  const auto checkpoints_before = harness::local_cluster::get(leader_, "/jobs/" + id + "/checkpoints");
  ASSERT_GT(checkpoints_before["counts"]["completed"].get<int>(), 0) << checkpoints_before.dump();
  kill_leader();

  // The new leader answers once it has recovered (503 until then): wait for each answer.
  EXPECT_TRUE(cluster_->wait_json(standby_, "/jobs/" + id, [](const json& j) { return j["state"] == "FINISHED"; }));
  EXPECT_TRUE(cluster_->wait_json(standby_, "/jobs/" + id + "/checkpoints", [&](const json& j) {
    return j["counts"] == checkpoints_before["counts"] &&
           j["latest"]["completed"]["id"] == checkpoints_before["latest"]["completed"]["id"];
  })) << checkpoints_before.dump();
  EXPECT_TRUE(cluster_->wait_json(standby_, "/jobs/" + id + "/execution-result", [](const json& j) {
    return j["status"]["id"] == "COMPLETED" && j["job-execution-result"]["application-status"] == "SUCCEEDED";
  }));
  EXPECT_TRUE(
      cluster_->wait_json(standby_, "/jobs/" + id + "/exceptions", [](const json& j) { return j.is_object(); }));
  EXPECT_TRUE(cluster_->wait_json(standby_, "/jobs/overview", [&](const json& j) {
    for (auto& row : j["jobs"])
      if (row["jid"] == id && row["state"] == "FINISHED") return true;
    return false;
  }));
  EXPECT_TRUE(cluster_->wait_json(standby_, "/jobs", [&](const json& j) {
    for (auto& row : j["jobs"])
      if (row["id"] == id && row["status"] == "FINISHED") return true;
    return false;
  }));
}

TEST_F(archive_test, past_jobstore_max_capacity_only_the_newest_finished_jobs_are_answered) {
  start("jobstore.max-capacity: 1\n");
  ASSERT_FALSE(HasFailure());
  auto older = finished_job("older");
  auto newer = finished_job("newer");
  kill_leader();
  EXPECT_TRUE(cluster_->wait_json(standby_, "/jobs/" + newer, [](const json& j) { return j["state"] == "FINISHED"; }));
  EXPECT_EQ(harness::local_cluster::call(standby_, "GET", "/jobs/" + older).status, 404);
}

}  // namespace
}  // namespace regent
