// The leadership supervisor through real message exchange: grants from a real election
// driver, status requests, stale events dropped, step-down on shutdown.

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include <caf/all.hpp>

#include "regent/actors/cluster.hpp"
#include "regent/actors/leadership_supervisor.hpp"
#include "regent/ha/filesystem/filesystem_ha_services.hpp"
#include "regent/ha/storage/file_io.hpp"
#include "regent/harness/child_process.hpp"
#include "regent/rpc/cluster_protocol.hpp"

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
      .receive(
          [&](const std::string& role, const fencing_token& t, std::uint64_t n) {
            out = {role, t, n};
          },
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
  /// Filesystem HA services in `folder` of this test's directory, over `io` if given.
  std::unique_ptr<ha::ha_services> ha_in(const std::string& folder, ha::storage::file_io* io = nullptr) {
    ha::filesystem::options o;
    o.storage_dir = dir_.path() / folder;
    o.job_result_store_dir = dir_.path() / folder / "jrs";
    o.io = io;
    return ha::filesystem::make_ha_services(o);
  }
  std::unique_ptr<ha::ha_services> ha_ = ha_in("ha");
  caf::actor_system_config cfg_;
  caf::actor_system sys_{cfg_};
};

TEST_F(supervisor_test, a_grant_makes_it_leader_and_publishes_every_component) {
  supervisor_config sc;
  sc.rpc_address = "127.0.0.1:6123";
  sc.rest_url = "http://127.0.0.1:8081";
  sc.board = std::make_shared<leadership_board>();
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
  using reasons = std::map<std::string, std::uint64_t>;
  EXPECT_EQ(sc.board->get().changes_by_reason, (reasons{{"granted", 1}, {"shutdown", 1}}));
  ha_->election().stop();
}

TEST_F(supervisor_test, stale_grants_and_foreign_revokes_are_dropped) {
  supervisor_config sc;
  sc.board = std::make_shared<leadership_board>();
  auto sup = spawn_leadership_supervisor(sys_, *ha_, sc);
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
  using reasons = std::map<std::string, std::uint64_t>;
  EXPECT_EQ(sc.board->get().changes_by_reason, (reasons{{"granted", 1}, {"revoked", 1}}))
      << "dropped events are no changes";
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

/// A file_io test double over the real file system whose reads of job graphs (and writes of the
/// files `gate_writes_to` names) wait at a gate the test opens, and which counts what touches
/// the checkpoint store.
class gated_file_io final : public ha::storage::file_io {
 public:
  void close_gate() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
  }
  void open_gate() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  /// Waits until at least one job graph read is held at the gate.
  bool wait_blocked() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, deadline, [&] { return blocked_ > 0; });
  }
  int checkpoint_touches() const { return checkpoint_touches_.load(); }
  /// Writes of files named `name` wait at the gate too.
  void gate_writes_to(std::string name) {
    std::lock_guard<std::mutex> lock(mu_);
    gated_writes_ = std::move(name);
  }

  result<void> write_atomic(const std::filesystem::path& f, std::string_view b, bool no_replace) override {
    bool gated;
    {
      std::lock_guard<std::mutex> lock(mu_);
      gated = !gated_writes_.empty() && f.filename() == gated_writes_;
    }
    if (gated) hold();
    return real_.write_atomic(f, b, no_replace);
  }
  result<std::string> read(const std::filesystem::path& f) const override {
    if (f.string().find("/jobgraphs/") != std::string::npos) hold();
    note(f);
    return real_.read(f);
  }
  result<void> remove(const std::filesystem::path& f) override { return real_.remove(f); }
  result<void> remove_all(const std::filesystem::path& d) override { return real_.remove_all(d); }
  result<void> rename(const std::filesystem::path& from, const std::filesystem::path& to, bool no_replace) override {
    return real_.rename(from, to, no_replace);
  }
  result<std::vector<std::string>> list(const std::filesystem::path& d) const override {
    note(d);
    return real_.list(d);
  }
  bool exists(const std::filesystem::path& p) const override { return real_.exists(p); }

 private:
  void hold() const {
    std::unique_lock<std::mutex> lock(mu_);
    ++blocked_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
  }
  void note(const std::filesystem::path& p) const {
    if (p.string().find("/checkpoints") != std::string::npos) ++checkpoint_touches_;
  }
  ha::storage::file_io& real_ = ha::storage::posix_file_io();
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool open_ = true;
  mutable int blocked_ = 0;
  mutable std::atomic<int> checkpoint_touches_{0};
  std::string gated_writes_;
};

