#pragma once
/// Input checks of the in-memory stores (private to ha/none/src). They mirror the
/// `filesystem` backend's, so both families reject the same calls.

#include <cstdint>
#include <string>

#include "regent/ha/errc.hpp"
#include "regent/ha/job_result_store.hpp"
#include "regent/ha/stores.hpp"
#include "regent/runtime/ids.hpp"
#include "regent/runtime/result.hpp"

namespace regent::ha::none::detail {

/// Largest checkpoint id (the file-backed stores write ids as 19 digits).
inline constexpr std::uint64_t max_checkpoint_id = 9'999'999'999'999'999'999ULL;

inline result<void> check_job(const job_id& job) {
  if (job.empty()) return error{errc::invalid_argument, "empty job id"};
  return ok();
}

inline result<void> check_checkpoint_id(std::uint64_t id) {
  if (id == 0 || id > max_checkpoint_id)
    return error{errc::invalid_argument, "checkpoint id " + std::to_string(id) + " out of range"};
  return ok();
}

inline result<void> check_blob_key(const std::string& key) {
  if (!valid_blob_key(key))
    return error{errc::invalid_argument, "invalid blob key '" + key + "' (1-200 of [A-Za-z0-9._-], not '.' or '..')"};
  return ok();
}

inline result<void> check_result(const job_result& r) {
  if (r.id.empty()) return error{errc::invalid_argument, "job result without a job id"};
  const auto& s = r.application_status;
  if (s != "SUCCEEDED" && s != "FAILED" && s != "CANCELED" && s != "UNKNOWN")
    return error{errc::invalid_argument, "job " + r.id.str() + ": unknown application status '" + s + "'"};
  return ok();
}

}  // namespace regent::ha::none::detail
