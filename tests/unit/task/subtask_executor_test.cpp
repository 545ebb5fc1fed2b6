// The subtask executor: many runnables on few threads, a wake during a step is never lost,
// timed steps run when due, one runnable never runs on two threads at once, and a finished
// runnable runs no more. Waits on conditions with deadlines.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "regent/task/subtask_executor.hpp"

namespace regent::task {
namespace {

using namespace std::chrono_literals;
using step = subtask_executor::step;
constexpr auto deadline = 30s;

/// Counts its steps; what it returns is set by the test.
struct counter final : subtask_executor::runnable {
  std::mutex mu;
  std::condition_variable cv;
  int steps = 0;
  int concurrent = 0, most_concurrent = 0;
  std::function<step(int)> next = [](int) { return step::park(); };

  step run_step() override {
    int n;
    {
      std::lock_guard<std::mutex> lock(mu);
      n = ++steps;
      most_concurrent = std::max(most_concurrent, ++concurrent);
    }
    auto s = next(n);
    {
      std::lock_guard<std::mutex> lock(mu);
      --concurrent;
    }
    cv.notify_all();
    return s;
  }
  bool wait_steps(int at_least) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, deadline, [&] { return steps >= at_least; });
  }
  int count() {
    std::lock_guard<std::mutex> lock(mu);
    return steps;
  }
};

TEST(subtask_executor, a_thousand_runnables_share_two_threads_and_each_runs_to_its_end) {
  subtask_executor ex(2);
  std::vector<std::shared_ptr<counter>> all;
  for (int i = 0; i < 1000; ++i) {
    auto c = std::make_shared<counter>();
    c->next = [](int n) { return n < 10 ? step::again() : step::done(); };
    all.push_back(c);
    ex.wake(c);
  }
  for (auto& c : all) ASSERT_TRUE(c->wait_steps(10));
  // Done is done: another wake runs nothing.
  for (auto& c : all) ex.wake(c);
  auto probe = std::make_shared<counter>();
  probe->next = [](int) { return step::done(); };
  ex.wake(probe);
  ASSERT_TRUE(probe->wait_steps(1));
  for (auto& c : all) EXPECT_EQ(c->count(), 10);
}

TEST(subtask_executor, a_wake_during_a_step_runs_it_again_after_the_step) {
  subtask_executor ex(2);
  auto c = std::make_shared<counter>();
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool in_step = false, release = false;
  c->next = [&](int n) {
    if (n == 1) {
      std::unique_lock<std::mutex> lock(gate_mu);
      in_step = true;
      gate_cv.notify_all();
      gate_cv.wait(lock, [&] { return release; });
    }
    return step::park();  // "nothing to do": only a wake brings it back
  };
  ex.wake(c);
  {
    std::unique_lock<std::mutex> lock(gate_mu);
    ASSERT_TRUE(gate_cv.wait_for(lock, deadline, [&] { return in_step; }));
  }
  ex.wake(c);  // while the first step runs and is about to park
  {
    std::lock_guard<std::mutex> lock(gate_mu);
    release = true;
  }
  gate_cv.notify_all();
  ASSERT_TRUE(c->wait_steps(2));
  EXPECT_EQ(c->most_concurrent, 1);
}

TEST(subtask_executor, a_timed_step_runs_when_due_and_an_earlier_wake_runs_it_sooner) {
  subtask_executor ex(1);
  auto timed = std::make_shared<counter>();
  const auto start = std::chrono::steady_clock::now();
  std::atomic<std::chrono::steady_clock::time_point> second{};
  timed->next = [&](int n) {
    if (n == 1) return step::at(start + 50ms);
    second = std::chrono::steady_clock::now();
    return step::done();
  };
  ex.wake(timed);
  ASSERT_TRUE(timed->wait_steps(2));
  EXPECT_GE(second.load(), start + 50ms);

  auto parked = std::make_shared<counter>();
  parked->next = [](int n) { return n == 1 ? step::at(std::chrono::steady_clock::now() + 1h) : step::done(); };
  ex.wake(parked);
  ASSERT_TRUE(parked->wait_steps(1));
  ex.wake(parked);  // a command arrived: no waiting for the hour
  ASSERT_TRUE(parked->wait_steps(2));
}

TEST(subtask_executor, one_runnable_never_runs_on_two_threads_at_once) {
  subtask_executor ex(4);
  auto c = std::make_shared<counter>();
  c->next = [](int n) { return n < 2000 ? step::park() : step::done(); };
  ex.wake(c);
  std::vector<std::thread> wakers;
  std::atomic<bool> stop{false};
  for (int i = 0; i < 3; ++i)
    wakers.emplace_back([&] {
      while (!stop) ex.wake(c);
    });
  EXPECT_TRUE(c->wait_steps(2000));
  stop = true;
  for (auto& w : wakers) w.join();
  EXPECT_EQ(c->most_concurrent, 1);
  EXPECT_EQ(c->count(), 2000);
}

}  // namespace
}  // namespace regent::task
