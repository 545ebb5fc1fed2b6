// THE one table of the keys Regent knows, with their built-in defaults. `configuration::get`,
// `configuration::effective` and `validate` all read defaults from here and nowhere else; the
// initialisers in settings.hpp mirror it (a unit test checks that they agree).
#include <algorithm>
#include <filesystem>

#include "internal.hpp"

namespace regent::config::detail {

namespace {

/// `high-availability.storageDir` without trailing '/', or "" when it is not set.
std::string storage_dir(const configuration& c) {
  std::string dir(trim(c.get("high-availability.storageDir")));
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

/// Flink's default: `{storageDir}/job-result-store/{cluster-id}`.
std::string job_result_store_path(const configuration& c) {
  auto dir = storage_dir(c);
  if (dir.empty()) return {};
  return dir + "/job-result-store/" + c.get("high-availability.cluster-id");
}

/// Flink's `kubernetes.cluster-id` falls back to `high-availability.cluster-id`.
std::string cluster_id(const configuration& c) { return c.get("high-availability.cluster-id"); }

/// Finished jobs' REST views, outside the cluster's folder (like the JobResultStore), so that a
/// cleanup never removes them: `{storageDir}/completed-jobs/{cluster-id}`.
std::string archive_dir(const configuration& c) {
  auto dir = storage_dir(c);
  if (dir.empty()) return {};
  return dir + "/completed-jobs/" + c.get("high-availability.cluster-id");
}

/// Regent keeps checkpoints beside the HA data so that a new leader finds them after failover.
std::string checkpoints_dir(const configuration& c) {
  auto dir = storage_dir(c);
  if (dir.empty()) return {};
  return dir + "/checkpoints-data";
}

/// `<config-dir>/../log`, as Flink's scripts do; "" (log to stderr only) without a config dir.
std::string log_dir(const configuration& c) {
  if (c.config_dir().empty()) return {};
  return (c.config_dir() / ".." / "log").lexically_normal().string();
}

const std::vector<key_spec>& table() {
  // A function-local static: safe to use from other static initialisers.
  static const std::vector<key_spec> keys = {
      // key                                                   fixed default        computed               alias
      {"cleanup-strategy", "exponential-delay", nullptr, "cleanup-strategy.type"},
      {"cleanup-strategy.exponential-delay.attempts", nullptr, nullptr, nullptr},  // unset: unlimited
      {"cleanup-strategy.exponential-delay.initial-backoff", "1 s", nullptr, nullptr},
      {"cleanup-strategy.exponential-delay.max-backoff", "1 h", nullptr, nullptr},
      {"cleanup-strategy.fixed-delay.attempts", "1", nullptr, nullptr},
      {"cleanup-strategy.fixed-delay.delay", "1 s", nullptr, nullptr},
      {"env.log.dir", nullptr, log_dir, nullptr},
      {"execution.checkpointing.interval", "0", nullptr, nullptr},  // 0: off
      {"execution.checkpointing.num-retained", "1", nullptr, "state.checkpoints.num-retained"},
      {"heartbeat.interval", "10 s", nullptr, nullptr},
      {"heartbeat.timeout", "50 s", nullptr, nullptr},
      {"high-availability.cluster-id", "default", nullptr, nullptr},
      {"high-availability.jobmanager.port", "0", nullptr, nullptr},  // 0: any free port
      {"high-availability.storageDir", nullptr, nullptr, nullptr},   // required unless type none
      {"high-availability.type", "filesystem", nullptr, "high-availability"},
      {"high-availability.zookeeper.client.acl", "open", nullptr, nullptr},
      {"high-availability.zookeeper.client.connection-timeout", "15 s", nullptr, nullptr},
      {"high-availability.zookeeper.client.digest", nullptr, nullptr, nullptr},  // Regent's own key
      {"high-availability.zookeeper.client.max-retry-attempts", "3", nullptr, nullptr},
      {"high-availability.zookeeper.client.retry-wait", "5 s", nullptr, nullptr},
      {"high-availability.zookeeper.client.session-timeout", "60 s", nullptr, nullptr},
      {"high-availability.zookeeper.client.tolerate-suspended-connections", "false", nullptr, nullptr},
      {"high-availability.zookeeper.path.root", "/flink", nullptr, nullptr},
      {"high-availability.zookeeper.quorum", nullptr, nullptr, nullptr},  // required for zookeeper
      {"high-availability.kubernetes.leader-election.lease-duration", "15 s", nullptr, nullptr},
      {"high-availability.kubernetes.leader-election.renew-deadline", "10 s", nullptr, nullptr},
      {"high-availability.kubernetes.leader-election.retry-period", "2 s", nullptr, nullptr},
      {"job-result-store.delete-on-commit", "true", nullptr, nullptr},
      {"job-result-store.storage-path", nullptr, job_result_store_path, nullptr},
      {"jobmanager.failover.task-preserving", "true", nullptr, nullptr},                   // Regent's own keys:
      {"jobmanager.failover.task-preserving.grace", "60 s", nullptr, nullptr},             // see DESIGN and
      {"jobmanager.failover.task-preserving.reconcile-timeout", "5 s", nullptr, nullptr},  // actors/README
      {"jobmanager.archive.fs.dir", nullptr, archive_dir, nullptr},
      {"jobmanager.rpc.address", "localhost", nullptr, nullptr},
      {"jobstore.expiration-time", "1 h", nullptr, nullptr},
      {"jobstore.max-capacity", nullptr, nullptr, nullptr},  // unset: unlimited
      {"jobmanager.rpc.port", "6123", nullptr, nullptr},
      {"kubernetes.cluster-id", nullptr, cluster_id, nullptr},  // default: high-availability.cluster-id
      {"kubernetes.config.file", nullptr, nullptr, nullptr},    // unset: in cluster (service account)
      {"kubernetes.jobmanager.replicas", "1", nullptr, nullptr},
      {"kubernetes.namespace", nullptr, nullptr, nullptr},  // unset: the service account's, else "default"
      {"kubernetes.service-account.dir", "/var/run/secrets/kubernetes.io/serviceaccount", nullptr,
       nullptr},  // Regent's own key
      {"kubernetes.transactional-operation.max-retries", "5", nullptr, nullptr},
      {"log.level", "info", nullptr, nullptr},  // Regent's own key
      {"rest.address", "localhost", nullptr, nullptr},
      {"rest.port", "8081", nullptr, nullptr},
      {"rest.server.max-content-length", "100 mb", nullptr, nullptr},
      {"rest.server.request-timeout", "30 s", nullptr, nullptr},  // Regent's own key
      {"restart-strategy.fixed-delay.attempts", "3", nullptr, nullptr},
      {"restart-strategy.fixed-delay.delay", "1 s", nullptr, nullptr},
      {"restart-strategy.type", "fixed-delay", nullptr, "restart-strategy"},
      {"security.ssl.algorithms", nullptr, nullptr, nullptr},     // unset: OpenSSL's default cipher list
      {"security.ssl.internal.cert", nullptr, nullptr, nullptr},  // Regent's own PEM keys
      {"security.ssl.internal.enabled", "false", nullptr, nullptr},
      {"security.ssl.internal.key", nullptr, nullptr, nullptr},  // Regent's own PEM keys
      {"security.ssl.internal.key-password", nullptr, nullptr, nullptr},
      {"security.ssl.internal.keystore", nullptr, nullptr, nullptr},
      {"security.ssl.internal.keystore-password", nullptr, nullptr, nullptr},
      {"security.ssl.internal.trusted-ca", nullptr, nullptr, nullptr},  // Regent's own PEM keys
      {"security.ssl.internal.truststore", nullptr, nullptr, nullptr},
      {"security.ssl.internal.truststore-password", nullptr, nullptr, nullptr},
      {"security.ssl.protocol", "TLSv1.2", nullptr, nullptr},
      {"security.ssl.rest.authentication-enabled", "false", nullptr, nullptr},
      {"security.ssl.rest.cert", nullptr, nullptr, nullptr},  // Regent's own PEM keys
      {"security.ssl.rest.enabled", "false", nullptr, nullptr},
      {"security.ssl.rest.key", nullptr, nullptr, nullptr},  // Regent's own PEM keys
      {"security.ssl.rest.key-password", nullptr, nullptr, nullptr},
      {"security.ssl.rest.keystore", nullptr, nullptr, nullptr},
      {"security.ssl.rest.keystore-password", nullptr, nullptr, nullptr},
      {"security.ssl.rest.trusted-ca", nullptr, nullptr, nullptr},  // Regent's own PEM keys
      {"security.ssl.rest.truststore", nullptr, nullptr, nullptr},
      {"security.ssl.rest.truststore-password", nullptr, nullptr, nullptr},
      {"state.checkpoints.dir", nullptr, checkpoints_dir, "execution.checkpointing.dir"},
      {"taskmanager.numberOfTaskSlots", "1", nullptr, nullptr},
      {"taskmanager.rpc.port", "0", nullptr, nullptr},  // 0: any free port
      {"web.access-control-allow-origin", "*", nullptr, nullptr},
      {"web.cancel.enable", "true", nullptr, nullptr},
      {"web.submit.enable", "true", nullptr, nullptr},
  };
  return keys;
}

}  // namespace

const std::vector<key_spec>& known_keys() { return table(); }

const key_spec* find_spec(std::string_view key) {
  // A binary search over an index built once (it does not rely on the table's order):
  // `effective` and `validate` look up every known key, and a linear search made that quadratic.
  static const std::vector<const key_spec*> index = [] {
    std::vector<const key_spec*> v;
    for (const auto& s : table()) v.push_back(&s);
    std::sort(v.begin(), v.end(),
              [](const key_spec* a, const key_spec* b) { return std::string_view(a->key) < std::string_view(b->key); });
    return v;
  }();
  auto it = std::lower_bound(index.begin(), index.end(), key,
                             [](const key_spec* s, std::string_view k) { return std::string_view(s->key) < k; });
  return it != index.end() && std::string_view((*it)->key) == key ? *it : nullptr;
}

std::optional<entry> lookup(const configuration& conf, const std::string& key) {
  if (const entry* e = conf.find(key)) return *e;
  const key_spec* spec = find_spec(key);
  if (spec == nullptr) return std::nullopt;
  if (spec->alias != nullptr)
    if (const entry* e = conf.find(spec->alias)) return *e;
  if (spec->fixed_default != nullptr) return entry{spec->fixed_default, {"default", 0}};
  if (spec->computed != nullptr) {
    auto value = spec->computed(conf);
    if (!value.empty()) return entry{std::move(value), {"default", 0}};
  }
  return std::nullopt;
}

}  // namespace regent::config::detail
