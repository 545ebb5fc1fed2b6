// Faults of the `kubernetes` backend against the Kubernetes API-server test double: a leader
// process paused past its lease (deposed; none of its writes lands after it resumes), a write
// held in flight while the leadership changes (the storage fence refuses it), the API server
// unreachable past the renew deadline (the leader steps down, leads again once it is back),
// ambiguous answers (500 after applying, a dropped answer) resolved by reading back,
// concurrent writers of one leader, garbage in a ConfigMap, the 1 MiB limit, the RBAC Role,
// and bad access configuration (exit-code-2 errors naming the file).

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "backends.hpp"
#include "contenders.hpp"
#include "regent/ha/errc.hpp"
#include "regent/harness/child_process.hpp"

namespace regent::contract {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

class kubernetes_faults : public ::testing::Test {
 protected:
  harness::temp_dir dir_{"kubernetes-faults"};
  kubernetes_backend backend_{dir_.path()};
  harness::kube_double& server_ = backend_.server();
  contenders<kubernetes_backend> procs_{backend_, dir_.path()};

  void TearDown() override {
    procs_.clear();
    server_.control("/release");
    server_.control("/faults", "{}");
  }

  harness::child_process& spawn(int i) { return procs_.spawn(i); }
  static std::string ask(harness::child_process& p, const std::string& cmd) {
    return contenders<kubernetes_backend>::ask(p, cmd);
  }

  /// The shard ConfigMap's name for `job` as the backend computes it, found in the double.
  std::string shard_holding(const std::string& key) {
    auto objects = json::parse(server_.objects());
    for (const auto& o : objects["items"])
      if (o.value("kind", "") == "ConfigMap" && o.contains("data") && o["data"].contains(key))
        return o["metadata"]["name"];
    return "";
  }

  /// Waits until the double's request statistics satisfy `pred`.
  template <class Pred>
  bool wait_for_stats(Pred pred) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      auto text = server_.stats();
      if (!text.empty() && pred(json::parse(text))) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling the double, bounded by the deadline
    }
    return false;
  }
};

TEST_F(kubernetes_faults, a_leader_paused_past_its_lease_is_deposed_and_none_of_its_writes_lands) {
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
  ASSERT_TRUE(b_granted) << "the standby was not granted after the paused leader's lease ran out\n" << b.log_text();
  EXPECT_GT(grant_epoch(*b_granted), first_epoch);
  EXPECT_EQ(ask(b, "put-graph " + job + " v2"), "OK");
  EXPECT_EQ(ask(b, "add-checkpoint " + job + " 2 from-b"), "OK");

  a.signal(SIGCONT);
  for (const auto& cmd : {"put-graph " + job + " stale", "add-checkpoint " + job + " 3 stale", "next-id " + job,
                          "put-blob " + job + " lib.so stale", "create-dirty " + job, std::string("publish")}) {
    auto answer = ask(a, cmd);
    EXPECT_TRUE(rejected(answer)) << cmd << ": " << answer;
  }
  EXPECT_TRUE(a.wait_for_prefix("REVOKED " + std::to_string(first_epoch), deadline, 0))
      << "the paused leader did not notice\n"
      << a.log_text();

  EXPECT_EQ(ask(b, "get-graph " + job), "GRAPH v2");
  auto reader = backend_.make_services();
  EXPECT_EQ(*reader->job_graphs().get(id), "v2");
  auto latest = reader->checkpoints().latest(id);
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->id, 2u);
  EXPECT_EQ((*latest)->bytes, "from-b");
  EXPECT_TRUE(reader->blobs().list(id)->empty());
  EXPECT_FALSE(*reader->job_results().has_entry(id));
  EXPECT_EQ(*reader->checkpoint_ids().peek(id), 1u);
}

