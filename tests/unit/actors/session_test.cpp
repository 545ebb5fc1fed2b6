// The dispatcher and the job masters of a leadership session, through real message exchange:
// the HA services are in memory with an election the test grants and revokes by hand
// (hand_ha_services, a test double), every timestamp comes from a manual clock the test moves,
// and one test double of a taskmanager (a real RPC server on loopback) records the commands
// the job masters send and answers them. Requests reach the session as the jobmanager's RPC
// server hands them over: through the rpc_router, in process.

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "hand_ha.hpp"
#include "regent/actors/cluster.hpp"
#include "regent/actors/leadership_supervisor.hpp"
#include "regent/ha/errc.hpp"
#include "regent/rpc/cluster_protocol.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/rpc/server.hpp"
#include "regent/runtime/errc_category.hpp"
#include "regent/runtime/job/attempt_id.hpp"
#include "test_dir.hpp"

namespace regent::actors {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr auto deadline = 15s;

/// Waits (on a condition variable, with the test's deadline) until `pred` holds under `mu`.
template <class Pred>
bool wait_for(std::mutex& mu, std::condition_variable& cv, Pred pred) {
  std::unique_lock<std::mutex> lock(mu);
  return cv.wait_for(lock, deadline, pred);
}

/// A taskmanager test double: a real RPC server that records every command and accepts it.
class recording_taskmanager {
 public:
  recording_taskmanager() {
    server_ = rpc::server::start({}, [this](const rpc::envelope& req, rpc::responder reply) {
                {
                  std::lock_guard<std::mutex> lock(mu_);
                  received_.push_back(req);
                }
                cv_.notify_all();
                reply.reply("");
              }).value();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(server_->port()); }

  /// The deployments received so far.
  std::vector<rpc::deploy> deployments() {
    std::vector<rpc::deploy> out;
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& e : received_)
      if (e.method == rpc::method::tm_deploy) out.push_back(rpc::decode_deploy(e.payload).value());
    return out;
  }
  /// Waits until `n` requests of `method` have arrived; their payloads.
  std::vector<std::string> await(const char* method, std::size_t n) {
    std::vector<std::string> out;
    wait_for(mu_, cv_, [&] {
      out.clear();
      for (auto& e : received_)
        if (e.method == method) out.push_back(e.payload);
      return out.size() >= n;
    });
    return out;
  }
  std::size_t count(const char* method) {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<std::size_t>(
        std::count_if(received_.begin(), received_.end(), [&](const rpc::envelope& e) { return e.method == method; }));
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<rpc::envelope> received_;
  std::unique_ptr<rpc::server> server_;
};

/// Where a responder's answer goes when the test itself is the caller.
class promised_reply final : public rpc::detail::reply_sink {
 public:
  bool send(rpc::envelope response) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_) return false;
    done_ = true;
    promise_.set_value(std::move(response));
    return true;
  }
  std::future<rpc::envelope> future() { return promise_.get_future(); }

 private:
  std::mutex mu_;
  bool done_ = false;
  std::promise<rpc::envelope> promise_;
};

