#pragma once
/// The pieces of a REST request the gateway routes by, as pure functions on plain strings (no
/// Beast, no I/O): the path split into segments, the choice of route, query parameters, the
/// `jarfile` part of a multipart upload, and the check that a client-chosen file name stays in
/// its folder.
/// `parse_http_request` (rest_server.hpp) turns wire bytes into the `http_request` these read.

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace regent::rpc {

/// The path of `target` (query dropped) split at '/', empty segments skipped, a leading "v1"
/// (Flink's versioned prefix) removed: "/v1/jobs/abc?x=1" → {"jobs", "abc"}.
std::vector<std::string> split_path(std::string target);

/// What the REST gateway (programs/src/rest_gateway.cpp) answers a request with.
enum class rest_route {
  overview,           ///< GET /overview
  config,             ///< GET /config (the dashboard's)
  jobmanager_config,  ///< GET /jobmanager/config
  leader,             ///< GET /cluster/leader
  leader_history,     ///< GET /cluster/leader/history
  dashboard,          ///< GET /, /index.html, /web/<asset>
  ha_dirty,           ///< GET /cluster/ha/dirty
  ha_cleanup,         ///< POST /cluster/ha/cleanup/<job>
  taskmanagers,       ///< GET /taskmanagers
  metrics,            ///< GET /metrics
  jar_upload,         ///< POST /jars/upload
  jobs_submit,        ///< POST /jobs
  jobs_list,          ///< GET /jobs
  jobs_overview,      ///< GET /jobs/overview
  job,                ///< GET /jobs/<job>
  job_cancel,         ///< PATCH /jobs/<job>
  job_checkpoints,    ///< GET /jobs/<job>/checkpoints
  job_exceptions,     ///< GET /jobs/<job>/exceptions
  job_result,         ///< GET /jobs/<job>/execution-result
  job_other,          ///< anything else under /jobs/<job>: 404, for a job id or not
  not_found,          ///< anything else: 404
};

/// The route of `method` on a path split by `split_path`, and the job id segment it names
/// (as given: the gateway checks it), the first match in the gateway's order.
struct route_match {
  rest_route route = rest_route::not_found;
  std::string job;
};
route_match route_of(const std::string& method, const std::vector<std::string>& parts);
/// Whether `route` names a job (`route_match::job` is then the segment naming it).
bool names_a_job(rest_route route);

/// The value of query parameter `name` in `target` (not percent-decoded); "" when absent.
std::string query_param(const std::string& target, const std::string& name);

/// A file name an upload may be stored under: no folders, no dot-files, no control bytes, at
/// most 200 bytes.
bool safe_file_name(const std::string& name);

/// The `jarfile` part of a multipart/form-data body: (the file name it gives, or "upload";
/// its bytes), or nullopt when the content type has no boundary or the body no such part.
std::optional<std::pair<std::string, std::string>> multipart_file(const std::string& content_type,
                                                                  const std::string& body);

}  // namespace regent::rpc
