// What only the `zookeeper` backend has, against the real quorum: its ZooKeeper layout and
// payload files, a job's HA data leaving nothing behind once removed, and bad input planted in
// the tree (foreign nodes, garbage data) reported as errors naming the znode, never a crash.

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>

#include "backends.hpp"
#include "regent/ha/errc.hpp"
#include "regent/harness/child_process.hpp"
#include "regent/harness/zk_client.hpp"

namespace regent::contract {
namespace {

namespace fs = std::filesystem;

bool mentions(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

/// Payload files in `dir` whose name starts with `prefix`.
std::vector<std::string> files_with_prefix(const fs::path& dir, const std::string& prefix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path().filename().string());
  return out;
}

/// A test double of the file system: the real one (posix_file_io), with a count of the job
/// graph payload files read through it.
class graph_read_counting_io final : public ha::storage::file_io {
 public:
  int graph_reads() const { return graph_reads_; }

  result<void> write_atomic(const fs::path& file, std::string_view bytes, bool no_replace) override {
    return real_.write_atomic(file, bytes, no_replace);
  }
  result<std::string> read(const fs::path& file) const override {
    if (file.parent_path().filename() == "jobgraphs") ++graph_reads_;
    return real_.read(file);
  }
  result<void> remove(const fs::path& file) override { return real_.remove(file); }
  result<void> remove_all(const fs::path& dir) override { return real_.remove_all(dir); }
  result<void> rename(const fs::path& from, const fs::path& to, bool no_replace) override {
    return real_.rename(from, to, no_replace);
  }
  result<std::vector<std::string>> list(const fs::path& dir) const override { return real_.list(dir); }
  bool exists(const fs::path& path) const override { return real_.exists(path); }

 private:
  ha::storage::file_io& real_ = ha::storage::posix_file_io();
  mutable std::atomic<int> graph_reads_{0};
};

class zookeeper_backend_test : public ::testing::Test {
 protected:
  harness::temp_dir dir_{"zookeeper-backend"};
  zookeeper_backend backend_{dir_.path()};
  std::string ns_ = backend_.ns();
  fs::path cluster_ = backend_.cluster_dir();
  harness::zk_client zk_{backend_.quorum()};

  void SetUp() override { ASSERT_TRUE(zk_.wait_connected(deadline)); }

  fencing_token lead(ha::ha_services& ha, recording_listener& l) {
    EXPECT_TRUE(ha.election().start(l).ok());
    auto token = l.next_grant();
    EXPECT_TRUE(token.has_value()) << "no grant before the deadline";
    return token.value_or(fencing_token{});
  }

  /// Reads through the leader until `read` reports corruption or the deadline passes, and
  /// returns the last answer. A leader's reads do not `sync` (its own writes are ordered before
  /// them, and every writer is a leader), so the server it reads from may apply a write of
  /// another client — this test's, planting garbage — a moment after that client saw it done.
  template <class Read>
  static auto once_corrupt(Read read) {
    auto until = std::chrono::steady_clock::now() + deadline;
    auto r = read();
    while ((r.ok() || r.err().code != ha::errc::corrupt) && std::chrono::steady_clock::now() < until) r = read();
    return r;
  }
};

TEST_F(zookeeper_backend_test, stores_follow_the_design_layout_with_pointers_to_payload_files) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = backend_.make_services();
  auto token = lead(*ha, l);
  auto job = test_job(0xabc);
  ASSERT_TRUE(ha->job_graphs().put(token, job, "g1").ok());
  ASSERT_TRUE(ha->checkpoints().add(token, job, 12, "c").ok());
  ASSERT_TRUE(ha->checkpoint_ids().next(token, job).ok());
  ASSERT_TRUE(ha->blobs().put(token, job, "libx.so", "b").ok());
  ASSERT_TRUE(ha->election().publish(ha::component::dispatcher, {"h:1", "http://h:2", token, 3}).ok());
  ASSERT_TRUE(ha->job_results().create_dirty(token, {job, "SUCCEEDED", 1, std::nullopt, "n", 1, 2}).ok());

