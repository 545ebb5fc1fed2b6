/// The REST request path, in process: wire bytes through the server's HTTP parser (Beast, with
/// the server's body limit and conversion: `parse_http_request`), then what the gateway reads
/// to route a request (`rest_request.hpp`: path segments, the choice of route, job ids, query
/// parameters, the multipart upload and its file name), then the job spec of a `POST /jobs` body. Pipelined
/// requests on one connection are parsed one after the other.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "regent/rpc/rest_request.hpp"
#include "regent/rpc/rest_server.hpp"
#include "regent/runtime/ids.hpp"
#include "regent/runtime/job_spec.hpp"

namespace {

void route(const regent::rpc::http_request& r) {
  using namespace regent::rpc;
  const auto parts = split_path(r.target);
  for (const auto& p : parts) {
    REGENT_FUZZ_CHECK(!p.empty() && p.find('/') == std::string::npos);
    if (auto id = regent::job_id::parse(p)) REGENT_FUZZ_CHECK(id->str().size() == 32);
  }
  // The route: a job route names the segment after `jobs` (or after `cleanup`), no other does.
  const auto chosen = route_of(r.method, parts);
  if (!names_a_job(chosen.route))
    REGENT_FUZZ_CHECK(chosen.job.empty());
  else if (chosen.route == rest_route::ha_cleanup)
    REGENT_FUZZ_CHECK(parts.size() == 4 && chosen.job == parts[3]);
  else
    REGENT_FUZZ_CHECK(parts.size() >= 2 && parts[0] == "jobs" && chosen.job == parts[1]);
  if (chosen.route == rest_route::jobs_submit) REGENT_FUZZ_CHECK(r.method == "POST" && parts.size() == 1);
  (void)query_param(r.target, "mode");
  const std::string name = query_param(r.target, "name");
  if (safe_file_name(name)) REGENT_FUZZ_CHECK(name.find('/') == std::string::npos && name[0] != '.');
  if (auto part = multipart_file(r.content_type, r.body)) {
    if (safe_file_name(part->first)) REGENT_FUZZ_CHECK(part->first.find('/') == std::string::npos);
  }
  if (r.method == "POST" && parts.size() == 1 && parts[0] == "jobs") {
    if (auto spec = regent::parse_job_spec(r.body))
      for (const auto& op : spec->operators)
        if (op.library) (void)safe_file_name(*op.library);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view wire(reinterpret_cast<const char*>(data), size);
  // A small body limit, so the 413 path is reached too.
  constexpr std::size_t max_body = 2048;
  for (int i = 0; i < 8 && !wire.empty(); ++i) {
    auto parsed = regent::rpc::parse_http_request(wire, max_body);
    if (!parsed) {
      const auto& m = parsed.err().message;
      REGENT_FUZZ_CHECK(m.rfind("400 ", 0) == 0 || m.rfind("413 ", 0) == 0);
      break;
    }
    REGENT_FUZZ_CHECK(parsed->consumed > 0 && parsed->consumed <= wire.size());
    REGENT_FUZZ_CHECK(parsed->request.body.size() <= max_body);
    route(parsed->request);
    if (!parsed->keep_alive) break;
    wire.remove_prefix(parsed->consumed);
  }
  return 0;
}
