/// `regent`: the command-line client (DESIGN §5). It talks to the REST API of any master
/// (`-m host:port`, or every line of `<config-dir>/masters`), tries each, and retries through a
/// leader election (503) or a master that is down until its deadline.
/// Exit codes: 0 ok, 1 failure, 2 usage or configuration error. Errors are one line on stderr.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <tuple>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "regent/config/configuration.hpp"
#include "regent/config/settings.hpp"
#include "regent/programs/cli_format.hpp"
#include "regent/programs/tls_wiring.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/rpc/rest_server.hpp"
#include "regent/runtime/host_port.hpp"

using json = nlohmann::json;
namespace rpc = regent::rpc;
using namespace std::chrono_literals;

namespace {

constexpr const char* usage_text =
    "usage: regent [-m HOST:PORT] [--config-dir DIR] [--timeout SECONDS] COMMAND\n"
    "commands:\n"
    "  run SPEC [--artifact FILE] [--job-id ID] [--detached]   submit a job spec (JSON file)\n"
    "  list                 the cluster's jobs with state, duration and restarts\n"
    "  status ID            one job's state\n"
    "  cancel ID            cancel a job\n"
    "  leader [--watch]     the current leader; --watch: every change as it happens\n"
    "  overview             taskmanagers, slots and jobs\n"
    "  ha dirty             globally terminal jobs whose HA cleanup has not finished\n"
    "  ha cleanup ID        run that job's HA cleanup again now\n";

struct usage_error {
  std::string what;
};
struct failure {
  std::string what;
};
struct config_error {
  std::string what;
};

struct endpoint {
  std::string host;
  std::uint16_t port = 0;
};

endpoint parse_endpoint(const std::string& text, std::uint16_t default_port) {
  auto hp = regent::parse_host_port(text, default_port);
  if (!hp) throw usage_error{hp.err().message};
  endpoint e{hp->host, hp->port};
  if (e.host == "localhost") e.host = "127.0.0.1";
  return e;
}

/// Every master address to try, in order.
class cluster {
 public:
  cluster(std::vector<endpoint> masters, std::chrono::seconds timeout, regent::tls::context_ptr tls)
      : masters_(std::move(masters)), timeout_(timeout), tls_(std::move(tls)) {}

  /// Sends the request to the masters in turn until one answers with anything but 503; retries
  /// (through a failover) until the deadline.
  rpc::http_response call(const rpc::http_request& request) {
    auto until = std::chrono::steady_clock::now() + timeout_;
    std::string last = "no master answered";
    uncertain_ = false;
    for (;;) {
      for (std::size_t i = 0; i < masters_.size(); ++i) {
        auto& m = masters_[(first_ + i) % masters_.size()];
        auto r = rpc::http_call(m.host, m.port, request, 30s, tls_);
        if (!r) {
          if (r.err().code != rpc::errc::connect_failed) uncertain_ = true;
          last = r.err().message;
          continue;
        }
        if (r->status == 503) {
          uncertain_ = true;  // a standby's forward may have reached the leader before it failed
          last = m.host + ":" + std::to_string(m.port) + ": " + error_text(*r);
          continue;
        }
        first_ = (first_ + i) % masters_.size();
        return *r;
      }
      if (std::chrono::steady_clock::now() >= until) throw failure{"cluster unavailable: " + last};
      std::this_thread::sleep_for(300ms);
    }
  }

  /// Whether the last call() retried after an attempt whose outcome is unknown: the request
  /// went out but no answer came back (the connection broke, or a standby's forward failed).
  bool last_call_uncertain() const { return uncertain_; }

  json get(const std::string& target) {
    auto r = call({"GET", target, "", ""});
    if (r.status != 200) throw failure{error_text(r)};
    return parse(r);
  }

  static json parse(const rpc::http_response& r) {
    auto j = json::parse(r.body, nullptr, false);
    if (j.is_discarded())
      throw failure{"the cluster sent something that is not JSON (HTTP " + std::to_string(r.status) + ")"};
    return j;
  }