// The storage fence itself, not the local deadline: a write that passed every local check is
// held by the API server while the leadership moves; released after the new leader's grant, it
// is refused (409 on a map whose fence the new leader raised) and nothing of it lands.
TEST_F(kubernetes_faults, a_write_in_flight_across_a_takeover_is_refused_by_the_fence) {
  auto a = backend_.make_services();
  auto b = backend_.make_services();
  recording_listener la, lb;
  auto token_a = lead(*a, la);
  ASSERT_TRUE(b->election().start(lb).ok());
  const auto job = test_job(77);
  ASSERT_TRUE(a->job_graphs().put(token_a, job, "v1").ok());
  auto shard = shard_holding("jobGraph-" + job.str());
  ASSERT_FALSE(shard.empty());

  ASSERT_TRUE(server_.control(
      "/faults", R"({"rules":[{"hold":true,"count":1,"method":"PUT","path":"/configmaps/)" + shard + R"("}]})"));
  result<void> stale = ok();
  std::thread writer([&] { stale = a->job_graphs().put(token_a, job, "stale"); });
  ASSERT_TRUE(wait_for_stats([](const json& s) { return s.value("held", 0) >= 1; }))
      << "the leader's write never reached the double";
  a->election().stop();  // releases the Lease; the held PUT is still in flight
  auto token_b = lb.next_grant();
  ASSERT_TRUE(token_b) << "the standby was not granted";
  EXPECT_GT(token_b->epoch, token_a.epoch);
  ASSERT_TRUE(server_.control("/release"));
  writer.join();
  ASSERT_FALSE(stale.ok()) << "a deposed leader's write landed after the new leader's grant";
  EXPECT_EQ(stale.err().code, ha::errc::not_leader) << stale.err().message;
  EXPECT_EQ(*b->job_graphs().get(job), "v1");
}

TEST_F(kubernetes_faults, the_leader_steps_down_while_the_api_server_is_unreachable_and_leads_again_after) {
  auto o = backend_.options();
  o.lease_duration = std::chrono::milliseconds(3000);
  o.renew_deadline = std::chrono::milliseconds(2000);
  auto ha = kubernetes_backend::make(o);
  recording_listener l;
  auto token = lead(*ha, l);
  ASSERT_TRUE(ha->job_graphs().put(token, test_job(1), "before").ok());

  ASSERT_TRUE(server_.control("/faults", R"({"unreachable":true})"));
  auto revoked = l.next();
  ASSERT_TRUE(revoked) << "the leader did not step down";
  EXPECT_EQ(revoked->kind, 'R');
  EXPECT_EQ(ha->connection(), ha::connection_state::suspended);
  EXPECT_FALSE(ha->election().has_leadership(token));
  EXPECT_EQ(ha->job_graphs().put(token, test_job(1), "during").err().code, ha::errc::not_leader);

  ASSERT_TRUE(server_.control("/faults", "{}"));
  auto again = l.next_grant();
  ASSERT_TRUE(again) << "no grant after the API server came back";
  EXPECT_GT(again->epoch, token.epoch);
  EXPECT_EQ(ha->connection(), ha::connection_state::connected);
  EXPECT_EQ(ha->job_graphs().put(token, test_job(1), "stale").err().code, ha::errc::not_leader);
  EXPECT_EQ(*ha->job_graphs().get(test_job(1)), "before");
}

TEST_F(kubernetes_faults, the_api_server_restarting_with_its_data_keeps_the_leader_and_its_data) {
  auto ha = backend_.make_services();
  recording_listener l;
  auto token = lead(*ha, l);
  ASSERT_TRUE(ha->job_graphs().put(token, test_job(2), "kept").ok());
  server_.restart();
  EXPECT_EQ(*ha->job_graphs().get(test_job(2)), "kept");
  ASSERT_TRUE(ha->job_graphs().put(token, test_job(3), "after").ok());
  EXPECT_EQ(*ha->job_graphs().get(test_job(3)), "after");
}

TEST_F(kubernetes_faults, ambiguous_answers_are_resolved_by_reading_back_not_by_assuming) {
  auto ha = backend_.make_services();
  recording_listener l;
  auto token = lead(*ha, l);
  const auto job = test_job(5);
  ASSERT_EQ(*ha->checkpoint_ids().next(token, job), 1u);
  // Applied, then answered 500: the write must count once.
  ASSERT_TRUE(server_.control("/faults", R"({"rules":[{"status":500,"apply":true,"count":1,"method":"PUT"}]})"));
  EXPECT_EQ(*ha->checkpoint_ids().next(token, job), 2u);
  // Applied, then the connection cut before the answer.
  ASSERT_TRUE(server_.control("/faults", R"({"rules":[{"drop":true,"apply":true,"count":1,"method":"PUT"}]})"));
  EXPECT_EQ(*ha->checkpoint_ids().next(token, job), 3u);
  // Not applied, answered 504: the write is made again.
  ASSERT_TRUE(server_.control("/faults", R"({"rules":[{"status":504,"count":1,"method":"PUT"}]})"));
  EXPECT_EQ(*ha->checkpoint_ids().next(token, job), 4u);
  // 429 with nothing applied is retried.
  ASSERT_TRUE(server_.control("/faults", R"({"rules":[{"status":429,"reason":"TooManyRequests","count":2}]})"));
  EXPECT_EQ(*ha->checkpoint_ids().next(token, job), 5u);
  EXPECT_EQ(*ha->checkpoint_ids().peek(job), 6u);
  // A graph put whose answer is lost is there, and is the one written.
  ASSERT_TRUE(server_.control("/faults", R"({"rules":[{"drop":true,"apply":true,"count":1,"method":"PUT"}]})"));
  ASSERT_TRUE(ha->job_graphs().put(token, job, "once").ok());
  EXPECT_EQ(*ha->job_graphs().get(job), "once");
}

