#include "regent/programs/rest_gateway.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "regent/programs/http_status.hpp"
#include "regent/programs/leader_history.hpp"
#include "regent/programs/prometheus_text.hpp"
#include "regent/programs/web_assets.hpp"
#include "regent/rpc/cluster_protocol.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/rpc/rest_request.hpp"
#include "regent/runtime/host_port.hpp"
#include "regent/runtime/job_spec.hpp"
#include "regent/runtime/logging.hpp"
#include "regent/runtime/random.hpp"

namespace regent::programs {

namespace {

using json = nlohmann::json;
using rpc::error_response;
using rpc::http_response;
using rpc::multipart_file;
using rpc::query_param;
using rpc::split_path;

constexpr const char* no_leader_message =
    "Service temporarily unavailable due to an ongoing leader election. Please refresh.";
constexpr auto rpc_timeout = std::chrono::seconds(20);

http_response ok(int status, std::string body) {
  return http_response{status, "application/json; charset=UTF-8", std::move(body)};
}

/// The HTTP answer to a failure of a request forwarded to the leader (see http_status.hpp).
http_response http_error_of(const error& e) {
  const int status = http_status_of(e.code);
  if (status == 503) return error_response(503, std::string(no_leader_message) + " (" + e.message + ")");
  return error_response(status, e.message);
}

}  // namespace

rest_gateway::rest_gateway(rest_gateway_config config, const ha::leader_retrieval& retrieval)
    : config_(std::move(config)), retrieval_(retrieval) {}

rest_gateway::~rest_gateway() {
  std::lock_guard<std::mutex> lock(mu_);
  if (client_) client_->close();
  for (auto& c : retired_) c->close();
}

void rest_gateway::ask_leader(const char* method, std::string payload, done_fn done,
                              std::function<void(std::string)> on_reply) {
  auto leader = retrieval_.current();
  if (!leader || leader->rpc_address.empty()) return done(error_response(503, no_leader_message));
  // A leader record with an address that cannot be used is an answer, not a crash of this thread.
  auto hp = parse_host_port(leader->rpc_address);
  if (!hp)
    return done(error_response(502, "the leader " + leader->token.to_string() +
                                        " published an rpc address that cannot be used: " + hp.err().message));
  std::shared_ptr<rpc::client> client;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!client_ || client_address_ != leader->rpc_address) {
      if (client_) retired_.push_back(client_);  // never closed from its own io thread
      rpc::client_options o;
      o.host = hp->host;
      o.port = hp->port;
      o.tls = config_.rpc_tls;
      client_ = std::make_shared<rpc::client>(o);
      client_address_ = leader->rpc_address;
    }
    client = client_;
  }
  client->async_request(rpc::make_request(method, leader->token, std::move(payload)),
                        system_clock::instance().now() + rpc_timeout, [done, on_reply](result<rpc::envelope> r) {
                          auto folded = r ? rpc::to_result(std::move(r).value()) : std::move(r);
                          if (!folded) return done(http_error_of(folded.err()));
                          on_reply(std::move(folded->payload));
                        });
}

void rest_gateway::query(rpc::question what, const std::string& job, done_fn done,
                         std::function<http_response(std::string)> shape) {
  ask_leader(
      rpc::method::dispatcher_query, rpc::encode(rpc::query{what, job}), done,
      [done, shape](std::string answer) { done(shape ? shape(std::move(answer)) : ok(200, std::move(answer))); });
}

http_response rest_gateway::leader_json() {
  auto leader = retrieval_.current();
  json l = nullptr;
  bool leading = false;
  if (leader && !leader->rpc_address.empty()) {
    l = {{"rest-url", leader->rest_url},
         {"rpc-address", leader->rpc_address},
         {"epoch", leader->token.epoch},
         {"session-id", leader->token.session_id},
         {"since", leader->since_ms}};
    leading = leader->rpc_address == config_.own_rpc_address;
  }
  return ok(200, json{{"leader", l},
                      {"this", {{"rest-url", config_.own_rest_url}, {"role", leading ? "leader" : "standby"}}},
                      {"jobmanagers", config_.masters}}
                     .dump());
}

