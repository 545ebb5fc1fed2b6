// The `taskmanager` binary as users run it, against a leader played by the test: the test
// contends through an in-process `filesystem` ha_services, publishes `resource_manager` leader
// info that points at an RPC server of its own (fake_leader, a test double), and starts a real
// taskmanager process on the same conf dir. The taskmanager must find that leader, register
// with its token, heartbeat, run deployed subtasks with exactly-once file output, reject stale
// tokens, fetch user code from the leader, and follow a new leader after a failover.

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>

#include "regent/ha/filesystem/filesystem_ha_services.hpp"
#include "regent/ha/storage/file_io.hpp"
#include "regent/ha/storage/payload.hpp"
#include "fake_leader.hpp"
#include "regent/harness/child_process.hpp"
#include "regent/rpc/client.hpp"
#include "regent/rpc/cluster_protocol.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/rpc/fencing.hpp"
#include "regent/rpc/server.hpp"
#include "regent/task/file_sink.hpp"

namespace regent {
namespace {

using test::fake_leader;

namespace fs = std::filesystem;
using kind = rpc::subtask_event::kind;
constexpr auto deadline = std::chrono::seconds(30);

bool has(const std::string& line, const std::string& what) { return line.find(what) != std::string::npos; }

/// Number of events of `what` for (job, attempt), optionally of one subtask index.
int count(const fake_leader::records& r, const std::string& job, std::uint64_t attempt, kind what, int index = -1) {
  return static_cast<int>(std::count_if(r.events.begin(), r.events.end(), [&](const rpc::subtask_event& e) {
    return e.subtask.job_id == job && e.subtask.attempt == attempt && e.what == what &&
           (index < 0 || e.subtask.index == index);
  }));
}

/// The test's side of the leader election: records the grant.
class grant_listener final : public ha::leader_election_listener {
 public:
  void on_grant(const fencing_token& token, std::int64_t) override {
    std::lock_guard<std::mutex> lock(mu_);
    granted_ = token;
    cv_.notify_all();
  }
  void on_revoke(const fencing_token&) override {
    std::lock_guard<std::mutex> lock(mu_);
    granted_.reset();
  }
  void on_error(const error& e) override { ADD_FAILURE() << "election error: " << e.message; }
  std::optional<fencing_token> wait_grant() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, deadline, [this] { return granted_.has_value(); });
    return granted_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<fencing_token> granted_;
};

/// A "jobmanager" of the test: in-process HA services that contend, plus the fake leader's
/// RPC endpoint once granted.
struct jobmanager_double {
  std::unique_ptr<ha::ha_services> ha;
  grant_listener listener;
  std::unique_ptr<fake_leader> leader;
};

std::string job_hex(int n) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%032x", n);
  return buf;
}

/// Every number in the committed part files of `dir`, sorted.
std::vector<std::int64_t> committed_numbers(const fs::path& dir) {
  std::vector<std::int64_t> out;
  auto parts = task::committed_parts(dir);
  if (!parts) return out;
  for (const auto& name : *parts) {
    std::ifstream in(dir / name);
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) out.push_back(std::stoll(line));
  }
  std::sort(out.begin(), out.end());
  return out;
}

class taskmanager_test : public ::testing::Test {
 protected:
  harness::temp_dir dir_{"taskmanager"};
  std::vector<std::unique_ptr<jobmanager_double>> jms_;
  std::unique_ptr<harness::child_process> tm_;
  std::map<std::string, std::unique_ptr<rpc::client>> clients_;

  void SetUp() override {
    std::ofstream(dir_.path() / "config.yaml")
        << "high-availability:\n"
        << "  type: filesystem\n"
        << "  storageDir: " << (dir_.path() / "ha").string() << "\n"
        << "  cluster-id: tm-test\n"
        << "heartbeat.interval: 100 ms\n"
        << "heartbeat.timeout: 5 s\n"
        << "taskmanager.numberOfTaskSlots: 2\n"
        << "state.checkpoints.dir: " << (dir_.path() / "checkpoints").string() << "\n"
        << "io.tmp.dirs: " << (dir_.path() / "tmp").string() << "\n"
        << "env.log.dir: " << (dir_.path() / "log").string() << "\n"
        << "log.level: info\n";
  }

