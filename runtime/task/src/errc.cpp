#include "regent/task/errc.hpp"

#include <string>

namespace regent::task {

namespace {

/// The category of regent::task::errc; a process-wide constant.
class task_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "regent.task"; }
  std::string message(int c) const override {
    switch (static_cast<errc>(c)) {
      case errc::invalid_argument: return "invalid argument";
      case errc::not_found: return "not found";
      case errc::io: return "I/O error";
      case errc::corrupt: return "corrupt snapshot";
      case errc::user_code: return "user code error";
      case errc::output_conflict: return "output conflict";
    }
    return "unknown task error";
  }
};

}  // namespace

const std::error_category& category() {
  static const task_category instance;
  return instance;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), category()}; }

}  // namespace regent::task