http_response rest_gateway::upload(const rpc::http_request& request) {
  std::string name, bytes;
  if (request.content_type.rfind("multipart/form-data", 0) == 0) {
    auto part = multipart_file(request.content_type, request.body);
    if (!part) return error_response(400, "jarfile: the multipart body has no part named \"jarfile\"");
    name = std::filesystem::path(part->first).filename().string();
    if (part->first.find("..") != std::string::npos) name.clear();
    bytes = std::move(part->second);
  } else {
    name = query_param(request.target, "name");
    bytes = request.body;
  }
  if (!rpc::safe_file_name(name)) return error_response(400, "name: \"" + name + "\" is not a plain file name");
  std::error_code ec;
  std::filesystem::create_directories(config_.uploads_dir, ec);
  if (ec) return error_response(500, "cannot create " + config_.uploads_dir + ": " + ec.message());
  auto stored = random_source::instance().hex32() + "_" + name;
  auto path = std::filesystem::path(config_.uploads_dir) / stored;
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return error_response(500, "cannot write " + path.string());
  return ok(200, json{{"filename", stored}, {"status", "success"}}.dump());
}

void rest_gateway::submit(const rpc::http_request& request, done_fn done) {
  auto body = json::parse(request.body, nullptr, false);
  if (body.is_discarded()) return done(error_response(400, "request body: not valid JSON"));
  if (!body.is_object()) return done(error_response(400, "request body: must be a JSON object (a job spec)"));
  auto spec = parse_job_spec(request.body);
  if (!spec) return done(error_response(400, spec.err().message));
  rpc::submit_job m;
  m.spec_json = request.body;
  for (std::size_t i = 0; i < spec->operators.size(); ++i) {
    auto& lib = spec->operators[i].library;
    if (!lib) continue;
    const std::string field = "operators[" + std::to_string(i) + "].library";
    if (!rpc::safe_file_name(*lib))
      return done(error_response(400, field + ": \"" + *lib + "\" is not a plain file name"));
    std::ifstream in(std::filesystem::path(config_.uploads_dir) / *lib, std::ios::binary);
    if (!in)
      return done(error_response(400, field + ": no uploaded artifact \"" + *lib + "\" (POST /jars/upload first)"));
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    m.artifacts.emplace_back(*lib, std::move(bytes));
  }
  ask_leader(rpc::method::dispatcher_submit, rpc::encode(m), done, [done](std::string reply) {
    auto ref = rpc::decode_job_ref(reply);
    if (!ref) return done(error_response(500, ref.err().message));
    done(ok(202, json{{"jobUrl", "/jobs/" + ref->job_id}}.dump()));
  });
}