  void TearDown() override {
    if (HasFailure() && tm_)
      std::fprintf(stderr, "---- %s ----\n%s\n", tm_->log_file().c_str(), tm_->log_text().c_str());
    clients_.clear();
    tm_.reset();
    for (auto& jm : jms_) {
      jm->ha->election().stop();
      jm->leader.reset();
    }
  }

  /// Starts another in-process contender over the same storage dir.
  jobmanager_double& contend() {
    auto jm = std::make_unique<jobmanager_double>();
    ha::filesystem::options o;
    o.storage_dir = dir_.path() / "ha";
    o.cluster_id = "tm-test";
    o.job_result_store_dir = dir_.path() / "ha" / "job-result-store" / "tm-test";
    jm->ha = ha::filesystem::make_ha_services(o);
    EXPECT_TRUE(jm->ha->election().start(jm->listener).ok());
    jms_.push_back(std::move(jm));
    return *jms_.back();
  }

  /// Waits for `jm`'s grant, starts its fake leader and publishes it as resource_manager.
  fake_leader& lead(jobmanager_double& jm) {
    auto token = jm.listener.wait_grant();
    if (!token) throw std::runtime_error("the test's contender was not granted leadership");
    jm.leader = std::make_unique<fake_leader>(*token);
    ha::leader_info info{jm.leader->address(), "", *token, 1};
    auto published = jm.ha->election().publish(ha::component::resource_manager, info);
    if (!published) throw std::runtime_error("publish: " + published.err().message);
    return *jm.leader;
  }

  /// Without task-preserving failover: a new leader's arrival cancels the old leader's subtasks.
  const std::vector<std::string> restart_mode{"-D", "jobmanager.failover.task-preserving=false"};

  harness::child_process& start_taskmanager(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{(harness::bin_dir() / "taskmanager").string(), "--config-dir", dir_.path().string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    tm_ = std::make_unique<harness::child_process>(argv, dir_.path() / "tm.out", true);
    return *tm_;
  }

  /// Waits for the first registration at `leader`; returns it.
  rpc::register_taskmanager registered_at(fake_leader& leader) {
    if (!leader.wait([](auto& r) { return !r.registrations.empty(); }))
      throw std::runtime_error("the taskmanager did not register at " + leader.address());
    return leader.snapshot().registrations.front();
  }

  /// Sends one request to the taskmanager at `address` as a leader with `token` would.
  result<rpc::envelope> call(const std::string& address, const std::string& method, const fencing_token& token,
                             std::string payload) {
    auto& c = clients_[address];
    if (!c) {
      auto colon = address.rfind(':');
      rpc::client_options o;
      o.host = address.substr(0, colon);
      o.port = static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1)));
      c = std::make_unique<rpc::client>(o);
    }
    auto r = c->request(rpc::make_request(method, token, std::move(payload)), std::chrono::seconds(10));
    if (!r) return r;
    return rpc::to_result(std::move(*r));
  }

  result<rpc::envelope> deploy(const std::string& address, const fencing_token& token, const std::string& job,
                               std::uint64_t attempt, int index, int parallelism, const std::string& spec,
                               const std::string& restore = "") {
    rpc::deploy d{{job, attempt, index}, parallelism, spec, restore, (dir_.path() / "checkpoints").string()};
    return call(address, rpc::method::tm_deploy, token, rpc::encode(d));
  }

  /// A job of numbers 1..`to` into a file sink at `out`.
  static std::string sequence_job(const std::string& job, int parallelism, std::int64_t to, const fs::path& out,
                                  const std::string& extra_source = "", const std::string& operators = "[]") {
    std::ostringstream s;
    s << R"({"name": "seq", "parallelism": )" << parallelism << R"(, "job-id": ")" << job << R"(",)"
      << R"( "source": {"type": "sequence", "from": 1, "to": )" << to << extra_source << "},"
      << R"( "operators": )" << operators << ","
      << R"( "sink": {"type": "file", "path": ")" << out.string() << R"("}})";
    return s.str();
  }

  /// A job that runs far longer than any test: 10 records per second over a huge range.
  std::string slow_job(const std::string& job) const {
    return sequence_job(job, 2, 1000000000, dir_.path() / ("out-" + job), R"(, "rate-per-second": 10)");
  }
};

