// The `zookeeper` checkpoint id counter: `jobs/<jobId>/checkpoint_id_counter`, a decimal znode
// holding the id `next` returns (a missing node means 1), advanced by a fenced compare-and-set.

#include <limits>
#include <mutex>

#include "regent/ha/errc.hpp"
#include "regent/ha/job_locks.hpp"
#include "zk_stores.hpp"

namespace regent::ha::zookeeper {

namespace {

class zk_checkpoint_id_counter final : public checkpoint_id_counter {
 public:
  zk_checkpoint_id_counter(pointer_files& files, znode_layout z) : files_(files), z_(std::move(z)) {}

  result<std::uint64_t> reserve(const fencing_token& token, const job_id& job, std::uint64_t count) override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    if (count == 0) return error{errc::invalid_argument, "reserving no checkpoint ids"};
    std::lock_guard<std::mutex> lock(locks_.of(job));
    const auto path = z_.counter(job);
    std::uint64_t value = 1;
    int expected_version = 0;  // the version after our write
    auto build = [&]() -> result<std::vector<zk_op>> {
      auto node = files_.conn.get(path);
      if (!node) return std::move(node).err();
      if (!*node) {
        value = 1;
        expected_version = 0;
        auto ops = files_.missing_parents(path, z_.ns);
        if (!ops) return ops;
        ops->push_back(zk_op::create(path, std::to_string(value + count), ZOO_PERSISTENT));
        return ops;
      }
      auto parsed = parse_decimal((*node)->data, "checkpoint id counter", path);
      if (!parsed) return std::move(parsed).err();
      value = *parsed;
      if (value > std::numeric_limits<std::uint64_t>::max() - count)
        return error{errc::invalid_argument, "checkpoint id counter of job " + job.str() + " is exhausted"};
      expected_version = (*node)->stat.version + 1;
      return std::vector<zk_op>{zk_op::set(path, std::to_string(value + count), (*node)->stat.version)};
    };
    // Only the leader writes the counter, so a node at the version and value our write would
    // have left is our write.
    auto applied = [&]() -> result<bool> {
      auto node = files_.conn.get(path);
      if (!node) return std::move(node).err();
      return *node && (*node)->stat.version == expected_version && (*node)->data == std::to_string(value + count);
    };
    // Batched with other jobs' writes of the moment (a new leader reserves for every job at
    // once), else on its own.
    auto r = files_.batcher.write_or_alone(token, build, applied, nullptr);
    if (!r) return std::move(r).err();
    return value;
  }

  result<std::uint64_t> peek(const job_id& job) const override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    if (auto r = files_.fresh(); !r) return std::move(r).err();
    auto node = files_.conn.get(z_.counter(job));
    if (!node) return std::move(node).err();
    if (!*node) return std::uint64_t{1};
    return parse_decimal((*node)->data, "checkpoint id counter", z_.counter(job));
  }

  result<void> remove(const fencing_token& token, const job_id& job) override {
    if (auto r = check_job(job); !r) return r;
    std::lock_guard<std::mutex> lock(locks_.of(job));
    const auto path = z_.counter(job);
    auto build = [&]() -> result<std::vector<zk_op>> {
      std::vector<zk_op> ops;
      auto st = files_.conn.exists(path);
      if (!st) return std::move(st).err();
      if (*st) ops.push_back(zk_op::remove(path, (*st)->version));
      return ops;
    };
    auto applied = [&]() -> result<bool> {
      auto st = files_.conn.exists(path);
      if (!st) return std::move(st).err();
      return !st->has_value();
    };
    if (auto r = files_.writer.write(token, build, applied); !r) return std::move(r).err();
    files_.prune_empty(token, z_.job(job), z_.jobs());
    return ok();
  }

 private:
  pointer_files& files_;
  znode_layout z_;
  job_locks locks_;  // one job's changes one at a time; different jobs' overlap
};

}  // namespace

std::unique_ptr<checkpoint_id_counter> make_checkpoint_id_counter(pointer_files& files, znode_layout z) {
  return std::make_unique<zk_checkpoint_id_counter>(files, std::move(z));
}

}  // namespace regent::ha::zookeeper
