// The job spec JSON (DESIGN §5). Parsing is strict, because a spec is user input: unknown
// fields, wrong types and out-of-range values are runtime_errc::invalid_spec with a message that
// starts with the field's path ("operators[1].function: ..."), so the REST client can show it
// as is. Malformed JSON reports the parser's line and column.

#include "regent/runtime/job_spec.hpp"

#include <cmath>
#include <initializer_list>
#include <limits>

#include <nlohmann/json.hpp>

#include "regent/runtime/builtin_functions.hpp"
#include "regent/runtime/errc.hpp"

namespace regent {

namespace {

using json = nlohmann::json;

constexpr int max_parallelism = 1024;
constexpr std::size_t max_artifact_length = 200;
constexpr const char* default_name = "unnamed job";

error spec_error(const std::string& path, const std::string& why) {
  return {runtime_errc::invalid_spec, path + ": " + why};
}

std::string field_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

/// "a string", "an array", ... for "must be X (got Y)" messages.
std::string kind_of(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_float:
      return "a number with a fraction";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    default:
      return "an unsupported value";
  }
}

/// Unknown fields are errors: a typo ("paralelism") must not silently fall back to a default.
std::optional<error> check_fields(const json& obj, const std::string& path, std::initializer_list<const char*> known) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool found = false;
    for (const char* k : known) found = found || it.key() == k;
    if (found) continue;
    std::string list;
    for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    return spec_error(field_path(path, it.key()), "unknown field (known: " + list + ")");
  }
  return std::nullopt;
}

bool fits_int64(const json& j) {
  if (!j.is_number_integer()) return false;
  return !(j.is_number_unsigned() &&
           j.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
}

result<std::int64_t> int_field(const json& j, const std::string& path) {
  if (!fits_int64(j)) {
    if (j.is_number_integer()) return spec_error(path, "must be a 64-bit integer (got " + j.dump() + ")");
    return spec_error(path, "must be an integer (got " + kind_of(j) + ")");
  }
  return j.get<std::int64_t>();
}

result<std::string> string_field(const json& j, const std::string& path) {
  if (!j.is_string()) return spec_error(path, "must be a string (got " + kind_of(j) + ")");
  return j.get<std::string>();
}

const json* find(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

/// The blob-store key rule (as ha::valid_blob_key, which regent_runtime cannot depend on).
bool valid_artifact(const std::string& key) {
  if (key.empty() || key.size() > max_artifact_length) return false;
  if (key == "." || key == ".." || key.rfind(".tmp-", 0) == 0) return false;
  for (char c : key) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool c_identifier(const std::string& s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!(alpha || (digit && i > 0))) return false;
  }
  return true;
}

result<source_spec> parse_source(const json& j) {
  const std::string path = "source";
  if (!j.is_object()) return spec_error(path, "must be an object (got " + kind_of(j) + ")");
  const json* type = find(j, "type");
  if (!type) return spec_error("source.type", "missing (known: sequence)");
  auto t = string_field(*type, "source.type");
  if (!t) return std::move(t).err();
  if (*t != "sequence") return spec_error("source.type", "unknown source type '" + *t + "' (known: sequence)");
  if (auto e = check_fields(j, path, {"type", "from", "to", "rate-per-second"})) return std::move(*e);

  source_spec s;
  s.type = *t;
  const json* from = find(j, "from");
  if (!from) return spec_error("source.from", "missing (the first number of the sequence)");
  auto f = int_field(*from, "source.from");
  if (!f) return std::move(f).err();
  const json* to = find(j, "to");
  if (!to) return spec_error("source.to", "missing (the last number of the sequence, inclusive)");
  auto t2 = int_field(*to, "source.to");
  if (!t2) return std::move(t2).err();
  if (*t2 < *f)
    return spec_error("source.to", "must be >= source.from (" + std::to_string(*f) + " > " + std::to_string(*t2) + ")");
  s.from = *f;
  s.to = *t2;
  if (const json* rate = find(j, "rate-per-second")) {
    if (!rate->is_number())
      return spec_error("source.rate-per-second", "must be a number (got " + kind_of(*rate) + ")");
    double r = rate->get<double>();
    if (!std::isfinite(r) || r <= 0)
      return spec_error("source.rate-per-second", "must be > 0 (got " + rate->dump() + ")");
    s.rate_per_second = r;
  }
  return s;
}

result<operator_spec> parse_operator(const json& j, const std::string& path) {
  if (!j.is_object()) return spec_error(path, "must be an object (got " + kind_of(j) + ")");
  const json* type = find(j, "type");
  if (!type) return spec_error(path + ".type", "missing (known: map)");
  auto t = string_field(*type, path + ".type");
  if (!t) return std::move(t).err();
  if (*t != "map") return spec_error(path + ".type", "unknown operator type '" + *t + "' (known: map)");
  if (auto e = check_fields(j, path, {"type", "function", "library"})) return std::move(*e);

  operator_spec op;
  op.type = *t;
  const json* fn = find(j, "function");
  if (!fn) return spec_error(path + ".function", "missing (a built-in name or a symbol of 'library')");
  auto f = string_field(*fn, path + ".function");
  if (!f) return std::move(f).err();
  op.function = *f;
  if (const json* lib = find(j, "library")) {
    auto l = string_field(*lib, path + ".library");
    if (!l) return std::move(l).err();
    if (!valid_artifact(*l))
      return spec_error(path + ".library", "not a valid artifact name '" + *l +
                                               "' (1 to 200 of [A-Za-z0-9._-], not '.', '..' or '.tmp-*')");
    if (!c_identifier(op.function))
      return spec_error(path + ".function",
                        "'" + op.function + "' is not a C identifier (a symbol of library '" + *l + "')");
    op.library = *l;
  } else if (!find_builtin_function(op.function)) {
    return spec_error(path + ".function",
                      "unknown built-in '" + op.function + "' (known: " + builtin_function_names() + ")");
  }
  return op;
}

result<sink_spec> parse_sink(const json& j) {
  if (!j.is_object()) return spec_error("sink", "must be an object (got " + kind_of(j) + ")");
  const json* type = find(j, "type");
  if (!type) return spec_error("sink.type", "missing (known: file, discard)");
  auto t = string_field(*type, "sink.type");
  if (!t) return std::move(t).err();
  sink_spec s;
  s.type = *t;
  if (*t == "discard") {
    if (auto e = check_fields(j, "sink", {"type"})) return std::move(*e);
    return s;
  }
  if (*t != "file") return spec_error("sink.type", "unknown sink type '" + *t + "' (known: file, discard)");
  if (auto e = check_fields(j, "sink", {"type", "path"})) return std::move(*e);
  const json* p = find(j, "path");
  if (!p) return spec_error("sink.path", "missing (the output folder of a 'file' sink)");
  auto path = string_field(*p, "sink.path");
  if (!path) return std::move(path).err();
  if (path->empty() || path->front() != '/')
    return spec_error("sink.path", "must be an absolute path (got '" + *path + "')");
  if (path->find('\0') != std::string::npos) return spec_error("sink.path", "must not contain a NUL character");
  s.path = *path;
  return s;
}

result<job_spec> parse_root(const json& root) {
  if (!root.is_object()) return spec_error("job spec", "must be a JSON object (got " + kind_of(root) + ")");
  if (auto e = check_fields(root, "", {"name", "parallelism", "job-id", "source", "operators", "sink"}))
    return std::move(*e);

  job_spec spec;
  spec.name = default_name;
  if (const json* name = find(root, "name")) {
    auto n = string_field(*name, "name");
    if (!n) return std::move(n).err();
    if (n->empty()) return spec_error("name", "must not be empty");
    spec.name = *n;
  }
  if (const json* par = find(root, "parallelism")) {
    auto p = int_field(*par, "parallelism");
    if (!p) return std::move(p).err();
    if (*p < 1 || *p > max_parallelism)
      return spec_error("parallelism",
                        "must be from 1 to " + std::to_string(max_parallelism) + " (got " + std::to_string(*p) + ")");
    spec.parallelism = static_cast<int>(*p);
  }
  if (const json* id = find(root, "job-id")) {
    auto text = string_field(*id, "job-id");
    if (!text) return std::move(text).err();
    auto parsed = job_id::parse(*text);
    if (!parsed) return spec_error("job-id", "must be 32 hex characters (got '" + *text + "')");
    spec.id = *parsed;
  }
  const json* source = find(root, "source");
  if (!source) return spec_error("source", "missing (e.g. {\"type\": \"sequence\", \"from\": 1, \"to\": 100})");
  auto s = parse_source(*source);
  if (!s) return std::move(s).err();
  spec.source = std::move(*s);
  if (const json* ops = find(root, "operators")) {
    if (!ops->is_array()) return spec_error("operators", "must be an array (got " + kind_of(*ops) + ")");
    for (std::size_t i = 0; i < ops->size(); ++i) {
      auto op = parse_operator((*ops)[i], "operators[" + std::to_string(i) + "]");
      if (!op) return std::move(op).err();
      spec.operators.push_back(std::move(*op));
    }
  }
  const json* sink = find(root, "sink");
  if (!sink) return spec_error("sink", "missing (e.g. {\"type\": \"discard\"})");
  auto k = parse_sink(*sink);
  if (!k) return std::move(k).err();
  spec.sink = std::move(*k);
  return spec;
}

/// nlohmann's message without its "[json.exception.parse_error.101] " prefix.
std::string parser_message(const std::exception& e) {
  std::string what = e.what();
  if (what.rfind("[json.exception.", 0) == 0) {
    auto end = what.find("] ");
    if (end != std::string::npos) what.erase(0, end + 2);
  }
  return what;
}

}  // namespace

