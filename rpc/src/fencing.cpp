#include "regent/rpc/fencing.hpp"

#include "regent/rpc/errc.hpp"

namespace regent::rpc {

result<void> check_fencing(const fencing_token& expected, const envelope& request) {
  if (expected.valid() && request.token == expected) return ok();
  std::string message =
      "fencing token mismatch: " + request.token.to_string() + " did not match " + expected.to_string();
  if (!expected.valid()) message += " (no leadership held)";
  if (!request.method.empty()) message += " for method " + request.method;
  return error(errc::fencing_mismatch, std::move(message));
}

}  // namespace regent::rpc