// A revoke that arrives while the new leader is still recovering its jobs wins at once, and
// recovery stops: no job master goes on to read checkpoints or ask for slots.
TEST_F(supervisor_test, a_revoke_during_recovery_stops_the_recovery) {
  gated_file_io io;
  auto ha = ha_in("gated", &io);
  caf::scoped_actor self{sys_};
  auto sup = spawn_leadership_supervisor(sys_, *ha, {});
  const auto alone = sys_.registry().running();  // this test and the supervisor, before any session
  auto running_is = [&](std::size_t n) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (sys_.registry().running() != n && std::chrono::steady_clock::now() < until) std::this_thread::yield();
    return sys_.registry().running() == n;
  };
  auto listener = make_election_listener(sup);
  ASSERT_TRUE(ha->election().start(*listener).ok());
  auto first = ask_until(self, sup, [](const status& s) { return s.role == "leader"; });
  ASSERT_EQ(first.role, "leader");
  // Four jobs in the job graph store, as a leader leaves them behind.
  for (int k = 0; k < 4; ++k) {
    char id[33];
    std::snprintf(id, sizeof id, "%032x", 0x5000 + k);
    auto spec =
        std::string("{\"name\":\"held\",\"job-id\":\"") + id +
        "\",\"parallelism\":1,\"source\":{\"type\":\"sequence\",\"from\":1,\"to\":10},\"sink\":{\"type\":\"discard\"}}";
    ASSERT_TRUE(ha->job_graphs().put(first.token, *job_id::parse(id), spec).ok());
  }
  self->send(sup, revoke_atom::value, first.token);
  ASSERT_EQ(ask_until(self, sup, [](const status& s) { return s.role == "standby"; }).role, "standby");
  ASSERT_TRUE(running_is(alone)) << "the first session's actors did not end: " << sys_.registry().running()
                                 << " running, " << alone << " at first";

  // The next grant's recovery is held at its first job graph read ...
  ha->election().stop();
  io.close_gate();
  ASSERT_TRUE(ha->election().start(*listener).ok());
  ASSERT_TRUE(io.wait_blocked()) << "recovery never read a job graph";
  // (The dispatcher reads every graph in one batch, then every latest checkpoint in another.)
  auto recovering = ask_until(self, sup, [&](const status& s) { return s.token.epoch > first.token.epoch; });
  ASSERT_GT(recovering.token.epoch, first.token.epoch);
  // ... and a revoke then is handled at once, not after the recovery.
  self->send(sup, revoke_atom::value, recovering.token);
  EXPECT_EQ(ask_until(self, sup, [](const status& s) { return s.role == "standby"; }).role, "standby");
  io.open_gate();
  // Every actor of that session ends, no job master going past its job graph.
  EXPECT_TRUE(running_is(alone)) << "actors of the revoked session are still running";
  EXPECT_EQ(io.checkpoint_touches(), 0) << "a job master went on to read checkpoints after the revoke";
  self->send(sup, shutdown_atom::value);
  self->wait_for(sup);
  ha->election().stop();
}

