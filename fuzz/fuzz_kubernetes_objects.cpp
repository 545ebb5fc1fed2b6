/// What the `kubernetes` backend reads from the API server (ha/kubernetes/src/kube_objects.cpp):
/// the election's Lease, an HA ConfigMap (fence annotation, data) and the leader info it holds,
/// a Status, and the lines of a watch stream, used the way lease_election, ha_maps and
/// watch_retrieval use them. The whole input is one object; each of its lines is also a watch
/// event.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api_client.hpp"
#include "fuzz_check.hpp"
#include "kube_objects.hpp"
#include "regent/ha/leader_info_json.hpp"

namespace {

using namespace regent::ha::kubernetes;

void use_object(const json& object) {
  if (auto lease = parse_lease(object, "Lease ns/cluster-leader")) REGENT_FUZZ_CHECK(lease->exists);
  if (auto map = parse_config_map(object, "cluster-leader-info", "ConfigMap ns/cluster-leader-info")) {
    REGENT_FUZZ_CHECK(map->exists && map->name == "cluster-leader-info");
    if (auto it = map->data.find("resourcemanager"); it != map->data.end())
      (void)regent::ha::leader_info_from_json(it->second, "ConfigMap ns/cluster-leader-info key resourcemanager");
  }
  const json& leader = field(field(object, "data"), "resourcemanager");
  if (leader.is_string()) (void)regent::ha::leader_info_from_json(leader.get<std::string>(), "fuzz");
  for (int status : {200, 404, 409, 500}) {
    api_reply reply{status, object};
    (void)reply.reason();
    (void)reply.describe();
  }
  const json& items = field(object, "items");
  if (items.is_array())
    for (const auto& item : items) (void)parse_config_map(item, string_field(field(item, "metadata"), "name"), "item");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto whole = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!whole.is_discarded()) use_object(whole);
  while (!text.empty()) {
    auto eol = text.find('\n');
    auto line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (auto event = parse_watch_event(line)) {
      (void)event->resource_version();
      const std::string holder = string_field(field(event->object, "spec"), "holderIdentity");
      (void)holder;
      use_object(event->object);
    }
  }
  return 0;
}
