#pragma once
/// Helpers of the task tests: a temp folder per test, reading a sink folder's committed
/// records, and a recorder of subtask callbacks that tests wait on with deadlines.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "regent/runtime/ids.hpp"
#include "regent/task/subtask.hpp"

namespace regent::task::test {

/// A fresh folder under testing::TempDir() for one test, removed with its contents after.
/// Owned by the test body; not shared between threads.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// The job id every task test uses.
job_id test_job();

/// Every record in the committed (visible) part files of `dir`, sorted; a test failure when a
/// line does not parse.
std::vector<std::int64_t> committed_records(const std::filesystem::path& dir);

/// from..to with `fn` applied, sorted: what a job's committed output must hold.
std::vector<std::int64_t> expected_records(std::int64_t from, std::int64_t to,
                                           std::int64_t (*fn)(std::int64_t) = nullptr);

/// Records what a subtask reports; tests wait on it with a deadline.
///
/// Owned by a test; written on subtask threads, read on the test thread under its lock. Must
/// outlive the subtasks whose callbacks it hands out.
class subtask_events {
 public:
  /// Callbacks that record into this object; `on_ack` (if set) runs after recording.
  subtask_callbacks callbacks(std::function<void(const checkpoint_ack&)> on_ack = {});

  /// Waits until `done()` holds (evaluated under the lock); false after `timeout`.
  template <class Pred>
  bool wait(Pred done, std::chrono::seconds timeout = std::chrono::seconds(60)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, done);
  }

  // Read these under wait() or after the subtask was joined.
  std::vector<checkpoint_ack> acks;
  int end_of_input = 0;
  int finished = 0;
  int cancelled = 0;
  std::vector<error> failures;
  /// Records seen by a test's hook in the chain (see note_record).
  std::uint64_t records = 0;

  /// Counts one record; for hooks in a test's operator chain.
  void note_record() {
    record([&] { ++records; });
  }

  /// The ack of checkpoint `id`; a test failure and an empty ack when there is none.
  checkpoint_ack ack_of(checkpoint_id id);

 private:
  template <class F>
  void record(F f) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      f();
    }
    cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace regent::task::test