  // One contender in the latch; the epoch is the token's.
  auto latch = zk_.children(ns_ + "/leader/latch");
  ASSERT_TRUE(latch);
  EXPECT_EQ(latch->size(), 1u);
  EXPECT_EQ(zk_.get(ns_ + "/leader/epoch"), std::to_string(token.epoch));
  auto owner = zk_.ephemeral_owner(ns_ + "/leader/dispatcher/connection_info");
  ASSERT_TRUE(owner);
  EXPECT_NE(*owner, 0) << "connection_info must be ephemeral";
  EXPECT_EQ(zk_.ephemeral_owner(ns_ + "/leader/latch/" + latch->front()), owner);

  // Pointers name payload files in the filesystem backend's folders.
  auto graph = zk_.get(ns_ + "/jobgraphs/" + job.str());
  ASSERT_TRUE(graph);
  EXPECT_EQ(graph->rfind(job.str() + ".", 0), 0u) << *graph;
  EXPECT_TRUE(fs::exists(cluster_ / "jobgraphs" / *graph));
  auto checkpoint = zk_.get(ns_ + "/jobs/" + job.str() + "/checkpoints/0000000000000000012");
  ASSERT_TRUE(checkpoint);
  EXPECT_TRUE(fs::exists(cluster_ / "checkpoints" / job.str() / *checkpoint));
  EXPECT_EQ(zk_.get(ns_ + "/jobs/" + job.str() + "/checkpoints"), checkpoint) << "the folder names the newest";
  EXPECT_EQ(zk_.get(ns_ + "/jobs/" + job.str() + "/checkpoint_id_counter"), "2");
  auto blob = zk_.get(ns_ + "/blobs/" + job.str() + "/libx.so");
  ASSERT_TRUE(blob);
  EXPECT_TRUE(fs::exists(cluster_ / "blob" / ("job_" + job.str()) / *blob));
  EXPECT_TRUE(fs::exists(backend_.job_result_dir() / (job.str() + "_DIRTY.json")));

  // A new version is a new file; the old one goes once the pointer moved.
  ASSERT_TRUE(ha->job_graphs().put(token, job, "g2").ok());
  auto graph2 = zk_.get(ns_ + "/jobgraphs/" + job.str());
  ASSERT_TRUE(graph2);
  EXPECT_NE(*graph2, *graph);
  EXPECT_EQ(files_with_prefix(cluster_ / "jobgraphs", job.str()), std::vector<std::string>{*graph2});
  EXPECT_EQ(*ha->job_graphs().get(job), "g2");
}

// `latest` reads the folder node, which names the newest checkpoint — but only trusts it when
// nothing changed the folder's children since the leader wrote it: a pointer removed (or
// added) by another client makes it list the pointers.
TEST_F(zookeeper_backend_test, latest_follows_the_pointers_when_someone_else_changed_them) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = backend_.make_services(/*retained=*/3);
  auto token = lead(*ha, l);
  auto job = test_job(0x1a7e);
  for (std::uint64_t id : {4, 7}) ASSERT_TRUE(ha->checkpoints().add(token, job, id, "chk " + std::to_string(id)).ok());
  auto latest = ha->checkpoints().latest_many({job});
  ASSERT_TRUE(latest[0].ok() && latest[0]->has_value());
  EXPECT_EQ((*latest[0])->id, 7u);
  // Another client drops the newest pointer; the folder still names it.
  ASSERT_TRUE(zk_.remove_tree(ns_ + "/jobs/" + job.str() + "/checkpoints/0000000000000000007"));
  auto until = std::chrono::steady_clock::now() + deadline;  // the leader's server may lag a moment
  auto one = ha->checkpoints().latest(job);
  while (one.ok() && one->has_value() && (*one)->id == 7 && std::chrono::steady_clock::now() < until)
    one = ha->checkpoints().latest(job);
  ASSERT_TRUE(one.ok() && one->has_value()) << (one.ok() ? "none" : one.err().message);
  EXPECT_EQ((*one)->id, 4u);
  EXPECT_EQ((*one)->bytes, "chk 4");
  latest = ha->checkpoints().latest_many({job});
  ASSERT_TRUE(latest[0].ok() && latest[0]->has_value());
  EXPECT_EQ((*latest[0])->id, 4u);
  // The next add names its checkpoint in the folder again.
  ASSERT_TRUE(ha->checkpoints().add(token, job, 9, "chk 9").ok());
  EXPECT_EQ((*ha->checkpoints().latest(job))->id, 9u);
}

