#pragma once
/// The Kubernetes objects the backend reads, parsed without I/O (the callers fetch them): the
/// election's Lease, an HA ConfigMap, a line of a watch stream, an epoch kept in an annotation.
/// Whatever the API server answers — a field missing or of another type — is an errc::corrupt
/// naming the object, or the field's fallback, never an exception (nlohmann's `value()` and
/// `get()` throw on a type mismatch; these helpers do not). Pure functions; fuzzed by
/// fuzz/fuzz_kubernetes_objects.cpp.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api_client.hpp"
#include "regent/runtime/ids.hpp"

namespace regent::ha::kubernetes {

inline constexpr const char* fence_annotation = "regent.io/fence-epoch";
/// On a shard created by a store write until the creator confirmed its epoch (README "Creations").
inline constexpr const char* unconfirmed_annotation = "regent.io/unconfirmed-creation";
/// The epoch of the Lease's holder (lease_election).
inline constexpr const char* epoch_annotation = "regent.io/epoch";

/// `object[key]` when `object` is an object and that field a string; `fallback` otherwise.
std::string string_field(const json& object, const char* key, const std::string& fallback = "");
/// `object[key]` when `object` is an object holding `key`; null otherwise (never inserts).
const json& field(const json& object, const char* key);

/// An epoch kept in an annotation: a decimal string (or a number, if edited by hand).
/// errc::corrupt naming `what` otherwise.
result<epoch_t> parse_epoch_value(const json& value, const std::string& what);

/// The election's Lease as read.
struct lease_view {
  bool exists = false;
  std::string resource_version;
  std::string holder;
  epoch_t epoch = 0;
  int transitions = 0;
  json object;
};
/// A Lease object: errc::corrupt naming `what` ("Lease <ns>/<name>") when it has no metadata
/// or a malformed epoch annotation.
result<lease_view> parse_lease(const json& object, const std::string& what);

/// One HA ConfigMap as read.
struct map_state {
  std::string name;
  bool exists = false;
  std::string resource_version;
  epoch_t fence = 0;
  bool unconfirmed = false;  ///< created, its creator's epoch not yet confirmed: holds no data
  std::map<std::string, std::string> data;
};
/// A ConfigMap object named `name`: errc::corrupt naming `what` ("ConfigMap <ns>/<name>")
/// when it is not one, its fence is not an epoch or a data value is not a string.
result<map_state> parse_config_map(const json& object, const std::string& name, const std::string& what);

/// One event of a watch stream (one JSON object per line).
struct watch_event {
  std::string type;  ///< ADDED, MODIFIED, DELETED, BOOKMARK, ERROR (as sent)
  json object;       ///< the object (or Status for ERROR); null when absent
  /// The object's metadata.resourceVersion; "" when absent.
  std::string resource_version() const;
};
/// nullopt when the line is not a JSON object.
std::optional<watch_event> parse_watch_event(std::string_view line);

}  // namespace regent::ha::kubernetes