  static std::string error_text(const rpc::http_response& r) {
    auto j = json::parse(r.body, nullptr, false);
    if (!j.is_discarded() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty() &&
        j["errors"][0].is_string())
      return j["errors"][0].get<std::string>();
    return "HTTP " + std::to_string(r.status);
  }

 private:
  std::vector<endpoint> masters_;
  std::chrono::seconds timeout_;
  regent::tls::context_ptr tls_;  // security.ssl.rest of the config dir; null: plain HTTP
  std::size_t first_ = 0;
  bool uncertain_ = false;
};

/// A fresh job id (32 hex digits), so that a submission retried through a failover names the
/// same job every time and cannot start a second one.
std::string random_job_id() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^
                      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  char out[33];
  std::snprintf(out, sizeof out, "%016llx%016llx", static_cast<unsigned long long>(gen()),
                static_cast<unsigned long long>(gen()));
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error{"cannot read " + path};
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<endpoint> masters_of(const std::string& config_dir) {
  auto path = config_dir + "/masters";
  std::ifstream in(path);
  if (!in) throw usage_error{"no -m HOST:PORT given and cannot read " + path};
  std::vector<endpoint> out;
  std::string line;
  while (std::getline(in, line)) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    line.erase(0, line.find_first_not_of(" \t\r"));
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (!line.empty()) out.push_back(parse_endpoint(line, 8081));
  }
  if (out.empty()) throw usage_error{path + " lists no master"};
  return out;
}

int follow(cluster& c, const std::string& id);

int run(cluster& c, const std::vector<std::string>& args) {
  std::string spec_file, artifact, job_id;
  bool detached = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto value = [&](const char* name) {
      if (i + 1 >= args.size()) throw usage_error{std::string(name) + " needs a value"};
      return args[++i];
    };
    if (args[i] == "--artifact")
      artifact = value("--artifact");
    else if (args[i] == "--job-id")
      job_id = value("--job-id");
    else if (args[i] == "--detached" || args[i] == "-d")
      detached = true;
    else if (spec_file.empty() && args[i][0] != '-')
      spec_file = args[i];
    else
      throw usage_error{"unexpected argument to run: " + args[i]};
  }
  if (spec_file.empty()) throw usage_error{"run needs a job spec file"};
  auto spec = json::parse(read_file(spec_file), nullptr, false);
  if (spec.is_discarded() || !spec.is_object()) throw usage_error{spec_file + " is not a JSON object (a job spec)"};
  if (!job_id.empty()) spec["job-id"] = job_id;
  const bool own_id = !spec.contains("job-id");
  if (own_id) spec["job-id"] = random_job_id();
  if (!artifact.empty()) {
    auto name = artifact.substr(artifact.find_last_of('/') + 1);
    auto r = c.call({"POST", "/jars/upload?name=" + name, "application/x-java-archive", read_file(artifact)});
    if (r.status != 200) throw failure{"upload of " + artifact + " failed: " + cluster::error_text(r)};
    auto stored = cluster::parse(r)["filename"].get<std::string>();
    if (spec.contains("operators") && spec["operators"].is_array())
      for (auto& op : spec["operators"])
        if (op.is_object() && op.contains("library")) op["library"] = stored;
  }
  auto r = c.call({"POST", "/jobs", "application/json", spec.dump()});
  std::string id;
  if (r.status == 202) {
    id = cluster::parse(r)["jobUrl"].get<std::string>().substr(6);
    std::printf("Job has been submitted with JobID %s\n", id.c_str());
  } else if (r.status == 409 && (own_id || c.last_call_uncertain())) {
    // An earlier try of this very submission got through before its answer was lost (a
    // failover): the cluster has the job, so this is success, not a duplicate.
    id = spec["job-id"].get<std::string>();
    std::printf("Job has been submitted with JobID %s (an earlier try got through during a failover)\n", id.c_str());
  } else {
    throw failure{"submission refused: " + cluster::error_text(r)};
  }
  std::fflush(stdout);
  if (detached) return 0;
  return follow(c, id);
}