TEST_F(taskmanager_test, registers_with_the_leaders_token_and_its_slots_and_heartbeats) {
  auto& leader = lead(contend());
  auto& tm = start_taskmanager();
  auto reg = registered_at(leader);
  EXPECT_EQ(reg.slots, 2);
  EXPECT_TRUE(is_uuid(reg.taskmanager_id)) << reg.taskmanager_id;
  EXPECT_TRUE(reg.address.rfind("127.0.0.1:", 0) == 0) << reg.address;
  EXPECT_EQ(leader.snapshot().rejected, 0) << "every request carried the leader's token";
  EXPECT_TRUE(tm.wait_for_line(
      [&](auto& l) { return has(l, "registered at leader " + leader.address() + " " + leader.token().to_string()); },
      deadline));

  ASSERT_TRUE(leader.wait([](auto& r) { return r.heartbeats >= 3; })) << "heartbeats did not arrive";

  // A leader that forgot the taskmanager (heartbeat reply known=false) gets a new registration.
  leader.set_known(false);
  ASSERT_TRUE(leader.wait([](auto& r) { return r.registrations.size() >= 2; })) << "no registration after known=false";
  leader.set_known(true);
  auto again = leader.snapshot().registrations.back();
  EXPECT_EQ(again.taskmanager_id, reg.taskmanager_id);
  EXPECT_EQ(again.address, reg.address);
  EXPECT_EQ(leader.snapshot().rejected, 0);
}

TEST_F(taskmanager_test, retries_registration_until_the_leader_accepts_it_and_logs_the_failure_once) {
  auto& leader = lead(contend());
  leader.refuse_registrations(3);
  auto& tm = start_taskmanager();
  auto reg = registered_at(leader);
  EXPECT_EQ(reg.slots, 2);
  EXPECT_EQ(leader.snapshot().refused, 3);
  ASSERT_TRUE(tm.wait_for_line([&](auto& l) { return has(l, "registered at leader " + leader.address()); }, deadline));
  auto lines = tm.lines();
  EXPECT_EQ(std::count_if(lines.begin(), lines.end(), [](auto& l) { return has(l, "registration at leader"); }), 1)
      << "a failing registration is logged once per leader";
}

