/// The HA data every backend stores as bytes: the payload frame (header, length, CRC) of every
/// file, job result store entries and leader info records (also a ZooKeeper connection_info
/// znode and a Kubernetes ConfigMap value). Parsed values must survive their own round trip.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "regent/ha/job_result_store.hpp"
#include "regent/ha/leader_info_json.hpp"
#include "regent/ha/storage/payload.hpp"

namespace {

void parse_records(const std::string& text) {
  if (auto r = regent::ha::job_result_from_json(text, "fuzz/entry.json")) {
    auto again = regent::ha::job_result_from_json(regent::ha::to_json(*r), "fuzz/entry.json");
    REGENT_FUZZ_CHECK(again.ok());
    REGENT_FUZZ_CHECK(*again == *r);
  }
  if (auto l = regent::ha::leader_info_from_json(text, "fuzz/leader")) {
    auto again = regent::ha::leader_info_from_json(regent::ha::to_json(*l), "fuzz/leader");
    REGENT_FUZZ_CHECK(again.ok());
    REGENT_FUZZ_CHECK(regent::ha::to_json(*again) == regent::ha::to_json(*l));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (auto inner = regent::ha::storage::decode_payload(text, "fuzz/payload")) {
    parse_records(*inner);
  }
  parse_records(text);
  // Every input also reaches the checks behind the frame: frame it as a writer would.
  auto framed = regent::ha::storage::encode_payload(text);
  auto back = regent::ha::storage::decode_payload(framed, "fuzz/payload");
  REGENT_FUZZ_CHECK(back.ok() && *back == text);
  return 0;
}
