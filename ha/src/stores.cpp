// The default batch reads of the stores: one read after the other.

#include "regent/ha/stores.hpp"

namespace regent::ha {

std::vector<result<std::string>> job_graph_store::get_many(const std::vector<job_id>& jobs) const {
  std::vector<result<std::string>> out;
  out.reserve(jobs.size());
  for (const auto& job : jobs) out.push_back(get(job));
  return out;
}

std::vector<result<std::optional<completed_checkpoint>>> completed_checkpoint_store::latest_many(
    const std::vector<job_id>& jobs) const {
  std::vector<result<std::optional<completed_checkpoint>>> out;
  out.reserve(jobs.size());
  for (const auto& job : jobs) out.push_back(latest(job));
  return out;
}

}  // namespace regent::ha
