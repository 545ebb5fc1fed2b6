#pragma once
/// The pieces of a REST request the gateway routes by, as pure functions on plain strings (no
/// Beast, no I/O): the path split into segments, query parameters, the `jarfile` part of a
/// multipart upload, and the check that a client-chosen file name stays in its folder.
/// `parse_http_request` (rest_server.hpp) turns wire bytes into the `http_request` these read.

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace regent::rpc {

/// The path of `target` (query dropped) split at '/', empty segments skipped, a leading "v1"
/// (Flink's versioned prefix) removed: "/v1/jobs/abc?x=1" → {"jobs", "abc"}.
std::vector<std::string> split_path(std::string target);

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
