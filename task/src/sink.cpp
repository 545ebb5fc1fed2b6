#include "regent/task/sink.hpp"

#include "regent/task/errc.hpp"
#include "regent/task/file_sink.hpp"

namespace regent::task {

result<std::unique_ptr<sink>> make_sink(const sink_spec& spec, int index, const std::string& owner) {
  if (spec.type == "file") {
    if (spec.path.empty()) return error{errc::invalid_argument, "sink.path: a file sink needs a folder"};
    return std::unique_ptr<sink>(std::make_unique<file_sink>(spec.path, index, owner));
  }
  if (spec.type == "discard") return std::unique_ptr<sink>(std::make_unique<discard_sink>());
  return error{errc::invalid_argument, "sink.type: unknown sink type '" + spec.type + "' (known: file, discard)"};
}

}  // namespace regent::task
