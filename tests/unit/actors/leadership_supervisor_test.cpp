// The leadership supervisor through real message exchange: grants from a real election
// driver, status requests, stale events dropped, step-down on shutdown.

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include <caf/all.hpp>

#include "regent/actors/leadership_supervisor.hpp"
#include "regent/ha/filesystem/filesystem_ha_services.hpp"
#include "regent/harness/child_process.hpp"

namespace regent::actors {
namespace {

constexpr auto deadline = std::chrono::seconds(15);

struct status {
  std::string role;
  fencing_token token;
  std::uint64_t changes = 0;
};

status ask(caf::scoped_actor& self, const leadership_supervisor_actor& s) {
  status out;
  self->request(s, std::chrono::seconds(5), status_atom::value)
      .receive([&](const std::string& role, const fencing_token& t, std::uint64_t n) { out = {role, t, n}; },
               [&](caf::error&) { out.role = "error"; });
  return out;
}

/// Asks until `pred` holds or the deadline passes (each ask is a real round trip).
template <class Pred>
status ask_until(caf::scoped_actor& self, const leadership_supervisor_actor& s, Pred pred) {
  auto until = std::chrono::steady_clock::now() + deadline;
  status st;
  do {
    st = ask(self, s);
    if (pred(st)) return st;
    std::this_thread::yield();
  } while (std::chrono::steady_clock::now() < until);
  return st;
}

class supervisor_test : public ::testing::Test {
 protected:
  harness::temp_dir dir_{"supervisor"};
  std::unique_ptr<ha::ha_services> ha_ = [this] {
    ha::filesystem::options o;
    o.storage_dir = dir_.path() / "ha";
    o.job_result_store_dir = dir_.path() / "ha" / "jrs";
    return ha::filesystem::make_ha_services(o);
  }();
  caf::actor_system_config cfg_;
  caf::actor_system sys_{cfg_};
};

TEST_F(supervisor_test, a_grant_makes_it_leader_and_publishes_every_component) {
  supervisor_config sc;
  sc.rpc_address = "127.0.0.1:6123";
  sc.rest_url = "http://127.0.0.1:8081";
  auto sup = spawn_leadership_supervisor(sys_, *ha_, sc);
  auto listener = make_election_listener(sup);
  ASSERT_TRUE(ha_->election().start(*listener).ok());
  caf::scoped_actor self{sys_};
  auto st = ask_until(self, sup, [](const status& s) { return s.role == "leader"; });
  ASSERT_EQ(st.role, "leader");
  EXPECT_TRUE(st.token.valid());
  for (const char* c : {ha::component::dispatcher, ha::component::resource_manager, ha::component::rest_server}) {
    auto r = ha_->make_retrieval(c);
    struct : ha::leader_retrieval_listener {
      void on_leader_change(const std::optional<ha::leader_info>&) override {}
    } quiet;
    ASSERT_TRUE(r->start(quiet).ok());
    auto until = std::chrono::steady_clock::now() + deadline;
    while (!r->current() && std::chrono::steady_clock::now() < until) std::this_thread::yield();
    ASSERT_TRUE(r->current()) << c << " was not published";
    EXPECT_EQ(r->current()->token, st.token);
    EXPECT_EQ(r->current()->rest_url, "http://127.0.0.1:8081");
    r->stop();
  }
  self->send(sup, shutdown_atom::value);
  self->wait_for(sup);
  ha_->election().stop();
}

TEST_F(supervisor_test, stale_grants_and_foreign_revokes_are_dropped) {
  auto sup = spawn_leadership_supervisor(sys_, *ha_, {});
  auto listener = make_election_listener(sup);
  ASSERT_TRUE(ha_->election().start(*listener).ok());
  caf::scoped_actor self{sys_};
  auto st = ask_until(self, sup, [](const status& s) { return s.role == "leader"; });
  ASSERT_EQ(st.role, "leader");
  // A revoke for a session that is not the current one changes nothing.
  self->send(sup, revoke_atom::value, fencing_token{st.token.epoch, "00000000-0000-4000-8000-000000000000"});
  // A grant whose epoch is not newer than the newest seen is dropped.
  self->send(sup, grant_atom::value, fencing_token{st.token.epoch, "11111111-1111-4111-8111-111111111111"},
             std::int64_t{0});
  auto after = ask(self, sup);
  EXPECT_EQ(after.role, "leader");
  EXPECT_EQ(after.token, st.token);
  EXPECT_EQ(after.changes, st.changes);
  // The real revoke of the current session makes it a standby.
  self->send(sup, revoke_atom::value, st.token);
  auto revoked = ask(self, sup);
  EXPECT_EQ(revoked.role, "standby");
  EXPECT_EQ(revoked.changes, st.changes + 1);
  self->send(sup, shutdown_atom::value);
  self->wait_for(sup);
  ha_->election().stop();
}

TEST_F(supervisor_test, a_driver_failure_is_fatal_for_the_process) {
  std::promise<std::pair<int, std::string>> fatal;
  supervisor_config sc;
  sc.on_fatal = [&](int code, const std::string& why) { fatal.set_value({code, why}); };
  auto sup = spawn_leadership_supervisor(sys_, *ha_, sc);
  auto listener = make_election_listener(sup);
  listener->on_error(error{std::make_error_code(std::errc::io_error), "disk gone"});
  auto f = fatal.get_future();
  ASSERT_EQ(f.wait_for(deadline), std::future_status::ready);
  auto [code, why] = f.get();
  EXPECT_EQ(code, 1);
  EXPECT_NE(why.find("disk gone"), std::string::npos);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace regent::actors
