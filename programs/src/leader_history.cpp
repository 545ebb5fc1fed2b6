#include "regent/programs/leader_history.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace regent::programs {

leader_history::leader_history(const clock& time, std::string own_rpc_address, std::size_t capacity)
    : time_(time), own_rpc_address_(std::move(own_rpc_address)), capacity_(capacity) {}

void leader_history::observed(const std::optional<ha::leader_info>& leader) {
  const auto now = time_.wall_millis();
  std::lock_guard<std::mutex> lock(mu_);
  if (!leader || leader->rpc_address.empty()) {
    if (!leaderless_since_) leaderless_since_ = now;
    return;
  }
  auto known = std::find_if(grants_.begin(), grants_.end(), [&](const leader_grant& g) {
    return g.epoch == leader->token.epoch && g.session_id == leader->token.session_id;
  });
  if (known != grants_.end()) return;
  leader_grant g;
  g.epoch = leader->token.epoch;
  g.session_id = leader->token.session_id;
  g.rest_url = leader->rest_url;
  g.rpc_address = leader->rpc_address;
  g.since_ms = leader->since_ms;
  g.seen_ms = now;
  g.self = leader->rpc_address == own_rpc_address_;
  if (leaderless_since_) g.leaderless_ms = now - *leaderless_since_;
  leaderless_since_.reset();
  if (auto t = takeovers_.find(g.epoch); t != takeovers_.end()) {
    g.takeover_ms = t->second;
    takeovers_.erase(t);
  }
  grants_.push_back(std::move(g));
  std::sort(grants_.begin(), grants_.end(),
            [](const leader_grant& a, const leader_grant& b) { return a.epoch < b.epoch; });
  if (grants_.size() > capacity_) grants_.erase(grants_.begin(), grants_.begin() + (grants_.size() - capacity_));
}

void leader_history::led(std::uint64_t epoch, double takeover_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& g : grants_)
    if (g.epoch == epoch) {
      g.takeover_ms = takeover_ms;
      g.self = true;
      return;
    }
  takeovers_[epoch] = takeover_ms;
  while (takeovers_.size() > capacity_) takeovers_.erase(takeovers_.begin());
}

std::vector<leader_grant> leader_history::grants() const {
  std::lock_guard<std::mutex> lock(mu_);
  return grants_;
}

std::string leader_history::to_json(const std::string& own_rest_url) const {
  using json = nlohmann::json;
  json rows = json::array();
  for (const auto& g : grants()) {
    json leaderless = nullptr, takeover = nullptr;
    if (g.leaderless_ms >= 0) leaderless = g.leaderless_ms;
    if (g.takeover_ms >= 0) takeover = g.takeover_ms;
    rows.push_back({{"epoch", g.epoch},
                    {"session-id", g.session_id},
                    {"rest-url", g.rest_url},
                    {"rpc-address", g.rpc_address},
                    {"since", g.since_ms},
                    {"seen", g.seen_ms},
                    {"leaderless-ms", leaderless},
                    {"takeover-ms", takeover},
                    {"self", g.self}});
  }
  return json{{"this", own_rest_url}, {"grants", rows}}.dump();
}

}  // namespace regent::programs
