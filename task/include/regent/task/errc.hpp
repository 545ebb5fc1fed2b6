#pragma once
/// Error codes of the task side (regent_task): loading user code, building operator chains,
/// running sinks and snapshots.

#include <system_error>

namespace regent::task {

enum class errc {
  invalid_argument = 1,  ///< a bad spec: unknown function, source or sink type, bad range
  not_found,             ///< a file that must exist does not (library, snapshot, pending part)
  io,                    ///< the file system failed (message carries the path and errno text)
  corrupt,               ///< a snapshot that does not parse, or belongs to another subtask
  user_code,             ///< a user library that cannot be loaded, has the wrong API version or
                         ///< lacks a symbol
  output_conflict,       ///< the sink's folder holds committed output this attempt cannot account
                         ///< for (HA state lost, or another job writes there): restarts cannot help
};

const std::error_category& category();
std::error_code make_error_code(errc e);

}  // namespace regent::task

namespace std {
template <>
struct is_error_code_enum<regent::task::errc> : true_type {};
}  // namespace std
