#include "regent/task/subtask_executor.hpp"

#include <algorithm>

namespace regent::task {

subtask_executor::subtask_executor(std::size_t threads) {
  for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i) workers_.emplace_back([this] { work(); });
  timer_thread_ = std::thread([this] { time(); });
}

subtask_executor::~subtask_executor() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::lock_guard<std::mutex> timers(timer_mu_);
    stopping_ = true;
  }
  ready_cv_.notify_all();
  timer_cv_.notify_all();
  for (auto& w : workers_) w.join();
  timer_thread_.join();
}

subtask_executor& subtask_executor::shared() {
  static auto* executor = new subtask_executor(std::max(4u, 2 * std::thread::hardware_concurrency()));
  return *executor;
}

void subtask_executor::enqueue(std::shared_ptr<runnable> r) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready_.push_back(std::move(r));
  }
  ready_cv_.notify_one();
}

void subtask_executor::wake(const std::shared_ptr<runnable>& r) {
  int s = r->state_.load(std::memory_order_acquire);
  for (;;) {
    if (s == runnable::idle) {
      if (r->state_.compare_exchange_weak(s, runnable::queued, std::memory_order_acq_rel)) return enqueue(r);
    } else if (s == runnable::running) {
      if (r->state_.compare_exchange_weak(s, runnable::running_woken, std::memory_order_acq_rel)) return;
    } else {
      return;  // queued, woken already, or finished
    }
  }
}

void subtask_executor::work() {
  for (;;) {
    std::shared_ptr<runnable> r;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_cv_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
      if (stopping_) return;
      r = std::move(ready_.front());
      ready_.pop_front();
    }
    r->state_.store(runnable::running, std::memory_order_release);
    step next = step::done();
    try {
      next = r->run_step();
    } catch (...) {
      next = step::done();  // a runnable reports its own failures; one that throws is over
    }
    if (next.what == step::kind::done) {
      r->state_.store(runnable::finished, std::memory_order_release);
      continue;
    }
    if (next.what == step::kind::again) {
      r->state_.store(runnable::queued, std::memory_order_release);
      enqueue(std::move(r));
      continue;
    }
    int expected = runnable::running;
    if (!r->state_.compare_exchange_strong(expected, runnable::idle, std::memory_order_acq_rel)) {
      // Woken during the step: run again rather than wait.
      r->state_.store(runnable::queued, std::memory_order_release);
      enqueue(std::move(r));
      continue;
    }
    if (next.what == step::kind::at) {
      bool earliest = false;
      {
        std::lock_guard<std::mutex> lock(timer_mu_);
        earliest = timers_.empty() || next.when < timers_.top().when;
        timers_.push(timer{next.when, std::move(r)});
      }
      if (earliest) timer_cv_.notify_one();
    }
  }
}

void subtask_executor::time() {
  std::unique_lock<std::mutex> lock(timer_mu_);
  for (;;) {
    if (stopping_) return;
    if (timers_.empty()) {
      timer_cv_.wait(lock);
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    if (timers_.top().when > now) {
      timer_cv_.wait_until(lock, timers_.top().when);
      continue;
    }
    std::vector<std::shared_ptr<runnable>> due;
    while (!timers_.empty() && timers_.top().when <= now) {
      due.push_back(timers_.top().r);
      timers_.pop();
    }
    lock.unlock();
    // A runnable woken by a command meanwhile is queued or running already: wake is then a
    // no-op or one harmless extra step.
    for (auto& r : due) wake(r);
    lock.lock();
  }
}

}  // namespace regent::task