TEST_F(taskmanager_test, runs_a_job_and_commits_its_file_output_exactly_once_on_the_checkpoint_notice) {
  auto& leader = lead(contend());
  start_taskmanager();
  auto tm = registered_at(leader).address;
  const auto job = job_hex(1);
  const auto out = dir_.path() / "out";
  const auto spec = sequence_job(job, 2, 5000, out);
  const auto& token = leader.token();

  for (int i = 0; i < 2; ++i) {
    auto r = deploy(tm, token, job, 1, i, 2, spec);
    ASSERT_TRUE(r.ok()) << r.err().message;
  }
  ASSERT_TRUE(leader.wait([&](auto& r) { return count(r, job, 1, kind::end_of_input) == 2; }))
      << "end_of_input did not arrive from both subtasks";

  ASSERT_TRUE(call(tm, rpc::method::tm_trigger, token, rpc::encode(rpc::checkpoint_command{job, 1, 1})).ok());
  ASSERT_TRUE(leader.wait([&](auto& r) { return count(r, job, 1, kind::ack) == 2; })) << "acks did not arrive";
  for (const auto& e : leader.snapshot().events) {
    if (e.what != kind::ack) continue;
    EXPECT_EQ(e.checkpoint_id, 1u);
    EXPECT_TRUE(fs::exists(e.handle)) << e.handle;
    EXPECT_GT(e.state_size, 0u);
    EXPECT_FALSE(e.taskmanager_id.empty());
  }
  EXPECT_TRUE(committed_numbers(out).empty()) << "output is visible before the checkpoint completed";
  EXPECT_EQ(count(leader.snapshot(), job, 1, kind::finished), 0);

  ASSERT_TRUE(call(tm, rpc::method::tm_notify, token, rpc::encode(rpc::checkpoint_command{job, 1, 1})).ok());
  ASSERT_TRUE(leader.wait([&](auto& r) { return count(r, job, 1, kind::finished) == 2; })) << "finished did not arrive";
  auto numbers = committed_numbers(out);
  ASSERT_EQ(numbers.size(), 5000u);
  for (std::int64_t n = 1; n <= 5000; ++n) ASSERT_EQ(numbers[static_cast<std::size_t>(n - 1)], n);
  EXPECT_EQ(count(leader.snapshot(), job, 1, kind::failed), 0);

  // Cancel frees the slots and forgets the attempt.
  ASSERT_TRUE(call(tm, rpc::method::tm_cancel, token, rpc::encode(rpc::cancel_job{job, 1})).ok());
  EXPECT_TRUE(leader.wait([&](auto& r) { return count(r, job, 1, kind::cancelled) == 2; }));
  auto later = call(tm, rpc::method::tm_trigger, token, rpc::encode(rpc::checkpoint_command{job, 1, 2}));
  EXPECT_FALSE(later.ok()) << "a trigger for a cancelled attempt was accepted";
  EXPECT_EQ(committed_numbers(out).size(), 5000u) << "cancel touched committed output";
}