class session_test : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.checkpoints_dir = (dir_.path() / "checkpoints").string();
    settings_.restart_delay = 0ms;
    settings_.restart_attempts = 3;
  }

  void TearDown() override {
    if (sup_) caf::anon_send(sup_, shutdown_atom::value);
  }

  /// Starts the supervisor over the hand-driven HA services.
  void start() {
    supervisor_config sc;
    sc.rpc_address = "127.0.0.1:6123";
    sc.settings = settings_;
    sc.router = &router_;
    sc.fencing = fencing_;
    sc.time = &clock_;
    sc.on_fatal = [this](int, const std::string& why) {
      std::lock_guard<std::mutex> lock(mu_);
      fatal_ = why;
    };
    sup_ = spawn_leadership_supervisor(sys_, ha_, sc);
    listener_ = make_election_listener(sup_);
    ASSERT_TRUE(ha_.election().start(*listener_).ok());
  }

  /// Grants leadership with `epoch` by hand; returns once the session has recovered.
  fencing_token grant(epoch_t epoch) {
    token_ = ha_.hand().grant(epoch, clock_.wall_millis());
    caf::scoped_actor self{sys_};
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      std::string role;
      fencing_token t;
      self->request(sup_, 5s, status_atom::value)
          .receive([&](const std::string& r, const fencing_token& tok, std::uint64_t) { role = r, t = tok; },
                   [](caf::error&) {});
      if (role == "leader" && t == token_) return token_;
      std::this_thread::yield();
    }
    ADD_FAILURE() << "no leader session for " << token_.to_string();
    return token_;
  }

  /// Sends an RPC request to the session as the jobmanager's RPC server would; its answer.
  result<std::string> call(const char* method, const std::string& payload, const fencing_token* as = nullptr) {
    auto sink = std::make_shared<promised_reply>();
    auto answer = sink->future();
    auto request = rpc::make_request(method, as ? *as : token_, payload);
    request.correlation_id = ++correlation_;
    router_.route(request, rpc::responder(sink, request));
    if (answer.wait_for(deadline) != std::future_status::ready)
      return error{rpc::errc::timeout, std::string(method) + ": no answer"};
    auto folded = rpc::to_result(answer.get());
    if (!folded) return folded.err();
    return folded->payload;
  }

  json ask(rpc::question what, const std::string& job = "") {
    auto answer = call(rpc::method::dispatcher_query, rpc::encode(rpc::query{what, job}));
    EXPECT_TRUE(answer.ok()) << answer.err().message;
    return answer ? json::parse(*answer) : json();
  }

  void register_taskmanager(int slots = 4) {
    auto r = call(rpc::method::rm_register,
                  rpc::encode(rpc::register_taskmanager{"tm-1", tm_.address(), slots, fencing_token{}, {}}));
    ASSERT_TRUE(r.ok()) << r.err().message;
  }

  static std::string spec(const std::string& id, int parallelism = 2) {
    return R"({"job-id":")" + id + R"(","name":"count","parallelism":)" + std::to_string(parallelism) +
           R"(,"source":{"type":"sequence","from":1,"to":1000000},"sink":{"type":"discard"}})";
  }

  std::string submit(const std::string& id, int parallelism = 2) {
    auto r = call(rpc::method::dispatcher_submit, rpc::encode(rpc::submit_job{spec(id, parallelism), {}}));
    EXPECT_TRUE(r.ok()) << r.err().message;
    return r ? rpc::decode_job_ref(*r).value().job_id : "";
  }

  void event(const rpc::deploy& d, rpc::subtask_event::kind what, std::uint64_t checkpoint = 0,
             const std::string& message = "") {
    rpc::subtask_event e;
    e.subtask = d.subtask;
    e.what = what;
    e.checkpoint_id = checkpoint;
    e.handle = what == rpc::subtask_event::kind::ack ? "handle-" + std::to_string(d.subtask.index) : "";
    e.state_size = 100;
    if (what == rpc::subtask_event::kind::ack) e.records = 1000 * checkpoint + static_cast<std::uint64_t>(d.subtask.index);
    e.message = message;
    e.taskmanager_id = "tm-1";
    auto r = call(rpc::method::jm_subtask_event, rpc::encode(e));
    ASSERT_TRUE(r.ok()) << r.err().message;
  }

  /// Asks `what` about `job` until `pred` holds of the answer (or the deadline passes).
  template <class Pred>
  json ask_until(rpc::question what, const std::string& job, Pred pred) {
    auto until = std::chrono::steady_clock::now() + deadline;
    json j;
    do {
      j = ask(what, job);
      if (pred(j)) return j;
      std::this_thread::yield();
    } while (std::chrono::steady_clock::now() < until);
    ADD_FAILURE() << "condition never held; last answer: " << j.dump();
    return j;
  }

  std::string state_of(const std::string& job) {
    auto r = call(rpc::method::dispatcher_status, rpc::encode(rpc::job_ref{job}));
    return r ? rpc::decode_job_status(*r).value().state : "error: " + r.err().message;
  }

  /// Deploys of `attempt`, once every subtask of a job with `parallelism` has one.
  std::vector<rpc::deploy> deployed(std::uint64_t attempt, int parallelism) {
    std::vector<rpc::deploy> out;
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      out.clear();
      auto all = tm_.deployments();
      for (auto& d : all)
        if (d.subtask.attempt == attempt) out.push_back(d);
      if (static_cast<int>(out.size()) == parallelism) return out;
      tm_.await(rpc::method::tm_deploy, all.size() + 1);
    }
    ADD_FAILURE() << "attempt " << attempt << " was not deployed on " << parallelism << " subtasks";
    return out;
  }

  /// A leader (epoch 1) with one taskmanager, running job_a_: its first attempt's subtasks.
  std::vector<rpc::deploy> lead_and_run(int parallelism = 2) {
    start();
    grant(1);
    register_taskmanager();
    submit(job_a_, parallelism);
    return deployed(job::attempt_id(token_, 1), parallelism);
  }

  const char* const job_a_ = "0123456789abcdef0123456789abcdef";
  test::test_dir dir_;
  manual_clock clock_;
  test::hand_ha_services ha_;
  config::settings settings_;
  std::shared_ptr<fencing_counters> fencing_ = std::make_shared<fencing_counters>();
  rpc_router router_{fencing_};
  recording_taskmanager tm_;
  caf::actor_system_config cfg_;
  caf::actor_system sys_{cfg_};
  leadership_supervisor_actor sup_;
  std::unique_ptr<ha::leader_election_listener> listener_;
  fencing_token token_;
  std::uint64_t correlation_ = 0;
  std::mutex mu_;
  std::string fatal_;
};

