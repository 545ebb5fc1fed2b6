#pragma once
/// The threads that run a process's subtasks: a few workers and one timer instead of a thread
/// per subtask, so a taskmanager holds a thousand slow subtasks at modest memory and CPU, and
/// starting or cancelling hundreds of them (every failover does) creates and joins no thread.
///
/// A subtask runs as a `runnable`: the executor calls its `run_step` again and again, each call
/// doing a bounded slice of work (a batch of records, the commands that arrived, a checkpoint)
/// and saying when it wants to run next: at once (to the back of the queue, so busy subtasks
/// take turns), at a time (a rate-limited source), when woken (nothing to do until a command
/// arrives), or never again. `wake` makes a runnable run again soon; a wake that arrives while
/// it runs is not lost — it runs once more after its current step.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <utility>
#include <vector>

namespace regent::task {

class subtask_executor {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  /// What a runnable wants after a step.
  struct step {
    enum class kind { again, at, park, done } what = kind::again;
    time_point when{};  ///< for kind::at

    static step again() { return {kind::again, {}}; }
    static step at(time_point t) { return {kind::at, t}; }
    static step park() { return {kind::park, {}}; }
    static step done() { return {kind::done, {}}; }
  };

  /// Work the executor runs step by step. One step at a time: never on two workers at once.
  class runnable {
   public:
    virtual ~runnable() = default;
    /// Does a bounded slice of work on a worker thread. Must not wait for other runnables.
    virtual step run_step() = 0;

   private:
    friend class subtask_executor;
    enum state : int { idle, queued, running, running_woken, finished };
    std::atomic<int> state_{idle};
  };

  /// `threads` workers (at least 1) and a timer thread.
  explicit subtask_executor(std::size_t threads);
  /// Stops the threads; runnables not finished are dropped without another step.
  ~subtask_executor();
  subtask_executor(const subtask_executor&) = delete;
  subtask_executor& operator=(const subtask_executor&) = delete;

  /// The process's executor: 2 workers per core, at least 4 (a step may block on an fsync of
  /// a snapshot or on slow user code; the others keep running). Created on first use, never
  /// destroyed (subtasks may outlive static destruction).
  static subtask_executor& shared();

  /// Runs `r` soon: queues it unless it is queued already; if it is running, it runs once more
  /// after its current step. No effect once it is done. Thread-safe, never blocks on a step.
  void wake(const std::shared_ptr<runnable>& r);

  std::size_t threads() const { return workers_.size(); }

 private:
  void work();
  void time();
  void enqueue(std::shared_ptr<runnable> r);

  std::mutex mu_;
  std::condition_variable ready_cv_;
  std::deque<std::shared_ptr<runnable>> ready_;

  struct timer {
    time_point when;
    std::shared_ptr<runnable> r;
    bool operator>(const timer& o) const { return when > o.when; }
  };
  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  std::priority_queue<timer, std::vector<timer>, std::greater<timer>> timers_;

  bool stopping_ = false;  ///< under mu_ and timer_mu_
  std::vector<std::thread> workers_;
  std::thread timer_thread_;
};

}  // namespace regent::task
