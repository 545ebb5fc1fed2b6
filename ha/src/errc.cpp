#include "regent/ha/errc.hpp"

#include "regent/runtime/errc_category.hpp"

namespace regent::ha {

namespace {

const char* describe(errc e) {
  switch (e) {
    case errc::not_leader:
      return "not the current leader";
    case errc::not_found:
      return "not found";
    case errc::already_exists:
      return "already exists";
    case errc::corrupt:
      return "corrupt payload";
    case errc::io:
      return "I/O error";
    case errc::invalid_argument:
      return "invalid argument";
    case errc::unavailable:
      return "backend unavailable";
    case errc::stopped:
      return "stopped";
  }
  return nullptr;
}

}  // namespace

const std::error_category& category() {
  static const errc_category<errc> instance{"ha", describe};
  return instance;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), category()}; }

}  // namespace regent::ha
