#pragma once
/// The id of one attempt (one deployment) of a job: the key under which taskmanagers run its
/// subtasks and by which the job master tells its subtasks' events from an earlier attempt's.

#include <cstdint>

#include "regent/runtime/ids.hpp"

namespace regent::job {

/// The `n`-th attempt (1, 2, ...) that the leadership session `token` starts of a job.
///
/// Unique across leaders, not only across epochs: the epoch (24 bits), 16 bits of the session
/// id and `n` (24 bits). Should a backend that lost acknowledged writes ever hand two sessions
/// the same epoch, their attempts still differ (barring a 1 in 65,536 coincidence of session
/// ids), so no event or command of one is taken for the other's.
std::uint64_t attempt_id(const fencing_token& token, std::uint64_t n);

}  // namespace regent::job
