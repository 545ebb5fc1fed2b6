#include "kube_objects.hpp"

#include <charconv>
#include <limits>

#include "regent/ha/errc.hpp"

namespace regent::ha::kubernetes {

namespace {

const json null_json;

}  // namespace

const json& field(const json& object, const char* key) {
  if (!object.is_object()) return null_json;
  auto it = object.find(key);
  return it == object.end() ? null_json : *it;
}

std::string string_field(const json& object, const char* key, const std::string& fallback) {
  const json& v = field(object, key);
  return v.is_string() ? v.get<std::string>() : fallback;
}

result<epoch_t> parse_epoch_value(const json& value, const std::string& what) {
  const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  epoch_t epoch = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  auto [end, ec] = std::from_chars(b, e, epoch);
  if (text.empty() || ec != std::errc{} || end != e)
    return error{errc::corrupt, what + ": '" + text + "' is not an epoch (a decimal number)"};
  return epoch;
}

result<lease_view> parse_lease(const json& o, const std::string& what) {
  if (!o.is_object() || !field(o, "metadata").is_object()) return error{errc::corrupt, what + ": not a Lease"};
  lease_view v;
  v.exists = true;
  v.object = o;
  const json& meta = field(o, "metadata");
  v.resource_version = string_field(meta, "resourceVersion");
  const json& spec = field(o, "spec");
  v.holder = string_field(spec, "holderIdentity");
  const json& transitions = field(spec, "leaseTransitions");
  if (transitions.is_number_integer()) {
    auto t = transitions.get<std::int64_t>();
    if (t >= 0 && t <= std::numeric_limits<int>::max()) v.transitions = static_cast<int>(t);
  }
  const json& epoch = field(field(meta, "annotations"), epoch_annotation);
  if (!epoch.is_null()) {
    auto e = parse_epoch_value(epoch, what + " annotation " + epoch_annotation);
    if (!e) return std::move(e).err();
    v.epoch = *e;
  }
  return v;
}

result<map_state> parse_config_map(const json& object, const std::string& name, const std::string& what) {
  map_state st;
  st.name = name;
  st.exists = true;
  const json& meta = field(object, "metadata");
  if (!meta.is_object())
    return error{errc::corrupt, what + ": the API server answered something that is not a ConfigMap"};
  st.resource_version = string_field(meta, "resourceVersion");
  const json& ann = field(meta, "annotations");
  st.unconfirmed = ann.is_object() && ann.contains(unconfirmed_annotation);
  const json& fence = field(ann, fence_annotation);
  if (!fence.is_null()) {
    auto e = parse_epoch_value(fence, what + " annotation " + fence_annotation);
    if (!e) return std::move(e).err();
    st.fence = *e;
  }
  const json& data = field(object, "data");
  if (data.is_object())
    for (const auto& [k, v] : data.items()) {
      if (!v.is_string()) return error{errc::corrupt, what + " key " + k + ": the value is not a string"};
      st.data[k] = v.get<std::string>();
    }
  return st;
}

std::string watch_event::resource_version() const { return string_field(field(object, "metadata"), "resourceVersion"); }

std::optional<watch_event> parse_watch_event(std::string_view line) {
  auto event = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (event.is_discarded() || !event.is_object()) return std::nullopt;
  watch_event e;
  e.type = string_field(event, "type");
  e.object = field(event, "object");
  return e;
}

}  // namespace regent::ha::kubernetes