TEST_F(kubernetes_faults, concurrent_writes_of_one_leader_conflict_and_all_land) {
  auto o = backend_.options();
  o.max_retries = 200;
  auto ha = kubernetes_backend::make(o);
  recording_listener l;
  auto token = lead(*ha, l);
  const auto job = test_job(9);
  std::vector<std::thread> threads;
  std::mutex mu;
  std::vector<std::uint64_t> ids;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        auto id = ha->checkpoint_ids().next(token, job);
        ASSERT_TRUE(id.ok()) << id.err().message;
        std::lock_guard<std::mutex> lock(mu);
        ids.push_back(*id);
        EXPECT_TRUE(ha->job_graphs().put(token, test_job(100 + t * 10 + i), "g").ok());
      }
    });
  for (auto& t : threads) t.join();
  std::sort(ids.begin(), ids.end());
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], i + 1) << "an id was handed out twice or skipped";
  EXPECT_EQ(ha->job_graphs().list()->size(), 20u);
}

TEST_F(kubernetes_faults, a_garbage_configmap_value_is_an_error_naming_the_object_and_key) {
  auto ha = backend_.make_services();
  recording_listener l;
  auto token = lead(*ha, l);
  const auto job = test_job(6);
  ASSERT_TRUE(ha->job_graphs().put(token, job, "g").ok());
  ASSERT_TRUE(ha->checkpoint_ids().next(token, job).ok());
  auto shard = shard_holding("jobGraph-" + job.str());
  ASSERT_FALSE(shard.empty());
  json patch = {{"resource", "configmaps"},
                {"namespace", harness::kube_double::ns()},
                {"name", shard},
                {"patch", {{"data", {{"jobGraph-" + job.str(), "../../etc/passwd"}, {"counter-" + job.str(), "-x"}}}}}};
  ASSERT_TRUE(server_.control("/patch", patch.dump()));
  // Another process reads it (the leader serves its reads from what it wrote, and meets a
  // foreign change at its next write of the map, below).
  auto reader = backend_.make_services();
  auto graph = reader->job_graphs().get(job);
  ASSERT_FALSE(graph.ok());
  EXPECT_EQ(graph.err().code, ha::errc::corrupt);
  EXPECT_NE(graph.err().message.find("ConfigMap regent-test/" + shard), std::string::npos) << graph.err().message;
  EXPECT_NE(graph.err().message.find("jobGraph-" + job.str()), std::string::npos) << graph.err().message;
  auto counter = reader->checkpoint_ids().peek(job);
  ASSERT_FALSE(counter.ok());
  EXPECT_NE(counter.err().message.find("counter-" + job.str()), std::string::npos) << counter.err().message;
  auto next = ha->checkpoint_ids().next(token, job);
  ASSERT_FALSE(next.ok()) << "the leader wrote over a garbage counter";
  EXPECT_EQ(next.err().code, ha::errc::corrupt);
  EXPECT_NE(next.err().message.find("counter-" + job.str()), std::string::npos) << next.err().message;

  json fence = {{"resource", "configmaps"},
                {"namespace", harness::kube_double::ns()},
                {"name", shard},
                {"patch", {{"metadata", {{"annotations", {{"regent.io/fence-epoch", "seven"}}}}}}}};
  ASSERT_TRUE(server_.control("/patch", fence.dump()));
  auto write = ha->job_graphs().put(token, job, "again");
  ASSERT_FALSE(write.ok());
  EXPECT_NE(write.err().message.find("regent.io/fence-epoch"), std::string::npos) << write.err().message;
}

