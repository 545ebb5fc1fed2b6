#include "regent/runtime/random.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace regent {

std::uint64_t random_source::next() {
  std::lock_guard<std::mutex> lock(mu_);
  return gen_();
}

std::string random_source::uuid() {
  std::uint64_t hi = next();
  std::uint64_t lo = next();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 1
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::string random_source::hex32() {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(next()),
                static_cast<unsigned long long>(next()));
  return buf;
}

random_source& random_source::instance() {
  static random_source r([] {
    if (const char* s = std::getenv("REGENT_SEED")) return static_cast<std::uint64_t>(std::strtoull(s, nullptr, 10));
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }());
  return r;
}

}  // namespace regent