/// The leader as /cluster/leader of any master reports it: (rest url, epoch), ("", 0) when none.
std::pair<std::string, std::uint64_t> leader_of(cluster& c) {
  auto r = c.call({"GET", "/cluster/leader", "", ""});
  if (r.status != 200) return {"", 0};
  auto j = cluster::parse(r);
  if (!j.contains("leader") || j["leader"].is_null()) return {"", 0};
  return {j["leader"].value("rest-url", ""), j["leader"].value("epoch", std::uint64_t{0})};
}

/// Records written so far by job `details` (GET /jobs/:id): its vertices' write-records, as of
/// the latest completed checkpoint; -1 while the leader does not know them.
std::int64_t records_written(const json& details) {
  if (!details.contains("vertices") || !details["vertices"].is_array()) return -1;
  std::int64_t sum = 0;
  for (const auto& v : details["vertices"]) {
    if (!v.contains("metrics") || !v["metrics"].is_object()) return -1;
    const auto& m = v["metrics"];
    if (!m.value("write-records-complete", false)) return -1;
    sum += m.value("write-records", std::int64_t{0});
  }
  return sum;
}

/// Follows job `id` to its end. On a terminal, one live line (state, duration, records written
/// per second, checkpoints, restarts, leader) rewritten in place; piped, a plain line per change. Either way the final
/// state is the last line printed.
int follow(cluster& c, const std::string& id) {
  const bool live = ::isatty(STDOUT_FILENO) != 0;
  regent::programs::run_progress p;
  p.job_id = id;
  regent::programs::record_rate rate;
  std::string printed_state;
  std::int64_t printed_checkpoints = 0;
  int hiccups = 0;  // answers other than 200 in a row (a job master ending under the query)
  auto checkpoints_line = [&] {
    if (p.checkpoints != printed_checkpoints && p.checkpoints > 0)
      std::printf("job %s: %lld checkpoints completed\n", id.c_str(), static_cast<long long>(p.checkpoints));
    printed_checkpoints = p.checkpoints;
  };
  for (;;) {
    auto r1 = c.call({"GET", "/jobs/" + id, "", ""});
    if (r1.status != 200) {
      if (r1.status < 500 || ++hiccups > 20) {
        if (live) std::printf("\r\033[K");
        throw failure{cluster::error_text(r1)};
      }
      std::this_thread::sleep_for(200ms);
      continue;
    }
    hiccups = 0;
    auto job = cluster::parse(r1);
    p.state = job.value("state", "");
    p.duration_ms = job.value("duration", std::int64_t{-1});
    p.restarts = job.value("numRestarts", 0);
    rate.add(job.value("now", std::int64_t{0}), records_written(job));
    p.records_per_second = rate.per_second();
    auto r2 = c.call({"GET", "/jobs/" + id + "/checkpoints", "", ""});
    if (r2.status == 200) p.checkpoints = cluster::parse(r2)["counts"].value("completed", std::int64_t{0});
    std::tie(p.leader, p.epoch) = leader_of(c);
    const bool terminal = p.state == "FINISHED" || p.state == "FAILED" || p.state == "CANCELED";
    if (live && !terminal) {
      std::printf("\r\033[K%s", regent::programs::progress_line(p).c_str());
    } else if (!terminal) {
      if (p.state != printed_state) std::printf("job %s: %s\n", id.c_str(), p.state.c_str());
      printed_state = p.state;
      checkpoints_line();
    } else {
      if (live) std::printf("\r\033[K");
      checkpoints_line();
      std::printf("job %s: %s after %s\n", id.c_str(), p.state.c_str(),
                  regent::programs::format_duration(p.duration_ms).c_str());
    }
    std::fflush(stdout);
    if (p.state == "FINISHED") return 0;
    if (terminal) {
      auto ex = c.get("/jobs/" + id + "/exceptions");
      auto root = ex["root-exception"].is_string() ? ": " + ex["root-exception"].get<std::string>() : "";
      throw failure{"job " + id + " ended " + p.state + root};
    }
    std::this_thread::sleep_for(live ? 250ms : 500ms);
  }
}

