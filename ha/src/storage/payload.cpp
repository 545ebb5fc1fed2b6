#include "regent/ha/storage/payload.hpp"

#include <boost/crc.hpp>

#include "regent/ha/errc.hpp"

namespace regent::ha::storage {

namespace {

std::uint32_t crc32(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

void put_le(std::string& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get_le(std::string_view in, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return v;
}

error corrupt(const std::string& file, const std::string& why) {
  return {errc::corrupt, "corrupt HA payload " + file + ": " + why};
}

}  // namespace

std::string encode_payload(std::string_view bytes) {
  std::string out;
  out.reserve(payload_header_size + bytes.size());
  out.append("RGNT");
  out.push_back(static_cast<char>(payload_format_version));
  out.append(3, '\0');
  put_le(out, bytes.size(), 8);
  put_le(out, crc32(bytes), 4);
  out.append(bytes);
  return out;
}

result<std::string> decode_payload(std::string_view framed, const std::string& file) {
  if (framed.size() < payload_header_size)
    return corrupt(file, "truncated header (" + std::to_string(framed.size()) + " of " +
                             std::to_string(payload_header_size) + " bytes)");
  if (framed.substr(0, 4) != "RGNT") return corrupt(file, "not a Regent HA payload (bad magic)");
  auto version = static_cast<unsigned char>(framed[4]);
  if (version != payload_format_version) return corrupt(file, "unsupported format version " + std::to_string(version));
  std::uint64_t length = get_le(framed, 8, 8);
  std::uint64_t have = framed.size() - payload_header_size;
  if (length != have)
    return corrupt(file, "length mismatch (header says " + std::to_string(length) + " bytes, file holds " +
                             std::to_string(have) + ")");
  auto payload = framed.substr(payload_header_size);
  if (crc32(payload) != static_cast<std::uint32_t>(get_le(framed, 16, 4))) return corrupt(file, "checksum mismatch");
  return std::string(payload);
}

}  // namespace regent::ha::storage
