// What only the `filesystem` backend has: its on-disk layout, and bad files in the election's
// folder (corrupt epoch, corrupt leader info, a lock file removed by hand).

#include <gtest/gtest.h>

#include <fstream>

#include "backends.hpp"
#include "regent/ha/errc.hpp"
#include "regent/harness/child_process.hpp"

namespace regent::contract {
namespace {

namespace fs = std::filesystem;

class filesystem_backend_test : public ::testing::Test {
 protected:
  harness::temp_dir dir_{"filesystem-backend"};
  filesystem_backend backend_{dir_.path()};
  fs::path cluster_ = backend_.cluster_dir();
};

TEST_F(filesystem_backend_test, stores_follow_the_design_layout) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = backend_.make_services();
  ASSERT_TRUE(ha->election().start(l).ok());
  auto token = l.next_grant();
  ASSERT_TRUE(token);
  auto job = test_job(0xabc);
  ASSERT_TRUE(ha->job_graphs().put(*token, job, "g").ok());
  ASSERT_TRUE(ha->checkpoints().add(*token, job, 12, "c").ok());
  ASSERT_TRUE(ha->blobs().put(*token, job, "libx.so", "b").ok());
  ASSERT_TRUE(ha->job_results().create_dirty(*token, {job, "SUCCEEDED", 1, std::nullopt, "n", 1, 2}).ok());
  EXPECT_TRUE(fs::exists(cluster_ / "jobgraphs" / job.str()));
  EXPECT_TRUE(fs::exists(cluster_ / "checkpoints" / job.str() / "0000000000000000012"));
  EXPECT_TRUE(fs::exists(cluster_ / "blob" / ("job_" + job.str()) / "libx.so"));
  EXPECT_TRUE(fs::exists(dir_.path() / "ha" / "job-result-store" / "contract" / (job.str() + "_DIRTY.json")));
  EXPECT_TRUE(fs::exists(cluster_ / "leader" / "epoch"));
}

TEST_F(filesystem_backend_test, a_corrupt_epoch_file_is_an_error_naming_it_not_a_grant) {
  fs::create_directories(cluster_ / "leader");
  std::ofstream(cluster_ / "leader" / "epoch") << "garbage that is no payload";
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = backend_.make_services();
  ASSERT_TRUE(ha->election().start(l).ok());
  auto e = l.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, 'E');
  EXPECT_NE(e->message.find((cluster_ / "leader" / "epoch").string()), std::string::npos) << e->message;
  // The lock was given back: another contender gets the same error rather than hanging.
  recording_listener l2;  // outlives the services, whose threads call it
  auto other = backend_.make_services();
  ASSERT_TRUE(other->election().start(l2).ok());
  auto e2 = l2.next();
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->kind, 'E');
}

TEST_F(filesystem_backend_test, corrupt_leader_info_reads_as_no_leader_until_republished) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = backend_.make_services();
  ASSERT_TRUE(ha->election().start(l).ok());
  auto token = l.next_grant();
  ASSERT_TRUE(token);
  ha::leader_info info{"h:1", "http://h:2", *token, 3};
  ASSERT_TRUE(ha->election().publish(ha::component::dispatcher, info).ok());
  auto watcher = backend_.make_services();
  recording_retrieval_listener seen;
  auto retrieval = watcher->make_retrieval(ha::component::dispatcher);
  ASSERT_TRUE(retrieval->start(seen).ok());
  ASSERT_TRUE(seen.wait_until([&](auto& x) { return x && *x == info; }));
  {
    std::fstream f(cluster_ / "leader" / "dispatcher" / "connection_info",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-3, std::ios::end);
    f.write("XYZ", 3);
  }
  EXPECT_TRUE(seen.wait_until([](auto& x) { return !x.has_value(); }));
  ASSERT_TRUE(ha->election().publish(ha::component::dispatcher, info).ok());
  EXPECT_TRUE(seen.wait_until([&](auto& x) { return x && *x == info; }));
  retrieval->stop();
}

TEST_F(filesystem_backend_test, a_lock_file_removed_by_hand_revokes_and_contends_again) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = backend_.make_services();
  ASSERT_TRUE(ha->election().start(l).ok());
  auto first = l.next_grant();
  ASSERT_TRUE(first);
  fs::remove(cluster_ / "leader" / "lock");
  auto revoke = l.next();
  ASSERT_TRUE(revoke);
  EXPECT_EQ(revoke->kind, 'R');
  EXPECT_EQ(revoke->token, *first);
  EXPECT_EQ(ha->job_graphs().put(*first, test_job(1), "x").err().code, ha::errc::not_leader);
  auto second = l.next_grant();
  ASSERT_TRUE(second);
  EXPECT_GT(second->epoch, first->epoch);
}

}  // namespace
}  // namespace regent::contract
