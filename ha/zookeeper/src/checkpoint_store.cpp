// The `zookeeper` completed-checkpoint store: pointers `jobs/<jobId>/checkpoints/<%019d id>` →
// payloads `<cluster_dir>/checkpoints/<jobId>/<%019d id>.<hex>`; the newest `retained` are
// kept, the new one added and the oldest dropped in one fenced multi.
//
// The same multi sets the folder node's data to the newest payload's name, so `latest` is one
// read of that node, not a listing plus a read. The folder is trusted only when its data was
// written in the same transaction as its last change of children (stat mzxid == pzxid: a multi
// has one zxid); a child added or removed by anyone else since — a foreign node, a writer that
// does not keep the folder — makes `latest` list the children instead.
//
// A leader adds a checkpoint in one round trip, the multi (batched with other jobs' adds of the
// same moment: multi_batcher.hpp): what it wrote last under the same
// fencing token (the retained ids, the payloads they name, the folder that exists) is kept in
// memory, since nobody else can change the job's checkpoints while that token holds (every
// write checks it). A new leader's recovery read of the folder node seeds it where that read is
// conclusive (seed()). The first add of a job under a token without either, any retry, and any
// failure read from ZooKeeper as before (and a failure forgets what was kept).

#include <algorithm>
#include <map>
#include <mutex>

#include "regent/ha/errc.hpp"
#include "regent/ha/job_locks.hpp"
#include "zk_stores.hpp"

namespace regent::ha::zookeeper {

namespace {

/// How often `latest` lists again when the newest checkpoint vanished under it (pruned).
constexpr int latest_attempts = 3;

class zk_checkpoint_store final : public completed_checkpoint_store {
 public:
  zk_checkpoint_store(pointer_files& files, znode_layout z, file_layout f, int retained)
      : files_(files), z_(std::move(z)), f_(std::move(f)), retained_(std::max(retained, 1)) {}

  result<std::vector<std::uint64_t>> add(const fencing_token& token, const job_id& job, std::uint64_t id,
                                         const std::string& bytes) override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    if (id == 0 || id > max_checkpoint_id)
      return error{errc::invalid_argument, "checkpoint id " + std::to_string(id) + " out of range"};
    std::lock_guard<std::mutex> lock(locks_.of(job));
    if (auto r = files_.writer.holds(token); !r) return std::move(r).err();
    auto kept = take_kept(token, job);  // what this token wrote last, if anything
    if (kept && !kept->ids.empty() && id <= kept->ids.back()) return not_newer(job, id, kept->ids.back());
    // Without `kept`, `build` checks that `id` is newer (a refused id's payload is discarded).
    const auto dir = f_.checkpoints(job);
    const auto node = z_.checkpoint(job, id);
    auto name = files_.write_payload(dir, checkpoint_name(id), bytes);
    if (!name) return std::move(name).err();
    std::vector<std::uint64_t> dropped;
    std::vector<std::string> dropped_files;
    std::vector<std::uint64_t> after_read;  // the ids the multi leaves, when read
    std::vector<std::string> names;         // their payloads
    auto build = [&]() -> result<std::vector<zk_op>> {
      dropped.clear();
      dropped_files.clear();
      names.clear();
      const auto folder = z_.checkpoints(job);
      bool folder_exists = false;
      auto ids = check_newer(job, id, &folder_exists);
      if (!ids) return std::move(ids).err();
      // A folder that was there a moment ago needs no parents (if it is gone, the multi fails
      // and `build` runs again).
      auto ops = folder_exists ? result<std::vector<zk_op>>(std::vector<zk_op>{}) : files_.missing_parents(node, z_.ns);
      if (!ops) return ops;
      if (!ops->empty() && ops->back().path == folder)
        ops->back().data = *name;  // created by this multi, naming its newest
      else
        ops->push_back(zk_op::set(folder, *name, -1));
      ops->push_back(zk_op::create(node, *name, ZOO_PERSISTENT));
      std::size_t total = ids->size() + 1;
      std::size_t excess = total > static_cast<std::size_t>(retained_) ? total - retained_ : 0;
      for (std::size_t i = 0; i < excess; ++i) {
        auto old = files_.conn.get(z_.checkpoint(job, (*ids)[i]));
        if (!old) return std::move(old).err();
        if (!*old) continue;
        ops->push_back(zk_op::remove(z_.checkpoint(job, (*ids)[i]), (*old)->stat.version));
        dropped.push_back((*ids)[i]);
        if (is_payload_name((*old)->data, checkpoint_name((*ids)[i]))) dropped_files.push_back((*old)->data);
      }
      for (std::size_t i = excess; i < ids->size(); ++i) {
        auto p = files_.read_pointer(z_.checkpoint(job, (*ids)[i]), checkpoint_name((*ids)[i]));
        if (!p) return std::move(p).err();
        names.push_back(*p ? (*p)->name : "");
      }
      after_read = std::vector<std::uint64_t>(ids->begin() + excess, ids->end());
      return ops;
    };
    auto applied = [&]() -> result<bool> {
      auto n = files_.conn.get(node);
      if (!n) return std::move(n).err();
      return *n && (*n)->data == *name;
    };
    bool unknown = false;
    // One multi, batched with other jobs' adds: from what is kept, else (or when that batch
    // applied nothing) from fresh reads, and last on its own (multi_batcher::write_or_alone).
    bool from_kept = false;
    result<void> r = ok();
    if (kept) {
      r = files_.batcher.write(token, kept_ops(job, *kept, node, *name, dropped, dropped_files), applied, &unknown);
      from_kept = r.ok();
    }
    if (!kept || multi_batcher::worth_alone(r, unknown))
      r = files_.batcher.write_or_alone(token, build, applied, &unknown);
    if (!r) {
      if (!unknown) files_.discard_unwritten(dir, *name);
      return std::move(r).err();
    }
    for (const auto& file : dropped_files) files_.discard(dir, file);
    // Keep what is there now for the next add under this token.
    kept_checkpoints now;
    now.token = token;
    if (from_kept) {
      now.ids.assign(kept->ids.begin() + dropped.size(), kept->ids.end());
      now.names.assign(kept->names.begin() + dropped.size(), kept->names.end());
    } else {
      now.ids = after_read;
      now.names = names;
    }
    now.ids.push_back(id);
    now.names.push_back(*name);
    keep(job, std::move(now));
    return dropped;
  }

