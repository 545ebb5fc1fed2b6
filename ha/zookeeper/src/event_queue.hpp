#pragma once
/// The inbox of a thread that reacts to ZooKeeper events (the election, each retrieval): the
/// C client's threads push and return at once; the owner pops with a deadline.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include "zk_connection.hpp"

namespace regent::ha::zookeeper {

class event_queue {
 public:
  void push(zk_event e) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(std::move(e));
    }
    cv_.notify_all();
  }

  /// The next event, or nullopt after `timeout` or once stopped.
  std::optional<zk_event> pop(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [this] { return stopping_ || !events_.empty(); });
    if (stopping_ || events_.empty()) return std::nullopt;
    auto e = std::move(events_.front());
    events_.pop_front();
    return e;
  }

  /// The next event if one is queued (non-blocking).
  std::optional<zk_event> try_pop() { return pop(std::chrono::milliseconds(0)); }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
  }

  bool stopping() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stopping_;
  }

  /// Empties the queue and clears `stopping` (before a restart).
  void reset() {
    std::lock_guard<std::mutex> lock(mu_);
    events_.clear();
    stopping_ = false;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<zk_event> events_;
  bool stopping_ = false;
};

}  // namespace regent::ha::zookeeper
