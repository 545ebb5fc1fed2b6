#pragma once
/// Where the `zookeeper` backend keeps things: znode paths under `<path.root>/<cluster-id>`
/// and payload files under `<storageDir>/<cluster-id>` (the same folders as `filesystem`), and
/// the names of payload files, which are unique per write: `<base>.<12 random hex>`.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "regent/runtime/ids.hpp"
#include "regent/runtime/result.hpp"

namespace regent::ha::zookeeper {

/// Znode paths. `ns` is `<path.root>/<cluster-id>` without a trailing slash.
struct znode_layout {
  std::string ns;

  std::string leader() const { return ns + "/leader"; }
  std::string latch_dir() const { return ns + "/leader/latch"; }
  std::string epoch() const { return ns + "/leader/epoch"; }
  std::string component_dir(const std::string& component) const { return ns + "/leader/" + component; }
  std::string connection_info(const std::string& component) const {
    return component_dir(component) + "/connection_info";
  }
  std::string jobgraphs() const { return ns + "/jobgraphs"; }
  std::string jobgraph(const job_id& job) const { return jobgraphs() + "/" + job.str(); }
  std::string jobs() const { return ns + "/jobs"; }
  std::string job(const job_id& job) const { return jobs() + "/" + job.str(); }
  std::string checkpoints(const job_id& j) const { return job(j) + "/checkpoints"; }
  std::string checkpoint(const job_id& j, std::uint64_t id) const;
  std::string counter(const job_id& j) const { return job(j) + "/checkpoint_id_counter"; }
  std::string blobs() const { return ns + "/blobs"; }
  std::string blob_job(const job_id& j) const { return blobs() + "/" + j.str(); }
  std::string blob(const job_id& j, const std::string& key) const { return blob_job(j) + "/" + key; }
};

/// Payload folders, as in the `filesystem` backend. `cluster_dir` is `<storageDir>/<cluster-id>`.
struct file_layout {
  std::filesystem::path cluster_dir;

  std::filesystem::path jobgraphs() const { return cluster_dir / "jobgraphs"; }
  std::filesystem::path checkpoints(const job_id& j) const { return cluster_dir / "checkpoints" / j.str(); }
  std::filesystem::path blobs(const job_id& j) const { return cluster_dir / "blob" / ("job_" + j.str()); }
};

/// Ids are written as 19 zero-padded digits, so they must stay below 10^19.
inline constexpr std::uint64_t max_checkpoint_id = 9'999'999'999'999'999'999ULL;
/// "%019llu".
std::string checkpoint_name(std::uint64_t id);
/// The id of a 19-digit name; nullopt for anything else.
std::optional<std::uint64_t> parse_checkpoint_name(const std::string& name);

/// A fresh payload file name for `base`: `<base>.<12 random hex>`.
std::string new_payload_name(const std::string& base);
/// True when `name` is `<base>.<12 lower-case hex>` (so it cannot leave its folder).
bool is_payload_name(const std::string& name, const std::string& base);
/// True when `name` is some `<anything>.<12 hex>` in a folder (for sweeping leftovers).
bool has_payload_suffix(const std::string& name);

/// A positive decimal stored in a znode (the epoch, a counter); errc::corrupt naming `what`
/// and the znode path otherwise.
result<std::uint64_t> parse_decimal(const std::string& data, const std::string& what, const std::string& path);

/// Joins `path.root` and `cluster-id` into the namespace path, e.g. "/flink" + "/default" →
/// "/flink/default"; errc::invalid_argument naming the option when either is unusable.
result<std::string> make_namespace(const std::string& path_root, const std::string& cluster_id);
/// The cluster id without leading or trailing slashes (for file paths).
std::string trim_slashes(const std::string& s);

}  // namespace regent::ha::zookeeper