/// Forwards election callbacks to the supervisor and keeps the newest granted token, as the
/// taskmanagers and clients learn it from the published leader info.
class token_keeping_listener final : public ha::leader_election_listener {
 public:
  explicit token_keeping_listener(leadership_supervisor_actor s) : inner_(make_election_listener(std::move(s))) {}
  void on_grant(const fencing_token& token, std::int64_t since_ms) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      token_ = token;
    }
    cv_.notify_all();
    inner_->on_grant(token, since_ms);
  }
  void on_revoke(const fencing_token& token) override { inner_->on_revoke(token); }
  void on_error(const error& e) override { inner_->on_error(e); }
  /// The token of a grant newer than `epoch`, or epoch 0 at the deadline.
  fencing_token granted_after(epoch_t epoch) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, deadline, [&] { return token_.epoch > epoch; });
    return token_.epoch > epoch ? token_ : fencing_token{};
  }

 private:
  std::unique_ptr<ha::leader_election_listener> inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  fencing_token token_;
};

/// Where the responder of a routed request sends its answer (a test double of a connection).
class answer_sink final : public rpc::detail::reply_sink {
 public:
  bool send(rpc::envelope response) override {
    answer_.set_value(std::move(response));
    return true;
  }
  std::future<rpc::envelope> answer() { return answer_.get_future(); }

 private:
  std::promise<rpc::envelope> answer_;
};

// An RPC that reaches the new leader before its dispatcher has recovered (the router knows the
// session from the grant on; the leader info is being written) waits and is answered once
// recovery is done: the job the previous leader left is known by then, not "no job".
TEST_F(supervisor_test, an_rpc_that_arrives_before_recovery_is_answered_after_it) {
  gated_file_io io;
  auto ha = ha_in("early", &io);
  caf::scoped_actor self{sys_};
  rpc_router router;
  supervisor_config cfg;
  cfg.router = &router;
  auto sup = spawn_leadership_supervisor(sys_, *ha, cfg);
  token_keeping_listener listener(sup);
  ASSERT_TRUE(ha->election().start(listener).ok());
  auto first = ask_until(self, sup, [](const status& s) { return s.role == "leader"; });
  ASSERT_EQ(first.role, "leader");
  const std::string id = "00000000000000000000000000006000";
  auto spec =
      "{\"name\":\"left\",\"job-id\":\"" + id +
      "\",\"parallelism\":1,\"source\":{\"type\":\"sequence\",\"from\":1,\"to\":10},\"sink\":{\"type\":\"discard\"}}";
  ASSERT_TRUE(ha->job_graphs().put(first.token, *job_id::parse(id), spec).ok());
  self->send(sup, revoke_atom::value, first.token);
  ASSERT_EQ(ask_until(self, sup, [](const status& s) { return s.role == "standby"; }).role, "standby");

  // The next grant stops while it publishes its leader info, before it asks for recovery.
  ha->election().stop();
  io.gate_writes_to("connection_info");
  io.close_gate();
  ASSERT_TRUE(ha->election().start(listener).ok());
  auto token = listener.granted_after(first.token.epoch);
  ASSERT_GT(token.epoch, first.token.epoch);
  ASSERT_TRUE(io.wait_blocked()) << "the grant never published its leader info";

  auto request = rpc::make_request(rpc::method::dispatcher_status, token, rpc::encode(rpc::job_ref{id}));
  auto sink = std::make_shared<answer_sink>();
  auto answer = sink->answer();
  router.route(request, rpc::responder(sink, request));
  io.open_gate();
  ASSERT_EQ(answer.wait_for(deadline), std::future_status::ready) << "the status request was never answered";
  auto reply = rpc::to_result(answer.get());
  ASSERT_TRUE(reply.ok()) << reply.err().message;
  auto st = rpc::decode_job_status(reply->payload);
  ASSERT_TRUE(st.ok()) << st.err().message;
  EXPECT_EQ(st->job_id, id);

  self->send(sup, shutdown_atom::value);
  self->wait_for(sup);
  ha->election().stop();
}

}  // namespace
}  // namespace regent::actors
