#pragma once
/// The typed, validated configuration the programs use. Built once at start-up by `validate`;
/// any error names the key and the file, and the program exits with code 2.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "regent/config/configuration.hpp"

namespace regent::config {

enum class ha_type { none, filesystem, zookeeper, kubernetes };
/// "none", "filesystem", "zookeeper", "kubernetes".
const char* to_string(ha_type t);

struct zookeeper_settings {
  std::string quorum;                                   ///< high-availability.zookeeper.quorum
  std::string path_root = "/flink";                     ///< ...zookeeper.path.root
  std::chrono::milliseconds session_timeout{60000};     ///< ...client.session-timeout
  std::chrono::milliseconds connection_timeout{15000};  ///< ...client.connection-timeout
  std::chrono::milliseconds retry_wait{5000};           ///< ...client.retry-wait
  int max_retry_attempts = 3;                           ///< ...client.max-retry-attempts
  bool tolerate_suspended_connections = false;          ///< ...client.tolerate-suspended-connections
  bool creator_acl = false;  ///< ...client.acl: `creator` (true) or `open` (Flink's key and values)
  std::string digest;        ///< ...client.digest: `user:password` (Regent's own key; needed by `creator`)
};

/// The `kubernetes` backend's keys (Flink's names where Flink has them).
struct kubernetes_settings {
  std::string cluster_id = "default";  ///< kubernetes.cluster-id (default: high-availability.cluster-id)
  std::string namespace_name;          ///< kubernetes.namespace ("" = the service account's, else "default")
  std::string config_file;             ///< kubernetes.config.file: a kubeconfig ("" = in cluster)
  std::string service_account_dir =    ///< kubernetes.service-account.dir (Regent's own key)
      "/var/run/secrets/kubernetes.io/serviceaccount";
  std::chrono::milliseconds lease_duration{15000};  ///< high-availability.kubernetes.leader-election.lease-duration
  std::chrono::milliseconds renew_deadline{10000};  ///< ...leader-election.renew-deadline (< lease-duration)
  std::chrono::milliseconds retry_period{2000};     ///< ...leader-election.retry-period (< renew-deadline)
  int max_retries = 5;                              ///< kubernetes.transactional-operation.max-retries
  int jobmanager_replicas = 1;                      ///< kubernetes.jobmanager.replicas (for the manifests)
};

/// A file of key material and the key that named it (errors about the file name that key and
/// where it was set).
struct ssl_source {
  std::string path;   ///< "" when the key is not set
  std::string key;    ///< e.g. "security.ssl.internal.keystore"
  std::string where;  ///< "conf/config.yaml:7", "-D (command line)", ...
};

/// A password and the key that set it.
struct ssl_secret {
  std::string value;
  std::string key;
  std::string where;
};

/// The TLS settings of one kind of endpoint: `security.ssl.internal.*` (RPC between
/// jobmanagers and taskmanagers, always mutually authenticated) or `security.ssl.rest.*`.
/// Key material comes as Flink configures it (PKCS12 `keystore` / `truststore` with passwords)
/// or as PEM files (`cert`, `key`, `trusted-ca`, Regent's own keys); validate() checks that one
/// complete form of each is set, the files themselves are read by regent_tls at start-up.
struct ssl_settings {
  bool enabled = false;         ///< security.ssl.<kind>.enabled
  bool authentication = false;  ///< peers must present a certificate of the trust store (internal: always)
  ssl_source keystore;          ///< ...keystore (PKCS12: private key and certificate chain)
  ssl_secret keystore_password;  ///< ...keystore-password
  ssl_secret key_password;       ///< ...key-password (default: the keystore password)
  ssl_source truststore;         ///< ...truststore (PKCS12: the trusted CA certificates)
  ssl_secret truststore_password;  ///< ...truststore-password
  ssl_source cert;                 ///< ...cert (PEM certificate chain, Regent's own key)
  ssl_source key;                  ///< ...key (PEM private key, Regent's own key)
  ssl_source trusted_ca;           ///< ...trusted-ca (PEM CA certificates, Regent's own key)
  std::string protocol = "TLSv1.2";  ///< security.ssl.protocol: the lowest version accepted
  std::string algorithms;            ///< security.ssl.algorithms: OpenSSL cipher list ("" = default)
  std::string algorithms_where;      ///< where security.ssl.algorithms was set
};

enum class cleanup_kind { exponential_delay, fixed_delay, none };

struct cleanup_settings {
  cleanup_kind kind = cleanup_kind::exponential_delay;  ///< cleanup-strategy
  std::chrono::milliseconds initial_backoff{1000};      ///< ...exponential-delay.initial-backoff
  std::chrono::milliseconds max_backoff{3600000};       ///< ...exponential-delay.max-backoff
  std::optional<int> exponential_attempts;              ///< ...exponential-delay.attempts (unset = unlimited)
  int fixed_attempts = 1;                               ///< ...fixed-delay.attempts
  std::chrono::milliseconds fixed_delay{1000};          ///< ...fixed-delay.delay
};

enum class restart_kind { fixed_delay, none };

struct settings {
  // High availability.
  ha_type ha = ha_type::filesystem;    ///< high-availability.type
  std::string storage_dir;             ///< high-availability.storageDir (required unless none)
  std::string cluster_id = "default";  ///< high-availability.cluster-id
  zookeeper_settings zookeeper;
  kubernetes_settings kubernetes;
  int ha_jobmanager_port = 0;  ///< high-availability.jobmanager.port (0 = random)

