#include "regent/task/user_code_library.hpp"

#include <dlfcn.h>

#include <string>
#include <system_error>
#include <type_traits>

#include "regent/operator_api.h"
#include "regent/task/errc.hpp"

namespace regent::task {

namespace fs = std::filesystem;

namespace {

/// The last dlerror() text (thread-local in glibc), or a fallback.
std::string last_dl_error() {
  const char* e = ::dlerror();
  return e != nullptr ? std::string(e) : std::string("unknown dlopen error");
}

/// dlsym that tells a missing symbol from a symbol whose value is null.
void* find_symbol(void* handle, const std::string& symbol) {
  ::dlerror();
  return ::dlsym(handle, symbol.c_str());
}

}  // namespace

user_code_library::user_code_library(fs::path file, void* handle) : file_(std::move(file)), handle_(handle) {}

user_code_library::~user_code_library() {
  if (handle_ != nullptr) ::dlclose(handle_);
}

result<std::shared_ptr<user_code_library>> user_code_library::load(const fs::path& file) {
  std::error_code ec;
  const bool exists = fs::exists(file, ec);
  if (!exists) {
    return error{errc::not_found, "user library " + file.string() + " does not exist"};
  }
  if (!fs::is_regular_file(file, ec)) {
    return error{errc::user_code, "user library " + file.string() + " is not a regular file"};
  }
  // A name without a slash would make dlopen search the library path instead of this file.
  const fs::path target = fs::absolute(file, ec);
  void* handle = ::dlopen((ec ? file : target).c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return error{errc::user_code,
                 "cannot load user library " + file.string() + " (not a loadable shared object?): " + last_dl_error()};
  }
  // Owns the handle from here on, so every early return closes it.
  std::shared_ptr<user_code_library> lib(new user_code_library(file, handle));
  void* version_sym = find_symbol(handle, REGENT_OPERATOR_API_VERSION_SYMBOL);
  if (version_sym == nullptr) {
    return error{errc::user_code, "user library " + file.string() + " does not export " +
                                      REGENT_OPERATOR_API_VERSION_SYMBOL +
                                      " (not built against regent/operator_api.h)"};
  }
  const int version = reinterpret_cast<regent_api_version_fn>(version_sym)();
  if (version != REGENT_OPERATOR_API_VERSION) {
    return error{errc::user_code, "user library " + file.string() + ": " + REGENT_OPERATOR_API_VERSION_SYMBOL +
                                      "() returned " + std::to_string(version) + ", this runtime supports " +
                                      std::to_string(REGENT_OPERATOR_API_VERSION)};
  }
  return lib;
}

result<map_fn_ptr> user_code_library::map_function(const std::string& symbol) const {
  void* sym = find_symbol(handle_, symbol);
  if (sym == nullptr) {
    return error{errc::user_code, "user library " + file_.string() + " does not export map function '" + symbol + "'"};
  }
  static_assert(std::is_same_v<map_fn_ptr, regent_map_fn>, "map_fn_ptr must match the C ABI");
  return reinterpret_cast<map_fn_ptr>(sym);
}

}  // namespace regent::task
