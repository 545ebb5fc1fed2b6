// A cluster with TLS and mutual authentication on every port (issue 17, item 1), made with
// scripts/make-tls.sh on the test's conf dir: two jobmanagers (filesystem HA) and a taskmanager
// run the quickstart's exactly-once job through a kill -9 of the leader; the `regent` CLI of the
// same conf dir lists and cancels jobs; a standby forwards REST to the leader (over TLS RPC);
// clients without a certificate, with one of another CA, or plain TCP are refused at the
// handshake on the RPC and the REST port; bad key material stops a jobmanager with exit code 2.

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "regent/config/configuration.hpp"
#include "regent/config/settings.hpp"
#include "regent/harness/child_process.hpp"
#include "regent/harness/local_cluster.hpp"
#include "regent/rpc/client.hpp"
#include "regent/rpc/cluster_protocol.hpp"
#include "regent/rpc/rest_server.hpp"
#include "regent/tls/tls_context.hpp"

namespace regent {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using harness::local_cluster;
using namespace std::chrono_literals;
constexpr auto deadline = std::chrono::seconds(60);

bool has(const std::string& line, const std::string& what) { return line.find(what) != std::string::npos; }

/// Runs scripts/make-tls.sh on `conf` (with `args` before it); true on success.
bool make_tls(const fs::path& conf, const std::string& args = "") {
  fs::create_directories(conf);
  std::string cmd = std::string(REGENT_SOURCE_DIR) + "/scripts/make-tls.sh " + args + " " + conf.string() + " > " +
                    (conf / "make-tls.out").string() + " 2>&1";
  return std::system(cmd.c_str()) == 0;
}

/// The `security.ssl.<kind>` settings of a conf dir.
config::ssl_settings ssl_of(const fs::path& conf, const std::string& kind) {
  auto c = config::configuration::load(conf, {});
  EXPECT_TRUE(c) << c.err().message;
  auto s = config::validate_ssl(*c, kind);
  EXPECT_TRUE(s) << s.err().message;
  return *s;
}

tls::context_ptr client_context(config::ssl_settings s) {
  auto c = tls::build(s, tls::side::client);
  EXPECT_TRUE(c) << c.err().message;
  return c ? *c : nullptr;
}

class tls_cluster_test : public ::testing::Test {
 protected:
  harness::temp_dir dir_{"tls"};
  local_cluster cluster_{dir_.path() / "conf", "restart-strategy.fixed-delay.delay: 50 ms\n"};
  std::vector<std::unique_ptr<harness::child_process>> clis_;

  void SetUp() override {
    ASSERT_TRUE(make_tls(cluster_.dir())) << "scripts/make-tls.sh failed";
    local_cluster::use_rest_tls(client_context(ssl_of(cluster_.dir(), "rest")));
  }

  void TearDown() override {
    local_cluster::use_rest_tls(nullptr);
    if (HasFailure()) std::fprintf(stderr, "%s\n", cluster_.logs().c_str());
  }

  /// `regent --config-dir <conf> args...` to its end: exit code and output.
  std::pair<int, std::string> regent(std::vector<std::string> args, const fs::path& conf) {
    args.insert(args.begin(), {(harness::bin_dir() / "regent").string(), "--config-dir", conf.string()});
    clis_.push_back(std::make_unique<harness::child_process>(
        args, dir_.path() / ("cli" + std::to_string(clis_.size()) + ".out"), true));
    auto& p = *clis_.back();
    auto code = p.wait_exit(deadline);
    p.wait_for_line([](const std::string&) { return false; }, deadline);  // returns at the end of output
    std::string out;
    for (auto& l : p.lines()) out += l + "\n";
    return {code.value_or(-1), out};
  }

  /// Two jobmanagers named in conf/masters and one taskmanager; the REST ports, leader first.
  std::pair<std::uint16_t, std::uint16_t> start_cluster() {
    const auto a = local_cluster::free_port(), b = local_cluster::free_port();
    std::ofstream(cluster_.dir() / "masters") << "127.0.0.1:" << a << "\n127.0.0.1:" << b << "\n";
    EXPECT_EQ(cluster_.start_jobmanager(a), a);
    EXPECT_EQ(cluster_.start_jobmanager(b), b);
    cluster_.start_taskmanager();
    EXPECT_TRUE(cluster_.wait_json(a, "/overview", [](const json& j) { return j.value("taskmanagers", 0) == 1; }));
    const auto leader = local_cluster::leader_port(a);
    return {leader, leader == a ? b : a};
  }