void rest_gateway::metrics(done_fn done) {
  leadership_sample ls = config_.status ? config_.status() : leadership_sample{};
  if (config_.history)
    for (auto& g : config_.history->grants())
      if (g.self && g.takeover_ms >= 0) ls.takeovers_ms.push_back(g.takeover_ms);
  std::string local = leadership_metrics(ls) + process_metrics();
  auto reply = [done](std::string text) {
    done(http_response{200, "text/plain; version=0.0.4; charset=utf-8", std::move(text)});
  };
  auto leader = retrieval_.current();
  if (!leader || leader->rpc_address.empty()) return reply(local);
  if (leader->rpc_address != config_.own_rpc_address)  // a standby: Regent's cluster metrics, forwarded
    return query(rpc::question::metrics, "",
                 [local, reply](http_response r) { reply(r.status == 200 ? local + r.body : local); });
  // The leader also speaks with Flink's names, as only Flink's leading JobManager reports job
  // metrics (a dashboard summing over jobmanagers counts each job once).
  struct gathering {
    std::mutex mu;
    std::string regent;
    nlohmann::json overview;
    std::vector<job_metrics_source> jobs;
    int pending = 0;
  };
  auto g = std::make_shared<gathering>();
  auto finish = [g, local, reply] {
    std::lock_guard<std::mutex> lock(g->mu);
    if (--g->pending > 0) return;
    reply(local + g->regent + flink_jobmanager_metrics(g->overview, g->jobs, system_clock::instance().wall_millis()));
  };
  g->pending = 3;
  query(rpc::question::metrics, "", [g, finish](http_response r) {
    {
      std::lock_guard<std::mutex> lock(g->mu);
      if (r.status == 200) g->regent = std::move(r.body);
    }
    finish();
  });
  query(rpc::question::overview, "", [g, finish](http_response r) {
    {
      std::lock_guard<std::mutex> lock(g->mu);
      if (r.status == 200) g->overview = json::parse(r.body, nullptr, false);
    }
    finish();
  });
  query(rpc::question::jobs, "", [this, g, finish](http_response r) {
    auto list = r.status == 200 ? json::parse(r.body, nullptr, false) : json();
    std::vector<std::string> live;
    if (list.is_object() && list["jobs"].is_array())
      for (auto& j : list["jobs"])
        if (j.value("end-time", std::int64_t{0}) < 0) live.push_back(j.value("jid", ""));
    {
      std::lock_guard<std::mutex> lock(g->mu);
      g->jobs.resize(live.size());
      g->pending += static_cast<int>(live.size()) * 2;
    }
    for (std::size_t i = 0; i < live.size(); ++i) {
      query(rpc::question::job, live[i], [g, finish, i](http_response a) {
        {
          std::lock_guard<std::mutex> lock(g->mu);
          if (a.status == 200) g->jobs[i].details = json::parse(a.body, nullptr, false);
        }
        finish();
      });
      query(rpc::question::checkpoints, live[i], [g, finish, i](http_response a) {
        {
          std::lock_guard<std::mutex> lock(g->mu);
          if (a.status == 200) g->jobs[i].checkpoints = json::parse(a.body, nullptr, false);
        }
        finish();
      });
    }
    finish();
  });
}

namespace {
/// The answer archived for `path` in a job's archive text, or "".
std::string archived_answer(const std::string& archive, const std::string& path) {
  auto j = json::parse(archive, nullptr, false);
  if (!j.is_object() || !j["archive"].is_array()) return "";
  for (auto& entry : j["archive"])
    if (entry.value("path", "") == path && entry["json"].is_string()) return entry["json"].get<std::string>();
  return "";
}
}  // namespace

void rest_gateway::query_job(rpc::question what, const std::string& job, const std::string& path, done_fn done) {
  auto archive = config_.archive;
  query(what, job, [archive, job, path, done](http_response r) {
    if (r.status == 404 && archive)
      if (auto id = job_id::parse(job))
        if (auto text = archive->get(*id))
          if (auto answer = archived_answer(*text, path); !answer.empty()) return done(ok(200, std::move(answer)));
    done(std::move(r));
  });
}

std::string rest_gateway::with_archived(std::string overview) const {
  if (!config_.archive) return overview;
  auto j = json::parse(overview, nullptr, false);
  if (!j.is_object() || !j["jobs"].is_array()) return overview;
  std::set<std::string> listed;
  for (auto& row : j["jobs"]) listed.insert(row.value("jid", ""));
  for (auto& [id, text] : config_.archive->list()) {
    if (listed.count(id.str())) continue;
    auto rows = json::parse(archived_answer(text, "/jobs/overview"), nullptr, false);
    if (rows.is_object() && rows["jobs"].is_array())
      for (auto& row : rows["jobs"]) j["jobs"].push_back(row);
  }
  return j.dump();
}

std::optional<http_response> rest_gateway::dashboard(const std::vector<std::string>& parts) const {
  const web_asset* asset = nullptr;
  if (parts.empty() || (parts.size() == 1 && parts[0] == "index.html"))
    asset = find_web_asset("index.html");
  else if (parts.size() == 2 && parts[0] == "web")
    asset = find_web_asset(parts[1]);
  if (!asset) return std::nullopt;
  return http_response{200, std::string(asset->content_type), std::string(asset->bytes)};
}

