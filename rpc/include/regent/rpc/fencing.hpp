#pragma once
/// Fencing of RPCs (DESIGN §2): a leader component accepts a request only when it carries the
/// component's own leadership token. Pure functions; any thread.

#include "regent/rpc/envelope.hpp"
#include "regent/runtime/ids.hpp"
#include "regent/runtime/result.hpp"

namespace regent::rpc {

/// Ok when `request.token` equals `expected` and `expected` is a valid (held) token;
/// otherwise `errc::fencing_mismatch` with a message naming both tokens, e.g.
/// "fencing token mismatch: epoch=3 session=… did not match epoch=4 session=…".
result<void> check_fencing(const fencing_token& expected, const envelope& request);

}  // namespace regent::rpc
