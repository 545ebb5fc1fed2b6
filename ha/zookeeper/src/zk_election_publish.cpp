// Leader info of the ZooKeeper election (`leader/<component>/connection_info`, ephemeral, JSON)
// and the fence the stores write behind.

#include "regent/ha/errc.hpp"
#include "regent/ha/leader_info_json.hpp"
#include "zk_election.hpp"

namespace regent::ha::zookeeper {

result<fence_checks> zk_election::checks_for(const fencing_token& token) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!leading_ || !token.valid() || token != token_) return fenced_off(token, "this process does not hold it");
  return checks_;
}

std::optional<std::uint64_t> zk_election::leading_generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!leading_) return std::nullopt;
  return checks_.generation;
}

result<void> zk_election::publish(const std::string& component, const leader_info& info) {
  return publish_all({component}, info);
}

result<void> zk_election::publish_all(const std::vector<std::string>& components, const leader_info& info) {
  for (const auto& component : components)
    if (component.empty() || component.find('/') != std::string::npos)
      return error{errc::invalid_argument, "invalid component name '" + component + "'"};
  const auto data = to_json(info);
  std::int64_t session = 0;
  // One fenced multi for every component: the node of each is set when this session owns it,
  // else (left by an earlier leader whose session still lives) replaced by our own.
  auto build = [&]() -> result<std::vector<zk_op>> {
    std::vector<zk_op> ops;
    auto s = conn_->connected();
    if (!s) return std::move(s).err();
    session = s->session_id;
    std::vector<std::string> nodes;  // each component's folder and node, read in one batch
    for (const auto& component : components) {
      nodes.push_back(paths_.component_dir(component));
      nodes.push_back(paths_.connection_info(component));
    }
    auto found = conn_->get_many(nodes);
    for (std::size_t i = 0; i < nodes.size(); i += 2) {
      auto& parent = found[i];
      auto& node = found[i + 1];
      if (!parent) return std::move(parent).err();
      if (!node) return std::move(node).err();
      if (!*parent) ops.push_back(zk_op::create(nodes[i], "", ZOO_PERSISTENT));
      if (*node && (*node)->stat.ephemeralOwner == session) {
        ops.push_back(zk_op::set(nodes[i + 1], data, (*node)->stat.version));
      } else {
        if (*node) ops.push_back(zk_op::remove(nodes[i + 1], (*node)->stat.version));
        ops.push_back(zk_op::create(nodes[i + 1], data, ZOO_EPHEMERAL));
      }
    }
    return ops;
  };
  auto applied = [&]() -> result<bool> {
    std::vector<std::string> nodes;
    for (const auto& component : components) nodes.push_back(paths_.connection_info(component));
    for (auto& node : conn_->get_many(nodes)) {
      if (!node) return std::move(node).err();
      if (!*node || (*node)->data != data || (*node)->stat.ephemeralOwner != session) return false;
    }
    return true;
  };
  auto r = writer_.write(info.token, build, applied);
  if (!r) return std::move(r).err();
  std::lock_guard<std::mutex> lock(mu_);
  if (leading_ && token_ == info.token) published_.insert(components.begin(), components.end());
  return ok();
}

result<void> zk_election::unpublish(const std::string& component, const fencing_token& token) {
  if (component.empty() || component.find('/') != std::string::npos)
    return error{errc::invalid_argument, "invalid component name '" + component + "'"};
  const auto path = paths_.connection_info(component);
  auto build = [&]() -> result<std::vector<zk_op>> {
    std::vector<zk_op> ops;
    auto node = conn_->exists(path);
    if (!node) return std::move(node).err();
    if (*node) ops.push_back(zk_op::remove(path, (*node)->version));
    return ops;
  };
  auto applied = [&]() -> result<bool> {
    auto node = conn_->exists(path);
    if (!node) return std::move(node).err();
    return !node->has_value();
  };
  auto r = writer_.write(token, build, applied);
  if (!r) return std::move(r).err();
  std::lock_guard<std::mutex> lock(mu_);
  published_.erase(component);
  return ok();
}

}  // namespace regent::ha::zookeeper
