// The in-memory JobResultStore of the `none` backend.

#include <map>
#include <mutex>

#include "memory_checks.hpp"
#include "regent/ha/none/memory_stores.hpp"

namespace regent::ha::none {

namespace {

/// Job results in a map, dirty until marked clean, then erased (delete-on-commit) or kept as
/// clean. Owned by the process's HA services; any thread may call it (one mutex).
class memory_job_result_store final : public job_result_store {
 public:
  memory_job_result_store(bool delete_on_commit, write_fence& fence)
      : delete_on_commit_(delete_on_commit), fence_(fence) {}

  result<void> create_dirty(const fencing_token& token, const job_result& r) override {
    if (auto c = detail::check_result(r); !c) return c;
    std::lock_guard<std::mutex> lock(mu_);
    return fence_.fenced(token, [&]() -> result<void> {
      if (auto it = entries_.find(r.id); it != entries_.end())
        return error{errc::already_exists,
                     "job " + r.id.str() + " has a " + (it->second.dirty ? "dirty" : "clean") + " result already"};
      entries_.emplace(r.id, job_result_entry{r, true});
      return ok();
    });
  }

  result<void> mark_clean(const fencing_token& token, const job_id& job) override {
    if (auto c = detail::check_job(job); !c) return c;
    std::lock_guard<std::mutex> lock(mu_);
    return fence_.fenced(token, [&]() -> result<void> {
      auto it = entries_.find(job);
      if (it == entries_.end() || !it->second.dirty)
        return error{errc::not_found, "no dirty result for job " + job.str()};
      if (delete_on_commit_)
        entries_.erase(it);
      else
        it->second.dirty = false;
      return ok();
    });
  }

  result<std::optional<job_result_entry>> get(const job_id& job) const override {
    if (auto c = detail::check_job(job); !c) return std::move(c).err();
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(job);
    if (it == entries_.end()) return std::optional<job_result_entry>();
    return std::optional<job_result_entry>(it->second);
  }

  result<bool> has_entry(const job_id& job) const override {
    if (auto c = detail::check_job(job); !c) return std::move(c).err();
    std::lock_guard<std::mutex> lock(mu_);
    return entries_.count(job) > 0;
  }

  result<std::vector<job_id>> dirty_ids() const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<job_id> ids;
    for (const auto& [id, entry] : entries_)
      if (entry.dirty) ids.push_back(id);
    return ids;
  }

  result<std::vector<job_result>> dirty_results() const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<job_result> results;
    for (const auto& [id, entry] : entries_)
      if (entry.dirty) results.push_back(entry.result);
    return results;
  }

 private:
  bool delete_on_commit_;
  write_fence& fence_;
  mutable std::mutex mu_;
  std::map<job_id, job_result_entry> entries_;
};

}  // namespace

std::unique_ptr<job_result_store> make_job_result_store(bool delete_on_commit, write_fence& fence) {
  return std::make_unique<memory_job_result_store>(delete_on_commit, fence);
}

}  // namespace regent::ha::none
