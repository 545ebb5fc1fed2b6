#include "regent/runtime/job/attempt_id.hpp"

namespace regent::job {

namespace {

/// 16 bits of a session id: its first four hex digits (a UUID's are random); a session id
/// that is not hex contributes a hash of its characters.
std::uint64_t session_bits(const std::string& session) {
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < session.size() && i < 4; ++i) {
    const char c = session[i];
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) {
      std::uint64_t h = 1469598103934665603ull;  // FNV-1a
      for (unsigned char ch : session) h = (h ^ ch) * 1099511628211ull;
      return h & 0xffff;
    }
    bits = bits << 4 | static_cast<std::uint64_t>(v);
  }
  return bits & 0xffff;
}

}  // namespace

std::uint64_t attempt_id(const fencing_token& token, std::uint64_t n) {
  return (token.epoch & 0xffffff) << 40 | session_bits(token.session_id) << 24 | (n & 0xffffff);
}

}  // namespace regent::job
