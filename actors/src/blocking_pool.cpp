#include "regent/actors/blocking_pool.hpp"

#include <caf/all.hpp>

namespace regent::actors {

namespace {

blocking_worker_actor::behavior_type blocking_worker() {
  return {
      [](run_atom, const blocking_call& call) {
        (*call)();
        return done_atom::value;
      },
  };
}

}  // namespace

blocking_pool::blocking_pool(caf::actor_system& sys, std::size_t workers) {
  for (std::size_t i = 0; i < std::max<std::size_t>(workers, 1); ++i)
    workers_.push_back(sys.spawn<caf::detached>(blocking_worker));
}

blocking_worker_actor blocking_pool::next() const {
  return workers_[next_.fetch_add(1, std::memory_order_relaxed) % workers_.size()];
}

}  // namespace regent::actors
