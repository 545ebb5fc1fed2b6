// The defaults of leader_election_driver: publish_all / unpublish_all one component after the other;
// observe_epoch and refuse ignored (backends whose epoch cannot go back).

#include "regent/ha/leader_election.hpp"

namespace regent::ha {

result<void> leader_election_driver::publish_all(const std::vector<std::string>& components, const leader_info& info) {
  for (const auto& c : components)
    if (auto r = publish(c, info); !r) return r;
  return ok();
}

result<void> leader_election_driver::unpublish_all(const std::vector<std::string>& components,
                                                   const fencing_token& token) {
  result<void> first = ok();
  for (const auto& c : components)
    if (auto r = unpublish(c, token); !r && first) first = std::move(r);
  return first;
}

void leader_election_driver::observe_epoch(epoch_t) {}

void leader_election_driver::refuse(const fencing_token&, epoch_t, const std::string&) {}

}  // namespace regent::ha
