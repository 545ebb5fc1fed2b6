// The default of leader_election_driver::publish_all: one component after the other.

#include "regent/ha/leader_election.hpp"

namespace regent::ha {

result<void> leader_election_driver::publish_all(const std::vector<std::string>& components, const leader_info& info) {
  for (const auto& c : components)
    if (auto r = publish(c, info); !r) return r;
  return ok();
}

}  // namespace regent::ha