  /// The RPC port a jobmanager logged ("RPC endpoint listening on host:port").
  std::uint16_t rpc_port_of(std::uint16_t rest_port) {
    auto line = cluster_.process_of(rest_port).wait_for_line(
        [](const std::string& l) { return has(l, "RPC endpoint listening on"); }, deadline);
    if (!line) return 0;
    return static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
  }
};

TEST_F(tls_cluster_test, the_quickstart_job_runs_exactly_once_through_a_kill_9_of_the_leader) {
  auto [leader, standby] = start_cluster();
  ASSERT_NE(leader, 0);
  const int n = 40000;
  const auto out = dir_.path() / "out";
  const std::string spec = R"({"name": "quickstart count", "parallelism": 4,
    "source": {"type": "sequence", "from": 1, "to": )" +
                           std::to_string(n) + R"(, "rate-per-second": 8000},
    "operators": [{"type": "map", "function": "identity"}],
    "sink": {"type": "file", "path": ")" +
                           out.string() + R"("}})";
  // Submitted through the standby: it forwards to the leader over the TLS RPC.
  auto id = local_cluster::submit(standby, spec);
  ASSERT_FALSE(id.empty()) << cluster_.logs();
  ASSERT_TRUE(cluster_.wait_json(standby, "/jobs/" + id + "/checkpoints",
                                 [](const json& j) { return j["counts"].value("completed", 0) >= 2; }));
  // The leader's RPCs to the taskmanager and back are TLS with mutual authentication.
  EXPECT_TRUE(cluster_.process_of(leader).wait_for_line(
      [](const std::string& l) { return has(l, "rpc server listening") && has(l, "(TLS, mutual authentication)"); },
      deadline));

  cluster_.process_of(leader).signal(SIGKILL);
  ASSERT_TRUE(cluster_.wait_json(standby, "/cluster/leader", [](const json& j) {
    return !j["leader"].is_null() && j["this"]["role"] == "leader";
  }));
  ASSERT_TRUE(cluster_.wait_json(
      standby, "/jobs/" + id, [](const json& j) { return j["state"] == "FINISHED"; }, std::chrono::seconds(120)));

  std::multiset<long> seen;
  for (auto& f : fs::directory_iterator(out))
    if (f.path().filename().string().rfind("part-", 0) == 0) {
      std::ifstream in(f.path());
      for (long v; in >> v;) seen.insert(v);
    }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(n));
  for (long v = 1; v <= n; ++v)
    if (seen.count(v) != 1) {
      ADD_FAILURE() << v << " committed " << seen.count(v) << " times";
      break;
    }
}

TEST_F(tls_cluster_test, the_cli_of_the_same_conf_dir_lists_and_cancels_and_one_without_tls_is_refused) {
  auto [leader, standby] = start_cluster();
  ASSERT_NE(leader, 0);
  const std::string spec = R"({"name": "endless", "parallelism": 1,
    "source": {"type": "sequence", "from": 1, "to": 1000000000, "rate-per-second": 100},
    "sink": {"type": "discard"}})";
  auto id = local_cluster::submit(leader, spec);
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(cluster_.wait_json(leader, "/jobs/" + id, [](const json& j) { return j["state"] == "RUNNING"; }));

  auto [list_code, listed] = regent({"list"}, cluster_.dir());
  EXPECT_EQ(list_code, 0) << listed;
  EXPECT_TRUE(has(listed, id)) << listed;

  // A conf dir naming the same masters without TLS, and one with certificates of another CA.
  const auto plain = dir_.path() / "plain", foreign = dir_.path() / "foreign";
  for (auto& d : {plain, foreign}) {
    fs::create_directories(d);
    fs::copy_file(cluster_.dir() / "masters", d / "masters");
  }
  ASSERT_TRUE(make_tls(foreign));
  for (auto& d : {plain, foreign}) {
    auto [code, said] = regent({"--timeout", "1", "status", id}, d);
    EXPECT_EQ(code, 1) << d << ": " << said;
    EXPECT_FALSE(has(said, "RUNNING")) << d << ": " << said;
  }

  auto [cancel_code, cancelled] = regent({"cancel", id}, cluster_.dir());
  EXPECT_EQ(cancel_code, 0) << cancelled;
  EXPECT_TRUE(cluster_.wait_json(standby, "/jobs/" + id, [](const json& j) { return j["state"] == "CANCELED"; }));
}