// A standby that keeps its copy of the job graphs (what a jobmanager does while it waits)
// serves its recovery from that copy once it leads, without reading a payload file — and the
// copy never hides a change: graphs replaced and removed while it waited are recovered as the
// old leader left them, and a pointer another client removed is found missing.
TEST_F(zookeeper_backend_test, a_warm_standby_recovers_the_job_graphs_from_its_copy) {
  recording_listener la, lb;  // outlive the services, whose threads call them
  auto old_leader = backend_.make_services();
  auto token = lead(*old_leader, la);
  graph_read_counting_io io;
  auto o = backend_.options();
  o.file_io = &io;
  auto standby = backend_.make(o);
  standby->job_graphs().keep_warm();
  ASSERT_TRUE(standby->election().start(lb).ok());
  std::vector<job_id> jobs;
  std::vector<std::optional<std::string>> expected;  // nullopt: no graph
  for (int k = 0; k < 10; ++k) {
    jobs.push_back(test_job(0x6a0 + k));
    expected.push_back("graph " + std::to_string(k));
    ASSERT_TRUE(old_leader->job_graphs().put(token, jobs.back(), *expected.back()).ok());
  }
  // Reads the graphs through the standby until they come from its copy (refreshed on its own
  // thread) or the deadline passes; every answer must be right either way. Returns how many
  // payload files the last read opened.
  auto read_until_from_copy = [&] {
    auto until = std::chrono::steady_clock::now() + deadline;
    int reads = 0;
    do {
      const int before = io.graph_reads();
      auto got = standby->job_graphs().get_many(jobs);
      reads = io.graph_reads() - before;
      EXPECT_EQ(got.size(), jobs.size());
      for (std::size_t k = 0; k < jobs.size() && k < got.size(); ++k) {
        if (!expected[k]) {
          EXPECT_FALSE(got[k].ok()) << "job " << k;
          if (!got[k].ok()) {
            EXPECT_EQ(got[k].err().code, ha::errc::not_found) << got[k].err().message;
          }
        } else if (!got[k].ok()) {
          ADD_FAILURE() << "job " << k << ": " << got[k].err().message;
        } else {
          EXPECT_EQ(*got[k], *expected[k]) << "job " << k;
        }
      }
    } while (reads > 0 && !::testing::Test::HasFailure() && std::chrono::steady_clock::now() < until);
    return reads;
  };
  EXPECT_EQ(read_until_from_copy(), 0) << "the standby's reads opened the graphs' files, not its copy";

  // The old leader replaces one graph and removes another, then steps down.
  expected[0] = "graph 0, replaced";
  ASSERT_TRUE(old_leader->job_graphs().put(token, jobs[0], *expected[0]).ok());
  expected[9].reset();
  ASSERT_TRUE(old_leader->job_graphs().remove(token, jobs[9]).ok());
  old_leader->election().stop();
  ASSERT_TRUE(lb.next_grant().has_value()) << "the standby was not granted";
  EXPECT_EQ(read_until_from_copy(), 0) << "the new leader's recovery opened the graphs' files, not its copy";

  // Another client removes a pointer, which the copy still has: the copy is not used any more.
  ASSERT_TRUE(zk_.remove_tree(ns_ + "/jobgraphs/" + jobs[1].str()));
  expected[1].reset();
  auto until = std::chrono::steady_clock::now() + deadline;  // the leader's server may lag a moment
  auto got = standby->job_graphs().get_many(jobs);
  while (got[1].ok() && std::chrono::steady_clock::now() < until) got = standby->job_graphs().get_many(jobs);
  ASSERT_FALSE(got[1].ok()) << "the graph of a job whose pointer is gone was recovered";
  EXPECT_EQ(got[1].err().code, ha::errc::not_found);
  EXPECT_EQ(*got[2], "graph 2");
}

