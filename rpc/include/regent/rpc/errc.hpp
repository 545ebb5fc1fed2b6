#pragma once
/// Error codes of the RPC layer: transport failures seen by a caller, frame errors seen by a
/// decoder, and the codes a handler puts on the wire in an error reply.

#include <system_error>

namespace regent::rpc {

/// The values are part of the wire format (they travel in `Error.code`): never renumber.
enum class errc {
  timeout = 1,       ///< the request's deadline passed before its response arrived
  disconnected,      ///< the connection was lost while the request was pending
  connect_failed,    ///< the server could not be resolved or reached
  frame_too_large,   ///< a frame's length is over the configured maximum
  malformed_frame,   ///< a frame's body is not a valid Envelope
  fencing_mismatch,  ///< the request's fencing token is not the receiver's leadership session
  bind_failed,       ///< the server could not listen on the given address
  stopped,           ///< the client or server was stopped
  handler_failed,    ///< the server's handler failed (threw, or returned a non-rpc error)
  unknown_method,    ///< no handler for the request's method
  invalid_argument,  ///< a call the API does not allow (e.g. a blocking request on the io thread)
};

const std::error_category& category();
std::error_code make_error_code(errc e);

}  // namespace regent::rpc

namespace std {
template <>
struct is_error_code_enum<regent::rpc::errc> : true_type {};
}  // namespace std
