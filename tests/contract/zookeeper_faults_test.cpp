// Faults of the `zookeeper` backend against the real 3-node quorum: ZooKeeper servers killed
// (one: nothing is lost; two: no quorum, the leader revokes, and leads again once they are
// back) and a leader process paused with SIGSTOP past its session (its writes are rejected,
// it notices and revokes, the new leader's data is intact, and it contends again).

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sstream>

#include "backends.hpp"
#include "contenders.hpp"
#include "regent/ha/errc.hpp"
#include "regent/harness/child_process.hpp"
#include "regent/harness/zk_client.hpp"
#include "regent/harness/zk_quorum.hpp"

namespace regent::contract {
namespace {

namespace fs = std::filesystem;

class zookeeper_faults : public ::testing::Test {
 protected:
  harness::temp_dir dir_{"zookeeper-faults"};
  zookeeper_backend backend_{dir_.path()};
  harness::zk_quorum& quorum_ = shared_quorum();
  contenders<zookeeper_backend> procs_{backend_, dir_.path()};

  void TearDown() override {
    procs_.clear();
    heal_shared_quorum();  // the next test of this process gets all three servers back
  }

  harness::child_process& spawn(int i) { return procs_.spawn(i); }
  static std::string ask(harness::child_process& p, const std::string& cmd) {
    return contenders<zookeeper_backend>::ask(p, cmd);
  }
};

TEST_F(zookeeper_faults, with_one_of_three_servers_down_leadership_and_stores_keep_working) {
  auto o = backend_.options();
  o.tolerate_suspended = true;  // a lost connection alone must not cost the leadership here
  recording_listener l;         // outlives the services, whose threads call it
  auto leader = zookeeper_backend::make(o);
  auto token = lead(*leader, l);
  ASSERT_TRUE(token.valid());
  recording_listener ls;  // outlives the services, whose threads call it
  auto standby = zookeeper_backend::make(o);
  ASSERT_TRUE(standby->election().start(ls).ok());
  ha::leader_info info{"h:1", "http://h:2", token, 1};
  ASSERT_TRUE(leader->election().publish(ha::component::dispatcher, info).ok());
  auto job = test_job(0x1d0);
  ASSERT_TRUE(leader->job_graphs().put(token, job, "before").ok());
  EXPECT_EQ(*leader->checkpoint_ids().next(token, job), 1u);

  // The ensemble's own leader: the most disruptive server to lose (every client reconnects).
  int victim = quorum_.leader();
  ASSERT_GE(victim, 0) << quorum_.logs();
  quorum_.kill(victim);

  auto during = leader->job_graphs().put(token, job, "during");
  ASSERT_TRUE(during.ok()) << during.err().message;
  EXPECT_EQ(*leader->checkpoint_ids().next(token, job), 2u);
  ASSERT_TRUE(leader->checkpoints().add(token, job, 2, "chk").ok());
  ASSERT_TRUE(leader->blobs().put(token, job, "lib.so", "ELF").ok());
  EXPECT_TRUE(leader->election().has_leadership(token));
  EXPECT_EQ(l.pending(), 0u) << "the leader was revoked although two servers serve";
  EXPECT_EQ(ls.pending(), 0u) << "the standby was granted although the leader's session lives";
  EXPECT_EQ(*standby->job_graphs().get(job), "during");
  EXPECT_EQ((*standby->checkpoints().latest(job))->bytes, "chk");
  recording_retrieval_listener seen;
  auto retrieval = standby->make_retrieval(ha::component::dispatcher);
  ASSERT_TRUE(retrieval->start(seen).ok());
  EXPECT_TRUE(seen.wait_until([&](auto& x) { return x && *x == info; }));
  retrieval->stop();
}

TEST_F(zookeeper_faults, with_one_server_down_a_leader_on_default_settings_leads_again_at_once) {
  // tolerate-suspended-connections: false. Losing the ensemble's leader drops every client
  // connection: the leader revokes at once (as Flink does on SUSPENDED) and, its session and
  // latch node being alive, leads again with a new epoch as soon as it reconnects; the
  // standby is not granted.
  recording_listener l;  // outlives the services, whose threads call it
  auto leader = backend_.make_services();
  auto first = lead(*leader, l);
  ASSERT_TRUE(first.valid());
  recording_listener ls;
  auto standby = backend_.make_services();
  ASSERT_TRUE(standby->election().start(ls).ok());
  auto job = test_job(0x1d1);
  ASSERT_TRUE(leader->job_graphs().put(first, job, "before").ok());

  int victim = quorum_.leader();
  ASSERT_GE(victim, 0) << quorum_.logs();
  quorum_.kill(victim);
  auto revoke = l.next();
  ASSERT_TRUE(revoke);
  EXPECT_EQ(revoke->kind, 'R');
  auto second = l.next_grant();
  ASSERT_TRUE(second) << "the leader did not lead again after reconnecting";
  EXPECT_GT(second->epoch, first.epoch);
  EXPECT_EQ(leader->job_graphs().put(first, job, "stale").err().code, ha::errc::not_leader);
  ASSERT_TRUE(leader->job_graphs().put(*second, job, "after").ok());
  EXPECT_EQ(*leader->checkpoint_ids().next(*second, job), 1u);
  EXPECT_EQ(*standby->job_graphs().get(job), "after");
  EXPECT_EQ(ls.pending(), 0u) << "the standby was granted although the leader's session lives";
}

TEST_F(zookeeper_faults, with_two_of_three_servers_down_the_leader_revokes_and_leads_again_after_restart) {
  recording_listener l;                    // outlives the services, whose threads call it
  auto leader = backend_.make_services();  // tolerate-suspended-connections: false (default)
  auto first = lead(*leader, l);
  ASSERT_TRUE(first.valid());
  ha::leader_info info{"h:1", "http://h:2", first, 1};
  ASSERT_TRUE(leader->election().publish(ha::component::dispatcher, info).ok());
  auto job = test_job(0x2d0);
  ASSERT_TRUE(leader->job_graphs().put(first, job, "v1").ok());
  auto watcher = backend_.make_services();
  recording_retrieval_listener seen;
  auto retrieval = watcher->make_retrieval(ha::component::dispatcher);
  ASSERT_TRUE(retrieval->start(seen).ok());
  ASSERT_TRUE(seen.wait_until([&](auto& x) { return x && *x == info; }));

  quorum_.kill({0, 1});
  auto revoke = l.next();
  ASSERT_TRUE(revoke) << "the leader kept leading without a quorum";
  EXPECT_EQ(revoke->kind, 'R');
  EXPECT_EQ(revoke->token, first);
  // No server with a quorum answers: disconnected, but the session is frozen, not expired.
  EXPECT_EQ(leader->connection(), ha::connection_state::suspended);
  EXPECT_FALSE(leader->election().has_leadership(first));
  EXPECT_EQ(leader->job_graphs().put(first, job, "no quorum").err().code, ha::errc::not_leader);
  EXPECT_TRUE(seen.wait_until([](auto& x) { return !x.has_value(); })) << "retrieval still reports a leader";

  quorum_.start_server(0);
  quorum_.start_server(1);
  auto second = l.next_grant();
  ASSERT_TRUE(second) << "no grant after the quorum came back\n" << quorum_.logs();
  EXPECT_GT(second->epoch, first.epoch);
  EXPECT_EQ(leader->connection(), ha::connection_state::connected);
  EXPECT_EQ(*leader->job_graphs().get(job), "v1") << "data written before the outage is intact";
  ASSERT_TRUE(leader->job_graphs().put(*second, job, "v2").ok());
  EXPECT_EQ(leader->job_graphs().put(first, job, "stale").err().code, ha::errc::not_leader);
  ha::leader_info again{"h:1", "http://h:2", *second, 2};
  ASSERT_TRUE(leader->election().publish(ha::component::dispatcher, again).ok());
  EXPECT_TRUE(seen.wait_until([&](auto& x) { return x && *x == again; }));
  EXPECT_EQ(*watcher->job_graphs().get(job), "v2");
  retrieval->stop();
}

TEST_F(zookeeper_faults, a_leader_paused_past_its_session_is_fenced_off_revokes_and_contends_again) {
  // The first one leads alone, so which process leads is known.
  auto& a = spawn(0);
  auto granted = a.wait_for_prefix("GRANTED", deadline);
  ASSERT_TRUE(granted) << a.log_text();
  auto& b = spawn(1);
  auto first_epoch = grant_epoch(*granted);
  const std::string job = "000000000000000000000000000000cc";
  auto id = *job_id::parse(job);
  EXPECT_EQ(ask(a, "put-graph " + job + " v1"), "OK");
  EXPECT_EQ(ask(a, "add-checkpoint " + job + " 1 from-a"), "OK");

  a.signal(SIGSTOP);
  auto b_granted = b.wait_for_prefix("GRANTED", deadline);
  ASSERT_TRUE(b_granted) << "the standby was not granted after the paused leader's session expired\n" << b.log_text();
  EXPECT_GT(grant_epoch(*b_granted), first_epoch);
  EXPECT_EQ(ask(b, "put-graph " + job + " v2"), "OK");
  EXPECT_EQ(ask(b, "add-checkpoint " + job + " 2 from-b"), "OK");

  a.signal(SIGCONT);
  // Whether or not it has noticed yet, every write of the deposed leader is rejected.
  auto answer = ask(a, "put-graph " + job + " stale");
  EXPECT_TRUE(rejected(answer)) << answer;
  answer = ask(a, "add-checkpoint " + job + " 3 stale");
  EXPECT_TRUE(rejected(answer)) << answer;
  answer = ask(a, "next-id " + job);
  EXPECT_TRUE(rejected(answer)) << answer;
  answer = ask(a, "put-blob " + job + " lib.so stale");
  EXPECT_TRUE(rejected(answer)) << answer;
  answer = ask(a, "create-dirty " + job);
  EXPECT_TRUE(rejected(answer)) << answer;
  answer = ask(a, "publish");
  EXPECT_TRUE(rejected(answer)) << answer;
  EXPECT_TRUE(a.wait_for_prefix("REVOKED " + std::to_string(first_epoch), deadline, 0))
      << "the paused leader did not notice\n"
      << a.log_text();

  // The new leader's data is intact, and nothing of the rejected writes is left behind.
  EXPECT_EQ(ask(b, "get-graph " + job), "GRAPH v2");
  auto reader = backend_.make_services();
  EXPECT_EQ(*reader->job_graphs().get(id), "v2");
  auto latest = reader->checkpoints().latest(id);
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->id, 2u);
  EXPECT_EQ((*latest)->bytes, "from-b");
  EXPECT_TRUE(reader->blobs().list(id)->empty());
  EXPECT_FALSE(*reader->job_results().has_entry(id));
  harness::zk_client zk(backend_.quorum());
  ASSERT_TRUE(zk.wait_connected(deadline));
  auto pointer = zk.get(backend_.ns() + "/jobgraphs/" + job);
  ASSERT_TRUE(pointer);
  std::vector<std::string> graph_files;
  for (const auto& e : fs::directory_iterator(backend_.cluster_dir() / "jobgraphs"))
    if (e.path().filename().string().rfind(job, 0) == 0) graph_files.push_back(e.path().filename().string());
  EXPECT_EQ(graph_files, std::vector<std::string>{*pointer}) << "only the live payload remains";