TEST_F(zookeeper_backend_test, removing_a_jobs_ha_data_leaves_no_node_and_no_payload_file) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = backend_.make_services(/*retained=*/2);
  auto token = lead(*ha, l);
  auto job = test_job(0x5eed);
  auto other = test_job(0x017);
  for (const auto& j : {job, other}) {
    ASSERT_TRUE(ha->job_graphs().put(token, j, "graph").ok());
    for (std::uint64_t id = 1; id <= 3; ++id) {
      ASSERT_TRUE(ha->checkpoint_ids().next(token, j).ok());
      ASSERT_TRUE(ha->checkpoints().add(token, j, id, "chk " + std::to_string(id)).ok());
    }
    ASSERT_TRUE(ha->blobs().put(token, j, "libudf.so", "ELF").ok());
    ASSERT_TRUE(ha->blobs().put(token, j, "data.bin", "bytes").ok());
  }
  // Leftovers of writes that died between payload and pointer: cleanup sweeps them too.
  std::ofstream(cluster_ / "jobgraphs" / (job.str() + ".0123456789ab")) << "orphan";
  std::ofstream(cluster_ / "checkpoints" / job.str() / "0000000000000000009.0123456789ab") << "orphan";

  ASSERT_TRUE(ha->job_graphs().remove(token, job).ok());
  ASSERT_TRUE(ha->checkpoints().remove_all(token, job).ok());
  ASSERT_TRUE(ha->checkpoint_ids().remove(token, job).ok());
  ASSERT_TRUE(ha->blobs().remove_job(token, job).ok());

  for (const auto& path : zk_.descendants(ns_)) EXPECT_FALSE(mentions(path, job.str())) << "left behind: " << path;
  EXPECT_TRUE(files_with_prefix(cluster_ / "jobgraphs", job.str()).empty());
  EXPECT_FALSE(fs::exists(cluster_ / "checkpoints" / job.str()));
  EXPECT_FALSE(fs::exists(cluster_ / "blob" / ("job_" + job.str())));
  // The other job is untouched.
  EXPECT_EQ(*ha->job_graphs().get(other), "graph");
  EXPECT_EQ(*ha->checkpoints().list(other), (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(*ha->checkpoint_ids().peek(other), 4u);
  EXPECT_EQ(ha->blobs().list(other)->size(), 2u);
  EXPECT_EQ(files_with_prefix(cluster_ / "checkpoints" / other.str(), "").size(), 2u) << "retained 2, one file each";
  // Removal stays idempotent.
  EXPECT_TRUE(ha->checkpoints().remove_all(token, job).ok());
  EXPECT_TRUE(ha->blobs().remove_job(token, job).ok());
  EXPECT_TRUE(ha->checkpoint_ids().remove(token, job).ok());
}

TEST_F(zookeeper_backend_test, with_the_creator_acl_a_client_without_the_credentials_can_read_or_change_nothing) {
  recording_listener l;  // outlives the services, whose threads call it
  auto o = backend_.options();
  o.creator_acl = true;
  o.digest = "regent:s3cret";
  auto ha = zookeeper_backend::make(o);
  auto token = lead(*ha, l);
  auto job = test_job(0xac1);
  ASSERT_TRUE(ha->job_graphs().put(token, job, "graph").ok());
  ASSERT_TRUE(ha->checkpoint_ids().next(token, job).ok());
  const auto node = ns_ + "/jobgraphs/" + job.str();

  // A foreign client (no credentials, the harness's own ZooKeeper client): it may learn that a
  // node exists (ZooKeeper checks no ACL for that), nothing more.
  ASSERT_TRUE(zk_.exists(node));
  EXPECT_EQ(zk_.get(node), std::nullopt) << "a job graph pointer read without credentials";
  EXPECT_EQ(zk_.children(ns_ + "/jobgraphs"), std::nullopt) << "the job graphs listed without credentials";
  EXPECT_EQ(zk_.children(ns_), std::nullopt) << "the cluster's folder listed without credentials";
  EXPECT_FALSE(zk_.set(node, "../elsewhere")) << "a job graph pointer changed without credentials";
  EXPECT_FALSE(zk_.create(ns_ + "/jobgraphs/" + test_job(0xbad).str(), "x")) << "a node planted without credentials";
  EXPECT_FALSE(zk_.remove_tree(ns_)) << "the cluster removed without credentials";
  EXPECT_TRUE(zk_.exists(ns_)) << "the cluster's nodes are still there";

  // Another process of the cluster (a standby, a taskmanager) with the same credentials reads
  // it; one with other credentials cannot.
  auto same = zookeeper_backend::make(o);
  auto read = same->job_graphs().get(job);
  ASSERT_TRUE(read.ok()) << read.err().message;
  EXPECT_EQ(*read, "graph");
  auto other = o;
  other.digest = "regent:wrong";
  auto wrong = zookeeper_backend::make(other);
  EXPECT_FALSE(wrong->job_graphs().get(job).ok()) << "read with the wrong password";
  auto own = ha->job_graphs().get(job);
  ASSERT_TRUE(own.ok()) << own.err().message;
  EXPECT_EQ(*own, "graph") << "the leader's own view is unchanged";
}

TEST_F(zookeeper_backend_test, the_creator_acl_without_credentials_is_an_error_naming_the_key) {
  auto o = backend_.options();
  o.creator_acl = true;
  auto r = ha::zookeeper::make_ha_services(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, ha::errc::invalid_argument);
  EXPECT_TRUE(mentions(r.err().message, "high-availability.zookeeper.client.digest")) << r.err().message;
}

TEST_F(zookeeper_backend_test, foreign_and_garbage_znodes_are_errors_naming_the_znode) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = backend_.make_services();
  auto token = lead(*ha, l);
  auto job = test_job(0xbad);
  ASSERT_TRUE(ha->job_graphs().put(token, job, "graph").ok());

  // A foreign child among the job graphs.
  ASSERT_TRUE(zk_.create(ns_ + "/jobgraphs/not-a-job-id", ""));
  auto ids = once_corrupt([&] { return ha->job_graphs().list(); });
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.err().code, ha::errc::corrupt);
  EXPECT_TRUE(mentions(ids.err().message, ns_ + "/jobgraphs/not-a-job-id")) << ids.err().message;
  ASSERT_TRUE(zk_.remove_tree(ns_ + "/jobgraphs/not-a-job-id"));

  // A pointer that tries to leave its folder.
  ASSERT_TRUE(zk_.set(ns_ + "/jobgraphs/" + job.str(), "../../../../etc/passwd"));
  auto graph = once_corrupt([&] { return ha->job_graphs().get(job); });
  ASSERT_FALSE(graph.ok());
  EXPECT_EQ(graph.err().code, ha::errc::corrupt);
  EXPECT_TRUE(mentions(graph.err().message, ns_ + "/jobgraphs/" + job.str())) << graph.err().message;

  // A pointer to a payload file that does not exist.
  ASSERT_TRUE(zk_.set(ns_ + "/jobgraphs/" + job.str(), job.str() + ".000000000000"));
  graph = once_corrupt([&] { return ha->job_graphs().get(job); });
  ASSERT_FALSE(graph.ok());
  EXPECT_EQ(graph.err().code, ha::errc::corrupt);
  EXPECT_TRUE(mentions(graph.err().message, ns_ + "/jobgraphs/" + job.str())) << graph.err().message;
  // The leader can still replace it.
  ASSERT_TRUE(ha->job_graphs().put(token, job, "graph again").ok());
  EXPECT_EQ(*ha->job_graphs().get(job), "graph again");

  // Garbage in the counter.
  ASSERT_TRUE(zk_.create(ns_ + "/jobs/" + job.str() + "/checkpoint_id_counter", "seven\x01"));
  auto peeked = once_corrupt([&] { return ha->checkpoint_ids().peek(job); });
  for (auto r : {peeked, ha->checkpoint_ids().next(token, job)}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.err().code, ha::errc::corrupt);
    EXPECT_TRUE(mentions(r.err().message, ns_ + "/jobs/" + job.str() + "/checkpoint_id_counter")) << r.err().message;
  }

  // A foreign child among a job's checkpoints.
  ASSERT_TRUE(zk_.create(ns_ + "/jobs/" + job.str() + "/checkpoints/latest", "x"));
  auto latest = once_corrupt([&] { return ha->checkpoints().latest(job); });
  ASSERT_FALSE(latest.ok());
  EXPECT_EQ(latest.err().code, ha::errc::corrupt);
  EXPECT_TRUE(mentions(latest.err().message, ns_ + "/jobs/" + job.str() + "/checkpoints/latest"))
      << latest.err().message;
  EXPECT_FALSE(ha->checkpoints().add(token, job, 1, "c").ok());

  // A foreign child among a job's blobs, and a blob pointer holding garbage.
  ASSERT_TRUE(zk_.create(ns_ + "/blobs/" + job.str() + "/not a key", ""));
  auto blobs = once_corrupt([&] { return ha->blobs().list(job); });
  ASSERT_FALSE(blobs.ok());
  EXPECT_EQ(blobs.err().code, ha::errc::corrupt);
  EXPECT_TRUE(mentions(blobs.err().message, ns_ + "/blobs/" + job.str() + "/not a key")) << blobs.err().message;
  ASSERT_TRUE(zk_.create(ns_ + "/blobs/" + job.str() + "/lib.so", std::string("\0\xff\x10", 3)));
  auto blob = once_corrupt([&] { return ha->blobs().get(job, "lib.so"); });
  ASSERT_FALSE(blob.ok());
  EXPECT_EQ(blob.err().code, ha::errc::corrupt);
  EXPECT_TRUE(mentions(blob.err().message, ns_ + "/blobs/" + job.str() + "/lib.so")) << blob.err().message;

  // Cleanup removes foreign nodes of the job too: nothing of it stays.
  ASSERT_TRUE(ha->job_graphs().remove(token, job).ok());
  ASSERT_TRUE(ha->checkpoints().remove_all(token, job).ok());
  ASSERT_TRUE(ha->checkpoint_ids().remove(token, job).ok()) << "a garbage counter can still be removed";
  ASSERT_TRUE(ha->blobs().remove_job(token, job).ok());
  for (const auto& path : zk_.descendants(ns_)) EXPECT_FALSE(mentions(path, job.str())) << "left behind: " << path;
}

