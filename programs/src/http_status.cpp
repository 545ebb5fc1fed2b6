#include "regent/programs/http_status.hpp"

#include <string_view>

#include "regent/ha/errc.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/runtime/errc.hpp"

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
  // By the category's name: a code that came over the wire compares equal to the same code made here.
  for (const auto& r : table)
    if (code.value() == r.code.value() && std::string_view(code.category().name()) == r.code.category().name())
      return r.status;
  return 500;
}

}  // namespace regent::programs
