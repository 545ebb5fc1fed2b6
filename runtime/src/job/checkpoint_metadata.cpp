#include "regent/runtime/job/checkpoint_metadata.hpp"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "regent/runtime/errc.hpp"

namespace regent::job {

namespace {

using json = nlohmann::json;

error corrupt(const std::string& why) {
  return {runtime_errc::corrupt_metadata, "corrupt checkpoint metadata: " + why};
}

const json* field(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

bool fits_int64(const json& j) {
  if (!j.is_number_integer()) return false;
  return !(j.is_number_unsigned() &&
           j.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
}

result<std::int64_t> int_at(const json& obj, const char* key, const std::string& path, std::int64_t min) {
  const json* v = field(obj, key);
  if (!v) return corrupt("field '" + path + "' is missing");
  if (!fits_int64(*v)) return corrupt("field '" + path + "' is not a 64-bit integer");
  auto n = v->get<std::int64_t>();
  if (n < min) return corrupt("field '" + path + "' is " + std::to_string(n) + ", below " + std::to_string(min));
  return n;
}

result<checkpoint_metadata> parse_root(const json& root) {
  if (!root.is_object()) return corrupt("not a JSON object");
  checkpoint_metadata m;
  const json* id = field(root, "job-id");
  if (!id) return corrupt("field 'job-id' is missing");
  auto parsed = id->is_string() ? job_id::parse(id->get<std::string>()) : std::nullopt;
  if (!parsed) return corrupt("field 'job-id' is not a job id");
  m.job = *parsed;
  auto cid = int_at(root, "checkpoint-id", "checkpoint-id", 1);
  if (!cid) return std::move(cid).err();
  m.checkpoint_id = *cid;
  auto ts = int_at(root, "timestamp", "timestamp", std::numeric_limits<std::int64_t>::min());
  if (!ts) return std::move(ts).err();
  m.timestamp = *ts;

  const json* subtasks = field(root, "subtasks");
  if (!subtasks) return corrupt("field 'subtasks' is missing");
  if (!subtasks->is_array() || subtasks->empty()) return corrupt("field 'subtasks' is not a non-empty array");
  const auto n = static_cast<std::int64_t>(subtasks->size());
  std::vector<bool> seen(subtasks->size(), false);
  for (std::size_t i = 0; i < subtasks->size(); ++i) {
    const json& s = (*subtasks)[i];
    const std::string path = "subtasks[" + std::to_string(i) + "]";
    if (!s.is_object()) return corrupt("field '" + path + "' is not an object");
    auto index = int_at(s, "index", path + ".index", 0);
    if (!index) return std::move(index).err();
    if (*index >= n)
      return corrupt("field '" + path + ".index' is " + std::to_string(*index) + ", not below the " +
                     std::to_string(n) + " subtasks");
    if (seen[static_cast<std::size_t>(*index)]) return corrupt("subtask " + std::to_string(*index) + " appears twice");
    seen[static_cast<std::size_t>(*index)] = true;
    const json* handle = field(s, "handle");
    if (!handle || !handle->is_string()) return corrupt("field '" + path + ".handle' is missing or not a string");
    auto size = int_at(s, "state-size", path + ".state-size", 0);
    if (!size) return std::move(size).err();
    m.subtasks.push_back({static_cast<int>(*index), handle->get<std::string>(), *size});
  }
  std::sort(m.subtasks.begin(), m.subtasks.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  return m;
}

}  // namespace

std::int64_t checkpoint_metadata::total_state_size() const {
  std::int64_t total = 0;
  for (const auto& s : subtasks) total += s.state_size;
  return total;
}

std::string serialize_checkpoint_metadata(const checkpoint_metadata& m) {
  using ojson = nlohmann::ordered_json;
  ojson subtasks = ojson::array();
  for (const auto& s : m.subtasks)
    subtasks.push_back({{"index", s.index}, {"handle", s.handle}, {"state-size", s.state_size}});
  ojson root = {{"job-id", m.job.str()},
                {"checkpoint-id", m.checkpoint_id},
                {"timestamp", m.timestamp},
                {"subtasks", std::move(subtasks)}};
  return root.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

result<checkpoint_metadata> parse_checkpoint_metadata(std::string_view bytes) {
  try {
    return parse_root(json::parse(bytes.begin(), bytes.end()));
  } catch (const std::exception& e) {
    return corrupt(std::string("not valid JSON: ") + e.what());
  }
}

}  // namespace regent::job
