#include "regent/programs/http_status.hpp"

#include "regent/ha/errc.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/runtime/errc.hpp"
#include "regent/runtime/errc_category.hpp"

namespace regent::programs {

namespace {

struct row {
  std::error_code code;
  int status;
};

const row table[] = {
    {rpc::errc::timeout, 503},          {rpc::errc::disconnected, 503},    {rpc::errc::connect_failed, 503},
    {rpc::errc::fencing_mismatch, 503}, {rpc::errc::stopped, 503},         {ha::errc::not_leader, 503},
    {ha::errc::unavailable, 503},       {ha::errc::not_found, 404},        {ha::errc::invalid_argument, 404},
    {ha::errc::already_exists, 409},    {runtime_errc::invalid_spec, 400}, {runtime_errc::not_found, 404},
};

}  // namespace

int http_status_of(const std::error_code& code) {
  for (const auto& r : table)
    if (same_code(code, r.code)) return r.status;  // also for a code that came over the wire
  return 500;
}

}  // namespace regent::programs