void rest_gateway::handle(rpc::http_request request, done_fn done) {
  using rpc::rest_route;
  const auto parts = split_path(request.target);
  const auto [route, job] = rpc::route_of(request.method, parts);
  auto not_found = [&] { done(error_response(404, "Not found: " + request.method + " " + request.target)); };
  // Flink's switches: with web.submit.enable / web.cancel.enable false, nobody submits or
  // cancels through REST (403), whatever the dashboard shows.
  if ((route == rest_route::jar_upload || route == rest_route::jobs_submit) && !config_.web_submit)
    return done(
        error_response(403, "submitting jobs through REST is turned off on this cluster (web.submit.enable: false)"));
  if (route == rest_route::job_cancel && !config_.web_cancel)
    return done(
        error_response(403, "cancelling jobs through REST is turned off on this cluster (web.cancel.enable: false)"));
  // A route that names a job by a segment that is not a job id names none.
  if (rpc::names_a_job(route) && !job_id::parse(job))
    return done(error_response(404, "no job " + job + " (not a job id)"));
  const std::string job_path = "/jobs/" + job;
  switch (route) {
    case rest_route::overview:
      return query(rpc::question::overview, "", done);
    case rest_route::config:
      return done(ok(200, json{{"refresh-interval", 3000},
                               {"timezone-name", "Coordinated Universal Time"},
                               {"timezone-offset", 0},
                               {"flink-version", "regent-0.1"},
                               {"flink-revision", "unknown"},
                               {"features", {{"web-submit", config_.web_submit}, {"web-cancel", config_.web_cancel}}}}
                              .dump()));
    case rest_route::jobmanager_config: {
      json rows = json::array();
      for (auto& [k, v] : config_.effective_config) rows.push_back({{"key", k}, {"value", v}});
      return done(ok(200, rows.dump()));
    }
    case rest_route::leader:
      return done(leader_json());
    case rest_route::leader_history:
      return done(ok(200, config_.history ? config_.history->to_json(config_.own_rest_url)
                                          : json{{"this", config_.own_rest_url}, {"grants", json::array()}}.dump()));
    case rest_route::dashboard:
      if (auto page = dashboard(parts)) return done(std::move(*page));
      return not_found();
    case rest_route::ha_dirty:
      return query(rpc::question::dirty, "", done);
    case rest_route::ha_cleanup:
      return ask_leader(rpc::method::dispatcher_cleanup, rpc::encode(rpc::job_ref{job}), done, [done](std::string) {
        done(http_response{202, "application/json; charset=UTF-8", "{}"});
      });
    case rest_route::taskmanagers:
      return query(rpc::question::taskmanagers, "", done);
    case rest_route::metrics:
      return metrics(done);
    case rest_route::jar_upload:
      return done(upload(request));
    case rest_route::jobs_submit:
      return submit(request, done);
    case rest_route::jobs_list:
      return query(rpc::question::jobs, "", done, [this](std::string answer) {
        auto in = json::parse(with_archived(std::move(answer)), nullptr, false);
        json rows = json::array();
        if (!in.is_discarded())
          for (auto& j : in["jobs"]) rows.push_back({{"id", j["jid"]}, {"status", j["state"]}});
        return ok(200, json{{"jobs", rows}}.dump());
      });
    case rest_route::jobs_overview:
      return query(rpc::question::jobs, "", done,
                   [this](std::string answer) { return ok(200, with_archived(std::move(answer))); });
    case rest_route::job:
      return query_job(rpc::question::job, job, job_path, done);
    case rest_route::job_cancel: {
      auto mode = query_param(request.target, "mode");
      if (!mode.empty() && mode != "cancel" && mode != "CANCEL")
        return done(error_response(400, "mode: only \"cancel\" is supported, not \"" + mode + "\""));
      return ask_leader(rpc::method::dispatcher_cancel, rpc::encode(rpc::job_ref{job}), done, [done](std::string) {
        done(http_response{202, "application/json; charset=UTF-8", ""});
      });
    }
    case rest_route::job_checkpoints:
      return query_job(rpc::question::checkpoints, job, job_path + "/checkpoints", done);
    case rest_route::job_exceptions:
      return query_job(rpc::question::exceptions, job, job_path + "/exceptions", done);
    case rest_route::job_result:
      return query_job(rpc::question::result, job, job_path + "/execution-result", done);
    case rest_route::job_other:
    case rest_route::not_found:
      break;
  }
  not_found();
}

}  // namespace regent::programs
