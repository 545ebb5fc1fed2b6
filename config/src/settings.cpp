// `validate`: the whole configuration → typed `settings`, once at start-up. Values come through
// `configuration`'s typed getters, so defaults come from the one table in defaults.cpp and every
// error names the key and where its value came from.
#include <cctype>
#include <climits>
#include <initializer_list>

#include "internal.hpp"
#include "regent/config/settings.hpp"
#include "regent/runtime/logging.hpp"

namespace regent::config {

namespace {

using detail::key_error;
using detail::to_lower;
using detail::trim;

/// Stores a typed value into a settings field, or passes the error on.
template <class T, class R>
result<void> assign(T& out, result<R> r) {
  if (!r) return std::move(r).err();
  out = static_cast<T>(std::move(r).value());
  return ok();
}

/// The first error of a group of reads (evaluated left to right), or ok.
result<void> first_error(std::initializer_list<result<void>> reads) {
  for (const auto& r : reads)
    if (!r) return r.err();
  return ok();
}

/// A value from a fixed set of spellings (case-insensitive), e.g. cleanup-strategy.
template <class E>
struct spelling {
  const char* text;
  E value;
};

template <class E>
result<E> read_choice(const configuration& c, const std::string& key, std::initializer_list<spelling<E>> choices,
                      const std::string& expected) {
  auto raw = c.get(key);
  auto v = to_lower(trim(raw));
  for (const auto& s : choices)
    if (v == s.text) return s.value;
  return key_error(errc::unknown_value, c, key, "unknown value '" + raw + "' (expected " + expected + ")");
}

result<ha_type> read_ha_type(const configuration& c) {
  return read_choice<ha_type>(c, "high-availability.type",
                              {{"none", ha_type::none},
                               {"filesystem", ha_type::filesystem},
                               {"zookeeper", ha_type::zookeeper},
                               {"kubernetes", ha_type::kubernetes}},
                              "none, filesystem, zookeeper or kubernetes");
}

/// A local path; Flink's `file://` prefix is accepted and dropped, other schemes are not served.
result<std::string> read_path(const configuration& c, const std::string& key) {
  std::string v(trim(c.get(key)));
  if (v.rfind("file://", 0) == 0) return v.substr(7);
  if (auto p = v.find("://"); p != std::string::npos)
    return key_error(
        errc::unknown_value, c, key,
        "'" + v + "' uses the scheme '" + v.substr(0, p) + "', but only local paths (or file://) are supported");
  return v;
}

result<std::string> read_nonempty(const configuration& c, const std::string& key) {
  std::string v(trim(c.get(key)));
  if (v.empty()) return key_error(errc::malformed, c, key, "must not be empty");
  return v;
}

result<std::chrono::milliseconds> read_positive(const configuration& c, const std::string& key) {
  auto d = c.get_duration(key);
  if (d && d->count() == 0) return key_error(errc::out_of_range, c, key, "'" + c.get(key) + "' must be greater than 0");
  return d;
}

result<void> read_ha(const configuration& c, settings& s) {
  if (auto r = first_error({assign(s.ha, read_ha_type(c)),
                            assign(s.storage_dir, read_path(c, "high-availability.storageDir")),
                            assign(s.cluster_id, read_nonempty(c, "high-availability.cluster-id")),
                            assign(s.ha_jobmanager_port, c.get_port("high-availability.jobmanager.port"))});
      !r)
    return r;
  if (s.ha != ha_type::none && s.storage_dir.empty())
    return detail::missing_key(c, "high-availability.storageDir",
                               std::string("required when high-availability.type is ") + to_string(s.ha));
  auto& zk = s.zookeeper;
  const std::string p = "high-availability.zookeeper.";
  if (auto r = first_error(
          {assign(zk.path_root, read_nonempty(c, p + "path.root")),
           assign(zk.session_timeout, read_positive(c, p + "client.session-timeout")),
           assign(zk.connection_timeout, read_positive(c, p + "client.connection-timeout")),
           assign(zk.retry_wait, c.get_duration(p + "client.retry-wait")),
           assign(zk.max_retry_attempts, c.get_int(p + "client.max-retry-attempts", 0, INT_MAX)),
           assign(zk.tolerate_suspended_connections, c.get_bool(p + "client.tolerate-suspended-connections"))});
      !r)
    return r;
  if (auto acl = std::string(trim(c.get(p + "client.acl"))); acl == "creator") {
    zk.creator_acl = true;
  } else if (acl != "open") {
    return key_error(errc::malformed, c, p + "client.acl", "'" + acl + "' is not one of: open, creator");
  }
  zk.digest = std::string(trim(c.get(p + "client.digest")));
  if (!zk.digest.empty() && zk.digest.find(':') == std::string::npos)
    return key_error(errc::malformed, c, p + "client.digest", "must be user:password");
  if (zk.creator_acl && zk.digest.empty())
    return detail::missing_key(c, p + "client.digest", "required when " + p + "client.acl is creator");
  if (zk.path_root.front() != '/')
    return key_error(errc::malformed, c, p + "path.root", "'" + zk.path_root + "' must start with '/'");
  zk.quorum = std::string(trim(c.get(p + "quorum")));
  if (s.ha == ha_type::zookeeper && zk.quorum.empty())
    return detail::missing_key(c, p + "quorum", "required when high-availability.type is zookeeper");
  if (!zk.quorum.empty())
    for (std::size_t start = 0;;) {
      auto comma = zk.quorum.find(',', start);
      if (trim(zk.quorum.substr(start, comma - start)).empty())
        return key_error(errc::malformed, c, p + "quorum",
                         "'" + zk.quorum + "' has an empty entry (expected host:port,host:port,...)");
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  return ok();
}

/// The `kubernetes` keys; the lease timings must nest: retry-period < renew-deadline < lease-duration
/// (a leader gives up before any contender may take the lease, and tries more than once first).
result<void> read_kubernetes(const configuration& c, settings& s) {
  auto& k = s.kubernetes;
  const std::string p = "high-availability.kubernetes.leader-election.";
  if (auto r = first_error({assign(k.cluster_id, read_nonempty(c, "kubernetes.cluster-id")),
                            assign(k.config_file, read_path(c, "kubernetes.config.file")),
                            assign(k.service_account_dir, read_nonempty(c, "kubernetes.service-account.dir")),
                            assign(k.lease_duration, read_positive(c, p + "lease-duration")),
                            assign(k.renew_deadline, read_positive(c, p + "renew-deadline")),
                            assign(k.retry_period, read_positive(c, p + "retry-period")),
                            assign(k.max_retries, c.get_int("kubernetes.transactional-operation.max-retries", 0, 1000)),
                            assign(k.jobmanager_replicas, c.get_int("kubernetes.jobmanager.replicas", 1, 1000))});
      !r)
    return r;
  k.namespace_name = std::string(trim(c.get("kubernetes.namespace")));
  if (k.renew_deadline >= k.lease_duration)
    return key_error(errc::out_of_range, c, p + "renew-deadline",
                     "'" + c.get(p + "renew-deadline") + "' must be shorter than " + p + "lease-duration ('" +
                         c.get(p + "lease-duration") + "'): a leader must give up before another may take over");
  if (k.retry_period >= k.renew_deadline)
    return key_error(errc::out_of_range, c, p + "retry-period",
                     "'" + c.get(p + "retry-period") + "' must be shorter than " + p + "renew-deadline ('" +
                         c.get(p + "renew-deadline") + "')");
  if (s.ha == ha_type::kubernetes)
    for (char ch : k.cluster_id)
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.') ||
          std::isupper(static_cast<unsigned char>(ch)))
        return key_error(errc::malformed, c, "kubernetes.cluster-id",
                         "'" + k.cluster_id + "' must be a DNS subdomain: lower-case letters, digits, '-' and '.'");
  return ok();
}

result<void> read_job_results(const configuration& c, settings& s) {
  const std::string p = "cleanup-strategy.";
  auto& cl = s.cleanup;
  if (auto r = first_error(
          {assign(s.job_result_store_path, read_path(c, "job-result-store.storage-path")),
           assign(s.job_result_store_delete_on_commit, c.get_bool("job-result-store.delete-on-commit")),
           assign(cl.kind, read_choice<cleanup_kind>(c, "cleanup-strategy",
                                                     {{"exponential-delay", cleanup_kind::exponential_delay},
                                                      {"exponentialdelay", cleanup_kind::exponential_delay},
                                                      {"fixed-delay", cleanup_kind::fixed_delay},
                                                      {"fixeddelay", cleanup_kind::fixed_delay},
                                                      {"none", cleanup_kind::none},
                                                      {"disable", cleanup_kind::none},
                                                      {"off", cleanup_kind::none}},
                                                     "exponential-delay, fixed-delay or none")),
           assign(cl.initial_backoff, read_positive(c, p + "exponential-delay.initial-backoff")),
           assign(cl.max_backoff, read_positive(c, p + "exponential-delay.max-backoff")),
           assign(cl.fixed_attempts, c.get_int(p + "fixed-delay.attempts", 0, INT_MAX)),
           assign(cl.fixed_delay, c.get_duration(p + "fixed-delay.delay"))});
      !r)
    return r;
  if (cl.initial_backoff > cl.max_backoff)
    return key_error(errc::out_of_range, c, p + "exponential-delay.initial-backoff",
                     "'" + c.get(p + "exponential-delay.initial-backoff") + "' must not exceed " + p +
                         "exponential-delay.max-backoff ('" + c.get(p + "exponential-delay.max-backoff") + "' from " +
                         c.where(p + "exponential-delay.max-backoff").to_string() + ")");
  if (detail::lookup(c, p + "exponential-delay.attempts")) {
    auto attempts = c.get_int(p + "exponential-delay.attempts", 1, INT_MAX);
    if (!attempts) return std::move(attempts).err();
    cl.exponential_attempts = static_cast<int>(*attempts);
  }
  return ok();
}

result<void> read_jobs(const configuration& c, settings& s) {
  if (auto r = first_error(
          {assign(s.rpc_address, read_nonempty(c, "jobmanager.rpc.address")),
           assign(s.rpc_port, c.get_port("jobmanager.rpc.port")),
           assign(s.rest_address, read_nonempty(c, "rest.address")),
           assign(s.rest_port, c.get_port("rest.port")),
           assign(s.rest_max_content_length, c.get_size("rest.server.max-content-length")),
           assign(s.rest_request_timeout, read_positive(c, "rest.server.request-timeout")),
           assign(s.jobstore_expiration, read_positive(c, "jobstore.expiration-time")),
           assign(s.web_cancel_enable, c.get_bool("web.cancel.enable")),
           assign(s.web_submit_enable, c.get_bool("web.submit.enable")),
           assign(s.taskmanager_slots, c.get_int("taskmanager.numberOfTaskSlots", 1, INT_MAX)),
           assign(s.taskmanager_rpc_port, c.get_port("taskmanager.rpc.port")),
           assign(s.checkpoints_dir, read_path(c, "state.checkpoints.dir")),
           assign(s.checkpoint_interval, c.get_duration("execution.checkpointing.interval")),
           assign(s.checkpoints_retained, c.get_int("execution.checkpointing.num-retained", 1, INT_MAX)),
           assign(s.restart, read_choice<restart_kind>(c, "restart-strategy.type",
                                                       {{"fixed-delay", restart_kind::fixed_delay},
                                                        {"fixeddelay", restart_kind::fixed_delay},
                                                        {"none", restart_kind::none},
                                                        {"off", restart_kind::none},
                                                        {"disable", restart_kind::none}},
                                                       "fixed-delay or none")),
           assign(s.restart_attempts, c.get_int("restart-strategy.fixed-delay.attempts", 0, INT_MAX)),
           assign(s.restart_delay, c.get_duration("restart-strategy.fixed-delay.delay")),
           assign(s.heartbeat_interval, read_positive(c, "heartbeat.interval")),
           assign(s.heartbeat_timeout, c.get_duration("heartbeat.timeout")),
           assign(s.task_preserving, c.get_bool("jobmanager.failover.task-preserving")),
           assign(s.task_preserving_grace, read_positive(c, "jobmanager.failover.task-preserving.grace")),
           assign(s.reconcile_timeout, read_positive(c, "jobmanager.failover.task-preserving.reconcile-timeout"))});
      !r)
    return r;
  if (s.heartbeat_timeout <= s.heartbeat_interval)
    return key_error(errc::out_of_range, c, "heartbeat.timeout",
                     "'" + c.get("heartbeat.timeout") + "' must be greater than heartbeat.interval ('" +
                         c.get("heartbeat.interval") + "' from " + c.where("heartbeat.interval").to_string() + ")");
  return ok();
}

/// One kind's `security.ssl.<kind>.*` keys. When enabled: a keystore or a PEM cert and key
/// (not both), and a truststore or PEM trusted CAs (not both).
result<void> read_ssl(const configuration& c, const std::string& kind, ssl_settings& out) {
  const std::string p = "security.ssl." + kind + ".";
  auto source = [&](const std::string& name) -> result<ssl_source> {
    auto path = read_path(c, p + name);
    if (!path) return std::move(path).err();
    return ssl_source{*path, p + name, detail::describe(c, c.where(p + name))};
  };
  auto secret = [&](const std::string& name) {
    return ssl_secret{c.get(p + name), p + name, detail::describe(c, c.where(p + name))};
  };
  if (auto r = first_error({assign(out.enabled, c.get_bool(p + "enabled")), assign(out.keystore, source("keystore")),
                            assign(out.truststore, source("truststore")), assign(out.cert, source("cert")),
                            assign(out.key, source("key")), assign(out.trusted_ca, source("trusted-ca"))});
      !r)
    return r;
  out.authentication = true;
  if (kind == "rest")
    if (auto r = assign(out.authentication, c.get_bool(p + "authentication-enabled")); !r) return r;
  out.keystore_password = secret("keystore-password");
  out.key_password = secret("key-password");
  out.truststore_password = secret("truststore-password");
  out.protocol = std::string(trim(c.get("security.ssl.protocol")));
  out.algorithms = std::string(trim(c.get("security.ssl.algorithms")));
  out.algorithms_where = detail::describe(c, c.where("security.ssl.algorithms"));
  if (out.protocol != "TLSv1.2" && out.protocol != "TLSv1.3")
    return key_error(errc::unknown_value, c, "security.ssl.protocol",
                     "unknown value '" + out.protocol + "' (expected TLSv1.2 or TLSv1.3)");
  if (!out.enabled) return ok();
  const std::string why = "required when " + p + "enabled is true";
  if (!out.keystore.path.empty() && (!out.cert.path.empty() || !out.key.path.empty()))
    return key_error(errc::malformed, c, p + "keystore",
                     "set together with " + p + (out.cert.path.empty() ? "key" : "cert") +
                         ": give the key and certificate either as a PKCS12 keystore or as PEM files, not both");
  if (out.keystore.path.empty()) {
    if (out.cert.path.empty() && out.key.path.empty())
      return detail::missing_key(c, p + "keystore", why + " (or the PEM files " + p + "cert and " + p + "key)");
    if (out.cert.path.empty()) return detail::missing_key(c, p + "cert", "required with " + p + "key");
    if (out.key.path.empty()) return detail::missing_key(c, p + "key", "required with " + p + "cert");
  }
  if (!out.truststore.path.empty() && !out.trusted_ca.path.empty())
    return key_error(errc::malformed, c, p + "truststore",
                     "set together with " + p + "trusted-ca: give the trusted certificates one way, not both");
  if (out.truststore.path.empty() && out.trusted_ca.path.empty())
    return detail::missing_key(c, p + "truststore", why + " (or the PEM file " + p + "trusted-ca)");
  return ok();
}

result<void> read_security(const configuration& c, settings& s) {
  if (auto r = read_ssl(c, "internal", s.ssl_internal); !r) return r;
  return read_ssl(c, "rest", s.ssl_rest);
}

result<void> read_logging(const configuration& c, settings& s) {
  auto level = to_lower(trim(c.get("log.level")));
  if (!logging::valid_level(level))
    return key_error(
        errc::unknown_value, c, "log.level",
        "unknown level '" + c.get("log.level") + "' (expected trace, debug, info, warn, error, critical or off)");
  s.log_level = level;
  s.log_dir = std::string(trim(c.get("env.log.dir")));
  s.web_allow_origin = std::string(trim(c.get("web.access-control-allow-origin")));
  s.archive_dir = std::string(trim(c.get("jobmanager.archive.fs.dir")));
  if (detail::lookup(c, "jobstore.max-capacity")) {
    auto cap = c.get_int("jobstore.max-capacity", 1, INT_MAX);
    if (!cap) return std::move(cap).err();
    s.jobstore_max_capacity = static_cast<int>(*cap);
  }
  return ok();
}

}  // namespace

const char* to_string(ha_type t) {
  switch (t) {
    case ha_type::none:
      return "none";
    case ha_type::filesystem:
      return "filesystem";
    case ha_type::zookeeper:
      return "zookeeper";
    case ha_type::kubernetes:
      return "kubernetes";
  }
  return "unknown";
}

result<ssl_settings> validate_ssl(const configuration& conf, const std::string& kind) {
  ssl_settings out;
  if (auto r = read_ssl(conf, kind, out); !r) return std::move(r).err();
  return out;
}

result<settings> validate(const configuration& conf) {
  settings s;
  for (auto* section : {read_ha, read_kubernetes, read_job_results, read_jobs, read_security, read_logging})
    if (auto r = section(conf, s); !r) return std::move(r).err();
  return s;
}

}  // namespace regent::config
