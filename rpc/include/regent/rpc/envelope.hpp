#pragma once
/// The message every RPC carries, as a plain C++ value: the public face of the protobuf
/// `regent.rpc.Envelope` (rpc/proto/regent/rpc/envelope.proto), which stays inside rpc/*.cpp.

#include <cstdint>
#include <optional>
#include <string>

#include "regent/runtime/ids.hpp"
#include "regent/runtime/result.hpp"

namespace regent::rpc {

/// The error of a failed response as it travels: `code` is an `rpc::errc` value.
struct wire_error {
  std::int32_t code = 0;
  std::string message;
  std::string category;  ///< the name of the code's error category; "" is "rpc"

  friend bool operator==(const wire_error& a, const wire_error& b) {
    return a.code == b.code && a.message == b.message && a.category == b.category;
  }
  friend bool operator!=(const wire_error& a, const wire_error& b) { return !(a == b); }
};

/// One request or response. A plain value, owned by whoever holds it; no thread affinity.
/// `method` and `token.session_id` must be UTF-8 (proto3 strings); `payload` is any bytes.
struct envelope {
  /// Chosen by the client for a request; a response echoes its request's id.
  std::uint64_t correlation_id = 0;
  /// The sender's leadership session; checked by fenced receivers (see fencing.hpp).
  fencing_token token;
  std::string method;
  std::string payload;
  bool is_response = false;
  /// Set only on a failed response.
  std::optional<wire_error> error;

  friend bool operator==(const envelope& a, const envelope& b) {
    return a.correlation_id == b.correlation_id && a.token == b.token && a.method == b.method &&
           a.payload == b.payload && a.is_response == b.is_response && a.error == b.error;
  }
  friend bool operator!=(const envelope& a, const envelope& b) { return !(a == b); }
};

/// A request envelope (the client assigns the correlation id when it sends it).
envelope make_request(std::string method, fencing_token token, std::string payload);

/// A successful response to `request`: same correlation id and method, `is_response` set.
envelope make_reply(const envelope& request, std::string payload);

/// A failed response to `request`: the error's category (by name), code and message travel
/// as they are, so the receiver gets the same std::error_code (see regent::category_named).
/// The reply carries no token: a stale sender must not learn the current one.
envelope make_error_reply(const envelope& request, const error& e);

/// The response itself when it succeeded; its error, in its own category, otherwise.
result<envelope> to_result(envelope response);

}  // namespace regent::rpc