/// `regent list`: one aligned row per job with its duration and restarts.
int list(cluster& c) {
  auto jobs = c.get("/jobs/overview");
  if (jobs["jobs"].empty()) {
    std::printf("No jobs.\n");
    return 0;
  }
  std::vector<json> sorted(jobs["jobs"].begin(), jobs["jobs"].end());
  std::sort(sorted.begin(), sorted.end(), [](const json& a, const json& b) {
    return a.value("start-time", std::int64_t{0}) < b.value("start-time", std::int64_t{0});
  });
  std::vector<std::vector<std::string>> rows{{"JOB ID", "STATE", "DURATION", "RESTARTS", "NAME"}};
  for (auto& j : sorted) {
    auto id = j.value("jid", "");
    auto details = c.call({"GET", "/jobs/" + id, "", ""});
    std::string restarts = "-";
    if (details.status == 200) restarts = std::to_string(cluster::parse(details).value("numRestarts", 0));
    rows.push_back({id, j.value("state", ""), regent::programs::format_duration(j.value("duration", std::int64_t{-1})),
                    restarts, j.value("name", "")});
  }
  std::fputs(regent::programs::format_table(rows).c_str(), stdout);
  return 0;
}

/// `regent leader [--watch]`: the leader now; with --watch, a line at every change until killed.
int leader(cluster& c, const std::vector<std::string>& args) {
  const bool watch = !args.empty() && args[0] == "--watch";
  if (!args.empty() && !watch) throw usage_error{"leader takes only --watch"};
  std::string shown;
  for (;;) {
    auto j = c.get("/cluster/leader");
    std::string line = regent::programs::leader_line("", "", 0, "");
    if (j.contains("leader") && !j["leader"].is_null()) {
      auto& l = j["leader"];
      line = regent::programs::leader_line(l.value("rest-url", ""), l.value("rpc-address", ""),
                                           l.value("epoch", std::uint64_t{0}), l.value("session-id", ""));
    }
    if (!watch) {
      if (j["leader"].is_null()) throw failure{"no leader is known right now"};
      std::printf("%s\n", line.c_str());
      return 0;
    }
    if (line != shown) {
      std::time_t now = std::time(nullptr);
      char at[32];
      std::strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
      std::printf("%s %s\n", at, line.c_str());
      std::fflush(stdout);
      shown = line;
    }
    std::this_thread::sleep_for(100ms);
  }
}

int dispatch(cluster& c, const std::string& cmd, const std::vector<std::string>& args) {
  auto one_id = [&] {
    if (args.size() != 1) throw usage_error{cmd + " needs exactly one job id"};
    return args[0];
  };
  if (cmd == "run") return run(c, args);
  if (cmd == "list") return list(c);
  if (cmd == "status") {
    auto id = one_id();
    auto r = c.call({"GET", "/jobs/" + id, "", ""});
    if (r.status != 200) throw failure{cluster::error_text(r)};
    auto j = cluster::parse(r);
    std::printf("%s  %s  %s\n", id.c_str(), j.value("state", "").c_str(), j.value("name", "").c_str());
    return 0;
  }
  if (cmd == "cancel") {
    auto id = one_id();
    auto r = c.call({"PATCH", "/jobs/" + id + "?mode=cancel", "", ""});
    if (r.status != 202) throw failure{cluster::error_text(r)};
    std::printf("Cancelled job %s\n", id.c_str());
    return 0;
  }
  if (cmd == "leader") return leader(c, args);
  if (cmd == "overview") {
    auto j = c.get("/overview");
    std::printf("taskmanagers %d, slots %d (%d available), jobs running %d, finished %d, cancelled %d, failed %d\n",
                j.value("taskmanagers", 0), j.value("slots-total", 0), j.value("slots-available", 0),
                j.value("jobs-running", 0), j.value("jobs-finished", 0), j.value("jobs-cancelled", 0),
                j.value("jobs-failed", 0));
    return 0;
  }
  if (cmd == "ha") {
    if (args.size() == 1 && args[0] == "dirty") {
      auto j = c.get("/cluster/ha/dirty");
      if (j["dirty"].empty()) std::printf("No dirty JobResultStore entries: every finished job is cleaned up.\n");
      for (auto& d : j["dirty"]) {
        auto& a = d["artifacts"];
        std::printf(
            "%s  %-9s  %s  cleanup attempts %d; still holds: job graph %s, checkpoints %s, blobs %s, checkpoint data "
            "%s\n",
            d.value("jid", "").c_str(), d.value("application-status", "").c_str(), d.value("name", "").c_str(),
            d.value("cleanup-attempts", 0), a.value("job-graph", false) ? "yes" : "no", a["checkpoints"].dump().c_str(),
            a["blobs"].dump().c_str(), a.value("checkpoint-data", false) ? "yes" : "no");
      }
      return 0;
    }
    if (args.size() == 2 && args[0] == "cleanup") {
      auto r = c.call({"POST", "/cluster/ha/cleanup/" + args[1], "", ""});
      if (r.status != 202) throw failure{cluster::error_text(r)};
      std::printf("Cleanup of job %s started on the leader (see `regent ha dirty`).\n", args[1].c_str());
      return 0;
    }
    throw usage_error{"ha needs `dirty` or `cleanup ID`"};
  }
  throw usage_error{"unknown command: " + cmd};
}

