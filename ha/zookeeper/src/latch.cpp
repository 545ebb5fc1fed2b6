#include "latch.hpp"

#include <algorithm>

#include "regent/runtime/ids.hpp"

namespace regent::ha::zookeeper {

namespace {
constexpr std::size_t seq_digits = 10;
constexpr std::size_t uuid_chars = 36;
const std::string prefix_word = "latch-";
}  // namespace

std::string latch_prefix(const std::string& contender_uuid) { return prefix_word + contender_uuid + "-"; }

latch_view parse_latch(const std::vector<std::string>& children) {
  latch_view view;
  for (const auto& name : children) {
    bool ok = name.size() == prefix_word.size() + uuid_chars + 1 + seq_digits &&
              name.compare(0, prefix_word.size(), prefix_word) == 0 &&
              is_uuid(std::string_view(name).substr(prefix_word.size(), uuid_chars)) &&
              name[prefix_word.size() + uuid_chars] == '-';
    std::uint64_t seq = 0;
    if (ok) {
      for (std::size_t i = name.size() - seq_digits; i < name.size(); ++i) {
        if (name[i] < '0' || name[i] > '9') {
          ok = false;
          break;
        }
        seq = seq * 10 + static_cast<std::uint64_t>(name[i] - '0');
      }
    }
    if (ok) {
      view.contenders.push_back({name, seq});
    } else {
      view.foreign.push_back(name);
    }
  }
  std::sort(view.contenders.begin(), view.contenders.end(), [](const latch_entry& a, const latch_entry& b) {
    return a.sequence != b.sequence ? a.sequence < b.sequence : a.name < b.name;
  });
  return view;
}

latch_position position_of(const latch_view& view, const std::string& mine) {
  latch_position pos;
  for (std::size_t i = 0; i < view.contenders.size(); ++i) {
    if (view.contenders[i].name != mine) continue;
    pos.present = true;
    pos.leads = i == 0;
    if (i > 0) pos.predecessor = view.contenders[i - 1].name;
    break;
  }
  return pos;
}

std::optional<std::string> find_by_prefix(const latch_view& view, const std::string& prefix) {
  std::optional<std::string> found;
  for (const auto& c : view.contenders)
    if (c.name.compare(0, prefix.size(), prefix) == 0) found = c.name;
  return found;
}

}  // namespace regent::ha::zookeeper
