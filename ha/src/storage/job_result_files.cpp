#include "regent/ha/storage/job_result_files.hpp"

#include "regent/ha/errc.hpp"
#include "regent/runtime/random.hpp"

namespace regent::ha::storage {

namespace fs = std::filesystem;

namespace {
result<void> check_job(const job_id& job) {
  if (job.empty()) return error{errc::invalid_argument, "empty job id"};
  return ok();
}
}  // namespace

fs::path job_result_files::dirty_file(const job_id& job) const {
  return dir_ / (job.str() + std::string(dirty_entry_suffix));
}

fs::path job_result_files::clean_file(const job_id& job) const { return dir_ / (job.str() + ".json"); }

result<std::optional<job_result_entry>> job_result_files::get(const job_id& job) const {
  if (auto c = check_job(job); !c) return std::move(c).err();
  // Dirty first: an entry only ever moves from dirty to clean (or away), so this order cannot
  // miss one that is marked clean in between.
  for (bool dirty : {true, false}) {
    auto entry = read_entry(job, dirty ? dirty_file(job) : clean_file(job));
    if (entry) return std::optional<job_result_entry>(job_result_entry{std::move(*entry), dirty});
    if (entry.err().code != errc::not_found) return std::move(entry).err();
  }
  return std::optional<job_result_entry>();
}

result<bool> job_result_files::has_entry(const job_id& job) const {
  if (auto c = check_job(job); !c) return std::move(c).err();
  return io_.exists(dirty_file(job)) || io_.exists(clean_file(job));
}

result<std::vector<job_id>> job_result_files::dirty_ids() const {
  auto names = io_.list(dir_);
  if (!names) return std::move(names).err();
  std::vector<job_id> ids;
  for (const auto& name : *names)
    if (auto id = dirty_entry_job(name)) ids.push_back(*id);
  return ids;
}

result<std::vector<job_result>> job_result_files::dirty_results() const {
  auto ids = dirty_ids();
  if (!ids) return std::move(ids).err();
  std::vector<job_result> results;
  for (const auto& id : *ids) {
    auto entry = read_entry(id, dirty_file(id));
    if (entry) {
      results.push_back(std::move(*entry));
    } else if (entry.err().code != errc::not_found) {  // not_found: marked clean meanwhile
      return std::move(entry).err();
    }
  }
  return results;
}

result<job_result> job_result_files::read_entry(const job_id& job, const fs::path& file) const {
  auto text = io_.read(file);
  if (!text) return std::move(text).err();
  auto r = job_result_from_json(*text, file.string());
  if (r && r->id != job)
    return error{errc::corrupt, "corrupt job result entry " + file.string() + ": holds job " + r->id.str()};
  return r;
}

result<void> leased_job_result_files::create_dirty(const fencing_token& token, const job_result& r) {
  if (auto c = validate_job_result(r); !c) return c;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto c = holds(token); !c) return c;
  if (io().exists(clean_file(r.id)))
    return error{errc::already_exists, "job " + r.id.str() + " has a clean result " + clean_file(r.id).string()};
  if (io().exists(dirty_file(r.id)))
    return error{errc::already_exists, "job " + r.id.str() + " has a dirty result " + dirty_file(r.id).string()};
  auto temp = dir() / (".tmp-jrs-" + r.id.str() + "-" + random_source::instance().hex32().substr(0, 12));
  if (auto w = io().write_atomic(temp, to_json(r)); !w) return w;
  auto c = commit(token, r.id, [&] { return io().rename(temp, dirty_file(r.id), /*no_replace=*/true); });
  if (!c) (void)io().remove(temp);
  return c;
}

result<void> leased_job_result_files::mark_clean(const fencing_token& token, const job_id& job) {
  if (auto c = check_job(job); !c) return c;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto c = holds(token); !c) return c;
  if (!io().exists(dirty_file(job)))
    return error{errc::not_found, "no dirty result for job " + job.str() + " (" + dirty_file(job).string() + ")"};
  return commit(token, job, [&]() -> result<void> {
    if (delete_on_commit_) return io().remove(dirty_file(job));
    return io().rename(dirty_file(job), clean_file(job));
  });
}

}  // namespace regent::ha::storage
