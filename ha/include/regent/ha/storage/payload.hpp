#pragma once
/// The on-disk frame of every HA payload: a header with a format version, the payload length
/// and a CRC-32 of the payload, then the payload. A truncated or corrupted file is detected
/// and reported naming the file.
///
/// Header (20 bytes, little-endian): "RGNT" | version u8 (=1) | 3 reserved zero bytes |
/// length u64 | crc32 u32.

#include <string>
#include <string_view>

#include "regent/runtime/result.hpp"

namespace regent::ha::storage {

inline constexpr std::size_t payload_header_size = 20;
inline constexpr unsigned char payload_format_version = 1;

/// Frames `bytes` for storage.
std::string encode_payload(std::string_view bytes);
/// Checks the frame and returns the payload; errc::corrupt naming `file` otherwise.
result<std::string> decode_payload(std::string_view framed, const std::string& file);

}  // namespace regent::ha::storage
