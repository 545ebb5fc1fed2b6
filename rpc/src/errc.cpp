#include "regent/rpc/errc.hpp"

#include "regent/runtime/errc_category.hpp"

namespace regent::rpc {

namespace {

const char* describe(errc e) {
  switch (e) {
    case errc::timeout:
      return "deadline expired";
    case errc::disconnected:
      return "connection lost";
    case errc::connect_failed:
      return "cannot connect";
    case errc::frame_too_large:
      return "frame too large";
    case errc::malformed_frame:
      return "malformed frame";
    case errc::fencing_mismatch:
      return "fencing token mismatch";
    case errc::bind_failed:
      return "cannot listen";
    case errc::stopped:
      return "stopped";
    case errc::handler_failed:
      return "handler failed";
    case errc::unknown_method:
      return "unknown method";
    case errc::invalid_argument:
      return "invalid argument";
  }
  return nullptr;
}

}  // namespace

const std::error_category& category() {
  static const errc_category<errc> instance{"rpc", describe};
  return instance;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), category()}; }

}  // namespace regent::rpc