TEST_F(taskmanager_test, rejects_stale_tokens_bad_specs_unknown_methods_and_deploys_beyond_its_slots) {
  auto& leader = lead(contend());
  auto& proc = start_taskmanager();
  auto tm = registered_at(leader).address;
  const auto& token = leader.token();
  const auto job = job_hex(2);

  fencing_token stale{token.epoch, "00000000-0000-4000-8000-000000000000"};
  auto from = proc.line_count();
  auto r = deploy(tm, stale, job, 1, 0, 2, slow_job(job));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, rpc::errc::fencing_mismatch) << r.err().message;
  EXPECT_TRUE(proc.wait_for_line(
      [](auto& l) { return has(l, "rejected tm.deploy") && has(l, "fencing token mismatch"); }, deadline, from));
  auto older =
      call(tm, rpc::method::tm_cancel, fencing_token{token.epoch - 1 > 0 ? token.epoch - 1 : 99, token.session_id},
           rpc::encode(rpc::cancel_job{job, 1}));
  EXPECT_FALSE(older.ok());
  EXPECT_FALSE(
      call(tm, rpc::method::tm_trigger, fencing_token{}, rpc::encode(rpc::checkpoint_command{job, 1, 1})).ok());

  auto unknown = call(tm, "tm.bogus", token, {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.err().code, rpc::errc::unknown_method);

  auto bad = deploy(
      tm, token, job, 1, 0, 2,
      R"({"name": "x", "parallelism": 2, "source": {"type": "sequence", "from": 5, "to": 1}, "sink": {"type": "discard"}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(has(bad.err().message, "source")) << bad.err().message;
  auto garbage = call(tm, rpc::method::tm_deploy, token, "\xff\xfe not a deploy");
  EXPECT_FALSE(garbage.ok());

  auto unknown_attempt = call(tm, rpc::method::tm_notify, token, rpc::encode(rpc::checkpoint_command{job, 7, 1}));
  EXPECT_FALSE(unknown_attempt.ok()) << "a notify for an attempt never deployed was accepted";

  // Two slots: a third subtask is refused until a cancel frees them.
  ASSERT_TRUE(deploy(tm, token, job, 1, 0, 2, slow_job(job)).ok());
  ASSERT_TRUE(deploy(tm, token, job, 1, 1, 2, slow_job(job)).ok());
  auto again = deploy(tm, token, job, 1, 1, 2, slow_job(job));
  EXPECT_FALSE(again.ok()) << "the same subtask was deployed twice";
  const auto other = job_hex(3);
  auto third = deploy(tm, token, other, 1, 0, 1, slow_job(other));
  ASSERT_FALSE(third.ok()) << "a deploy beyond the slots was accepted";
  EXPECT_TRUE(has(third.err().message, "slots")) << third.err().message;
  ASSERT_TRUE(call(tm, rpc::method::tm_cancel, token, rpc::encode(rpc::cancel_job{job, 1})).ok());
  EXPECT_TRUE(deploy(tm, token, other, 1, 0, 1, slow_job(other)).ok()) << "cancel did not free the slots";
  EXPECT_TRUE(leader.wait([&](auto& r) { return count(r, job, 1, kind::cancelled) == 2; }));
  EXPECT_TRUE(proc.running()) << "bad requests crashed the taskmanager";
}

TEST_F(taskmanager_test, offers_a_new_leader_the_subtasks_the_old_one_deployed_which_keep_running) {
  auto& first_jm = contend();
  auto& first = lead(first_jm);
  auto& proc = start_taskmanager();
  auto reg = registered_at(first);
  const auto job = job_hex(14);
  ASSERT_TRUE(deploy(reg.address, first.token(), job, 1, 0, 2, slow_job(job)).ok());
  ASSERT_TRUE(deploy(reg.address, first.token(), job, 1, 1, 2, slow_job(job)).ok());

  auto& second_jm = contend();
  auto from = proc.line_count();
  first_jm.ha->election().stop();
  auto& second = lead(second_jm);
  auto reg2 = registered_at(second);
  ASSERT_EQ(reg2.running.size(), 2u) << "the registration reports the running subtasks";
  for (auto& r : reg2.running) {
    EXPECT_EQ(r.subtask.job_id, job);
    EXPECT_EQ(r.subtask.attempt, 1u);
    EXPECT_EQ(r.deployed_epoch, first.token().epoch);
  }
  EXPECT_TRUE(proc.wait_for_line([&](auto& l) { return has(l, "offering the new leader 2 subtasks of job " + job); },
                                 deadline, from));
  auto stale =
      call(reg.address, rpc::method::tm_trigger, first.token(), rpc::encode(rpc::checkpoint_command{job, 1, 1}));
  ASSERT_FALSE(stale.ok()) << "the old leader is fenced off";
  ASSERT_TRUE(
      call(reg.address, rpc::method::tm_trigger, second.token(), rpc::encode(rpc::checkpoint_command{job, 1, 1})).ok())
      << "the new leader commands the same attempt";
  EXPECT_TRUE(second.wait([&](auto& r) { return count(r, job, 1, kind::ack) == 2; })) << "acks go to the new leader";
}

TEST_F(taskmanager_test, in_restart_mode_follows_a_new_leader_cancelling_the_old_leaders_subtasks) {
  auto& first_jm = contend();
  auto& first = lead(first_jm);
  auto& proc = start_taskmanager(restart_mode);
  auto reg = registered_at(first);
  const auto job = job_hex(4);
  ASSERT_TRUE(deploy(reg.address, first.token(), job, 1, 0, 2, slow_job(job)).ok());
  ASSERT_TRUE(deploy(reg.address, first.token(), job, 1, 1, 2, slow_job(job)).ok());

  // Failover: a standby contends, the first leader steps down, the standby takes over.
  auto& second_jm = contend();
  auto from = proc.line_count();
  first_jm.ha->election().stop();
  auto& second = lead(second_jm);
  ASSERT_GT(second.token().epoch, first.token().epoch);

  auto reg2 = registered_at(second);
  EXPECT_EQ(reg2.taskmanager_id, reg.taskmanager_id);
  EXPECT_EQ(reg2.slots, 2);
  EXPECT_EQ(second.snapshot().rejected, 0);
  EXPECT_TRUE(proc.wait_for_line(
      [&](auto& l) { return has(l, "registered at leader " + second.address() + " " + second.token().to_string()); },
      deadline, from));
  EXPECT_TRUE(proc.wait_for_line(
      [&](auto& l) { return has(l, "cancelled 2 subtasks of job " + job) && has(l, first.token().to_string()); },
      deadline, from))
      << "the old leader's subtasks were not cancelled";
  EXPECT_TRUE(proc.wait_for_line([&](auto& l) { return has(l, "cancelled at position"); }, deadline, from));

  // The old leader is fenced off now; the new one finds the old attempt gone and the slots free.
  auto stale =
      call(reg.address, rpc::method::tm_trigger, first.token(), rpc::encode(rpc::checkpoint_command{job, 1, 1}));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.err().code, rpc::errc::fencing_mismatch);
  EXPECT_FALSE(
      call(reg.address, rpc::method::tm_trigger, second.token(), rpc::encode(rpc::checkpoint_command{job, 1, 1})).ok());
  EXPECT_TRUE(deploy(reg.address, second.token(), job, 2, 0, 2, slow_job(job)).ok());
  EXPECT_TRUE(deploy(reg.address, second.token(), job, 2, 1, 2, slow_job(job)).ok());
  EXPECT_TRUE(second.wait([](auto& r) { return r.heartbeats >= 2; }));
}