  // The deposed process contends again with a new session: a clean stop of the new leader
  // hands leadership back to it at once.
  auto before = a.line_count();
  b.send_line("exit");
  ASSERT_TRUE(b.wait_exit(deadline));
  auto regained = a.wait_for_prefix("GRANTED", deadline, before);
  ASSERT_TRUE(regained) << a.log_text();
  EXPECT_GT(grant_epoch(*regained), grant_epoch(*b_granted));
  EXPECT_EQ(ask(a, "put-graph " + job + " v3"), "OK");
  EXPECT_EQ(ask(a, "get-graph " + job), "GRAPH v3");
}

// A port picked as free for a test quorum can be taken by another process (tests run two at a
// time) before the server binds it; that server exits at once. A quorum that never served picks
// fresh ports and starts again instead of waiting out its deadline (CI saw this once).
TEST(zookeeper_test_quorum, starts_on_fresh_ports_when_a_port_it_picked_was_taken) {
  harness::temp_dir dir("zk-port-taken");
  harness::zk_quorum quorum(dir.path());
  const int stolen = quorum.client_port(2);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(stolen));
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  ASSERT_EQ(::listen(fd, 1), 0);
  EXPECT_TRUE(quorum.start(std::chrono::seconds(60))) << quorum.logs();
  EXPECT_NE(quorum.client_port(2), stolen);
  EXPECT_NE(quorum.leader(), -1);
  ::close(fd);
}

}  // namespace
}  // namespace regent::contract
