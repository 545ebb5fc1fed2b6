#include "zk_env.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

#include "regent/harness/child_process.hpp"

namespace regent::contract {

namespace {

constexpr std::chrono::seconds start_deadline{60};

struct quorum_holder {
  std::unique_ptr<harness::temp_dir> dir;
  std::unique_ptr<harness::zk_quorum> quorum;
};

quorum_holder& holder() {
  static quorum_holder h;
  return h;
}

/// Stops the quorum when the run ends, before static destruction.
class zk_environment final : public ::testing::Environment {
 public:
  void TearDown() override {
    holder().quorum.reset();
    holder().dir.reset();
  }
};

[[maybe_unused]] ::testing::Environment* const environment = ::testing::AddGlobalTestEnvironment(new zk_environment);

}  // namespace

harness::zk_quorum& shared_quorum() {
  auto& h = holder();
  if (!h.quorum) {
    h.dir = std::make_unique<harness::temp_dir>("zk-quorum");
    h.quorum = std::make_unique<harness::zk_quorum>(h.dir->path());
    if (!h.quorum->start(start_deadline)) {
      ADD_FAILURE() << "the test ZooKeeper quorum did not come up within " << start_deadline.count() << " s\n"
                    << h.quorum->logs();
      h.quorum.reset();
      throw std::runtime_error("no ZooKeeper quorum");
    }
  }
  return *h.quorum;
}

void heal_shared_quorum() {
  auto& h = holder();
  if (!h.quorum) return;
  if (!h.quorum->start(start_deadline))
    ADD_FAILURE() << "the test ZooKeeper quorum did not recover\n" << h.quorum->logs();
}

}  // namespace regent::contract
