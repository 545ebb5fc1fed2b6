#pragma once
/// The `none` backend: one jobmanager, no failover. Its election grants leadership at once on
/// start (epoch 1, 2, ... per start within the process), everything lives in memory, and
/// retrieval sees only this process's own leader info.

#include <chrono>
#include <memory>

#include "regent/ha/ha_services.hpp"
#include "regent/runtime/clock.hpp"

namespace regent::ha::none {

struct options {
  bool delete_on_commit = true;  ///< job-result-store.delete-on-commit
  int checkpoints_retained = 1;  ///< execution.checkpointing.num-retained
  std::chrono::milliseconds retrieval_poll{10};
  clock* clk = nullptr;  ///< default: the system clock
};

std::unique_ptr<ha_services> make_ha_services(const options& opts);

}  // namespace regent::ha::none
