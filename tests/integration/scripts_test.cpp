// The bin/ scripts of a ZooKeeper HA cluster, as an operator runs them: start-zookeeper-quorum.sh
// starts the quorum of a zoo.cfg (three servers on localhost, on free ports), start-cluster.sh
// two jobmanagers and a taskmanager against it, one jobmanager leads; stop-cluster.sh and
// stop-zookeeper-quorum.sh leave no process behind. Plus the scripts' answers to a bad zoo.cfg
// and to nothing to stop.

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "regent/harness/child_process.hpp"
#include "regent/harness/outside.hpp"
#include "regent/harness/zk_quorum.hpp"
#include "regent/rpc/rest_server.hpp"

namespace regent {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
constexpr auto deadline = std::chrono::seconds(90);

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The `Mode:` a ZooKeeper server on 127.0.0.1:`port` reports through `srvr`, or "".
std::string zk_mode(int port) {
  std::istringstream in(harness::zk_four_letter_word(port, "srvr"));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Mode: ", 0) == 0) {
      auto m = line.substr(6);
      while (!m.empty() && (m.back() == '\r' || m.back() == ' ')) m.pop_back();
      return m;
    }
  return "";
}

/// Checks `done` again after each write into `logs` (where the daemons the scripts start log)
/// until it holds or `timeout` passes.
bool once_logged(const fs::path& logs, const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  harness::folder_writes writes(logs);
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    writes.wait(250ms);
  }
}

class scripts_test : public ::testing::Test {
 protected:
  harness::temp_dir dir_{"scripts"};
  fs::path conf_ = dir_.path() / "conf";
  fs::path logs_ = dir_.path() / "log";
  std::set<int> taken_;
  /// Every script run, in order, with its output (for failure messages).
  std::vector<std::pair<std::string, std::string>> runs_;

  void SetUp() override { fs::create_directories(conf_); }

  /// Stops whatever the scripts started, also after a failed assertion: the stop scripts first,
  /// then SIGKILL of any process of this test's folder still in a pid file.
  void TearDown() override {
    if (fs::exists(conf_ / "masters")) run("stop-cluster.sh");
    run("stop-zookeeper-quorum.sh");
    for (auto* f : {"jobmanager.pid", "taskmanager.pid", "zookeeper.pid"})
      for (pid_t pid : pids_in(f))
        if (has(read_file("/proc/" + std::to_string(pid) + "/cmdline"), dir_.path().string())) ::kill(pid, SIGKILL);
    if (HasFailure()) {
      for (auto& [what, out] : runs_) std::fprintf(stderr, "---- %s ----\n%s\n", what.c_str(), out.c_str());
      std::error_code ec;
      for (auto& e : fs::directory_iterator(logs_, ec))
        if (e.path().extension() == ".out" || e.path().extension() == ".log") {
          auto text = read_file(e.path());
          if (text.size() > 4000) text = "..." + text.substr(text.size() - 4000);
          std::fprintf(stderr, "---- %s ----\n%s\n", e.path().c_str(), text.c_str());
        }
    }
  }

  int port() {
    for (;;) {
      int p = harness::free_loopback_port();
      if (taken_.insert(p).second) return p;
    }
  }

  /// Runs bin/`script` with this test's conf and log folders; returns its exit code (-1 at the
  /// deadline) and its output (stdout and stderr).
  std::pair<int, std::string> run(const std::string& script) {
    harness::child_process p({"/usr/bin/env", "REGENT_CONF_DIR=" + conf_.string(), "REGENT_LOG_DIR=" + logs_.string(),
                              "REGENT_BIN_DIR=" + harness::bin_dir().string(), "ZK_HEAP_MB=96",
                              "REGENT_ZK_START_TIMEOUT=60", std::string(REGENT_SOURCE_DIR) + "/bin/" + script},
                             dir_.path() / (script + ".out"), true);
    auto code = p.wait_exit(deadline).value_or(-1);
    p.wait_for_line([](const std::string&) { return false; }, 10s);  // to the end of its output
    std::string out;
    for (auto& l : p.lines()) out += l + "\n";
    runs_.emplace_back(script, out);
    return {code, out};
  }

