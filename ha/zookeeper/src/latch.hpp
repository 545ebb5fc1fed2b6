#pragma once
/// The latch as pure logic (no I/O): which contender leads, whom a contender watches.
///
/// Contenders are ephemeral sequential children of `leader/latch` named
/// `latch-<contender uuid>-<10-digit sequence>`. The uuid lets a contender find its own node
/// after a create whose answer was lost with the connection; the sequence orders them: the
/// lowest leads, every other one watches only the next lower one (no herd on a change).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace regent::ha::zookeeper {

struct latch_entry {
  std::string name;
  std::uint64_t sequence = 0;
};

/// The latch folder's children, sorted by sequence; names of another form are `foreign`.
struct latch_view {
  std::vector<latch_entry> contenders;
  std::vector<std::string> foreign;
};

latch_view parse_latch(const std::vector<std::string>& children);

/// "latch-<uuid>-": what a contender's node name starts with (ZooKeeper appends the sequence).
std::string latch_prefix(const std::string& contender_uuid);

/// Where the contender `mine` stands.
struct latch_position {
  bool present = false;     ///< `mine` is among the contenders
  bool leads = false;       ///< `mine` has the lowest sequence
  std::string predecessor;  ///< otherwise: the contender just below, to watch
};

latch_position position_of(const latch_view& view, const std::string& mine);

/// The contender whose name starts with `prefix`, if any (the newest when several).
std::optional<std::string> find_by_prefix(const latch_view& view, const std::string& prefix);

}  // namespace regent::ha::zookeeper