TEST_F(session_test, a_submitted_job_is_stored_deployed_and_timed_by_the_session_clock) {
  start();
  grant(1);
  register_taskmanager();
  const auto submitted_at = clock_.wall_millis();
  auto job = submit(job_a_);
  ASSERT_EQ(job, job_a_);
  EXPECT_TRUE(ha_.job_graphs().get(*job_id::parse(job)).ok()) << "the job graph is stored before the answer";

  auto subtasks = deployed(job::attempt_id(token_, 1), 2);
  ASSERT_EQ(subtasks.size(), 2u);
  EXPECT_EQ(state_of(job), "RUNNING");
  clock_.advance(5s);
  auto details = ask(rpc::question::job, job);
  EXPECT_EQ(details["state"], "RUNNING");
  EXPECT_EQ(details["start-time"], submitted_at);
  EXPECT_EQ(details["duration"], 5000) << "duration runs on the session's clock";
  auto row = ask(rpc::question::jobs)["jobs"][0];
  EXPECT_EQ(row["jid"], job);
  EXPECT_EQ(row["duration"], 5000);
  auto overview = ask(rpc::question::overview);
  EXPECT_EQ(overview["taskmanagers"], 1);
  EXPECT_EQ(overview["slots-available"], 2);
  EXPECT_EQ(overview["jobs-running"], 1);

  auto again = call(rpc::method::dispatcher_submit, rpc::encode(rpc::submit_job{spec(job_a_), {}}));
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(same_code(again.err().code, make_error_code(ha::errc::already_exists))) << again.err().message;
}

TEST_F(session_test, a_checkpoint_completes_when_every_subtask_acknowledges_and_is_timed_by_the_clock) {
  settings_.checkpoint_interval = 10ms;
  auto subtasks = lead_and_run();
  ASSERT_EQ(subtasks.size(), 2u);
  const std::string job = job_a_;
  auto trigger = rpc::decode_checkpoint_command(tm_.await(rpc::method::tm_trigger, 1).front()).value();
  EXPECT_EQ(trigger.checkpoint_id, 1u);
  EXPECT_EQ(trigger.attempt, job::attempt_id(token_, 1));

  clock_.advance(7ms);
  EXPECT_EQ(ask(rpc::question::job, job)["vertices"][0]["metrics"]["write-records-complete"], false);
  event(subtasks[0], rpc::subtask_event::kind::ack, 1);
  EXPECT_FALSE(ha_.checkpoints().latest(*job_id::parse(job)).value().has_value()) << "half acknowledged";
  event(subtasks[1], rpc::subtask_event::kind::ack, 1);

  auto notify = rpc::decode_checkpoint_command(tm_.await(rpc::method::tm_notify, 1).front()).value();
  EXPECT_EQ(notify.checkpoint_id, 1u);
  auto stored = ha_.checkpoints().latest(*job_id::parse(job)).value();
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->id, 1u);
  auto stats = ask(rpc::question::checkpoints, job);
  EXPECT_EQ(stats["counts"]["completed"], 1);
  EXPECT_EQ(stats["latest"]["completed"]["id"], 1);
  EXPECT_EQ(stats["latest"]["completed"]["end_to_end_duration"], 7);
  EXPECT_EQ(stats["latest"]["completed"]["state_size"], 200);
  // The records both subtasks wrote before checkpoint 1 (1000 and 1001) are written now.
  auto metrics = ask(rpc::question::job, job)["vertices"][0]["metrics"];
  EXPECT_EQ(metrics["write-records"], 2001);
  EXPECT_EQ(metrics["write-records-complete"], true);
}