  std::vector<pid_t> pids_in(const std::string& file) const {
    std::vector<pid_t> pids;
    std::ifstream in(logs_ / file);
    for (pid_t pid; in >> pid;) pids.push_back(pid);
    return pids;
  }

  static json leader_info(std::uint16_t port) {
    rpc::http_request r{"GET", "/cluster/leader", "", ""};
    auto res = rpc::http_call("127.0.0.1", port, r, 5s);
    if (!res || res->status != 200) return json();
    return json::parse(res->body, nullptr, false);
  }
};

TEST_F(scripts_test, quorum_and_cluster_scripts_start_one_leader_and_stop_leaves_nothing) {
  // Three servers on localhost: server.1 takes clientPort, the others their own ';clientPort'.
  int client[3], peer[3], election[3];
  for (int i = 0; i < 3; ++i) client[i] = port(), peer[i] = port(), election[i] = port();
  {
    std::ofstream cfg(conf_ / "zoo.cfg");
    cfg << "# three servers on localhost\n"
        << "tickTime=200\ninitLimit=25\nsyncLimit=10\n"
        << "dataDir=" << (dir_.path() / "zk-data").string() << "\n"
        << "clientPort=" << client[0] << "\n"
        << "forceSync=yes\npreAllocSize=1024\nmaxSessionTimeout=30000\n"
        << "server.1=localhost:" << peer[0] << ":" << election[0] << "\n";
    for (int i = 1; i < 3; ++i)
      cfg << "server." << i + 1 << "=localhost:" << peer[i] << ":" << election[i] << ";" << client[i] << "\n";
  }
  std::string quorum;
  for (int c : client) quorum += (quorum.empty() ? "" : ",") + std::string("localhost:") + std::to_string(c);
  auto rest1 = static_cast<std::uint16_t>(port()), rest2 = static_cast<std::uint16_t>(port());
  {
    std::ofstream yaml(conf_ / "config.yaml");
    yaml << "high-availability:\n"
         << "  type: zookeeper\n"
         << "  storageDir: " << (dir_.path() / "ha").string() << "\n"
         << "  cluster-id: " << dir_.path().filename().string() << "\n"
         << "  zookeeper:\n"
         << "    quorum: " << quorum << "\n"
         << "    path.root: /regent-scripts-test\n"
         << "    client.session-timeout: 2 s\n"
         << "state.checkpoints.dir: " << (dir_.path() / "checkpoints").string() << "\n"
         << "taskmanager.numberOfTaskSlots: 2\n"
         << "heartbeat.interval: 200 ms\n"
         << "heartbeat.timeout: 2 s\n"
         << "rest.address: 127.0.0.1\n"
         << "rest.port: " << port() << "\n";
    std::ofstream(conf_ / "masters") << "localhost:" << rest1 << "\nlocalhost:" << rest2 << "\n";
    std::ofstream(conf_ / "workers") << "localhost\n";
  }

  auto [zk_code, zk_out] = run("start-zookeeper-quorum.sh");
  ASSERT_EQ(zk_code, 0) << zk_out;
  EXPECT_TRUE(has(zk_out, "high-availability.zookeeper.quorum: " + quorum)) << zk_out;
  auto zk_pids = pids_in("zookeeper.pid");
  ASSERT_EQ(zk_pids.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    auto mode = zk_mode(client[i]);
    EXPECT_TRUE(mode == "leader" || mode == "follower") << "server." << i + 1 << " Mode '" << mode << "'";
    auto node = logs_ / "zookeeper" / ("zk" + std::to_string(i + 1));
    EXPECT_TRUE(has(read_file(node / "zoo.cfg"), "\nclientPort=" + std::to_string(client[i]) + "\n"));
    EXPECT_EQ(read_file(dir_.path() / "zk-data" / ("zk" + std::to_string(i + 1)) / "myid"),
              std::to_string(i + 1) + "\n");
  }

  // Started again: every server already serves, none is started twice.
  auto [again_code, again_out] = run("start-zookeeper-quorum.sh");
  EXPECT_EQ(again_code, 0) << again_out;
  EXPECT_TRUE(has(again_out, "already serves")) << again_out;
  EXPECT_EQ(pids_in("zookeeper.pid").size(), 3u);

  auto [cluster_code, cluster_out] = run("start-cluster.sh");
  ASSERT_EQ(cluster_code, 0) << cluster_out;
  auto jm_pids = pids_in("jobmanager.pid");
  auto tm_pids = pids_in("taskmanager.pid");
  ASSERT_EQ(jm_pids.size(), 2u);
  ASSERT_EQ(tm_pids.size(), 1u);

  // Exactly one leader, and both masters name it.
  json a, b;
  bool one_leader = once_logged(
      logs_,
      [&] {
        a = leader_info(rest1);
        b = leader_info(rest2);
        auto role = [](const json& j) { return j.contains("this") ? j["this"].value("role", "") : ""; };
        if (!a.is_object() || !b.is_object() || !a.contains("leader") || !a["leader"].is_object() ||
            a["leader"] != b.value("leader", json()))
          return false;
        return std::multiset<std::string>{role(a), role(b)} == std::multiset<std::string>{"leader", "standby"};
      },
      deadline);
  ASSERT_TRUE(one_leader) << a.dump() << "\n" << b.dump();
  auto& leader = a["this"]["role"] == "leader" ? a : b;
  EXPECT_EQ(a["leader"]["rest-url"], leader["this"]["rest-url"]);

  auto [stop_cluster_code, stop_cluster_out] = run("stop-cluster.sh");
  EXPECT_EQ(stop_cluster_code, 0) << stop_cluster_out;
  auto [stop_zk_code, stop_zk_out] = run("stop-zookeeper-quorum.sh");
  EXPECT_EQ(stop_zk_code, 0) << stop_zk_out;
  EXPECT_FALSE(fs::exists(logs_ / "zookeeper.pid"));
  EXPECT_FALSE(fs::exists(logs_ / "jobmanager.pid"));
  EXPECT_FALSE(fs::exists(logs_ / "taskmanager.pid"));

  std::vector<pid_t> all = zk_pids;
  all.insert(all.end(), jm_pids.begin(), jm_pids.end());
  all.insert(all.end(), tm_pids.begin(), tm_pids.end());
  for (auto pid : all) EXPECT_TRUE(harness::wait_pid_exited(pid, deadline)) << "pid " << pid << " still runs";
}

