#include "regent/ha/errc.hpp"

namespace regent::ha {

namespace {
class category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ha"; }
  std::string message(int c) const override {
    switch (static_cast<errc>(c)) {
      case errc::not_leader: return "not the current leader";
      case errc::not_found: return "not found";
      case errc::already_exists: return "already exists";
      case errc::corrupt: return "corrupt payload";
      case errc::io: return "I/O error";
      case errc::invalid_argument: return "invalid argument";
      case errc::unavailable: return "backend unavailable";
      case errc::stopped: return "stopped";
    }
    return "unknown ha error";
  }
};
}  // namespace

const std::error_category& category() {
  static category_impl c;
  return c;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), category()}; }

}  // namespace regent::ha
