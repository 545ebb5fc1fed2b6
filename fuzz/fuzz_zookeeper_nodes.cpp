/// What the `zookeeper` backend reads from znodes another process wrote: the epoch node (a
/// decimal), a leader record (`leader/<component>/connection_info`, JSON, checked against the
/// epoch as retrieval does), a store pointer (`<base>.<12 hex>`, which must not leave its
/// folder), a checkpoint folder node (`<19 digits>.<hex>`), latch children
/// (`latch-<uuid>-<10 digits>`) and the namespace from `path.root` + `cluster-id`.
///
/// Input: up to six parts separated by NUL bytes, in that order; lists are one name a line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "latch.hpp"
#include "layout.hpp"
#include "pointer_files.hpp"
#include "regent/ha/leader_info_json.hpp"

namespace {

using namespace regent::ha::zookeeper;

std::vector<std::string> split(std::string_view s, char sep, std::size_t max_parts) {
  auto views = regent::fuzz::split_parts(s, sep, max_parts);
  return {views.begin(), views.end()};
}

void leader_record(const std::string& epoch_data, const std::string& info_data) {
  auto epoch = parse_decimal(epoch_data, "epoch", "/flink/default/leader/epoch");
  if (epoch) REGENT_FUZZ_CHECK(*epoch > 0);
  auto info = regent::ha::leader_info_from_json(info_data, "ZooKeeper node /flink/default/leader/rm/connection_info");
  if (epoch && info) (void)(info->token.epoch == *epoch);
}

void pointer(const std::string& data) {
  for (const char* base : {"jobGraph-0123456789abcdef0123456789abcdef", "job-result", "blob"}) {
    znode node;
    node.data = data;
    auto p = pointer_files::pointer_of(std::optional<znode>(node), "/flink/default/jobgraphs/x", base);
    if (p && *p) {
      // A pointer that passed must name a file in its folder.
      REGENT_FUZZ_CHECK((*p)->name.find('/') == std::string::npos && (*p)->name != ".." && (*p)->name != ".");
      REGENT_FUZZ_CHECK(has_payload_suffix((*p)->name));
    }
  }
}

void checkpoint_folder(const std::string& data) {
  // As checkpoint_store reads a job's checkpoint folder node.
  auto id = data.size() > 20 ? parse_checkpoint_name(data.substr(0, 19)) : std::nullopt;
  if (id) {
    REGENT_FUZZ_CHECK(*id <= max_checkpoint_id);
    REGENT_FUZZ_CHECK(checkpoint_name(*id) == data.substr(0, 19));
    if (is_payload_name(data, checkpoint_name(*id))) REGENT_FUZZ_CHECK(data.find('/') == std::string::npos);
  }
}

void latch(const std::vector<std::string>& children) {
  auto view = parse_latch(children);
  REGENT_FUZZ_CHECK(view.contenders.size() + view.foreign.size() == children.size());
  for (std::size_t i = 1; i < view.contenders.size(); ++i)
    REGENT_FUZZ_CHECK(view.contenders[i - 1].sequence <= view.contenders[i].sequence);
  for (const auto& mine : children) {
    auto pos = position_of(view, mine);
    if (pos.leads) REGENT_FUZZ_CHECK(pos.present && pos.predecessor.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parts = split(input, '\0', 6);
  parts.resize(6);
  leader_record(parts[0], parts[1]);
  pointer(parts[2]);
  checkpoint_folder(parts[3]);
  auto names = split(parts[4], '\n', 64);
  latch(names);
  for (const auto& n : names) (void)parse_checkpoint_name(n);
  if (auto ns = make_namespace(parts[5].substr(0, parts[5].find('\n')),
                               parts[5].find('\n') == std::string::npos ? "default" : parts[5].substr(parts[5].find('\n') + 1)))
    REGENT_FUZZ_CHECK(!ns->empty() && (*ns)[0] == '/');
  return 0;
}