// An epoch is accepted once and never goes back (DESIGN §6.7). A leader granted an epoch the
// taskmanager has accepted from another session (the HA backend lost the write that stored it)
// or a lower one gets none of its commands through; its registration names the accepted token,
// so that it can step down. The next leader with a higher epoch is followed as usual.
TEST_F(taskmanager_test,
       in_restart_mode_refuses_a_leader_whose_epoch_it_accepted_from_another_session_or_an_older_one) {
  auto& first_jm = contend();
  auto& first = lead(first_jm);
  auto& proc = start_taskmanager(restart_mode);
  auto reg = registered_at(first);
  const auto job = job_hex(7);
  ASSERT_TRUE(deploy(reg.address, first.token(), job, 1, 0, 2, slow_job(job)).ok());
  EXPECT_EQ(reg.accepted, first.token()) << "a registration names the leadership accepted";

  // The backend loses the first leader's epoch: it reads one less, so the next grant (of a
  // contender that never saw the first) reuses it.
  first_jm.ha->election().stop();
  auto epoch_file = dir_.path() / "ha" / "tm-test" / "leader" / "epoch";
  ASSERT_TRUE(ha::storage::posix_file_io()
                  .write_atomic(epoch_file, ha::storage::encode_payload(std::to_string(first.token().epoch - 1)))
                  .ok());
  auto from = proc.line_count();
  auto& second_jm = contend();
  auto& second = lead(second_jm);
  ASSERT_EQ(second.token().epoch, first.token().epoch);
  ASSERT_NE(second.token(), first.token());

  EXPECT_TRUE(proc.wait_for_line(
      [&](auto& l) { return has(l, "refusing leader") && has(l, second.token().to_string()); }, deadline, from));
  auto told = registered_at(second);
  EXPECT_EQ(told.accepted, first.token()) << "the registration must name the token accepted before";
  auto refused = deploy(reg.address, second.token(), job, 2, 1, 2, slow_job(job));
  ASSERT_FALSE(refused.ok()) << "a deploy of the refused leader ran";
  EXPECT_EQ(refused.err().code, rpc::errc::fencing_mismatch);
  EXPECT_FALSE(proc.wait_for_line([&](auto& l) { return has(l, "cancelled") && has(l, "subtasks of job " + job); },
                                  std::chrono::milliseconds(0), from))
      << "the refused leader's arrival cancelled the accepted leader's subtasks";

  // A leader with a higher epoch is accepted; it finds the first leader's subtasks cancelled.
  auto& third_jm = contend();
  second_jm.ha->election().stop();
  from = proc.line_count();
  auto& third = lead(third_jm);
  ASSERT_GT(third.token().epoch, first.token().epoch);
  auto reg3 = registered_at(third);
  EXPECT_EQ(reg3.accepted, third.token());
  EXPECT_TRUE(
      proc.wait_for_line([&](auto& l) { return has(l, "cancelled 1 subtasks of job " + job); }, deadline, from));
  EXPECT_TRUE(deploy(reg.address, third.token(), job, 3, 0, 2, slow_job(job)).ok());
}

