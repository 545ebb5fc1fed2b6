#pragma once
/// A fixed set of mutexes chosen by job id: what one job's HA writes must do one at a time
/// (read the newest id, write, prune) stays serial per job, while different jobs' writes
/// overlap, so their fsyncs and round trips share the device's and the server's commits
/// (one process-wide mutex held 1,000 jobs to one write at a time). Two jobs may share a
/// mutex; that only serialises them.

#include <array>
#include <functional>
#include <mutex>
#include <string>

#include "regent/runtime/ids.hpp"

namespace regent::ha {

class job_locks {
 public:
  std::mutex& of(const job_id& job) { return stripes_[std::hash<std::string>{}(job.str()) % stripes_.size()]; }

 private:
  std::array<std::mutex, 64> stripes_;
};

}  // namespace regent::ha
