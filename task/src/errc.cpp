#include "regent/task/errc.hpp"

#include "regent/runtime/errc_category.hpp"

#include <string>

namespace regent::task {

namespace {

const char* describe(errc e) {
  switch (e) {
    case errc::invalid_argument:
      return "invalid argument";
    case errc::not_found:
      return "not found";
    case errc::io:
      return "I/O error";
    case errc::corrupt:
      return "corrupt snapshot";
    case errc::user_code:
      return "user code error";
    case errc::output_conflict:
      return "output conflict";
  }
  return nullptr;
}

}  // namespace

const std::error_category& category() {
  static const errc_category<errc> instance{"regent.task", describe};
  return instance;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), category()}; }

}  // namespace regent::task
