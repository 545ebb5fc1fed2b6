/// `regent_ha_contender --config-dir DIR [-D key=value]...` — a test program: one process that
/// contends for leadership through the configured HA backend and performs store operations on
/// command, so the contract suite can check the HA layer across real processes.
///
/// stdout (one event per line): `GRANTED <epoch> <session>`, `REVOKED <epoch>`, `ERROR <text>`,
/// and one answer per command. stdin commands:
///   publish                 publish dispatcher leader info      → OK | REJECTED <text>
///   put-graph <job> <text>  job_graph_store.put                 → OK | REJECTED <text>
///   get-graph <job>                                             → GRAPH <text> | FAILED <text>
///   next-id <job>           checkpoint_id_counter.next          → ID <n> | REJECTED <text>
///   add-checkpoint <job> <id> <text>  completed_checkpoint_store.add → OK | REJECTED <text>
///   put-blob <job> <key> <text>       blob_store.put            → OK | REJECTED <text>
///   create-dirty <job>      job_result_store.create_dirty (FAILED) → OK | REJECTED <text>
///   stop-election / start-election                              → STOPPED | STARTED
///   exit
/// Writes use the token of the last grant, also after it was lost (to prove fencing).

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "regent/ha/errc.hpp"
#include "regent/programs/ha_wiring.hpp"
#include "regent/programs/program_args.hpp"
#include "regent/runtime/logging.hpp"

using namespace regent;

namespace {

std::mutex out_mu;
void say(const std::string& line) {
  std::lock_guard<std::mutex> lock(out_mu);
  std::cout << line << std::endl;
}

/// Prints election events and remembers the last token.
class printing_listener final : public ha::leader_election_listener {
 public:
  void on_grant(const fencing_token& token, std::int64_t) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_ = token;
    }
    say("GRANTED " + std::to_string(token.epoch) + " " + token.session_id);
  }
  void on_revoke(const fencing_token& token) override { say("REVOKED " + std::to_string(token.epoch)); }
  void on_error(const error& e) override { say("ERROR " + e.message); }
  fencing_token last() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_;
  }

 private:
  mutable std::mutex mu_;
  fencing_token last_;
};

std::string answer(const result<void>& r) { return r ? "OK" : "REJECTED " + r.err().message; }

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  auto args = programs::parse_args(std::vector<std::string>(argv + 1, argv + argc));
  if (!args) {
    std::fprintf(stderr, "regent_ha_contender: %s\n", args.err().message.c_str());
    return 2;
  }
  auto loaded = programs::load_config(*args);
  if (!loaded) {
    std::fprintf(stderr, "regent_ha_contender: %s\n", loaded.err().message.c_str());
    return 2;
  }
  logging::init({loaded->settings.log_level, std::nullopt, true});
  auto ha = programs::make_ha_services(loaded->settings);
  if (!ha) {
    std::fprintf(stderr, "regent_ha_contender: %s\n", ha.err().message.c_str());
    return 2;
  }
  printing_listener listener;
  if (auto r = (*ha)->election().start(listener); !r) {
    std::fprintf(stderr, "regent_ha_contender: %s\n", r.err().message.c_str());
    return 1;
  }
  say("CONTENDING " + std::to_string(::getpid()));
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd, a, b;
    in >> cmd >> a;
    std::getline(in >> std::ws, b);
    auto token = listener.last();
    if (cmd == "publish") {
      ha::leader_info info{"", "http://contender-" + std::to_string(::getpid()), token, 0};
      say(answer((*ha)->election().publish(ha::component::dispatcher, info)));
    } else if (cmd == "add-checkpoint" || cmd == "put-blob" || cmd == "create-dirty") {
      auto job = job_id::parse(a);
      if (!job) {
        say("FAILED bad job id");
        continue;
      }
      std::istringstream rest(b);
      std::string first, text;
      rest >> first;
      std::getline(rest >> std::ws, text);
      if (cmd == "add-checkpoint") {
        auto r = (*ha)->checkpoints().add(token, *job, std::strtoull(first.c_str(), nullptr, 10), text);
        say(r ? "OK" : "REJECTED " + r.err().message);
      } else if (cmd == "put-blob") {
        say(answer((*ha)->blobs().put(token, *job, first, text)));
      } else {
        say(answer(
            (*ha)->job_results().create_dirty(token, {*job, "FAILED", 0, std::string("by contender"), "", 0, 0})));
      }
    } else if (cmd == "put-graph" || cmd == "get-graph" || cmd == "next-id") {
      auto job = job_id::parse(a);
      if (!job) {
        say("FAILED bad job id");
        continue;
      }
      if (cmd == "put-graph") {
        say(answer((*ha)->job_graphs().put(token, *job, b)));
      } else if (cmd == "get-graph") {
        auto g = (*ha)->job_graphs().get(*job);
        say(g ? "GRAPH " + *g : "FAILED " + g.err().message);
      } else {
        auto id = (*ha)->checkpoint_ids().next(token, *job);
        say(id ? "ID " + std::to_string(*id) : "REJECTED " + id.err().message);
      }
    } else if (cmd == "stop-election") {
      (*ha)->election().stop();
      say("STOPPED");
    } else if (cmd == "start-election") {
      auto r = (*ha)->election().start(listener);
      say(r ? "STARTED" : "FAILED " + r.err().message);
    } else if (cmd == "exit") {
      break;
    } else {
      say("FAILED unknown command '" + cmd + "'");
    }
  }
  (*ha)->election().stop();
  return 0;
}