TEST_F(session_test, a_failed_subtask_restarts_the_job_under_a_new_attempt_and_reports_the_failure) {
  auto first = lead_and_run();
  ASSERT_EQ(first.size(), 2u);
  const std::string job = job_a_;
  clock_.advance(2s);
  const auto failed_at = clock_.wall_millis();
  event(first[1], rpc::subtask_event::kind::failed, 0, "boom");

  auto second = deployed(job::attempt_id(token_, 2), 2);
  EXPECT_EQ(second.size(), 2u);
  auto cancel = rpc::decode_cancel_job(tm_.await(rpc::method::tm_cancel, 1).front()).value();
  EXPECT_EQ(cancel.attempt, job::attempt_id(token_, 1)) << "the failed attempt is cancelled";
  auto exceptions = ask(rpc::question::exceptions, job);
  EXPECT_EQ(exceptions["root-exception"], "subtask " + std::to_string(first[1].subtask.index) + " failed: boom");
  EXPECT_EQ(exceptions["timestamp"], failed_at);
  auto details = ask_until(rpc::question::job, job, [](const json& j) { return j["state"] == "RUNNING"; });
  EXPECT_EQ(details["timestamps"]["RESTARTING"], failed_at);
  // An event of the old attempt no longer counts.
  event(first[0], rpc::subtask_event::kind::failed, 0, "late");
  EXPECT_EQ(ask(rpc::question::exceptions, job)["exceptionHistory"]["entries"].size(), 1u);
}

TEST_F(session_test, a_cancelled_job_is_recorded_cleaned_up_and_never_runs_again) {
  ASSERT_EQ(lead_and_run().size(), 2u);
  const std::string job = job_a_;
  clock_.advance(3s);
  ASSERT_TRUE(call(rpc::method::dispatcher_cancel, rpc::encode(rpc::job_ref{job})).ok());

  auto result = ask_until(rpc::question::result, job, [](const json& j) { return j["status"]["id"] == "COMPLETED"; });
  EXPECT_EQ(result["job-execution-result"]["application-status"], "CANCELED");
  EXPECT_EQ(result["job-execution-result"]["net-runtime"], 3000);
  EXPECT_EQ(state_of(job), "CANCELED");
  EXPECT_GE(tm_.await(rpc::method::tm_cancel, 1).size(), 1u);
  auto id = *job_id::parse(job);
  ask_until(rpc::question::dirty, "", [](const json& j) { return j["dirty"].empty(); });
  EXPECT_FALSE(ha_.job_graphs().get(id).ok()) << "the job graph is cleaned up";
  EXPECT_TRUE(ha_.job_results().has_entry(id).value()) << "the result stays: the job never runs again";
  auto again = call(rpc::method::dispatcher_submit, rpc::encode(rpc::submit_job{spec(job_a_), {}}));
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.err().message.find("not run again"), std::string::npos) << again.err().message;
  EXPECT_EQ(ask(rpc::question::jobs)["jobs"][0]["state"], "CANCELED");
}

TEST_F(session_test, a_job_whose_subtasks_all_finish_is_finished) {
  auto subtasks = lead_and_run(1);
  ASSERT_EQ(subtasks.size(), 1u);
  const std::string job = job_a_;
  clock_.advance(1500ms);
  event(subtasks[0], rpc::subtask_event::kind::finished);
  auto result = ask_until(rpc::question::result, job, [](const json& j) { return j["status"]["id"] == "COMPLETED"; });
  EXPECT_EQ(result["job-execution-result"]["application-status"], "SUCCEEDED");
  EXPECT_EQ(result["job-execution-result"]["net-runtime"], 1500);
  EXPECT_EQ(ask(rpc::question::job, job)["state"], "FINISHED");
}