  // JobResultStore.
  std::string job_result_store_path;              ///< job-result-store.storage-path (default filled in)
  bool job_result_store_delete_on_commit = true;  ///< job-result-store.delete-on-commit
  cleanup_settings cleanup;

  // Finished jobs' REST views, served after a failover (as Flink's HistoryServer reads them).
  std::string archive_dir;                                  ///< jobmanager.archive.fs.dir ("" = off)
  std::chrono::milliseconds jobstore_expiration{3600000};  ///< jobstore.expiration-time
  int jobstore_max_capacity = 0;                           ///< jobstore.max-capacity (0 = unlimited)

  // Endpoints.
  std::string rpc_address = "localhost";                         ///< jobmanager.rpc.address
  int rpc_port = 6123;                                           ///< jobmanager.rpc.port
  std::string rest_address = "localhost";                        ///< rest.address
  int rest_port = 8081;                                          ///< rest.port
  std::uint64_t rest_max_content_length = 100u * 1024u * 1024u;  ///< rest.server.max-content-length
  std::chrono::milliseconds rest_request_timeout{30000};         ///< rest.server.request-timeout
  std::string web_allow_origin = "*";                            ///< web.access-control-allow-origin
  bool web_cancel_enable = true;                                 ///< web.cancel.enable (the dashboard's cancel button)
  bool web_submit_enable = true;                                 ///< web.submit.enable (reported in /config)

  // TLS (Flink's security.ssl.* keys).
  ssl_settings ssl_internal;  ///< security.ssl.internal.*
  ssl_settings ssl_rest;      ///< security.ssl.rest.*

  // TaskManagers and jobs.
  int taskmanager_slots = 1;                            ///< taskmanager.numberOfTaskSlots
  int taskmanager_rpc_port = 0;                         ///< taskmanager.rpc.port
  std::string checkpoints_dir;                          ///< state.checkpoints.dir
  std::chrono::milliseconds checkpoint_interval{0};     ///< execution.checkpointing.interval (0 = off)
  int checkpoints_retained = 1;                         ///< execution.checkpointing.num-retained
  restart_kind restart = restart_kind::fixed_delay;     ///< restart-strategy.type
  int restart_attempts = 3;                             ///< restart-strategy.fixed-delay.attempts
  std::chrono::milliseconds restart_delay{1000};        ///< restart-strategy.fixed-delay.delay
  std::chrono::milliseconds heartbeat_interval{10000};  ///< heartbeat.interval
  std::chrono::milliseconds heartbeat_timeout{50000};   ///< heartbeat.timeout
  /// jobmanager.failover.task-preserving: a new leader adopts the running subtasks instead of
  /// restarting every job from its latest checkpoint.
  bool task_preserving = true;
  /// jobmanager.failover.task-preserving.grace: how long a taskmanager keeps its subtasks
  /// running while no leader is known.
  std::chrono::milliseconds task_preserving_grace{60000};
  /// jobmanager.failover.task-preserving.reconcile-timeout: how long a new leader's job master
  /// waits for the taskmanagers to report a recovered job's subtasks before it restarts the job.
  std::chrono::milliseconds reconcile_timeout{5000};

  // Logging.
  std::string log_level = "info";  ///< log.level (Regent's own key)
  std::string log_dir;             ///< env.log.dir (default: <config-dir>/../log)
};

/// Validates the whole configuration into `settings`. Errors name the key and the file.
result<settings> validate(const configuration& conf);

/// Only the `security.ssl.<kind>.*` keys (`kind`: "internal" or "rest"), validated as `validate`
/// does: for clients (the `regent` CLI) that need no other key.
result<ssl_settings> validate_ssl(const configuration& conf, const std::string& kind);

}  // namespace regent::config
