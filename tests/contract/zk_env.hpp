#pragma once
/// The ZooKeeper quorum of this test process: three real servers on loopback (harness::zk_quorum),
/// started on first use — so a run of only the other backends' tests never starts Java — and
/// stopped by a GoogleTest global environment when the run ends (its child processes die with
/// the test process anyway). Tests share it and isolate themselves by cluster id.

#include <chrono>
#include <string>

#include "regent/harness/zk_quorum.hpp"

namespace regent::contract {

/// The quorum, started and serving; a failed start is a test failure (with the server logs)
/// and throws, so the test stops there.
harness::zk_quorum& shared_quorum();

/// Restarts servers a test killed and waits until the whole ensemble serves again.
void heal_shared_quorum();

/// Znode root under which the suite's clusters live ("/regent-tests").
inline constexpr const char* zk_test_root = "/regent-tests";

}  // namespace regent::contract