TEST_F(tls_cluster_test, clients_without_a_cluster_certificate_are_refused_on_the_rpc_and_the_rest_port) {
  auto [leader, standby] = start_cluster();
  ASSERT_NE(leader, 0);
  const auto rpc_port = rpc_port_of(leader);
  ASSERT_NE(rpc_port, 0);
  ASSERT_TRUE(make_tls(dir_.path() / "foreign", "--no-config"));

  auto ours = ssl_of(cluster_.dir(), "internal");
  auto no_certificate = ours;
  no_certificate.keystore.path.clear();
  auto foreign = ours;  // trusts our CA, presents a certificate of another
  foreign.keystore.path.clear();
  foreign.cert.path = (dir_.path() / "foreign" / "tls" / "node.crt").string();
  foreign.key.path = (dir_.path() / "foreign" / "tls" / "node.key").string();

  auto ask_rpc = [&](tls::context_ptr tls) {
    rpc::client c({"127.0.0.1", rpc_port, rpc::default_max_frame_bytes, std::move(tls)});
    return c.request(rpc::make_request(rpc::method::dispatcher_query, {}, rpc::encode(rpc::query{})), 20s);
  };
  // The cluster's own certificate gets an answer (a fencing refusal: the test holds no token)...
  auto answered = ask_rpc(client_context(ours));
  ASSERT_TRUE(answered) << answered.err().message;
  // ...the others get no answer at all.
  for (auto* s : {&no_certificate, &foreign}) {
    auto r = ask_rpc(client_context(*s));
    EXPECT_FALSE(r) << "an RPC client without a cluster certificate was answered";
  }
  EXPECT_FALSE(ask_rpc(nullptr)) << "a plain TCP client was answered";
  EXPECT_TRUE(cluster_.process_of(leader).wait_for_line(
      [](const std::string& l) { return has(l, "TLS handshake with") && has(l, "refused"); }, deadline));

  auto rest_ours = ssl_of(cluster_.dir(), "rest");
  auto rest_no_certificate = rest_ours;
  rest_no_certificate.keystore.path.clear();
  auto rest_foreign = rest_ours;
  rest_foreign.keystore.path.clear();
  rest_foreign.cert = foreign.cert;
  rest_foreign.key = foreign.key;
  for (auto* s : {&rest_no_certificate, &rest_foreign}) {
    auto r = rpc::http_call("127.0.0.1", standby, {"GET", "/overview", "", ""}, 20s, client_context(*s));
    EXPECT_FALSE(r) << "a REST client without a cluster certificate got HTTP " << r->status;
  }
  auto plain = rpc::http_call("127.0.0.1", standby, {"GET", "/overview", "", ""}, 20s);
  EXPECT_FALSE(plain) << "a plain HTTP client got HTTP " << plain->status;
  EXPECT_TRUE(cluster_.process_of(standby).wait_for_line(
      [](const std::string& l) { return has(l, "REST: TLS handshake with") && has(l, "refused"); }, deadline));
}

TEST(tls_jobmanager, key_material_that_cannot_be_used_exits_2_naming_the_key) {
  harness::temp_dir dir{"tls-config"};
  ASSERT_TRUE(make_tls(dir.path()));
  ASSERT_TRUE(make_tls(dir.path() / "other", "--no-config"));
  std::ofstream(dir.path() / "config.yaml", std::ios::app)
      << "high-availability.storageDir: " << (dir.path() / "ha").string() << "\n";
  const auto tls_dir = dir.path() / "tls";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"security.ssl.internal.keystore-password=wrong"}, "security.ssl.internal.keystore-password: wrong password"},
      {{"security.ssl.rest.truststore=" + (tls_dir / "missing.p12").string()},
       "security.ssl.rest.truststore: cannot read"},
      {{"security.ssl.internal.keystore=" + (tls_dir / "ca.crt").string()}, "security.ssl.internal.keystore: "},
      {{"security.ssl.internal.keystore=", "security.ssl.internal.cert=" + (tls_dir / "node.crt").string(),
        "security.ssl.internal.key=" + (dir.path() / "other" / "tls" / "node.key").string()},
       "security.ssl.internal.key: the private key in"},
      {{"security.ssl.rest.keystore="}, "security.ssl.rest.keystore: not set"},
  };
  int n = 0;
  for (auto& [overrides, expected] : cases) {
    std::vector<std::string> argv{(harness::bin_dir() / "jobmanager").string(), "--config-dir", dir.path().string(),
                                  "-D", "rest.port=0"};
    for (auto& o : overrides) argv.insert(argv.end(), {"-D", o});
    harness::child_process jm(argv, dir.path() / ("jm" + std::to_string(n++) + ".out"), true);
    EXPECT_EQ(jm.wait_exit(deadline), std::optional<int>(2)) << expected;
    auto line = jm.wait_for_line([&](const std::string& l) { return has(l, expected); }, 5s);
    EXPECT_TRUE(line) << "expected '" << expected << "' in:\n" << jm.log_text();
  }
}

}  // namespace
}  // namespace regent
