#pragma once
/// The operator chain of a subtask: the map functions of the job spec, built-in or from user
/// libraries, applied to each record in order.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "regent/runtime/job_spec.hpp"
#include "regent/runtime/result.hpp"
#include "regent/task/user_code_library.hpp"

namespace regent::task {

/// One map step of a chain.
using map_function = std::function<std::int64_t(std::int64_t)>;

/// Resolves the `library` of an operator spec (an artifact: the blob key the job was uploaded
/// with) to a local file the subtask can dlopen. Runs in the subtask's first step.
using library_resolver = std::function<result<std::filesystem::path>(const std::string& artifact)>;

/// The resolver that takes the artifact as a local path (tests, local runs).
library_resolver local_file_resolver();

/// An ordered list of map functions plus the user libraries their pointers live in.
///
/// Owned by one subtask and run on its thread; moving it keeps the libraries loaded.
class operator_chain {
 public:
  /// Appends `fn` at the end of the chain.
  void add(map_function fn) { functions_.push_back(std::move(fn)); }
  /// Keeps `library` loaded for as long as this chain lives.
  void keep_alive(std::shared_ptr<user_code_library> library) { libraries_.push_back(std::move(library)); }

  /// Runs `record` through every function in order.
  std::int64_t apply(std::int64_t record) const {
    for (const auto& fn : functions_) record = fn(record);
    return record;
  }

  std::size_t size() const { return functions_.size(); }

 private:
  std::vector<map_function> functions_;
  std::vector<std::shared_ptr<user_code_library>> libraries_;
};

/// Builds the chain of `operators`: built-in functions by name (regent/runtime/
/// builtin_functions.hpp: identity, negate, add-one, square), user functions from the
/// library each spec names (loaded once per artifact through `resolve`). Errors name the
/// operator's index, the function and, for user code, the library file.
result<operator_chain> build_operator_chain(const std::vector<operator_spec>& operators,
                                            const library_resolver& resolve);

}  // namespace regent::task
