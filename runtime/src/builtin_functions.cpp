#include "regent/runtime/builtin_functions.hpp"

namespace regent {

namespace {

// Computed in uint64_t so that overflow wraps instead of being undefined behaviour.
std::int64_t identity_fn(std::int64_t x) { return x; }
std::int64_t negate_fn(std::int64_t x) { return static_cast<std::int64_t>(0u - static_cast<std::uint64_t>(x)); }
std::int64_t add_one_fn(std::int64_t x) { return static_cast<std::int64_t>(static_cast<std::uint64_t>(x) + 1u); }
std::int64_t square_fn(std::int64_t x) {
  const auto u = static_cast<std::uint64_t>(x);
  return static_cast<std::int64_t>(u * u);
}

}  // namespace

const std::vector<builtin_function>& builtin_functions() {
  static const std::vector<builtin_function> all = {
      {"identity", &identity_fn},
      {"negate", &negate_fn},
      {"add-one", &add_one_fn},
      {"square", &square_fn},
  };
  return all;
}

builtin_map_fn find_builtin_function(std::string_view name) {
  for (const auto& b : builtin_functions())
    if (name == b.name) return b.fn;
  return nullptr;
}

std::string builtin_function_names() {
  std::string out;
  for (const auto& b : builtin_functions()) {
    if (!out.empty()) out += ", ";
    out += b.name;
  }
  return out;
}

}  // namespace regent
