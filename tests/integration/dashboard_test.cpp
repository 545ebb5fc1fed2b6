// The web dashboard in a real browser (Debian's chromium, headless, driven over the DevTools
// protocol) against a real cluster: two jobmanagers and a taskmanager on filesystem HA. The page
// shows the leader and a running job, follows a `kill -9` of the leader to the new leader and
// epoch without a reload, and cancels a job. A failing test keeps a screenshot of the page and
// the folder with every log (the path is printed).

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "regent/harness/browser.hpp"
#include "regent/harness/local_cluster.hpp"

namespace regent {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
constexpr auto deadline = std::chrono::seconds(60);

/// A JavaScript string literal of `s`.
std::string js(const std::string& s) { return json(s).dump(); }

class dashboard_test : public ::testing::Test {
 protected:
  harness::temp_dir dir_{"dashboard"};
  harness::local_cluster cluster_{dir_.path() / "cluster"};
  std::unique_ptr<harness::browser> browser_;

  void TearDown() override {
    if (!HasFailure()) return;
    dir_.keep();
    if (browser_ && browser_->screenshot(dir_.path() / "failure.png"))
      std::fprintf(stderr, "screenshot of the page: %s\n", (dir_.path() / "failure.png").c_str());
    if (browser_) std::fprintf(stderr, "browser: %s\n", browser_->last_error().c_str());
    std::fprintf(stderr, "artefacts kept in %s\n%s\n", dir_.path().c_str(), cluster_.logs().c_str());
  }

  /// A job that runs for minutes unless cancelled.
  std::string long_job() {
    return R"({"name":"dashboard-count","parallelism":2,"source":{"type":"sequence","from":1,"to":100000000,)"
           R"("rate-per-second":200},"operators":[{"type":"map","function":"identity"}],)"
           R"("sink":{"type":"file","path":")" +
           (dir_.path() / "out").string() + R"("}})";
  }

  /// Two jobmanagers and a taskmanager; (leader port, standby port).
  std::pair<std::uint16_t, std::uint16_t> start_cluster() {
    auto a = cluster_.start_jobmanager();
    auto b = cluster_.start_jobmanager();
    EXPECT_NE(a, 0);
    EXPECT_NE(b, 0);
    cluster_.start_taskmanager();
    EXPECT_TRUE(cluster_.wait_json(a, "/overview", [](const json& j) { return j.value("taskmanagers", 0) == 1; }));
    EXPECT_TRUE(cluster_.wait_json(b, "/cluster/leader", [](const json& j) { return !j["leader"].is_null(); }));
    return harness::local_cluster::leader_port(b) == a ? std::make_pair(a, b) : std::make_pair(b, a);
  }

  static std::string url(std::uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); }

  /// What the page shows as the leader: "url epoch".
  std::string shown_leader() {
    auto v = browser_->evaluate(
        "document.getElementById('leader-url').textContent + ' ' + "
        "document.getElementById('leader-epoch').textContent");
    return v ? json::parse(*v).get<std::string>() : "";
  }

  bool page_shows_leader(std::uint16_t port, std::uint64_t epoch) {
    return browser_->wait_until(
        "document.getElementById('leader-url').textContent === " + js(url(port)) +
            " && document.getElementById('leader-epoch').textContent === " + js(std::to_string(epoch)),
        deadline);
  }

  bool page_shows_job(const std::string& id, const std::string& state) {
    return browser_->wait_until("(() => { const r = document.querySelector('#job-table tr[data-job-id=" + js(id) +
                                    "]'); return r && r.dataset.state === " + js(state) + "; })()",
                                deadline);
  }

  std::uint64_t epoch_at(std::uint16_t port) {
    auto l = harness::local_cluster::get(port, "/cluster/leader");
    return l.is_null() || l["leader"].is_null() ? 0 : l["leader"]["epoch"].get<std::uint64_t>();
  }

  void open_browser() {
    browser_ = std::make_unique<harness::browser>(dir_.path() / "browser");
    ASSERT_TRUE(browser_->ok()) << browser_->last_error() << "\n" << browser_->log_text();
  }
};