TEST_F(kubernetes_faults, a_write_past_the_configmap_limit_is_refused_and_the_map_stays_as_it_was) {
  auto ha = backend_.make_services();
  recording_listener l;
  auto token = lead(*ha, l);
  const auto job = test_job(8);
  ASSERT_TRUE(ha->job_graphs().put(token, job, "small").ok());
  // Another client filled the job's shard to just under 1 MiB.
  auto shard = shard_holding("jobGraph-" + job.str());
  ASSERT_FALSE(shard.empty());
  json fill = {{"resource", "configmaps"},
               {"namespace", harness::kube_double::ns()},
               {"name", shard},
               {"patch", {{"data", {{"filler", std::string(1024 * 1024 - 400, 'x')}}}}}};
  ASSERT_TRUE(server_.control("/patch", fill.dump()));
  result<void> r = ok();
  int written = 0;
  for (; written < 20; ++written) {
    r = ha->blobs().put(token, job, std::string(150, 'k') + std::to_string(written), "b");
    if (!r) break;
  }
  ASSERT_FALSE(r.ok()) << "more than 1 MiB of data was accepted";
  EXPECT_EQ(r.err().code, ha::errc::invalid_argument);
  EXPECT_NE(r.err().message.find("1 MiB"), std::string::npos) << r.err().message;
  EXPECT_NE(r.err().message.find(shard), std::string::npos) << r.err().message;
  EXPECT_EQ(ha->blobs().list(job)->size(), static_cast<std::size_t>(written));
  EXPECT_EQ(*ha->job_graphs().get(job), "small");
}

// Retrieval watches the leader-info map: a cut stream resumes, an expired version (410 Gone after
// compaction) lists again; every change of leader info is still reported.
TEST_F(kubernetes_faults, retrieval_follows_the_leader_across_a_cut_and_an_expired_watch) {
  auto ha = backend_.make_services();
  auto watcher = backend_.make_services();
  recording_listener l;
  auto token = lead(*ha, l);
  recording_retrieval_listener seen;
  auto retrieval = watcher->make_retrieval(ha::component::dispatcher);
  ASSERT_TRUE(retrieval->start(seen).ok());
  auto publish = [&](const std::string& address) {
    ha::leader_info info{address, "http://" + address, token, 1};
    ASSERT_TRUE(ha->election().publish(ha::component::dispatcher, info).ok());
    EXPECT_TRUE(seen.wait_until([&](const auto& i) { return i && i->rpc_address == address; }))
        << "retrieval did not report " << address;
  };
  auto at_least = [](const char* what, int n) { return [what, n](const json& s) { return s.value(what, 0) >= n; }; };
  publish("a:1");
  ASSERT_TRUE(wait_for_stats(at_least("watch", 1))) << "retrieval never watched";
  ASSERT_TRUE(server_.control("/cut-watches"));
  ASSERT_TRUE(wait_for_stats(at_least("watch", 2))) << "retrieval did not watch again after the cut";
  publish("b:2");
  // The watcher falls behind: its stream goes quiet, the map changes, and the history that
  // change is in is compacted away. Resuming from its version gets 410 Gone: it lists again.
  const int bookmarks = json::parse(server_.stats()).value("bookmark", 0);
  ASSERT_TRUE(wait_for_stats(at_least("bookmark", bookmarks + 1)));  // the open stream is up
  ASSERT_TRUE(server_.control("/faults", R"({"freeze_watches":true})"));
  ha::leader_info behind{"behind:9", "http://behind:9", token, 1};
  ASSERT_TRUE(ha->election().publish(ha::component::dispatcher, behind).ok());
  ASSERT_TRUE(server_.control("/compact"));
  ASSERT_TRUE(server_.control("/faults", "{}"));
  ASSERT_TRUE(server_.control("/cut-watches"));
  EXPECT_TRUE(seen.wait_until([](const auto& i) { return i && i->rpc_address == "behind:9"; }))
      << "retrieval missed the change made while it was behind";
  EXPECT_TRUE(wait_for_stats(at_least("gone", 1))) << "the watch was not resumed from its old version";
  EXPECT_TRUE(wait_for_stats(at_least("list", 2))) << "retrieval did not list again";
  publish("c:3");
  ASSERT_TRUE(ha->election().unpublish(ha::component::dispatcher, token).ok());
  EXPECT_TRUE(seen.wait_until([](const auto& i) { return !i.has_value(); })) << "no leader was not reported";
  retrieval->stop();
}

