#include "regent/task/operator_chain.hpp"

#include <map>

#include "regent/runtime/builtin_functions.hpp"
#include "regent/task/errc.hpp"

namespace regent::task {

library_resolver local_file_resolver() {
  return [](const std::string& artifact) -> result<std::filesystem::path> { return std::filesystem::path(artifact); };
}

result<operator_chain> build_operator_chain(const std::vector<operator_spec>& operators,
                                            const library_resolver& resolve) {
  operator_chain chain;
  std::map<std::string, std::shared_ptr<user_code_library>> loaded;
  for (std::size_t i = 0; i < operators.size(); ++i) {
    const auto& op = operators[i];
    const std::string where = "operators[" + std::to_string(i) + "]";
    if (op.type != "map") {
      return error{errc::invalid_argument, where + ".type: unknown operator type '" + op.type + "' (known: map)"};
    }
    if (!op.library) {
      builtin_map_fn fn = find_builtin_function(op.function);
      if (fn == nullptr) {
        return error{errc::invalid_argument, where + ".function: unknown built-in map function '" + op.function +
                                                 "' (known: " + builtin_function_names() + ")"};
      }
      chain.add(fn);
      continue;
    }
    auto it = loaded.find(*op.library);
    if (it == loaded.end()) {
      if (!resolve) {
        return error{errc::invalid_argument, where + ".library: no resolver for user libraries"};
      }
      auto file = resolve(*op.library);
      if (!file) return error{file.err().code, where + ".library: " + file.err().message};
      auto lib = user_code_library::load(*file);
      if (!lib) return error{lib.err().code, where + ": " + lib.err().message};
      it = loaded.emplace(*op.library, std::move(lib).value()).first;
      chain.keep_alive(it->second);
    }
    auto fn = it->second->map_function(op.function);
    if (!fn) return error{fn.err().code, where + ".function: " + fn.err().message};
    chain.add(*fn);
  }
  return chain;
}

}  // namespace regent::task
