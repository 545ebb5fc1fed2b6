#pragma once
/// The built-in `map` functions a job spec may name (DESIGN §4): `identity`, `negate`,
/// `add-one`, `square`. Pure functions on 64-bit records; they wrap on overflow (two's
/// complement) instead of being undefined, like the example user library. The job spec parser
/// validates names against this list; the task side runs the functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace regent {

/// A map function: one record in, one record out.
using builtin_map_fn = std::int64_t (*)(std::int64_t);

struct builtin_function {
  const char* name;
  builtin_map_fn fn;
};

/// Every built-in, in the order users see them listed.
const std::vector<builtin_function>& builtin_functions();

/// The built-in called `name`, or null.
builtin_map_fn find_builtin_function(std::string_view name);

/// "identity, negate, add-one, square" — for error messages.
std::string builtin_function_names();

}  // namespace regent
