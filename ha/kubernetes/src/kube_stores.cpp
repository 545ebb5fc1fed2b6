// The stores of the `kubernetes` backend (kube_stores.hpp). Every write: payload file first
// (unique name, so nothing points to it yet), then the pointer by one fenced ConfigMap write
// (ha_maps::modify), then the payload the pointer named before is deleted. A write that fails
// deletes its own payload. Removal: pointer first, payload second.

#include "kube_stores.hpp"

#include <limits>
#include <algorithm>
#include <mutex>

#include "regent/ha/errc.hpp"
#include "regent/ha/storage/job_result_files.hpp"
#include "regent/ha/storage/payload.hpp"
#include "regent/runtime/logging.hpp"
#include "regent/runtime/random.hpp"

namespace regent::ha::kubernetes {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t max_checkpoint_id = 9'999'999'999'999'999'999ULL;

result<void> check_job(const job_id& job) {
  if (job.empty()) return error{errc::invalid_argument, "empty job id"};
  return ok();
}

std::string checkpoint_name(std::uint64_t id) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%019llu", static_cast<unsigned long long>(id));
  return buf;
}

/// `<base>.<12 lower-case hex>`
bool is_payload_name(const std::string& name, const std::string& base) {
  if (name.size() != base.size() + 13 || name.compare(0, base.size(), base) != 0 || name[base.size()] != '.')
    return false;
  return std::all_of(name.begin() + static_cast<long>(base.size()) + 1, name.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

/// Shared by the stores: payload files and fenced pointer writes.
class pointers {
 public:
  explicit pointers(store_context ctx) : ctx_(ctx) {}

  ha_maps& maps() const { return ctx_.maps; }
  const fs::path& cluster_dir() const { return ctx_.cluster_dir; }

  result<writer_identity> writer(const fencing_token& token) const { return ctx_.election.writer(token); }

  /// Writes `bytes` as a fresh payload in `dir` for `base`; returns its file name.
  result<std::string> write_payload(const fs::path& dir, const std::string& base, const std::string& bytes) const {
    auto name = base + "." + random_source::instance().hex32().substr(0, 12);
    if (auto w = ctx_.io.write_atomic(dir / name, storage::encode_payload(bytes), /*no_replace=*/true); !w)
      return std::move(w).err();
    return name;
  }

  /// The payload a pointer names; errc::corrupt naming the map and key when the pointer is not
  /// a payload name of `base` or its file is missing or damaged.
  result<std::string> read_payload(const map_state& st, const std::string& key, const fs::path& dir,
                                   const std::string& base) const {
    const auto& name = st.data.at(key);
    if (!is_payload_name(name, base))
      return error{errc::corrupt, maps().describe(st.name) + " key " + key + ": '" + name.substr(0, 80) +
                                      "' is not a payload name (" + base + ".<12 hex>)"};
    auto raw = ctx_.io.read(dir / name);
    if (!raw) {
      if (raw.err().code == make_error_code(errc::not_found))
        return error{errc::corrupt, maps().describe(st.name) + " key " + key + " names " + (dir / name).string() +
                                        ", which does not exist"};
      return std::move(raw).err();
    }
    return storage::decode_payload(*raw, (dir / name).string());
  }

  /// Sets `key` to a new payload of `bytes` (fenced); deletes the payload it replaced.
  result<void> put(const fencing_token& token, const job_id& job, const std::string& key, const fs::path& dir,
                   const std::string& base, const std::string& bytes) const {
    auto w = writer(token);
    if (!w) return std::move(w).err();
    auto name = write_payload(dir, base, bytes);
    if (!name) return std::move(name).err();
    auto before = maps().modify(*w, maps().shard_of(job), [&](const map_state&) -> result<map_changes> {
      return map_changes{{key, *name}};
    });
    if (!before) {
      (void)ctx_.io.remove(dir / *name);
      return std::move(before).err();
    }
    if (auto it = before->data.find(key);
        it != before->data.end() && it->second != *name && is_payload_name(it->second, base))
      (void)ctx_.io.remove(dir / it->second);
    return ok();
  }

  /// Removes every key of `job` starting with `prefix` (fenced), then their payloads in `dir`.
  result<void> remove_prefix(const fencing_token& token, const job_id& job, const std::string& prefix,
                             const fs::path& dir) const {
    auto w = writer(token);
    if (!w) return std::move(w).err();
    auto before = maps().modify(*w, maps().shard_of(job), [&](const map_state& st) -> result<map_changes> {
      map_changes c;
      for (auto it = st.data.lower_bound(prefix); it != st.data.end() && it->first.rfind(prefix, 0) == 0; ++it)
        c[it->first] = std::nullopt;
      return c;
    });
    if (!before) return std::move(before).err();
    if (!dir.empty()) {
      for (auto it = before->data.lower_bound(prefix); it != before->data.end() && it->first.rfind(prefix, 0) == 0;
           ++it)
        if (it->second.find('/') == std::string::npos && it->second != "." && it->second != "..")
          (void)ctx_.io.remove(dir / it->second);
    }
    return ok();
  }

  storage::file_io& io() const { return ctx_.io; }

 private:
  store_context ctx_;
};

// ---------------------------------------------------------------------------------------------

class kube_job_graph_store final : public job_graph_store {
 public:
  explicit kube_job_graph_store(store_context ctx) : p_(ctx) {}

  result<void> put(const fencing_token& token, const job_id& job, const std::string& bytes) override {
    if (auto c = check_job(job); !c) return c;
    return p_.put(token, job, key(job), dir(), job.str(), bytes);
  }

  result<std::string> get(const job_id& job) const override {
    if (auto c = check_job(job); !c) return std::move(c).err();
    auto st = p_.maps().read(p_.maps().shard_of(job));
    if (!st) return std::move(st).err();
    if (!st->data.count(key(job))) return error{errc::not_found, "no job graph for job " + job.str()};
    return p_.read_payload(*st, key(job), dir(), job.str());
  }

  result<void> remove(const fencing_token& token, const job_id& job) override {
    if (auto c = check_job(job); !c) return c;
    return p_.remove_prefix(token, job, key(job), dir());
  }

  result<std::vector<job_id>> list() const override {
    auto all = p_.maps().read_all();
    if (!all) return std::move(all).err();
    std::vector<job_id> out;
    for (const auto& st : *all)
      for (const auto& [k, v] : st.data) {
        if (k.rfind(prefix, 0) != 0) continue;
        auto id = job_id::parse(k.substr(std::string(prefix).size()));
        if (!id)
          return error{errc::corrupt,
                       p_.maps().describe(st.name) + " key " + k + ": not a job id after '" + prefix + "'"};
        out.push_back(*id);
      }
    std::sort(out.begin(), out.end(), [](const job_id& a, const job_id& b) { return a.str() < b.str(); });
    return out;
  }

 private:
  static constexpr const char* prefix = "jobGraph-";
  static std::string key(const job_id& job) { return prefix + job.str(); }
  fs::path dir() const { return p_.cluster_dir() / "jobgraphs"; }
  pointers p_;
};

// ---------------------------------------------------------------------------------------------

class kube_checkpoint_store final : public completed_checkpoint_store {
 public:
  kube_checkpoint_store(store_context ctx, int retained) : p_(ctx), retained_(std::max(retained, 1)) {}

  result<std::vector<std::uint64_t>> add(const fencing_token& token, const job_id& job, std::uint64_t id,
                                         const std::string& bytes) override {
    if (auto c = check_job(job); !c) return std::move(c).err();
    if (id == 0 || id > max_checkpoint_id)
      return error{errc::invalid_argument, "checkpoint id " + std::to_string(id) + " out of range"};
    auto w = p_.writer(token);
    if (!w) return std::move(w).err();
    auto name = p_.write_payload(dir(job), checkpoint_name(id), bytes);
    if (!name) return std::move(name).err();
    std::vector<std::uint64_t> dropped;
    auto before = p_.maps().modify(*w, p_.maps().shard_of(job), [&](const map_state& st) -> result<map_changes> {
      auto ids = ids_in(st, job);
      if (!ids) return std::move(ids).err();
      if (!ids->empty() && ids->back() >= id)
        return error{errc::invalid_argument, "job " + job.str() + ": checkpoint " + std::to_string(id) +
                                                 " is not newer than checkpoint " + std::to_string(ids->back())};
      map_changes c{{key(job, id), *name}};
      dropped.clear();
      ids->push_back(id);
      while (static_cast<int>(ids->size()) > retained_) {
        dropped.push_back(ids->front());
        c[key(job, ids->front())] = std::nullopt;
        ids->erase(ids->begin());
      }
      return c;
    });
    if (!before) {
      (void)p_.io().remove(dir(job) / *name);
      return std::move(before).err();
    }
    for (auto d : dropped)
      if (auto it = before->data.find(key(job, d));
          it != before->data.end() && is_payload_name(it->second, checkpoint_name(d)))
        (void)p_.io().remove(dir(job) / it->second);
    return dropped;
  }

  result<std::optional<completed_checkpoint>> latest(const job_id& job) const override {
    auto st = read(job);
    if (!st) return std::move(st).err();
    auto ids = ids_in(*st, job);
    if (!ids) return std::move(ids).err();
    if (ids->empty()) return std::optional<completed_checkpoint>();
    auto bytes = p_.read_payload(*st, key(job, ids->back()), dir(job), checkpoint_name(ids->back()));
    if (!bytes) return std::move(bytes).err();
    return std::optional<completed_checkpoint>(completed_checkpoint{ids->back(), std::move(*bytes)});
  }

  result<completed_checkpoint> get(const job_id& job, std::uint64_t id) const override {
    auto st = read(job);
    if (!st) return std::move(st).err();
    if (!st->data.count(key(job, id)))
      return error{errc::not_found, "job " + job.str() + " has no checkpoint " + std::to_string(id)};
    auto bytes = p_.read_payload(*st, key(job, id), dir(job), checkpoint_name(id));
    if (!bytes) return std::move(bytes).err();
    return completed_checkpoint{id, std::move(*bytes)};
  }

  result<std::vector<std::uint64_t>> list(const job_id& job) const override {
    auto st = read(job);
    if (!st) return std::move(st).err();
    return ids_in(*st, job);
  }

  result<void> remove_all(const fencing_token& token, const job_id& job) override {
    if (auto c = check_job(job); !c) return c;
    if (auto r = p_.remove_prefix(token, job, prefix(job), dir(job)); !r) return r;
    return p_.io().remove_all(dir(job));
  }

  int retained() const override { return retained_; }

 private:
  static std::string prefix(const job_id& job) { return "checkpoint-" + job.str() + "-"; }
  static std::string key(const job_id& job, std::uint64_t id) { return prefix(job) + checkpoint_name(id); }
  fs::path dir(const job_id& job) const { return p_.cluster_dir() / "checkpoints" / job.str(); }

  result<map_state> read(const job_id& job) const {
    if (auto c = check_job(job); !c) return std::move(c).err();
    return p_.maps().read(p_.maps().shard_of(job));
  }

  /// The job's checkpoint ids in `st`, ascending; errc::corrupt naming a malformed key.
  result<std::vector<std::uint64_t>> ids_in(const map_state& st, const job_id& job) const {
    std::vector<std::uint64_t> ids;
    auto pre = prefix(job);
    for (auto it = st.data.lower_bound(pre); it != st.data.end() && it->first.rfind(pre, 0) == 0; ++it) {
      auto digits = it->first.substr(pre.size());
      if (digits.size() != 19 || !std::all_of(digits.begin(), digits.end(), ::isdigit))
        return error{errc::corrupt, p_.maps().describe(st.name) + " key " + it->first + ": not a checkpoint id"};
      ids.push_back(std::stoull(digits));
    }
    return ids;  // keys sort as their zero-padded ids do
  }

  pointers p_;
  int retained_;
};

// ---------------------------------------------------------------------------------------------

class kube_checkpoint_id_counter final : public checkpoint_id_counter {
 public:
  explicit kube_checkpoint_id_counter(store_context ctx) : p_(ctx) {}

  result<std::uint64_t> reserve(const fencing_token& token, const job_id& job, std::uint64_t count) override {
    if (auto c = check_job(job); !c) return std::move(c).err();
    if (count == 0) return error{errc::invalid_argument, "reserving no checkpoint ids"};
    auto w = p_.writer(token);
    if (!w) return std::move(w).err();
    std::uint64_t value = 0;
    auto r = p_.maps().modify(*w, p_.maps().shard_of(job), [&](const map_state& st) -> result<map_changes> {
      auto v = value_in(st, job);
      if (!v) return std::move(v).err();
      value = *v;
      if (value > std::numeric_limits<std::uint64_t>::max() - count)
        return error{errc::invalid_argument, "checkpoint id counter of job " + job.str() + " is exhausted"};
      return map_changes{{key(job), std::to_string(value + count)}};
    });
    if (!r) return std::move(r).err();
    return value;
  }

  result<std::uint64_t> peek(const job_id& job) const override {
    if (auto c = check_job(job); !c) return std::move(c).err();
    auto st = p_.maps().read(p_.maps().shard_of(job));
    if (!st) return std::move(st).err();
    return value_in(*st, job);
  }

  result<void> remove(const fencing_token& token, const job_id& job) override {
    if (auto c = check_job(job); !c) return c;
    return p_.remove_prefix(token, job, key(job), {});
  }

 private:
  static std::string key(const job_id& job) { return "counter-" + job.str(); }

  result<std::uint64_t> value_in(const map_state& st, const job_id& job) const {
    auto it = st.data.find(key(job));
    if (it == st.data.end()) return std::uint64_t{1};
    const auto& text = it->second;
    if (text.empty() || text.size() > 19 || !std::all_of(text.begin(), text.end(), ::isdigit) || std::stoull(text) == 0)
      return error{errc::corrupt, p_.maps().describe(st.name) + " key " + key(job) + ": '" + text.substr(0, 40) +
                                      "' is not a checkpoint id counter (a positive decimal)"};
    return std::stoull(text);
  }

  pointers p_;
};

// ---------------------------------------------------------------------------------------------

class kube_blob_store final : public blob_store {
 public:
  explicit kube_blob_store(store_context ctx) : p_(ctx) {}

  result<void> put(const fencing_token& token, const job_id& job, const std::string& blob_key,
                   const std::string& bytes) override {
    if (auto c = check(job, blob_key); !c) return c;
    return p_.put(token, job, key(job, blob_key), dir(job), blob_key, bytes);
  }

  result<std::string> get(const job_id& job, const std::string& blob_key) const override {
    if (auto c = check(job, blob_key); !c) return std::move(c).err();
    auto st = p_.maps().read(p_.maps().shard_of(job));
    if (!st) return std::move(st).err();
    if (!st->data.count(key(job, blob_key)))
      return error{errc::not_found, "job " + job.str() + " has no blob " + blob_key};
    return p_.read_payload(*st, key(job, blob_key), dir(job), blob_key);
  }

  result<std::vector<std::string>> list(const job_id& job) const override {
    if (auto c = check_job(job); !c) return std::move(c).err();
    auto st = p_.maps().read(p_.maps().shard_of(job));
    if (!st) return std::move(st).err();
    std::vector<std::string> out;
    auto pre = prefix(job);
    for (auto it = st->data.lower_bound(pre); it != st->data.end() && it->first.rfind(pre, 0) == 0; ++it) {
      auto k = it->first.substr(pre.size());
      if (!valid_blob_key(k))
        return error{errc::corrupt, p_.maps().describe(st->name) + " key " + it->first + ": not a blob key"};
      out.push_back(k);
    }
    return out;
  }

  result<void> remove_job(const fencing_token& token, const job_id& job) override {
    if (auto c = check_job(job); !c) return c;
    if (auto r = p_.remove_prefix(token, job, prefix(job), dir(job)); !r) return r;
    return p_.io().remove_all(dir(job));
  }

 private:
  static std::string prefix(const job_id& job) { return "blob-" + job.str() + "-"; }
  static std::string key(const job_id& job, const std::string& k) { return prefix(job) + k; }
  fs::path dir(const job_id& job) const { return p_.cluster_dir() / "blob" / ("job_" + job.str()); }
  static result<void> check(const job_id& job, const std::string& k) {
    if (auto c = check_job(job); !c) return c;
    if (!valid_blob_key(k)) return error{errc::invalid_argument, "invalid blob key '" + k + "'"};
    return ok();
  }

  pointers p_;
};

// ---------------------------------------------------------------------------------------------

/// Commits (the visible rename or delete) run only while the leadership is held by the local
/// clock, i.e. before the renew deadline — before any contender can take the Lease. The window
/// that remains: the thread pauses between that test and the system call past the rest of the
/// deadline while a new leader acts on the same entry; a commit that ends late is logged.
class kube_job_result_store final : public storage::leased_job_result_files {
 public:
  kube_job_result_store(fs::path dir, bool delete_on_commit, lease_election& election, storage::file_io& io, clock& clk)
      : leased_job_result_files(std::move(dir), delete_on_commit, io), election_(election), clock_(clk) {}

 private:
  result<void> holds(const fencing_token& token) override {
    auto w = election_.writer(token);
    if (!w) return std::move(w).err();
    return ok();
  }

  result<void> commit(const fencing_token& token, const job_id& job,
                      const std::function<result<void>()>& step) override {
    auto until = election_.held_until(token);
    if (!until || clock_.now() >= *until)
      return error{errc::not_leader, "fencing token " + token.to_string() + " is not the current leadership"};
    auto r = step();
    if (clock_.now() > *until)
      logging::get("ha")->warn("job {}: JobResultStore commit finished after the renew deadline of {}", job.str(),
                               token.to_string());
    return r;
  }

  lease_election& election_;
  clock& clock_;
};

}  // namespace

std::unique_ptr<job_graph_store> make_job_graph_store(store_context ctx) {
  return std::make_unique<kube_job_graph_store>(ctx);
}
std::unique_ptr<completed_checkpoint_store> make_checkpoint_store(store_context ctx, int retained) {
  return std::make_unique<kube_checkpoint_store>(ctx, retained);
}
std::unique_ptr<checkpoint_id_counter> make_checkpoint_id_counter(store_context ctx) {
  return std::make_unique<kube_checkpoint_id_counter>(ctx);
}
std::unique_ptr<blob_store> make_blob_store(store_context ctx) { return std::make_unique<kube_blob_store>(ctx); }
std::unique_ptr<job_result_store> make_job_result_store(fs::path dir, bool delete_on_commit, lease_election& election,
                                                        storage::file_io& io, clock& clk) {
  return std::make_unique<kube_job_result_store>(std::move(dir), delete_on_commit, election, io, clk);
}

}  // namespace regent::ha::kubernetes