result<job_spec> parse_job_spec(const std::string& text) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    return error(runtime_errc::invalid_spec, "job spec is not valid JSON: " + parser_message(e));
  } catch (const std::exception& e) {
    return error(runtime_errc::invalid_spec, "job spec is not valid JSON: " + parser_message(e));
  }
  try {
    return parse_root(root);
  } catch (const std::exception& e) {
    // Not expected (every access is type-checked first), but user input never crashes us.
    return error(runtime_errc::invalid_spec, "job spec: " + parser_message(e));
  }
}

std::string to_json(const job_spec& spec) {
  using ojson = nlohmann::ordered_json;
  ojson root;
  root["name"] = spec.name;
  root["parallelism"] = spec.parallelism;
  if (spec.id) root["job-id"] = spec.id->str();
  ojson source = {{"type", spec.source.type}, {"from", spec.source.from}, {"to", spec.source.to}};
  if (spec.source.rate_per_second) {
    double r = *spec.source.rate_per_second;
    // Whole rates print as integers ("100000", not "100000.0"), as users write them.
    if (std::floor(r) == r && std::fabs(r) < 9.0e15)
      source["rate-per-second"] = static_cast<std::int64_t>(r);
    else
      source["rate-per-second"] = r;
  }
  root["source"] = std::move(source);
  ojson ops = ojson::array();
  for (const auto& op : spec.operators) {
    ojson o = {{"type", op.type}, {"function", op.function}};
    if (op.library) o["library"] = *op.library;
    ops.push_back(std::move(o));
  }
  root["operators"] = std::move(ops);
  ojson sink = {{"type", spec.sink.type}};
  if (spec.sink.type == "file") sink["path"] = spec.sink.path;
  root["sink"] = std::move(sink);
  return root.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

}  // namespace regent