TEST_F(session_test, a_dirty_result_found_on_grant_is_cleaned_up_and_not_run) {
  auto id = *job_id::parse(job_a_);
  auto before = test::test_token(1);
  ha_.fence().set(before);  // an earlier leader's writes
  ASSERT_TRUE(ha_.job_graphs().put(before, id, spec(job_a_)).ok());
  ha::job_result r{id, "SUCCEEDED", 10, std::nullopt, "count", 1, 11};
  ASSERT_TRUE(ha_.job_results().create_dirty(before, r).ok());
  ha_.fence().clear();

  start();
  grant(2);
  register_taskmanager();
  ask_until(rpc::question::dirty, "", [](const json& j) { return j["dirty"].empty(); });
  EXPECT_FALSE(ha_.job_graphs().get(id).ok());
  EXPECT_EQ(state_of(job_a_), "FINISHED");
  EXPECT_EQ(tm_.count(rpc::method::tm_deploy), 0u) << "a globally terminal job is never run again";
  EXPECT_TRUE(ask(rpc::question::jobs)["jobs"].empty());
  EXPECT_EQ(ask(rpc::question::job, job_a_)["state"], "FINISHED");
}

TEST_F(session_test, after_a_revoke_the_old_session_is_fenced_and_the_next_grant_resumes_from_the_checkpoint) {
  settings_.checkpoint_interval = 10ms;
  start();
  auto first = grant(1);
  register_taskmanager();
  auto job = submit(job_a_);
  auto subtasks = deployed(job::attempt_id(first, 1), 2);
  ASSERT_EQ(subtasks.size(), 2u);
  tm_.await(rpc::method::tm_trigger, 1);
  for (auto& d : subtasks) event(d, rpc::subtask_event::kind::ack, 1);
  tm_.await(rpc::method::tm_notify, 1);

  ha_.hand().revoke();
  auto id = *job_id::parse(job);
  auto fenced = ha_.job_graphs().put(first, id, spec(job_a_));
  ASSERT_FALSE(fenced.ok());
  EXPECT_EQ(fenced.err().code, ha::errc::not_leader) << fenced.err().message;

  auto second = grant(2);
  auto stale = call(rpc::method::dispatcher_status, rpc::encode(rpc::job_ref{job}), &first);
  ASSERT_FALSE(stale.ok()) << "a request of the revoked session is refused";
  register_taskmanager();
  auto resumed = deployed(job::attempt_id(second, 1), 2);
  ASSERT_EQ(resumed.size(), 2u);
  for (auto& d : resumed) EXPECT_FALSE(d.restore_handle.empty()) << "subtask " << d.subtask.index << " restores";
  auto stats =
      ask_until(rpc::question::checkpoints, job, [](const json& j) { return !j["latest"]["restored"].is_null(); });
  EXPECT_EQ(stats["latest"]["restored"]["id"], 1);
  EXPECT_TRUE(fatal_.empty()) << fatal_;
}

TEST_F(session_test, stale_requests_and_writes_after_the_leadership_was_lost_are_counted_for_the_metrics) {
  start();
  auto first = grant(1);
  EXPECT_EQ(fencing_->requests_rejected.load(), 0u);
  EXPECT_EQ(fencing_->writes_rejected.load(), 0u);

  // The backend lost the leadership; its revoke has not reached the session yet.
  ha_.fence().clear();
  auto refused = call(rpc::method::dispatcher_submit, rpc::encode(rpc::submit_job{spec(job_a_, 2), {}}));
  ASSERT_FALSE(refused.ok()) << "a job was accepted without the leadership to store it";
  EXPECT_EQ(refused.err().code, ha::errc::not_leader) << refused.err().message;
  EXPECT_EQ(fencing_->writes_rejected.load(), 1u);

  grant(2);  // the next leadership (a grant ends the session before it)
  auto stale = call(rpc::method::dispatcher_status, rpc::encode(rpc::job_ref{job_a_}), &first);
  ASSERT_FALSE(stale.ok()) << "a request of the revoked session is refused";
  EXPECT_EQ(fencing_->requests_rejected.load(), 1u);
  EXPECT_EQ(fencing_->writes_rejected.load(), 1u) << "a refused request writes nothing";
  EXPECT_TRUE(fatal_.empty()) << fatal_;
}

}  // namespace
}  // namespace regent::actors
