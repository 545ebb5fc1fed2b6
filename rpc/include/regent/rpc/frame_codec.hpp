#pragma once
/// The wire framing, pure and without I/O: a frame is a 4-byte big-endian length followed by
/// that many bytes of a serialized `regent.rpc.Envelope`.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "regent/rpc/envelope.hpp"
#include "regent/runtime/result.hpp"

namespace regent::rpc {

/// The largest frame body a decoder accepts unless told otherwise: 16 MiB.
inline constexpr std::size_t default_max_frame_bytes = std::size_t{16} << 20;

/// The bytes of the frame holding `e` (length prefix included).
std::string encode_frame(const envelope& e);

/// Incremental decoder of one byte stream (one per connection). Fed arbitrary chunks, it yields
/// each complete envelope once. A length over the maximum (checked as soon as the 4 length bytes
/// are in, before any body is buffered) or an unparsable body fails the decoder for good: the
/// stream has lost its framing. Owned by one connection; not thread-safe.
class frame_decoder {
 public:
  explicit frame_decoder(std::size_t max_frame_bytes = default_max_frame_bytes);

  /// Appends bytes received from the stream.
  void feed(std::string_view bytes);

  /// The next complete envelope; `nullopt` when more bytes are needed; an error
  /// (`errc::frame_too_large` or `errc::malformed_frame`) once the stream is broken.
  result<std::optional<envelope>> next();

  /// Bytes received but not yet returned as envelopes.
  std::size_t buffered() const { return buffer_.size() - offset_; }

 private:
  std::size_t max_frame_bytes_;
  std::string buffer_;
  std::size_t offset_ = 0;
  std::optional<error> failure_;
};

}  // namespace regent::rpc