  result<std::optional<completed_checkpoint>> latest(const job_id& job) const override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    if (auto r = files_.fresh(); !r) return std::move(r).err();
    return latest_from(job, files_.conn.get(z_.checkpoints(job)));
  }

  std::vector<result<std::optional<completed_checkpoint>>> latest_many(const std::vector<job_id>& jobs) const override {
    std::vector<result<std::optional<completed_checkpoint>>> out;
    out.reserve(jobs.size());
    if (auto r = files_.fresh(); !r) {
      for (std::size_t i = 0; i < jobs.size(); ++i) out.emplace_back(r.err());
      return out;
    }
    std::vector<std::string> folders;
    for (const auto& job : jobs) folders.push_back(z_.checkpoints(job));
    auto read = files_.conn.get_many(folders);  // one pipelined batch
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      if (auto c = check_job(jobs[i]); !c) {
        out.emplace_back(std::move(c).err());
        continue;
      }
      seed(jobs[i], read[i]);
      out.push_back(latest_from(jobs[i], std::move(read[i])));
    }
    return out;
  }

  result<completed_checkpoint> get(const job_id& job, std::uint64_t id) const override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    if (auto r = files_.fresh(); !r) return std::move(r).err();
    if (id == 0 || id > max_checkpoint_id)
      return error{errc::not_found, "no checkpoint " + std::to_string(id) + " of job " + job.str()};
    auto bytes = files_.read_through(z_.checkpoint(job, id), f_.checkpoints(job), checkpoint_name(id));
    if (!bytes) return std::move(bytes).err();
    if (!*bytes)
      return error{errc::not_found, "no checkpoint " + std::to_string(id) + " of job " + job.str() + " (" +
                                        z_.checkpoint(job, id) + ")"};
    return completed_checkpoint{id, std::move(**bytes)};
  }

  result<std::vector<std::uint64_t>> list(const job_id& job) const override {
    if (auto r = check_job(job); !r) return std::move(r).err();
    if (auto r = files_.fresh(); !r) return std::move(r).err();
    return parse_ids(job, files_.conn.children(z_.checkpoints(job)));
  }

  result<void> remove_all(const fencing_token& token, const job_id& job) override {
    if (auto r = check_job(job); !r) return r;
    std::lock_guard<std::mutex> lock(locks_.of(job));
    (void)take_kept(token, job);
    // Foreign nodes go too (nothing of the job stays); payloads are those its pointers name.
    auto removed = files_.remove_folder(
        token, z_.checkpoints(job), f_.checkpoints(job),
        [](const std::string& name, const std::string& data) { return is_payload_name(data, name); });
    if (!removed) return removed;
    files_.prune_empty(token, z_.job(job), z_.jobs());
    return ok();
  }

  int retained() const override { return retained_; }

 private:
  /// A job's checkpoints as the last add under `token` left them (ascending ids, the payload
  /// file each names). The folder exists.
  struct kept_checkpoints {
    fencing_token token;
    bool seeded = false;  ///< from a new leader's recovery read (seed()): good for the next add under any token
    std::vector<std::uint64_t> ids;
    std::vector<std::string> names;
  };

  /// Removes and returns what is kept of `job`, if it was kept under `token`. Under the job's lock.
  std::optional<kept_checkpoints> take_kept(const fencing_token& token, const job_id& job) {
    std::lock_guard<std::mutex> lock(kept_mu_);
    auto it = kept_.find(job);
    if (it == kept_.end()) return std::nullopt;
    auto k = std::move(it->second);
    kept_.erase(it);
    if (!k.seeded && !(k.token == token)) return std::nullopt;
    return k;
  }

  /// What a new leader's recovery read of a job's folder node tells for certain: when the node
  /// was last written with its last change of children (mzxid == pzxid, see the top), names a
  /// payload of the checkpoint it is the newest of, and has exactly one child, the job's
  /// checkpoints are that one. Kept as a seed, so that the job's first add under the new
  /// leader's token makes no reads (after a failover every adopted job adds at once). Anything
  /// else forgets what was kept of the job. A seed that turns out wrong costs nothing: a
  /// checkpoint removed meanwhile fails the multi (`build` then reads), and only this leader
  /// writes the job's checkpoints once it has been granted (every write is fenced).
  void seed(const job_id& job, const result<std::optional<znode>>& folder) const {
    std::lock_guard<std::mutex> lock(kept_mu_);
    kept_.erase(job);
    if (!folder || !*folder) return;
    auto id = trusted_newest(**folder);
    if (!id || (*folder)->stat.numChildren != 1) return;
    kept_checkpoints k;
    k.seeded = true;
    k.ids.push_back(*id);
    k.names.push_back((*folder)->data);
    kept_[job] = std::move(k);
  }
  void keep(const job_id& job, kept_checkpoints k) {
    std::lock_guard<std::mutex> lock(kept_mu_);
    kept_[job] = std::move(k);
  }

  /// The multi of an add from what is kept: set the folder's data, create the pointer, drop the
  /// oldest beyond the retained count (their payloads are removed after the multi).
  std::vector<zk_op> kept_ops(const job_id& job, const kept_checkpoints& k, const std::string& node,
                              const std::string& name, std::vector<std::uint64_t>& dropped,
                              std::vector<std::string>& dropped_files) const {
    dropped.clear();
    dropped_files.clear();
    std::vector<zk_op> ops;
    ops.push_back(zk_op::set(z_.checkpoints(job), name, -1));
    ops.push_back(zk_op::create(node, name, ZOO_PERSISTENT));
    std::size_t total = k.ids.size() + 1;
    std::size_t excess = total > static_cast<std::size_t>(retained_) ? total - retained_ : 0;
    for (std::size_t i = 0; i < excess; ++i) {
      ops.push_back(zk_op::remove(z_.checkpoint(job, k.ids[i]), -1));
      dropped.push_back(k.ids[i]);
      if (is_payload_name(k.names[i], checkpoint_name(k.ids[i]))) dropped_files.push_back(k.names[i]);
    }
    return ops;
  }

  /// The id of the newest checkpoint, named by the job's checkpoint folder node, when the node
  /// can be trusted to name it (see the top).
  static std::optional<std::uint64_t> trusted_newest(const znode& folder) {
    const auto& data = folder.data;
    auto id = data.size() > 20 ? parse_checkpoint_name(data.substr(0, 19)) : std::nullopt;
    if (folder.stat.mzxid != folder.stat.pzxid || !id || !is_payload_name(data, checkpoint_name(*id)))
      return std::nullopt;
    return id;
  }

  /// The newest checkpoint, from a read of the job's checkpoint folder node (see the top).
  result<std::optional<completed_checkpoint>> latest_from(const job_id& job,
                                                          result<std::optional<znode>> folder) const {
    if (!folder) return std::move(folder).err();
    if (!*folder) return std::optional<completed_checkpoint>();  // no folder: no checkpoint
    const auto& data = (*folder)->data;
    if (auto id = trusted_newest(**folder)) {
      auto bytes = files_.read_payload(f_.checkpoints(job), data);
      if (bytes) return std::optional<completed_checkpoint>(completed_checkpoint{*id, std::move(*bytes)});
      if (bytes.err().code != errc::not_found) return std::move(bytes).err();
    }
    return listed_latest(job);
  }

  /// The newest checkpoint by listing the job's pointers.
  result<std::optional<completed_checkpoint>> listed_latest(const job_id& job) const {
    for (int attempt = 1;; ++attempt) {
      auto ids = list(job);
      if (!ids) return std::move(ids).err();
      if (ids->empty()) return std::optional<completed_checkpoint>();
      auto id = ids->back();
      auto bytes = files_.read_through(z_.checkpoint(job, id), f_.checkpoints(job), checkpoint_name(id));
      if (!bytes) return std::move(bytes).err();
      if (*bytes) return std::optional<completed_checkpoint>(completed_checkpoint{id, std::move(**bytes)});
      if (attempt == latest_attempts)  // kept vanishing: a leader is pruning fast; report none found
        return error{errc::unavailable, "the newest checkpoint of job " + job.str() + " kept changing while read"};
    }
  }

  /// The checkpoint ids, ascending, of a read of the job's checkpoint folder.
  result<std::vector<std::uint64_t>> parse_ids(const job_id& job,
                                               result<std::optional<std::vector<std::string>>> names) const {
    if (!names) return std::move(names).err();
    std::vector<std::uint64_t> ids;
    if (!*names) return ids;
    for (const auto& name : **names) {
      auto id = parse_checkpoint_name(name);
      if (!id)
        return error{errc::corrupt,
                     "unexpected ZooKeeper node " + z_.checkpoints(job) + "/" + name + " among checkpoints"};
      ids.push_back(*id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  /// The job's checkpoint ids, ascending, when `id` is newer than all of them; whether the
  /// job's checkpoint folder exists in `*folder_exists`. For a leader's write: no sync first.
  result<std::vector<std::uint64_t>> check_newer(const job_id& job, std::uint64_t id, bool* folder_exists) const {
    auto listed = files_.conn.children(z_.checkpoints(job));
    *folder_exists = listed && listed->has_value();
    auto ids = parse_ids(job, std::move(listed));
    if (!ids) return ids;
    if (!ids->empty() && id <= ids->back()) return not_newer(job, id, ids->back());
    return ids;
  }

  static error not_newer(const job_id& job, std::uint64_t id, std::uint64_t newest) {
    return {errc::invalid_argument, "checkpoint " + std::to_string(id) + " of job " + job.str() +
                                        " is not newer than checkpoint " + std::to_string(newest)};
  }

  pointer_files& files_;
  znode_layout z_;
  file_layout f_;
  int retained_;
  job_locks locks_;  // one job's changes one at a time; different jobs' overlap
  mutable std::mutex kept_mu_;
  mutable std::map<job_id, kept_checkpoints> kept_;  ///< see the top; a job's entry under its lock (or a seed)
};

}  // namespace

std::unique_ptr<completed_checkpoint_store> make_checkpoint_store(pointer_files& files, znode_layout z, file_layout f,
                                                                  int retained) {
  return std::make_unique<zk_checkpoint_store>(files, std::move(z), std::move(f), retained);
}

}  // namespace regent::ha::zookeeper
