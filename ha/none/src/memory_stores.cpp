// The in-memory job graph, checkpoint, checkpoint id and blob stores of the `none` backend.
// Each store is owned by the process's HA services, guards its map with one mutex (any thread
// may call it) and applies every change inside the write fence.

#include "regent/ha/none/memory_stores.hpp"

#include <limits>
#include <algorithm>
#include <map>
#include <mutex>

#include "memory_checks.hpp"

namespace regent::ha::none {

namespace {

using detail::check_job;

/// Job graphs in a map. Owned by the `none` HA services; any thread (one mutex).
class memory_job_graph_store final : public job_graph_store {
 public:
  explicit memory_job_graph_store(write_fence& fence) : fence_(fence) {}

  result<void> put(const fencing_token& token, const job_id& job, const std::string& bytes) override {
    if (auto r = check_job(job); !r) return r;
    std::lock_guard<std::mutex> lock(mu_);
    return fence_.fenced(token, [&]() -> result<void> {
      graphs_[job] = bytes;
      return ok();
    });
  }

  result<std::string> get(const job_id& job) const override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    std::lock_guard<std::mutex> lock(mu_);
    auto it = graphs_.find(job);
    if (it == graphs_.end()) return error{errc::not_found, "no job graph for job " + job.str()};
    return it->second;
  }

  result<void> remove(const fencing_token& token, const job_id& job) override {
    if (auto r = check_job(job); !r) return r;
    std::lock_guard<std::mutex> lock(mu_);
    return fence_.fenced(token, [&]() -> result<void> {
      graphs_.erase(job);
      return ok();
    });
  }

  result<std::vector<job_id>> list() const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<job_id> ids;
    for (const auto& [id, bytes] : graphs_) ids.push_back(id);
    return ids;
  }

 private:
  write_fence& fence_;
  mutable std::mutex mu_;
  std::map<job_id, std::string> graphs_;
};

/// Completed checkpoints per job in ordered maps; keeps the newest `retained`. Owned by the
/// `none` HA services; any thread (one mutex).
class memory_checkpoint_store final : public completed_checkpoint_store {
 public:
  memory_checkpoint_store(int retained, write_fence& fence) : retained_(std::max(retained, 1)), fence_(fence) {}

  result<std::vector<std::uint64_t>> add(const fencing_token& token, const job_id& job, std::uint64_t id,
                                         const std::string& bytes) override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    if (auto r = detail::check_checkpoint_id(id); !r) return std::move(r).err();
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(job);
    if (it != jobs_.end() && !it->second.empty() && id <= it->second.rbegin()->first)
      return error{errc::invalid_argument, "checkpoint " + std::to_string(id) + " of job " + job.str() +
                                               " is not newer than checkpoint " +
                                               std::to_string(it->second.rbegin()->first)};
    std::vector<std::uint64_t> dropped;
    auto r = fence_.fenced(token, [&]() -> result<void> {
      auto& checkpoints = jobs_[job];
      checkpoints[id] = bytes;
      while (checkpoints.size() > static_cast<std::size_t>(retained_)) {
        dropped.push_back(checkpoints.begin()->first);
        checkpoints.erase(checkpoints.begin());
      }
      return ok();
    });
    if (!r) return std::move(r).err();
    return dropped;
  }

  result<std::optional<completed_checkpoint>> latest(const job_id& job) const override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(job);
    if (it == jobs_.end() || it->second.empty()) return std::optional<completed_checkpoint>();
    auto last = it->second.rbegin();
    return std::optional<completed_checkpoint>(completed_checkpoint{last->first, last->second});
  }

  result<completed_checkpoint> get(const job_id& job, std::uint64_t id) const override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(job);
    if (it != jobs_.end())
      if (auto c = it->second.find(id); c != it->second.end()) return completed_checkpoint{id, c->second};
    return error{errc::not_found, "no checkpoint " + std::to_string(id) + " of job " + job.str()};
  }

  result<std::vector<std::uint64_t>> list(const job_id& job) const override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::uint64_t> ids;
    if (auto it = jobs_.find(job); it != jobs_.end())
      for (const auto& [id, bytes] : it->second) ids.push_back(id);
    return ids;
  }

  result<void> remove_all(const fencing_token& token, const job_id& job) override {
    if (auto r = check_job(job); !r) return r;
    std::lock_guard<std::mutex> lock(mu_);
    return fence_.fenced(token, [&]() -> result<void> {
      jobs_.erase(job);
      return ok();
    });
  }

  int retained() const override { return retained_; }

 private:
  int retained_;
  write_fence& fence_;
  mutable std::mutex mu_;
  std::map<job_id, std::map<std::uint64_t, std::string>> jobs_;
};