/// HTTPS to the masters when `<config-dir>/config.yaml` turns on security.ssl.rest (the same
/// keys the jobmanagers read: the trust store, and the key store for mutual authentication).
/// A key that cannot be used is a configuration error (exit code 2) naming it.
regent::tls::context_ptr rest_tls(const std::string& config_dir) {
  auto conf = regent::config::configuration::load(config_dir, {});
  if (!conf) throw config_error{conf.err().message};
  auto ssl = regent::config::validate_ssl(*conf, "rest");
  if (!ssl) throw config_error{ssl.err().message};
  regent::config::settings s;
  s.ssl_rest = std::move(*ssl);
  auto built = regent::programs::make_tls_contexts(s, {false, false, true});
  if (!built) throw config_error{built.err().message};
  return built->rest_client;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    std::string master, config_dir = "conf";
    int timeout_s = 60;
    std::vector<std::string> rest;
    for (std::size_t i = 0; i < args.size(); ++i) {
      auto value = [&](const char* name) {
        if (i + 1 >= args.size()) throw usage_error{std::string(name) + " needs a value"};
        return args[++i];
      };
      if (rest.empty() && (args[i] == "-m" || args[i] == "--jobmanager"))
        master = value("-m");
      else if (rest.empty() && args[i] == "--config-dir")
        config_dir = value("--config-dir");
      else if (rest.empty() && args[i] == "--timeout") {
        try {
          timeout_s = std::stoi(value("--timeout"));
        } catch (const std::exception&) {
          throw usage_error{"--timeout needs a number of seconds"};
        }
      } else if (rest.empty() && (args[i] == "-h" || args[i] == "--help")) {
        std::fputs(usage_text, stdout);
        return 0;
      } else
        rest.push_back(args[i]);
    }
    if (rest.empty()) throw usage_error{"no command given"};
    std::vector<endpoint> masters =
        master.empty() ? masters_of(config_dir) : std::vector<endpoint>{parse_endpoint(master, 8081)};
    cluster c(std::move(masters), std::chrono::seconds(timeout_s), rest_tls(config_dir));
    return dispatch(c, rest[0], std::vector<std::string>(rest.begin() + 1, rest.end()));
  } catch (const usage_error& e) {
    std::fprintf(stderr, "regent: %s\n%s", e.what.c_str(), usage_text);
    return 2;
  } catch (const config_error& e) {
    std::fprintf(stderr, "regent: configuration error: %s\n", e.what.c_str());
    return 2;
  } catch (const failure& e) {
    std::fprintf(stderr, "regent: %s\n", e.what.c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "regent: %s\n", e.what());
    return 1;
  }
}
