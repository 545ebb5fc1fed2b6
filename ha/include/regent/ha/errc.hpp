#pragma once
/// Error codes of the HA layer.

#include <system_error>

namespace regent::ha {

enum class errc {
  not_leader = 1,    ///< the write's fencing token is not the current leadership (fenced off)
  not_found,         ///< no such job graph, checkpoint, blob or result
  already_exists,    ///< e.g. a JobResultStore entry for the job exists already
  corrupt,           ///< a stored payload failed its header, length or checksum check
  io,                ///< the file system or backend failed (message carries errno text)
  invalid_argument,  ///< a malformed key, id or value given by the caller
  unavailable,       ///< the backend cannot be reached (e.g. no ZooKeeper quorum)
  stopped,           ///< the service was stopped
};

const std::error_category& category();
std::error_code make_error_code(errc e);

}  // namespace regent::ha

namespace std {
template <>
struct is_error_code_enum<regent::ha::errc> : true_type {};
}  // namespace std