TEST_F(dashboard_test, the_standbys_page_follows_a_kill_of_the_leader_and_cancels_a_job) {
  auto [leader, standby] = start_cluster();
  ASSERT_FALSE(HasFailure());
  auto id = harness::local_cluster::submit(standby, long_job());
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(cluster_.wait_json(leader, "/jobs/" + id, [](const json& j) { return j["state"] == "RUNNING"; }));
  const auto first_epoch = epoch_at(leader);

  open_browser();
  ASSERT_TRUE(browser_->navigate(url(standby) + "/")) << browser_->last_error();
  // The standby's page: the leader with its epoch, a banner naming it a standby, the running job.
  EXPECT_TRUE(page_shows_leader(leader, first_epoch)) << shown_leader();
  EXPECT_TRUE(
      browser_->wait_until("!document.getElementById('role-banner').hidden && "
                           "document.getElementById('role-banner').textContent.includes('standby')",
                           deadline));
  ASSERT_TRUE(page_shows_job(id, "RUNNING"));

  // kill -9 of the leader: the same page, not reloaded, shows the new leader and its epoch,
  // and the job running again under it.
  cluster_.process_of(leader).signal(SIGKILL);
  ASSERT_TRUE(cluster_.wait_json(standby, "/cluster/leader", [&](const json& j) {
    return !j["leader"].is_null() && j["this"]["role"] == "leader";
  }));
  const auto second_epoch = epoch_at(standby);
  EXPECT_GT(second_epoch, first_epoch);
  EXPECT_TRUE(page_shows_leader(standby, second_epoch)) << shown_leader();
  EXPECT_TRUE(browser_->wait_until("document.getElementById('role-banner').hidden", deadline));
  ASSERT_TRUE(page_shows_job(id, "RUNNING"));
  // The leadership history lists both grants.
  EXPECT_TRUE(browser_->wait_until("document.querySelector('#grants tr[data-epoch=\"" + std::to_string(first_epoch) +
                                       "\"]') && document.querySelector('#grants tr[data-epoch=\"" +
                                       std::to_string(second_epoch) + "\"]')",
                                   deadline));

  // Cancel from the page: the button asks once more, the second click cancels.
  const std::string button = "document.querySelector('button.cancel[data-job-id=" + js(id) + "]')";
  ASSERT_TRUE(browser_->wait_until(button, deadline));
  ASSERT_TRUE(browser_->evaluate(button + ".click()"));
  ASSERT_TRUE(browser_->wait_until(button + ".textContent.includes('Really')", deadline));
  ASSERT_TRUE(browser_->evaluate(button + ".click()"));
  EXPECT_TRUE(page_shows_job(id, "CANCELED"));
  EXPECT_TRUE(cluster_.wait_json(standby, "/jobs/" + id, [](const json& j) { return j["state"] == "CANCELED"; }));
}

TEST_F(dashboard_test, the_page_served_by_the_leader_moves_to_the_standby_when_the_leader_dies_and_hides_cancel) {
  // conf/masters names both jobmanagers' REST ports, so the page knows the standby before it led.
  const auto port_a = harness::local_cluster::free_port(), port_b = harness::local_cluster::free_port();
  // This cluster hides the dashboard's cancel button (Flink's web.cancel.enable).
  std::ofstream(cluster_.dir() / "config.yaml", std::ios::app) << "web.cancel.enable: false\n";
  {
    std::ofstream masters(cluster_.dir() / "masters");
    masters << "127.0.0.1:" << port_a << "\n127.0.0.1:" << port_b << "\n";
  }
  ASSERT_EQ(cluster_.start_jobmanager(port_a), port_a);
  ASSERT_EQ(cluster_.start_jobmanager(port_b), port_b);
  cluster_.start_taskmanager();
  ASSERT_TRUE(cluster_.wait_json(port_b, "/cluster/leader", [](const json& j) { return !j["leader"].is_null(); }));
  const auto leader = harness::local_cluster::leader_port(port_b);
  const auto standby = leader == port_a ? port_b : port_a;
  auto id = harness::local_cluster::submit(leader, long_job());
  ASSERT_FALSE(id.empty());

  open_browser();
  ASSERT_TRUE(browser_->navigate(url(leader) + "/")) << browser_->last_error();
  EXPECT_TRUE(page_shows_leader(leader, epoch_at(leader))) << shown_leader();
  ASSERT_TRUE(page_shows_job(id, "RUNNING"));
  EXPECT_EQ(browser_->evaluate("document.querySelectorAll('button.cancel').length"), "0");
  EXPECT_EQ(harness::local_cluster::get(leader, "/config")["features"]["web-cancel"], false);
  // The standby is listed as a standby among the job managers.
  EXPECT_TRUE(browser_->wait_until("(() => { const r = document.querySelector('#jobmanagers tr[data-url=" +
                                       js(url(standby)) + "] .role'); return r && r.textContent === 'standby'; })()",
                                   deadline));

  cluster_.process_of(leader).signal(SIGKILL);
  ASSERT_TRUE(cluster_.wait_json(standby, "/cluster/leader", [&](const json& j) {
    return !j["leader"].is_null() && j["this"]["role"] == "leader";
  }));
  // The page (not reloaded) now polls the standby, which leads: new leader, new epoch, the job.
  EXPECT_TRUE(page_shows_leader(standby, epoch_at(standby))) << shown_leader();
  EXPECT_TRUE(browser_->wait_until("document.getElementById('role-banner').textContent.includes('cannot be reached')",
                                   deadline));
  EXPECT_TRUE(page_shows_job(id, "RUNNING"));
}

}  // namespace
}  // namespace regent