TEST_F(zookeeper_backend_test, garbage_leader_info_reads_as_no_leader_until_republished) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = backend_.make_services();
  auto token = lead(*ha, l);
  ha::leader_info info{"h:1", "http://h:2", token, 3};
  ASSERT_TRUE(ha->election().publish(ha::component::dispatcher, info).ok());
  auto watcher = backend_.make_services();
  recording_retrieval_listener seen;
  auto retrieval = watcher->make_retrieval(ha::component::dispatcher);
  ASSERT_TRUE(retrieval->start(seen).ok());
  ASSERT_TRUE(seen.wait_until([&](auto& x) { return x && *x == info; }));
  ASSERT_TRUE(zk_.set(ns_ + "/leader/dispatcher/connection_info", "{not json"));
  EXPECT_TRUE(seen.wait_until([](auto& x) { return !x.has_value(); }));
  ASSERT_TRUE(ha->election().publish(ha::component::dispatcher, info).ok());
  EXPECT_TRUE(seen.wait_until([&](auto& x) { return x && *x == info; }));
  // Garbage in the epoch hides every leader info (no epoch to match it with).
  ASSERT_TRUE(zk_.set(ns_ + "/leader/epoch", "x"));
  EXPECT_TRUE(seen.wait_until([](auto& x) { return !x.has_value(); }));
  retrieval->stop();
}

