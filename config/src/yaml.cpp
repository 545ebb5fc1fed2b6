// config.yaml → flat keys. Nested maps are flattened with '.', flat dotted keys are taken as they
// are, and both may be mixed. Every yaml-cpp exception stops here and becomes errc::parse.
#include <yaml-cpp/yaml.h>

#include "internal.hpp"

namespace regent::config {

namespace {

/// 1-based line of a node, 0 when yaml-cpp has none.
int line_of(const YAML::Node& n) {
  auto m = n.Mark();
  return m.line >= 0 ? m.line + 1 : 0;
}

error parse_error(const std::string& file, int line, const std::string& what) {
  return {errc::parse, (line > 0 ? file + ":" + std::to_string(line) : file) + ": " + what};
}

/// Nesting deeper than this is refused: a YAML alias can refer to a map that holds it
/// (`a: &x {b: *x}`), which would otherwise recurse without end (found by fuzz/fuzz_config.cpp).
constexpr int max_depth = 32;
/// More keys than this are refused: aliases can multiply a small file into billions of keys.
constexpr std::size_t max_keys = 10000;

/// Adds every leaf of `map` under `prefix` to `conf`. A key given twice (e.g. once nested and
/// once flat) is an error naming both places: silently taking one hides a mistake.
result<void> flatten(const YAML::Node& map, const std::string& prefix, const std::string& file, configuration& conf,
                     int depth = 0) {
  if (depth >= max_depth)
    return parse_error(file, line_of(map), prefix + ": nested more than " + std::to_string(max_depth) +
                                               " levels deep (an alias that refers to its own map?)");
  for (const auto& kv : map) {
    if (conf.entries().size() >= max_keys)
      return parse_error(file, line_of(kv.first), "more than " + std::to_string(max_keys) + " keys (aliases?)");
    const YAML::Node& k = kv.first;
    const YAML::Node& v = kv.second;
    if (!k.IsScalar() || detail::trim(k.Scalar()).empty())
      return parse_error(file, line_of(k), "expected a non-empty key");
    std::string key = prefix + std::string(detail::trim(k.Scalar()));
    std::string value;
    int line = line_of(k);
    switch (v.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        continue;  // `key:` with no value is the same as leaving the key out
      case YAML::NodeType::Map:
        if (auto r = flatten(v, key + ".", file, conf, depth + 1); !r) return r;
        continue;
      case YAML::NodeType::Scalar:
        value = v.Scalar();
        line = line_of(v);
        break;
      case YAML::NodeType::Sequence:
        // A list (e.g. a ZooKeeper quorum) is joined with ',', Flink's list separator.
        for (const auto& item : v) {
          if (!item.IsScalar()) return parse_error(file, line_of(item), key + ": expected a scalar in the list");
          if (!value.empty()) value += ',';
          value += item.Scalar();
        }
        break;
    }
    if (const entry* before = conf.find(key))
      return parse_error(file, line, key + ": set twice, at " + before->where.to_string() + " and here");
    conf.set(key, std::move(value), {file, line});
  }
  return ok();
}

}  // namespace

result<configuration> configuration::from_yaml(std::string_view text, const std::string& file_name) {
  configuration conf;
  conf.file_name_ = file_name;
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!root || root.IsNull()) return conf;  // an empty file, or only comments
    if (!root.IsMap()) return parse_error(file_name, line_of(root), "expected keys with values at the top level");
    if (auto r = flatten(root, "", file_name, conf); !r) return std::move(r).err();
  } catch (const YAML::Exception& e) {
    int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    return parse_error(file_name, line, "YAML syntax error: " + e.msg);
  }
  return conf;
}

}  // namespace regent::config
