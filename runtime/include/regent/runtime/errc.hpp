#pragma once
/// Error codes of regent_runtime: the job model (job specs, checkpoint metadata) and the pure
/// job logic (status transitions, slot bookkeeping).

#include <system_error>

namespace regent {

enum class runtime_errc {
  invalid_spec = 1,    ///< a job spec that does not parse or validate; the message names the field
  invalid_transition,  ///< a job status change the status machine does not allow
  invalid_argument,    ///< a bad value from the caller (slot count, empty taskmanager id, ...)
  corrupt_metadata,    ///< completed-checkpoint metadata that does not parse or is inconsistent
  already_exists,      ///< a taskmanager registered twice, a job that already holds slots
  not_found,           ///< no such taskmanager or job
  insufficient_slots,  ///< fewer free slots than a job needs
  out_of_range,        ///< a number outside what it may be (a port above 65535 or 0)
};

const std::error_category& runtime_category();
std::error_code make_error_code(runtime_errc e);

}  // namespace regent

namespace std {
template <>
struct is_error_code_enum<regent::runtime_errc> : true_type {};
}  // namespace std
