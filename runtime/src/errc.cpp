#include "regent/runtime/errc.hpp"

#include "regent/runtime/errc_category.hpp"

namespace regent {

namespace {

const char* describe(runtime_errc e) {
  switch (e) {
    case runtime_errc::invalid_spec:
      return "invalid job spec";
    case runtime_errc::invalid_transition:
      return "invalid job status transition";
    case runtime_errc::invalid_argument:
      return "invalid argument";
    case runtime_errc::corrupt_metadata:
      return "corrupt checkpoint metadata";
    case runtime_errc::already_exists:
      return "already exists";
    case runtime_errc::not_found:
      return "not found";
    case runtime_errc::insufficient_slots:
      return "not enough free slots";
    case runtime_errc::out_of_range:
      return "out of range";
  }
  return nullptr;
}

}  // namespace

const std::error_category& runtime_category() {
  static const errc_category<runtime_errc> instance{"runtime", describe};
  return instance;
}

std::error_code make_error_code(runtime_errc e) { return {static_cast<int>(e), runtime_category()}; }

}  // namespace regent
