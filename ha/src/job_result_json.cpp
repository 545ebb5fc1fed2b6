// The JobResultStore entry JSON (DESIGN §3). Parsing is strict: a wrong version, a missing or
// mistyped field, an invalid job id or an unknown status is errc::corrupt naming the source,
// so a damaged entry is reported and never half-read. Unknown extra fields are ignored.

#include "regent/ha/job_result_store.hpp"

#include <array>
#include <limits>

#include <nlohmann/json.hpp>

#include "regent/ha/errc.hpp"

namespace regent::ha {

namespace {

using json = nlohmann::json;

constexpr int entry_version = 1;
constexpr std::array<const char*, 4> statuses = {"SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN"};

bool known_status(const std::string& s) {
  for (const char* known : statuses)
    if (s == known) return true;
  return false;
}

error corrupt(const std::string& source, const std::string& why) {
  return {errc::corrupt, "corrupt job result entry " + source + ": " + why};
}

/// Reads `result.<field>` as a string; nullopt (and `err` set) when missing or mistyped.
std::optional<std::string> string_field(const json& j, const char* field, const std::string& source,
                                        std::optional<error>& err) {
  auto it = j.find(field);
  if (it == j.end()) {
    err = corrupt(source, std::string("field 'result.") + field + "' is missing");
    return std::nullopt;
  }
  if (!it->is_string()) {
    err = corrupt(source, std::string("field 'result.") + field + "' is not a string");
    return std::nullopt;
  }
  return it->get<std::string>();
}

/// Reads `result.<field>` as a signed 64-bit integer (floats and out-of-range values rejected).
std::optional<std::int64_t> int_field(const json& j, const char* field, const std::string& source,
                                      std::optional<error>& err) {
  auto it = j.find(field);
  if (it == j.end()) {
    err = corrupt(source, std::string("field 'result.") + field + "' is missing");
    return std::nullopt;
  }
  bool fits = it->is_number_integer() &&
              !(it->is_number_unsigned() &&
                it->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
  if (!fits) {
    err = corrupt(source, std::string("field 'result.") + field + "' is not a 64-bit integer");
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

result<job_result> parse_entry(const json& root, const std::string& source) {
  if (!root.is_object()) return corrupt(source, "not a JSON object");
  auto version = root.find("version");
  if (version == root.end()) return corrupt(source, "field 'version' is missing");
  if (!version->is_number_integer() || version->get<std::int64_t>() != entry_version)
    return corrupt(source, "unsupported version " + version->dump() + " (expected 1)");
  auto body = root.find("result");
  if (body == root.end()) return corrupt(source, "field 'result' is missing");
  if (!body->is_object()) return corrupt(source, "field 'result' is not an object");

  std::optional<error> err;
  job_result r;
  auto id = string_field(*body, "id", source, err);
  if (!id) return std::move(*err);
  auto parsed = job_id::parse(*id);
  if (!parsed) return corrupt(source, "field 'result.id' is not a job id: '" + *id + "'");
  r.id = *parsed;
  auto status = string_field(*body, "application-status", source, err);
  if (!status) return std::move(*err);
  if (!known_status(*status))
    return corrupt(source, "field 'result.application-status' has unknown value '" + *status + "'");
  r.application_status = *status;
  auto net = int_field(*body, "net-runtime", source, err);
  if (!net) return std::move(*err);
  r.net_runtime_ms = *net;
  if (body->contains("failure-cause")) {
    auto cause = string_field(*body, "failure-cause", source, err);
    if (!cause) return std::move(*err);
    r.failure_cause = std::move(*cause);
  }
  auto name = string_field(*body, "name", source, err);
  if (!name) return std::move(*err);
  r.name = std::move(*name);
  auto start = int_field(*body, "start-time", source, err);
  if (!start) return std::move(*err);
  r.start_time = *start;
  auto end = int_field(*body, "end-time", source, err);
  if (!end) return std::move(*err);
  r.end_time = *end;
  return r;
}

}  // namespace

std::string to_json(const job_result& r) {
  json body = {{"id", r.id.str()},
               {"application-status", r.application_status},
               {"net-runtime", r.net_runtime_ms},
               {"name", r.name},
               {"start-time", r.start_time},
               {"end-time", r.end_time}};
  if (r.failure_cause) body["failure-cause"] = *r.failure_cause;
  json root = {{"version", entry_version}, {"result", std::move(body)}};
  // Replace invalid UTF-8 (a job name or failure cause from user code) instead of throwing.
  return root.dump(-1, ' ', false, json::error_handler_t::replace);
}

result<job_result> job_result_from_json(const std::string& text, const std::string& source) {
  try {
    return parse_entry(json::parse(text), source);
  } catch (const std::exception& e) {
    return corrupt(source, std::string("not valid JSON: ") + e.what());
  }
}

result<void> validate_job_result(const job_result& r) {
  if (r.id.empty()) return error{errc::invalid_argument, "job result without a job id"};
  const auto& s = r.application_status;
  if (s != "SUCCEEDED" && s != "FAILED" && s != "CANCELED" && s != "UNKNOWN")
    return error{errc::invalid_argument, "job " + r.id.str() + ": unknown application status '" + s + "'"};
  return ok();
}

std::optional<job_id> dirty_entry_job(const std::string& name) {
  const std::string_view suffix = dirty_entry_suffix;
  if (name.size() != 32 + suffix.size() || name.compare(32, std::string::npos, suffix) != 0) return std::nullopt;
  auto id = job_id::parse(std::string_view(name).substr(0, 32));
  if (!id || id->str() != name.substr(0, 32)) return std::nullopt;
  return id;
}

}  // namespace regent::ha