TEST_F(kubernetes_faults, bad_access_configuration_names_the_file) {
  auto o = backend_.options();
  o.config_file = (dir_.path() / "missing-kubeconfig").string();
  auto missing = ha::kubernetes::make_ha_services(o);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.err().message.find("missing-kubeconfig"), std::string::npos) << missing.err().message;

  std::ofstream(dir_.path() / "garbage-kubeconfig") << "clusters: [unclosed\n";
  o.config_file = (dir_.path() / "garbage-kubeconfig").string();
  auto garbage = ha::kubernetes::make_ha_services(o);
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.err().message.find("garbage-kubeconfig"), std::string::npos) << garbage.err().message;

  o.config_file.clear();
  o.service_account_dir = (dir_.path() / "no-service-account").string();
  ::setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", std::to_string(server_.port()).c_str(), 1);
  auto no_token = ha::kubernetes::make_ha_services(o);
  ASSERT_FALSE(no_token.ok());
  EXPECT_NE(no_token.err().message.find("no-service-account/token"), std::string::npos) << no_token.err().message;
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ::unsetenv("KUBERNETES_SERVICE_PORT");
}

TEST_F(kubernetes_faults, in_cluster_access_reads_the_service_account_and_a_rotated_token) {
  auto sa = dir_.path() / "serviceaccount";
  fs::create_directories(sa);
  auto server_dir = fs::path(backend_.options().config_file).parent_path();
  fs::copy_file(server_dir / "ca.crt", sa / "ca.crt");
  std::ofstream(sa / "namespace") << harness::kube_double::ns() << "\n";
  std::ofstream(sa / "token") << "not-the-token\n";
  auto o = backend_.options();
  o.config_file.clear();
  o.service_account_dir = sa.string();
  ::setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", std::to_string(server_.port()).c_str(), 1);
  auto ha = kubernetes_backend::make(o);
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ::unsetenv("KUBERNETES_SERVICE_PORT");
  auto refused = ha->job_graphs().list();
  EXPECT_FALSE(refused.ok()) << "a wrong token was accepted";
  // The kubelet rotates the token: the next request reads the new one.
  fs::copy_file(server_dir / "token", sa / "token", fs::copy_options::overwrite_existing);
  recording_listener l;
  auto token = lead(*ha, l);
  EXPECT_TRUE(ha->job_graphs().put(token, test_job(4), "in cluster").ok());
}

TEST_F(kubernetes_faults, a_client_certificate_of_the_cluster_ca_leads_and_writes) {
  auto o = backend_.options();
  o.config_file = server_.client_certificate_kubeconfig("client").string();
  auto ha = kubernetes_backend::make(o);
  recording_listener l;
  auto token = lead(*ha, l);
  EXPECT_TRUE(ha->job_graphs().put(token, test_job(5), "by certificate").ok());
  EXPECT_EQ(*ha->job_graphs().get(test_job(5)), "by certificate");
}

TEST_F(kubernetes_faults, a_client_certificate_of_another_ca_is_refused_naming_the_kubeconfig) {
  auto o = backend_.options();
  auto kubeconfig = server_.client_certificate_kubeconfig("other-client");
  o.config_file = kubeconfig.string();
  auto ha = kubernetes_backend::make(o);
  auto refused = ha->job_graphs().list();
  ASSERT_FALSE(refused.ok()) << "a client certificate of another CA was accepted";
  EXPECT_NE(refused.err().message.find(kubeconfig.string()), std::string::npos) << refused.err().message;
  EXPECT_NE(refused.err().message.find("client certificate"), std::string::npos) << refused.err().message;
}

TEST_F(kubernetes_faults, no_credentials_are_refused_as_unauthorized_naming_the_kubeconfig) {
  auto kubeconfig = dir_.path() / "anonymous-kubeconfig";
  std::ofstream(kubeconfig) << "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
                            << "clusters:\n- name: double\n  cluster:\n    server: https://127.0.0.1:" << server_.port()
                            << "\n    certificate-authority: "
                            << (server_.kubeconfig().parent_path() / "ca.crt").string() << "\n"
                            << "users:\n- name: nobody\n  user: {}\n"
                            << "contexts:\n- name: test\n  context:\n    cluster: double\n    user: nobody\n";
  auto o = backend_.options();
  o.config_file = kubeconfig.string();
  auto made = ha::kubernetes::make_ha_services(o);
  if (!made.ok()) {
    // Refusing a user without credentials at start-up is as good, if it names the file.
    EXPECT_NE(made.err().message.find(kubeconfig.string()), std::string::npos) << made.err().message;
    return;
  }
  auto refused = (*made)->job_graphs().list();
  ASSERT_FALSE(refused.ok()) << "a request without credentials was accepted";
  EXPECT_NE(refused.err().message.find("401 Unauthorized"), std::string::npos) << refused.err().message;
  EXPECT_NE(refused.err().message.find(kubeconfig.string()), std::string::npos) << refused.err().message;
}

}  // namespace
}  // namespace regent::contract
