#pragma once
/// The cluster's HA ConfigMaps and the fence on every write to them (README "Fencing").
///
///   <cluster-id>-leader-info   leader info per component (what retrieval reads)
///   <cluster-id>-ha-<0..7>     pointers of the stores, a job's keys all in shard hash(job) % 8
///
/// Every map carries the annotation `regent.io/fence-epoch`: the epoch of the leader that may
/// write it. A new leader, before it reports its grant, raises the fence of every map to its
/// epoch (creating missing maps), each by a compare-and-swap on the map's resourceVersion. A
/// write is one PUT carrying the resourceVersion of a read that showed the writer's own epoch
/// as the fence: it lands only if nobody — in particular no newer leader raising the fence —
/// changed the map since. Labels `app=<cluster-id>`, `configmap-type=high-availability`.
///
/// Thread-safe; calls block on the API server. A process's writes to one map are serialised.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api_client.hpp"
#include "kube_objects.hpp"
#include "regent/runtime/ids.hpp"

namespace regent::ha::kubernetes {

inline constexpr int shard_count = 8;
/// Kubernetes refuses a ConfigMap whose data is larger (we check before sending).
inline constexpr std::size_t configmap_limit = 1024 * 1024;


/// Who writes: the epoch a map's fence must show, and a local check run before every attempt
/// (the leadership is still held by this process's clock).
struct writer_identity {
  epoch_t epoch = 0;
  std::function<bool()> still_leading;
};

/// Key → new value, or nullopt to remove the key.
using map_changes = std::map<std::string, std::optional<std::string>>;

class ha_maps {
 public:
  ha_maps(api_client& api, std::string cluster_id, int max_retries);

  const std::string& cluster_id() const { return cluster_id_; }
  std::string leader_info_map() const { return cluster_id_ + "-leader-info"; }
  std::string shard_of(const job_id& job) const;
  std::string shard_name(int i) const;
  bool is_shard(const std::string& name) const;
  /// Every HA map name (leader info first).
  std::vector<std::string> all_maps() const;
  std::string label_selector() const;
  /// "ConfigMap <ns>/<name>", for errors.
  std::string describe(const std::string& name) const;

  /// The map as it is now; a missing map reads as empty (`exists` false). While this process
  /// leads (the writer identity of its last fence step still leading), from the state its own
  /// fence step and writes left — it is the maps' only writer — without a request.
  result<map_state> read(const std::string& name) const;
  /// Every HA map of the cluster, by label (one request; none while leading, as `read`).
  result<std::vector<map_state>> read_all() const;

  /// The takeover: raises the fence of the leader-info map (creating it when missing), then of
  /// every shard there is, to `who.epoch`; an empty shard is deleted, a missing one stays
  /// missing. errc::not_leader when a map shows a higher epoch (someone newer leads).
  result<void> raise_fences(const writer_identity& who);

  /// The fenced write: reads `name`, asks `change` what to write given what is there, and
  /// writes it in one PUT conditional on that read; retried on conflicts, resolved by a re-read
  /// after an ambiguous answer. Returns the state the changes were applied to. errc::not_leader
  /// when the map's fence is not `who.epoch` or `who.still_leading()` turns false.
  /// A shard left without keys is deleted (a DELETE conditional on the read); a missing shard
  /// is created empty and unconfirmed, then confirmed (the leader-info map still shows
  /// `who.epoch`) before the first write into it.
  result<map_state> modify(const writer_identity& who, const std::string& name,
                           const std::function<result<map_changes>(const map_state&)>& change);

  /// Deletes every HA map (cluster removal); idempotent.
  result<void> remove_all();

 private:
  /// Per map: the lock that serialises this process's writes, and the state its last write left.
  struct map_slot {
    std::mutex mu;
    std::optional<map_state> last;
  };
  map_slot& slot(const std::string& name) const;
  /// GET, never from what this process remembers (every read inside a write, and the confirmation).
  result<map_state> fetch(const std::string& name) const;
  std::optional<map_state> from_cache(const std::string& name) const;
  void remember(const std::string& name, std::optional<map_state> st);
  static map_state absent(const std::string& name, epoch_t epoch);
  result<void> raise_all(const writer_identity& who);
  result<void> raise_fence(const writer_identity& who, const std::string& name, result<map_state> st);
  /// errc::not_leader unless the leader-info map (fenced first by every takeover) shows `who.epoch`.
  result<void> confirm(const writer_identity& who) const;
  json object(const std::string& name, epoch_t epoch, const std::map<std::string, std::string>& data,
              bool unconfirmed) const;
  result<map_state> parse(const json& object, const std::string& name) const;
  json labels() const;

  api_client& api_;
  std::string cluster_id_;
  int max_retries_;
  mutable std::mutex slots_mu_;
  mutable std::map<std::string, std::unique_ptr<map_slot>> slots_;
  /// Reads are served from the slots while `cache_valid_()` (the fence step's writer identity
  /// still leading) for states fenced by `cache_epoch_` (0: never).
  mutable std::mutex cache_mu_;
  epoch_t cache_epoch_ = 0;
  std::function<bool()> cache_valid_;
};

/// The size Kubernetes counts for a ConfigMap's data: keys plus values.
std::size_t data_size(const std::map<std::string, std::string>& data);

}  // namespace regent::ha::kubernetes