TEST_F(zookeeper_backend_test, a_garbage_epoch_is_an_error_naming_it_not_a_grant) {
  ASSERT_TRUE(zk_.create(ns_ + "/leader/epoch", "garbage that is no number"));
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = backend_.make_services();
  ASSERT_TRUE(ha->election().start(l).ok());
  auto e = l.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, 'E');
  EXPECT_TRUE(mentions(e->message, ns_ + "/leader/epoch")) << e->message;
  // It left the latch: another contender gets the same error rather than waiting behind it.
  recording_listener l2;  // outlives the services, whose threads call it
  auto other = backend_.make_services();
  ASSERT_TRUE(other->election().start(l2).ok());
  auto e2 = l2.next();
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->kind, 'E');
  // Repaired, a contender is granted.
  ASSERT_TRUE(zk_.set(ns_ + "/leader/epoch", "41"));
  recording_listener l3;  // outlives the services, whose threads call it
  auto third = backend_.make_services();
  ASSERT_TRUE(third->election().start(l3).ok());
  auto granted = l3.next_grant();
  ASSERT_TRUE(granted);
  EXPECT_EQ(granted->epoch, 42u);
}

TEST_F(zookeeper_backend_test, a_foreign_latch_node_is_ignored_and_a_removed_own_node_revokes) {
  ASSERT_TRUE(zk_.create(ns_ + "/leader/latch/not-a-contender", ""));
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = backend_.make_services();
  auto first = lead(*ha, l);
  ASSERT_TRUE(first.valid());
  auto latch = zk_.children(ns_ + "/leader/latch");
  ASSERT_TRUE(latch);
  for (const auto& name : *latch)
    if (name != "not-a-contender") {
      ASSERT_TRUE(zk_.remove_tree(ns_ + "/leader/latch/" + name));
    }
  auto revoke = l.next();
  ASSERT_TRUE(revoke);
  EXPECT_EQ(revoke->kind, 'R');
  EXPECT_EQ(revoke->token, first);
  EXPECT_EQ(ha->job_graphs().put(first, test_job(1), "x").err().code, ha::errc::not_leader);
  auto second = l.next_grant();
  ASSERT_TRUE(second);
  EXPECT_GT(second->epoch, first.epoch);
  EXPECT_TRUE(ha->job_graphs().put(*second, test_job(1), "x").ok());
}

