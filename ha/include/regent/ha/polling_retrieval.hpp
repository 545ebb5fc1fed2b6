#pragma once
/// A leader_retrieval that observes the leader by polling a function on its own thread and
/// reports every change. An observation that fails counts as "no leader" and is logged once
/// per distinct error. Serves backends whose leader info is a file or in-process state
/// (`filesystem`, `none`); the poll interval bounds how late a change is noticed.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "regent/ha/leader_retrieval.hpp"

namespace regent::ha {

class polling_retrieval final : public leader_retrieval {
 public:
  using observe_fn = std::function<result<std::optional<leader_info>>()>;
  polling_retrieval(observe_fn observe, std::chrono::milliseconds interval);
  ~polling_retrieval() override;

  result<void> start(leader_retrieval_listener& listener) override;
  void stop() override;
  std::optional<leader_info> current() const override;

 private:
  void run(leader_retrieval_listener* listener);
  std::optional<leader_info> observe_logged();

  observe_fn observe_;
  std::chrono::milliseconds interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::optional<leader_info> current_;
  std::string last_error_;  // only touched by the polling thread and start()
  std::thread thread_;
};

}  // namespace regent::ha
