#pragma once
/// The thread of a ZooKeeper watcher (the election, each retrieval, the standby's graph copy):
/// a watch slot whose events go to a queue, and a thread that pops them. `start` subscribes the
/// slot and starts the thread; `stop` ends the queue, joins the thread and releases the slot.
///
/// Owned by the watcher, which keeps `conn` alive longer. Start and stop may come from any
/// thread (serialized here); the watcher's thread uses `events()` and `slot()` while it runs.

#include <functional>
#include <mutex>
#include <thread>

#include "event_queue.hpp"
#include "zk_connection.hpp"

namespace regent::ha::zookeeper {

class watching_thread {
 public:
  explicit watching_thread(zk_connection& conn) : conn_(conn) {}
  ~watching_thread() { stop(); }
  watching_thread(const watching_thread&) = delete;
  watching_thread& operator=(const watching_thread&) = delete;

  /// Runs `body` on a new thread, with a fresh queue and slot; false (nothing done) when the
  /// thread runs already.
  bool start(std::function<void()> body);
  /// Stops the queue, joins the thread and releases the slot; false when it was not running.
  bool stop();

  bool running() {
    std::lock_guard<std::mutex> lock(mu_);
    return thread_.joinable();
  }
  event_queue& events() { return events_; }
  watch_slot* slot() const { return slot_; }

 private:
  zk_connection& conn_;
  std::mutex mu_;
  std::thread thread_;
  event_queue events_;
  watch_slot* slot_ = nullptr;
};

}  // namespace regent::ha::zookeeper