TEST_F(zookeeper_backend_test, an_epoch_moved_under_the_leader_fences_it_off_and_it_regrants) {
  recording_listener l;  // outlives the services, whose threads call it
  auto ha = backend_.make_services();
  auto first = lead(*ha, l);
  ASSERT_TRUE(zk_.set(ns_ + "/leader/epoch", std::to_string(first.epoch + 10)));
  auto revoke = l.next();
  ASSERT_TRUE(revoke);
  EXPECT_EQ(revoke->kind, 'R');
  EXPECT_EQ(ha->job_graphs().put(first, test_job(2), "x").err().code, ha::errc::not_leader);
  auto second = l.next_grant();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->epoch, first.epoch + 11);
}

TEST_F(zookeeper_backend_test, bad_options_are_errors_naming_the_key) {
  auto o = backend_.options();
  o.path_root = "relative";
  auto r = ha::zookeeper::make_ha_services(o);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r.err().message, "high-availability.zookeeper.path.root")) << r.err().message;
  o = backend_.options();
  o.quorum = "";
  r = ha::zookeeper::make_ha_services(o);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r.err().message, "high-availability.zookeeper.quorum")) << r.err().message;
  o = backend_.options();
  o.cluster_id = "a/b";
  r = ha::zookeeper::make_ha_services(o);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(mentions(r.err().message, "high-availability.cluster-id")) << r.err().message;
}

}  // namespace
}  // namespace regent::contract