// After a leader change the taskmanager registers with the new leader at once, but starts the
// new leader's subtasks of a job only once the old leader's have ended: those may still write
// the sink folder and state the new ones restore and clean. Here the old ones are inside a user
// function that takes 300 ms a record.
TEST_F(taskmanager_test, in_restart_mode_a_new_leaders_subtasks_start_only_after_the_old_leaders_have_ended) {
  auto& first_jm = contend();
  auto& first = lead(first_jm);
  std::ifstream lib(REGENT_SLOW_UDF, std::ios::binary);
  ASSERT_TRUE(lib) << REGENT_SLOW_UDF;
  first.add_blob("slow_udf.so", std::string(std::istreambuf_iterator<char>(lib), {}));
  auto& proc = start_taskmanager(restart_mode);
  auto reg = registered_at(first);
  const auto job = job_hex(7);
  auto slow = sequence_job(job, 2, 1000000000, dir_.path() / ("out-" + job), "",
                           R"([{"type": "map", "function": "slow_identity", "library": "slow_udf.so"}])");
  ASSERT_TRUE(deploy(reg.address, first.token(), job, 1, 0, 2, slow).ok());
  ASSERT_TRUE(deploy(reg.address, first.token(), job, 1, 1, 2, slow).ok());
  ASSERT_TRUE(
      proc.wait_for_line([&](auto& l) { return has(l, "fetched library 'slow_udf.so' of job " + job); }, deadline))
      << "the subtasks never loaded their user function";

  auto& second_jm = contend();
  auto from = proc.line_count();
  first_jm.ha->election().stop();
  auto& second = lead(second_jm);
  registered_at(second);
  ASSERT_TRUE(deploy(reg.address, second.token(), job, 2, 0, 2, slow_job(job)).ok());
  const std::string started = "deployed job " + job + " attempt 2 subtask 0";
  ASSERT_TRUE(proc.wait_for_line([&](auto& l) { return has(l, started); }, deadline, from));
  auto lines = proc.lines();
  auto index_of = [&](const std::string& what) {
    for (std::size_t i = from; i < lines.size(); ++i)
      if (has(lines[i], what)) return i;
    return lines.size();
  };
  auto new_one = index_of(started);
  for (int i = 0; i < 2; ++i) {
    auto ended = index_of("job=" + job + " subtask=" + std::to_string(i) + "/2 cancelled at position");
    EXPECT_LT(ended, new_one) << "the new leader's subtask started before old subtask " << i << " had ended";
  }
}

