#include "regent/ha/polling_retrieval.hpp"

#include "regent/ha/errc.hpp"
#include "regent/runtime/logging.hpp"

namespace regent::ha {

polling_retrieval::polling_retrieval(observe_fn observe, std::chrono::milliseconds interval)
    : observe_(std::move(observe)), interval_(interval) {}

polling_retrieval::~polling_retrieval() { stop(); }

result<void> polling_retrieval::start(leader_retrieval_listener& listener) {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return error{errc::invalid_argument, "leader retrieval already started"};
  stopping_ = false;
  current_ = observe_logged();
  auto first = current_;
  thread_ = std::thread([this, &listener, first] {
    listener.on_leader_change(first);
    run(&listener);
  });
  return ok();
}

void polling_retrieval::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

std::optional<leader_info> polling_retrieval::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

std::optional<leader_info> polling_retrieval::observe_logged() {
  auto seen = observe_();
  if (seen) {
    last_error_.clear();
    return std::move(seen).value();
  }
  if (seen.err().message != last_error_) {
    last_error_ = seen.err().message;
    logging::get("ha")->error("leader retrieval: {} (reporting no leader)", last_error_);
  }
  return std::nullopt;
}

void polling_retrieval::run(leader_retrieval_listener* listener) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    auto seen = observe_logged();
    lock.lock();
    if (stopping_) return;
    if (seen != current_) {
      current_ = seen;
      lock.unlock();
      listener->on_leader_change(seen);
      lock.lock();
    }
  }
}

}  // namespace regent::ha
