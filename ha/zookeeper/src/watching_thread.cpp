#include "watching_thread.hpp"

namespace regent::ha::zookeeper {

bool watching_thread::start(std::function<void()> body) {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return false;
  events_.reset();
  slot_ = conn_.subscribe([this](const zk_event& e) { events_.push(e); });
  thread_ = std::thread(std::move(body));
  return true;
}

bool watching_thread::stop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!thread_.joinable()) return false;
  events_.stop();
  thread_.join();
  conn_.unsubscribe(slot_);
  slot_ = nullptr;
  return true;
}

}  // namespace regent::ha::zookeeper
