#include "regent/runtime/errc.hpp"

namespace regent {

namespace {
class category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "runtime"; }
  std::string message(int c) const override {
    switch (static_cast<runtime_errc>(c)) {
      case runtime_errc::invalid_spec: return "invalid job spec";
      case runtime_errc::invalid_transition: return "invalid job status transition";
      case runtime_errc::invalid_argument: return "invalid argument";
      case runtime_errc::corrupt_metadata: return "corrupt checkpoint metadata";
      case runtime_errc::already_exists: return "already exists";
      case runtime_errc::not_found: return "not found";
      case runtime_errc::insufficient_slots: return "not enough free slots";
    }
    return "unknown runtime error";
  }
};
}  // namespace

const std::error_category& runtime_category() {
  static category_impl c;
  return c;
}

std::error_code make_error_code(runtime_errc e) { return {static_cast<int>(e), runtime_category()}; }

}  // namespace regent
