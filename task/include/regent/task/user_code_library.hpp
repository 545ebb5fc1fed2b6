#pragma once
/// A user library (include/regent/operator_api.h) loaded with dlopen.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "regent/runtime/result.hpp"

namespace regent::task {

/// A map function of a user library: the C ABI's `int64_t fn(int64_t)` (regent_map_fn).
using map_fn_ptr = std::int64_t (*)(std::int64_t);

/// One loaded user library: dlopen(RTLD_NOW | RTLD_LOCAL) on load, dlclose when the last
/// owner lets go. Function pointers it hands out are valid only while it lives, so whoever
/// keeps them (an operator_chain) also keeps a shared_ptr to the library.
///
/// Loaded in the first step of the subtask that needs it (dlopen reads the file); afterwards
/// immutable and safe to share between threads.
class user_code_library {
 public:
  /// Loads `file` and checks it exports regent_operator_api_version() returning
  /// REGENT_OPERATOR_API_VERSION. Errors (errc::not_found for a missing file, errc::user_code
  /// otherwise) name the file and, where one is involved, the symbol.
  static result<std::shared_ptr<user_code_library>> load(const std::filesystem::path& file);

  ~user_code_library();
  user_code_library(const user_code_library&) = delete;
  user_code_library& operator=(const user_code_library&) = delete;

  /// The exported map function `symbol`; errc::user_code naming the file and the symbol when
  /// the library does not export it.
  result<map_fn_ptr> map_function(const std::string& symbol) const;

  const std::filesystem::path& file() const { return file_; }

 private:
  user_code_library(std::filesystem::path file, void* handle);

  std::filesystem::path file_;
  void* handle_;
};

}  // namespace regent::task
