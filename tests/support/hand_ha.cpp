#include "hand_ha.hpp"

#include <gtest/gtest.h>

#include "regent/ha/errc.hpp"
#include "regent/ha/none/memory_stores.hpp"
#include "regent/ha/polling_retrieval.hpp"

namespace regent::test {

fencing_token hand_election::grant(epoch_t epoch, std::int64_t since_ms) {
  auto token = test_token(epoch);
  ha::leader_election_listener* listener = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    listener = listener_;
  }
  EXPECT_NE(listener, nullptr) << "grant before the election was started";
  fence_.set(token);
  if (listener) listener->on_grant(token, since_ms);
  return token;
}

void hand_election::revoke() {
  auto token = fence_.current();
  fence_.clear();
  std::lock_guard<std::mutex> lock(mu_);
  published_.clear();
  if (listener_ && token.valid()) listener_->on_revoke(token);
}

result<void> hand_election::start(ha::leader_election_listener& listener) {
  std::lock_guard<std::mutex> lock(mu_);
  if (listener_) return error{ha::errc::invalid_argument, "leader election already started"};
  listener_ = &listener;
  return ok();
}

void hand_election::stop() {
  fence_.clear();
  std::lock_guard<std::mutex> lock(mu_);
  listener_ = nullptr;
  published_.clear();
}

bool hand_election::has_leadership(const fencing_token& token) const {
  auto current = fence_.current();
  return current.valid() && current == token;
}

result<void> hand_election::publish(const std::string& component, const ha::leader_info& info) {
  return fence_.fenced(info.token, [&]() -> result<void> {
    std::lock_guard<std::mutex> lock(mu_);
    published_[component] = info;
    return ok();
  });
}

result<void> hand_election::unpublish(const std::string& component, const fencing_token& token) {
  return fence_.fenced(token, [&]() -> result<void> {
    std::lock_guard<std::mutex> lock(mu_);
    published_.erase(component);
    return ok();
  });
}

std::optional<ha::leader_info> hand_election::published(const std::string& component) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = published_.find(component);
  if (it == published_.end()) return std::nullopt;
  return it->second;
}

hand_ha_services::hand_ha_services(bool delete_on_commit) {
  set_stores(ha::none::make_job_graph_store(fence_), ha::none::make_checkpoint_store(1, fence_),
             ha::none::make_checkpoint_id_counter(fence_), ha::none::make_blob_store(fence_),
             ha::none::make_job_result_store(delete_on_commit, fence_));
}

std::unique_ptr<ha::leader_retrieval> hand_ha_services::make_retrieval(const std::string& component) {
  auto* e = &election_;
  return std::make_unique<ha::polling_retrieval>(
      [e, component]() -> result<std::optional<ha::leader_info>> { return e->published(component); },
      std::chrono::milliseconds(10));
}

}  // namespace regent::test