/// Per-job counters in a map; a job without an entry is at 1. Owned by the `none` HA services;
/// any thread (one mutex).
class memory_checkpoint_id_counter final : public checkpoint_id_counter {
 public:
  explicit memory_checkpoint_id_counter(write_fence& fence) : fence_(fence) {}

  result<std::uint64_t> reserve(const fencing_token& token, const job_id& job, std::uint64_t count) override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    if (count == 0) return error{errc::invalid_argument, "reserving no checkpoint ids"};
    std::lock_guard<std::mutex> lock(mu_);
    std::uint64_t current = 0;
    auto r = fence_.fenced(token, [&]() -> result<void> {
      current = value(job);
      if (current > std::numeric_limits<std::uint64_t>::max() - count)
        return error{errc::invalid_argument, "checkpoint id counter of job " + job.str() + " is exhausted"};
      next_[job] = current + count;
      return ok();
    });
    if (!r) return std::move(r).err();
    return current;
  }

  result<std::uint64_t> peek(const job_id& job) const override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    std::lock_guard<std::mutex> lock(mu_);
    return value(job);
  }

  result<void> remove(const fencing_token& token, const job_id& job) override {
    if (auto r = check_job(job); !r) return r;
    std::lock_guard<std::mutex> lock(mu_);
    return fence_.fenced(token, [&]() -> result<void> {
      next_.erase(job);
      return ok();
    });
  }

 private:
  std::uint64_t value(const job_id& job) const {
    auto it = next_.find(job);
    return it == next_.end() ? 1 : it->second;
  }

  write_fence& fence_;
  mutable std::mutex mu_;
  std::map<job_id, std::uint64_t> next_;
};

/// Blobs per job in maps, keys checked like the file-backed store's. Owned by the `none` HA
/// services; any thread (one mutex).
class memory_blob_store final : public blob_store {
 public:
  explicit memory_blob_store(write_fence& fence) : fence_(fence) {}

  result<void> put(const fencing_token& token, const job_id& job, const std::string& key,
                   const std::string& bytes) override {
    if (auto r = check_job(job); !r) return r;
    if (auto r = detail::check_blob_key(key); !r) return r;
    std::lock_guard<std::mutex> lock(mu_);
    return fence_.fenced(token, [&]() -> result<void> {
      blobs_[job][key] = bytes;
      return ok();
    });
  }

  result<std::string> get(const job_id& job, const std::string& key) const override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    if (auto r = detail::check_blob_key(key); !r) return std::move(r).err();
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = blobs_.find(job); it != blobs_.end())
      if (auto b = it->second.find(key); b != it->second.end()) return b->second;
    return error{errc::not_found, "no blob '" + key + "' for job " + job.str()};
  }

  result<std::vector<std::string>> list(const job_id& job) const override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> keys;
    if (auto it = blobs_.find(job); it != blobs_.end())
      for (const auto& [key, bytes] : it->second) keys.push_back(key);
    return keys;
  }

  result<void> remove_job(const fencing_token& token, const job_id& job) override {
    if (auto r = check_job(job); !r) return r;
    std::lock_guard<std::mutex> lock(mu_);
    return fence_.fenced(token, [&]() -> result<void> {
      blobs_.erase(job);
      return ok();
    });
  }

 private:
  write_fence& fence_;
  mutable std::mutex mu_;
  std::map<job_id, std::map<std::string, std::string>> blobs_;
};

}  // namespace

std::unique_ptr<job_graph_store> make_job_graph_store(write_fence& fence) {
  return std::make_unique<memory_job_graph_store>(fence);
}

std::unique_ptr<completed_checkpoint_store> make_checkpoint_store(int retained, write_fence& fence) {
  return std::make_unique<memory_checkpoint_store>(retained, fence);
}

std::unique_ptr<checkpoint_id_counter> make_checkpoint_id_counter(write_fence& fence) {
  return std::make_unique<memory_checkpoint_id_counter>(fence);
}

std::unique_ptr<blob_store> make_blob_store(write_fence& fence) { return std::make_unique<memory_blob_store>(fence); }

}  // namespace regent::ha::none