TEST_F(taskmanager_test, fetches_user_code_from_the_leader_and_runs_it) {
  auto& leader = lead(contend());
  std::ifstream lib(REGENT_EXAMPLE_UDF, std::ios::binary);
  ASSERT_TRUE(lib) << REGENT_EXAMPLE_UDF;
  leader.add_blob("example_udf.so", std::string(std::istreambuf_iterator<char>(lib), {}));
  start_taskmanager();
  auto tm = registered_at(leader).address;
  const auto job = job_hex(5);
  const auto out = dir_.path() / "udf-out";
  auto spec =
      sequence_job(job, 1, 100, out, "", R"([{"type": "map", "function": "times_ten", "library": "example_udf.so"}])");
  const auto& token = leader.token();
  ASSERT_TRUE(deploy(tm, token, job, 1, 0, 1, spec).ok());
  ASSERT_TRUE(leader.wait(
      [&](auto& r) { return count(r, job, 1, kind::end_of_input) == 1 || count(r, job, 1, kind::failed) > 0; }));
  for (const auto& e : leader.snapshot().events) EXPECT_NE(e.what, kind::failed) << e.message;
  ASSERT_TRUE(call(tm, rpc::method::tm_trigger, token, rpc::encode(rpc::checkpoint_command{job, 1, 1})).ok());
  ASSERT_TRUE(leader.wait([&](auto& r) { return count(r, job, 1, kind::ack) == 1; }));
  ASSERT_TRUE(call(tm, rpc::method::tm_notify, token, rpc::encode(rpc::checkpoint_command{job, 1, 1})).ok());
  ASSERT_TRUE(leader.wait([&](auto& r) { return count(r, job, 1, kind::finished) == 1; }));
  auto numbers = committed_numbers(out);
  ASSERT_EQ(numbers.size(), 100u);
  for (std::int64_t n = 1; n <= 100; ++n) EXPECT_EQ(numbers[static_cast<std::size_t>(n - 1)], n * 10);
  auto seen = leader.snapshot();
  ASSERT_EQ(seen.blob_requests.size(), 1u);
  EXPECT_EQ(seen.blob_requests[0].job_id, job);
  EXPECT_TRUE(fs::exists(dir_.path() / "tmp")) << "io.tmp.dirs was not used";
}

TEST_F(taskmanager_test, sigterm_cancels_the_subtasks_and_exits_0) {
  auto& leader = lead(contend());
  auto& proc = start_taskmanager();
  auto tm = registered_at(leader).address;
  const auto job = job_hex(6);
  ASSERT_TRUE(deploy(tm, leader.token(), job, 1, 0, 2, slow_job(job)).ok());
  proc.signal(SIGTERM);
  EXPECT_EQ(proc.wait_exit(deadline), std::optional<int>(0)) << "a clean stop exits with 0";
  EXPECT_TRUE(leader.wait([&](auto& r) { return count(r, job, 1, kind::cancelled) == 1; }))
      << "the leader did not hear of the cancelled subtask";
  EXPECT_TRUE(proc.wait_for_line([](auto& l) { return has(l, "taskmanager stopped (exit code 0)"); }, deadline));
}

TEST_F(taskmanager_test, waits_quietly_while_no_leader_is_known) {
  auto& proc = start_taskmanager();
  ASSERT_TRUE(proc.wait_for_line([](auto& l) { return has(l, "no leader of resource_manager known"); }, deadline));
  auto& leader = lead(contend());
  auto reg = registered_at(leader);
  EXPECT_EQ(reg.slots, 2);
  auto lines = proc.lines();
  EXPECT_EQ(
      std::count_if(lines.begin(), lines.end(), [](auto& l) { return has(l, "no leader of resource_manager known"); }),
      1);
}

TEST_F(taskmanager_test, a_configuration_error_names_the_key_and_exits_2) {
  auto& proc = start_taskmanager({"-D", "taskmanager.numberOfTaskSlots=0"});
  EXPECT_EQ(proc.wait_exit(deadline), std::optional<int>(2));
  EXPECT_TRUE(proc.wait_for_line([](auto& l) { return has(l, "taskmanager.numberOfTaskSlots"); }, deadline))
      << proc.log_text();
  auto& usage = start_taskmanager({"--bogus"});
  EXPECT_EQ(usage.wait_exit(deadline), std::optional<int>(2));
}

}  // namespace
}  // namespace regent
