/// Checkpoint metadata (runtime/src/job/checkpoint_metadata.cpp, the `_metadata` JSON of a
/// completed checkpoint) and a subtask's snapshot file (task/src/snapshot.cpp, text form inside
/// the payload frame): what a new leader and a restarted subtask read back from disk.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "regent/ha/storage/payload.hpp"
#include "regent/runtime/job/checkpoint_metadata.hpp"
#include "regent/task/snapshot.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto m = regent::job::parse_checkpoint_metadata(text)) {
    const std::string canonical = regent::job::serialize_checkpoint_metadata(*m);
    auto again = regent::job::parse_checkpoint_metadata(canonical);
    REGENT_FUZZ_CHECK(again.ok());
    REGENT_FUZZ_CHECK(regent::job::serialize_checkpoint_metadata(*again) == canonical);
  }

  if (auto s = regent::task::decode_snapshot(text, "fuzz/snapshot")) {
    const std::string canonical = regent::task::encode_snapshot(*s);
    auto again = regent::task::decode_snapshot(canonical, "fuzz/snapshot");
    REGENT_FUZZ_CHECK(again.ok());
    REGENT_FUZZ_CHECK(regent::task::encode_snapshot(*again) == canonical);
  }
  // The same text as a framed file, as read_snapshot reads it.
  if (auto inner = regent::ha::storage::decode_payload(text, "fuzz/snapshot"))
    (void)regent::task::decode_snapshot(*inner, "fuzz/snapshot");
  return 0;
}