TEST_F(scripts_test, malformed_server_line_is_a_config_error_naming_the_line) {
  {
    std::ofstream cfg(conf_ / "zoo.cfg");
    cfg << "tickTime=200\n"
        << "dataDir=" << (dir_.path() / "zk-data").string() << "\n"
        << "clientPort=" << port() << "\n"
        << "server.1=localhost:" << port() << ":" << port() << "\n"
        << "server.2=localhost:" << port() << "\n";
  }
  auto [code, out] = run("start-zookeeper-quorum.sh");
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(has(out, "zoo.cfg:5: bad server line 'server.2=localhost:")) << out;
  EXPECT_FALSE(fs::exists(logs_ / "zookeeper.pid")) << "nothing may start on a bad zoo.cfg";
}

TEST_F(scripts_test, missing_zoo_cfg_is_a_config_error) {
  auto [code, out] = run("start-zookeeper-quorum.sh");
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(has(out, (conf_ / "zoo.cfg").string() + ": not found")) << out;
}

TEST_F(scripts_test, stop_with_nothing_running_says_so) {
  auto [code, out] = run("stop-zookeeper-quorum.sh");
  EXPECT_EQ(code, 0) << out;
  EXPECT_TRUE(has(out, "No zookeeper to stop.")) << out;
}

}  // namespace
}  // namespace regent
