// validate: typed settings from the configuration, and every error path naming key and file.
#include <gtest/gtest.h>

#include "regent/config/settings.hpp"
#include "test_support.hpp"

namespace regent::config {
namespace {

using std::chrono::milliseconds;
using testing_support::expect_error;
using testing_support::temp_dir;

const char* file = "conf/config.yaml";

result<settings> validate_yaml(const std::string& yaml, std::vector<std::string> overrides = {}) {
  auto c = configuration::from_yaml(yaml, file);
  if (!c) return std::move(c).err();
  for (const auto& o : overrides)
    if (auto r = c->apply_override(o); !r) return std::move(r).err();
  return validate(*c);
}

settings valid(const std::string& yaml, std::vector<std::string> overrides = {}) {
  auto s = validate_yaml(yaml, std::move(overrides));
  EXPECT_TRUE(s.ok()) << s.err().message;
  return s.ok() ? std::move(s).value() : settings{};
}

TEST(validate, default_table_agrees_with_the_settings_initialisers) {
  auto s = valid("high-availability.storageDir: /tmp/ha\n");
  settings d;
  EXPECT_EQ(s.ha, d.ha);
  EXPECT_EQ(s.cluster_id, d.cluster_id);
  EXPECT_EQ(s.ha_jobmanager_port, d.ha_jobmanager_port);
  EXPECT_EQ(s.zookeeper.quorum, d.zookeeper.quorum);
  EXPECT_EQ(s.zookeeper.path_root, d.zookeeper.path_root);
  EXPECT_EQ(s.zookeeper.session_timeout, d.zookeeper.session_timeout);
  EXPECT_EQ(s.zookeeper.connection_timeout, d.zookeeper.connection_timeout);
  EXPECT_EQ(s.zookeeper.retry_wait, d.zookeeper.retry_wait);
  EXPECT_EQ(s.zookeeper.max_retry_attempts, d.zookeeper.max_retry_attempts);
  EXPECT_EQ(s.zookeeper.tolerate_suspended_connections, d.zookeeper.tolerate_suspended_connections);
  EXPECT_EQ(s.job_result_store_delete_on_commit, d.job_result_store_delete_on_commit);
  EXPECT_EQ(s.cleanup.kind, d.cleanup.kind);
  EXPECT_EQ(s.cleanup.initial_backoff, d.cleanup.initial_backoff);
  EXPECT_EQ(s.cleanup.max_backoff, d.cleanup.max_backoff);
  EXPECT_EQ(s.cleanup.exponential_attempts, d.cleanup.exponential_attempts);
  EXPECT_EQ(s.cleanup.fixed_attempts, d.cleanup.fixed_attempts);
  EXPECT_EQ(s.cleanup.fixed_delay, d.cleanup.fixed_delay);
  EXPECT_EQ(s.rpc_address, d.rpc_address);
  EXPECT_EQ(s.rpc_port, d.rpc_port);
  EXPECT_EQ(s.rest_address, d.rest_address);
  EXPECT_EQ(s.rest_port, d.rest_port);
  EXPECT_EQ(s.web_allow_origin, d.web_allow_origin);
  EXPECT_EQ(s.jobstore_expiration, d.jobstore_expiration);
  EXPECT_EQ(s.jobstore_max_capacity, d.jobstore_max_capacity);
  EXPECT_EQ(s.web_cancel_enable, d.web_cancel_enable);
  EXPECT_EQ(s.web_submit_enable, d.web_submit_enable);
  EXPECT_EQ(s.taskmanager_slots, d.taskmanager_slots);
  EXPECT_EQ(s.taskmanager_rpc_port, d.taskmanager_rpc_port);
  EXPECT_EQ(s.checkpoint_interval, d.checkpoint_interval);
  EXPECT_EQ(s.checkpoints_retained, d.checkpoints_retained);
  EXPECT_EQ(s.restart, d.restart);
  EXPECT_EQ(s.restart_attempts, d.restart_attempts);
  EXPECT_EQ(s.restart_delay, d.restart_delay);
  EXPECT_EQ(s.heartbeat_interval, d.heartbeat_interval);
  EXPECT_EQ(s.heartbeat_timeout, d.heartbeat_timeout);
  EXPECT_EQ(s.log_level, d.log_level);
  EXPECT_EQ(s.log_dir, "");  // no config dir when built from text
}

TEST(validate, computes_the_job_result_store_and_checkpoint_paths_from_storage_dir) {
  auto s = valid("high-availability.storageDir: /tmp/ha/\nhigh-availability.cluster-id: prod\n");
  EXPECT_EQ(s.storage_dir, "/tmp/ha/");
  EXPECT_EQ(s.job_result_store_path, "/tmp/ha/job-result-store/prod");
  EXPECT_EQ(s.checkpoints_dir, "/tmp/ha/checkpoints-data");
  auto set = valid(
      "high-availability.storageDir: /tmp/ha\njob-result-store.storage-path: /jrs\n"
      "state.checkpoints.dir: /cp\n");
  EXPECT_EQ(set.job_result_store_path, "/jrs");
  EXPECT_EQ(set.checkpoints_dir, "/cp");
  auto none = valid("high-availability.type: none\n");
  EXPECT_EQ(none.job_result_store_path, "");
  EXPECT_EQ(none.checkpoints_dir, "");
}

TEST(validate, accepts_flink_file_uris_and_rejects_other_schemes) {
  auto s = valid("high-availability.storageDir: file:///tmp/ha\n");
  EXPECT_EQ(s.storage_dir, "/tmp/ha");
  EXPECT_EQ(s.job_result_store_path, "/tmp/ha/job-result-store/default");
  expect_error(validate_yaml("high-availability.storageDir: hdfs://nn/ha\n"), errc::unknown_value,
               {"high-availability.storageDir", "'hdfs'", "conf/config.yaml:1"});
}

TEST(validate, ha_type_is_case_insensitive) {
  EXPECT_EQ(valid("high-availability.type: NONE\n").ha, ha_type::none);
  EXPECT_EQ(valid("high-availability.type: none\n").ha, ha_type::none);
  EXPECT_EQ(valid("high-availability.type: FileSystem\nhigh-availability.storageDir: /h\n").ha, ha_type::filesystem);
  auto zk = valid(
      "high-availability:\n  type: ZooKeeper\n  storageDir: /h\n  zookeeper:\n"
      "    quorum: [zk1:2181, zk2:2181]\n    path.root: /regent\n");
  EXPECT_EQ(zk.ha, ha_type::zookeeper);
  EXPECT_EQ(zk.zookeeper.quorum, "zk1:2181,zk2:2181");
  EXPECT_EQ(zk.zookeeper.path_root, "/regent");
  EXPECT_STREQ(to_string(ha_type::zookeeper), "zookeeper");
}

TEST(validate, unknown_ha_type_names_key_value_file_and_line) {
  expect_error(validate_yaml("rest.port: 8081\n\nhigh-availability.type: zookeper\n"), errc::unknown_value,
               {"high-availability.type: unknown value 'zookeper' (expected none, filesystem, zookeeper or kubernetes) "
                "in conf/config.yaml:3"});
}

TEST(validate, kubernetes_keys_have_flinks_names_and_the_cluster_id_falls_back) {
  auto s = validate_yaml(
      "high-availability.type: kubernetes\nhigh-availability.storageDir: /tmp/ha\nhigh-availability.cluster-id: "
      "c1\nkubernetes.namespace: ns\nhigh-availability.kubernetes.leader-election.lease-duration: 4 s\n"
      "high-availability.kubernetes.leader-election.renew-deadline: 3 s\n"
      "high-availability.kubernetes.leader-election.retry-period: 500 ms\nkubernetes.jobmanager.replicas: 2\n");
  ASSERT_TRUE(s.ok()) << s.err().message;
  EXPECT_EQ(s->ha, ha_type::kubernetes);
  EXPECT_EQ(s->kubernetes.cluster_id, "c1");
  EXPECT_EQ(s->kubernetes.namespace_name, "ns");
  EXPECT_EQ(s->kubernetes.lease_duration, std::chrono::seconds(4));
  EXPECT_EQ(s->kubernetes.renew_deadline, std::chrono::seconds(3));
  EXPECT_EQ(s->kubernetes.retry_period, std::chrono::milliseconds(500));
  EXPECT_EQ(s->kubernetes.jobmanager_replicas, 2);
  auto own = validate_yaml(
      "high-availability.type: kubernetes\nhigh-availability.storageDir: /tmp/ha\n"
      "kubernetes.cluster-id: mine\n");
  ASSERT_TRUE(own.ok()) << own.err().message;
  EXPECT_EQ(own->kubernetes.cluster_id, "mine");
}

TEST(validate, a_renew_deadline_not_shorter_than_the_lease_is_refused_naming_the_key) {
  expect_error(validate_yaml("high-availability.type: kubernetes\nhigh-availability.storageDir: /tmp/ha\n"
                             "high-availability.kubernetes.leader-election.renew-deadline: 15 s\n"),
               errc::out_of_range,
               {"high-availability.kubernetes.leader-election.renew-deadline", "lease-duration", "conf/config.yaml:3"});
  expect_error(validate_yaml("high-availability.type: kubernetes\nhigh-availability.storageDir: /tmp/ha\n"
                             "kubernetes.cluster-id: Bad_Name\n"),
               errc::malformed, {"kubernetes.cluster-id", "DNS"});
}

TEST(validate, ha_without_storage_dir_is_missing_naming_key_and_file) {
  expect_error(validate_yaml(""), errc::missing, {"high-availability.storageDir", "conf/config.yaml", "filesystem"});
  expect_error(validate_yaml("high-availability.type: zookeeper\nhigh-availability.zookeeper.quorum: zk:2181\n"),
               errc::missing, {"high-availability.storageDir", "conf/config.yaml", "zookeeper"});
}

TEST(validate, a_wrongly_cased_key_is_pointed_out) {
  expect_error(
      validate_yaml("high-availability.storagedir: /tmp/ha\n"), errc::missing,
      {"high-availability.storageDir", "'high-availability.storagedir'", "conf/config.yaml:1", "case-sensitive"});
}

TEST(validate, zookeeper_without_quorum_is_missing) {
  expect_error(validate_yaml("high-availability.type: zookeeper\nhigh-availability.storageDir: /h\n"), errc::missing,
               {"high-availability.zookeeper.quorum", "conf/config.yaml"});
  expect_error(validate_yaml("high-availability.zookeeper.quorum: 'zk1:2181,,zk2'\n"
                             "high-availability.storageDir: /h\n"),
               errc::malformed, {"high-availability.zookeeper.quorum", "empty entry", "conf/config.yaml:1"});
  expect_error(validate_yaml("high-availability.zookeeper.path.root: flink\nhigh-availability.storageDir: /h\n"),
               errc::malformed, {"high-availability.zookeeper.path.root", "conf/config.yaml:1"});
}

TEST(validate, malformed_duration_names_key_file_and_line) {
  expect_error(validate_yaml("high-availability.storageDir: /h\nheartbeat.interval: 10 parsecs\n"), errc::malformed,
               {"heartbeat.interval", "'10 parsecs'", "conf/config.yaml:2"});
  expect_error(validate_yaml("high-availability.storageDir: /h\n"
                             "high-availability.zookeeper.client.session-timeout: 0 s\n"),
               errc::out_of_range, {"high-availability.zookeeper.client.session-timeout", "conf/config.yaml:2"});
}

TEST(validate, ports_must_be_integers_in_range) {
  expect_error(validate_yaml("high-availability.storageDir: /h\nrest.port: 70000\n"), errc::out_of_range,
               {"rest.port", "'70000'", "0..65535", "conf/config.yaml:2"});
  expect_error(validate_yaml("high-availability.storageDir: /h\njobmanager.rpc.port: -1\n"), errc::out_of_range,
               {"jobmanager.rpc.port", "conf/config.yaml:2"});
  expect_error(validate_yaml("high-availability.storageDir: /h\ntaskmanager.rpc.port: 12.5\n"), errc::malformed,
               {"taskmanager.rpc.port", "not an integer", "conf/config.yaml:2"});
  expect_error(validate_yaml("high-availability.storageDir: /h\nhigh-availability.jobmanager.port: 50000-50025\n"),
               errc::malformed, {"high-availability.jobmanager.port", "conf/config.yaml:2"});
}

TEST(validate, override_errors_name_the_command_line) {
  expect_error(validate_yaml("high-availability.storageDir: /h\n", {"rest.port=abc"}), errc::malformed,
               {"rest.port", "'abc'", "-D (command line)"});
  auto s = valid("high-availability.storageDir: /h\nrest.port: 1\n", {"rest.port=9000"});
  EXPECT_EQ(s.rest_port, 9000);
}

TEST(validate, heartbeat_timeout_must_exceed_interval) {
  expect_error(validate_yaml("high-availability.storageDir: /h\nheartbeat.interval: 10 s\nheartbeat.timeout: 5 s\n"),
               errc::out_of_range,
               {"heartbeat.timeout", "heartbeat.interval", "conf/config.yaml:3", "conf/config.yaml:2"});
  expect_error(validate_yaml("high-availability.storageDir: /h\nheartbeat.interval: 50 s\n"), errc::out_of_range,
               {"heartbeat.timeout", "heartbeat.interval", "conf/config.yaml:2", "not set in conf/config.yaml"});
  auto s = valid("high-availability.storageDir: /h\nheartbeat.interval: 1 s\nheartbeat.timeout: 5 s\n");
  EXPECT_EQ(s.heartbeat_interval, milliseconds(1000));
  EXPECT_EQ(s.heartbeat_timeout, milliseconds(5000));
}

TEST(validate, retained_checkpoints_and_slots_must_be_at_least_one) {
  expect_error(validate_yaml("high-availability.storageDir: /h\nexecution.checkpointing.num-retained: 0\n"),
               errc::out_of_range, {"execution.checkpointing.num-retained", "conf/config.yaml:2"});
  expect_error(validate_yaml("high-availability.storageDir: /h\ntaskmanager.numberOfTaskSlots: 0\n"),
               errc::out_of_range, {"taskmanager.numberOfTaskSlots", "conf/config.yaml:2"});
  auto s = valid(
      "high-availability.storageDir: /h\nstate.checkpoints.num-retained: 3\n"
      "taskmanager.numberOfTaskSlots: 4\nexecution.checkpointing.interval: 1 s\n");
  EXPECT_EQ(s.checkpoints_retained, 3);
  EXPECT_EQ(s.taskmanager_slots, 4);
  EXPECT_EQ(s.checkpoint_interval, milliseconds(1000));
}

TEST(validate, cleanup_strategy_spellings) {
  const std::string base = "high-availability.storageDir: /h\n";
  for (const char* v : {"exponential-delay", "exponentialdelay", "Exponential-Delay"})
    EXPECT_EQ(valid(base + "cleanup-strategy: " + v + "\n").cleanup.kind, cleanup_kind::exponential_delay) << v;
  for (const char* v : {"fixed-delay", "fixeddelay"})
    EXPECT_EQ(valid(base + "cleanup-strategy: " + v + "\n").cleanup.kind, cleanup_kind::fixed_delay) << v;
  for (const char* v : {"none", "disable", "off"})
    EXPECT_EQ(valid(base + "cleanup-strategy: " + v + "\n").cleanup.kind, cleanup_kind::none) << v;
  expect_error(validate_yaml(base + "cleanup-strategy: sometimes\n"), errc::unknown_value,
               {"cleanup-strategy", "'sometimes'", "conf/config.yaml:2"});
  // Nested YAML cannot give `cleanup-strategy` a value and sub-keys; `.type` is accepted too.
  auto nested = valid(base +
                      "cleanup-strategy:\n  type: fixed-delay\n  fixed-delay:\n    attempts: 5\n"
                      "    delay: 2 s\n");
  EXPECT_EQ(nested.cleanup.kind, cleanup_kind::fixed_delay);
  EXPECT_EQ(nested.cleanup.fixed_attempts, 5);
  EXPECT_EQ(nested.cleanup.fixed_delay, milliseconds(2000));
}

TEST(validate, exponential_cleanup_attempts_and_backoff) {
  const std::string base = "high-availability.storageDir: /h\n";
  EXPECT_FALSE(valid(base).cleanup.exponential_attempts.has_value());
  EXPECT_EQ(valid(base + "cleanup-strategy.exponential-delay.attempts: 7\n").cleanup.exponential_attempts, 7);
  expect_error(validate_yaml(base + "cleanup-strategy.exponential-delay.attempts: 0\n"), errc::out_of_range,
               {"cleanup-strategy.exponential-delay.attempts", "conf/config.yaml:2"});
  expect_error(validate_yaml(base + "cleanup-strategy.exponential-delay.initial-backoff: 2 h\n"), errc::out_of_range,
               {"cleanup-strategy.exponential-delay.initial-backoff", "max-backoff", "conf/config.yaml:2"});
}

TEST(validate, restart_strategy_spellings) {
  const std::string base = "high-availability.storageDir: /h\n";
  for (const char* v : {"fixed-delay", "fixeddelay", "FIXED-DELAY"})
    EXPECT_EQ(valid(base + "restart-strategy.type: " + v + "\n").restart, restart_kind::fixed_delay) << v;
  for (const char* v : {"none", "off", "disable"})
    EXPECT_EQ(valid(base + "restart-strategy.type: " + v + "\n").restart, restart_kind::none) << v;
  EXPECT_EQ(valid(base + "restart-strategy: none\n").restart, restart_kind::none);
  expect_error(validate_yaml(base + "restart-strategy.type: failure-rate\n"), errc::unknown_value,
               {"restart-strategy.type", "'failure-rate'", "conf/config.yaml:2"});
  auto s = valid(base + "restart-strategy.fixed-delay:\n  attempts: 10\n  delay: 500 ms\n");
  EXPECT_EQ(s.restart_attempts, 10);
  EXPECT_EQ(s.restart_delay, milliseconds(500));
}

TEST(validate, log_level_must_be_a_spdlog_level) {
  const std::string base = "high-availability.storageDir: /h\n";
  EXPECT_EQ(valid(base + "log.level: DEBUG\n").log_level, "debug");
  EXPECT_EQ(valid(base + "log.level: off\n").log_level, "off");
  expect_error(validate_yaml(base + "log.level: verbose\n"), errc::unknown_value,
               {"log.level", "'verbose'", "conf/config.yaml:2"});
}

TEST(validate, booleans_and_empty_addresses) {
  const std::string base = "high-availability.storageDir: /h\n";
  auto s = valid(base +
                 "job-result-store.delete-on-commit: FALSE\n"
                 "high-availability.zookeeper.client.tolerate-suspended-connections: true\n");
  EXPECT_FALSE(s.job_result_store_delete_on_commit);
  EXPECT_TRUE(s.zookeeper.tolerate_suspended_connections);
  expect_error(validate_yaml(base + "job-result-store.delete-on-commit: yes\n"), errc::malformed,
               {"job-result-store.delete-on-commit", "conf/config.yaml:2"});
  expect_error(validate_yaml(base + "rest.address: ''\n"), errc::malformed, {"rest.address", "conf/config.yaml:2"});
}

TEST(validate, zookeeper_acl_is_open_or_creator_and_creator_needs_digest_credentials) {
  const std::string base = "high-availability.storageDir: /h\n";
  auto open = valid(base);
  EXPECT_FALSE(open.zookeeper.creator_acl);
  EXPECT_EQ(open.zookeeper.digest, "");
  auto creator = valid(base +
                       "high-availability.zookeeper.client.acl: creator\n"
                       "high-availability.zookeeper.client.digest: regent:s3cret\n");
  EXPECT_TRUE(creator.zookeeper.creator_acl);
  EXPECT_EQ(creator.zookeeper.digest, "regent:s3cret");
  expect_error(validate_yaml(base + "high-availability.zookeeper.client.acl: world\n"), errc::malformed,
               {"high-availability.zookeeper.client.acl", "'world'", "conf/config.yaml:2"});
  expect_error(validate_yaml(base + "high-availability.zookeeper.client.acl: creator\n"), errc::missing,
               {"high-availability.zookeeper.client.digest"});
  expect_error(validate_yaml(base + "high-availability.zookeeper.client.digest: nocolon\n"), errc::malformed,
               {"high-availability.zookeeper.client.digest", "user:password"});
}

TEST(validate, log_dir_defaults_to_the_log_folder_beside_the_config_dir) {
  temp_dir dir;
  std::filesystem::create_directories(dir.path() / "conf");
  dir.write("conf/config.yaml", "high-availability.type: none\n");
  auto c = configuration::load(dir.path() / "conf", {});
  ASSERT_TRUE(c.ok()) << c.err().message;
  auto s = validate(*c);
  ASSERT_TRUE(s.ok()) << s.err().message;
  EXPECT_EQ(s->log_dir, (dir.path() / "log").lexically_normal().string());
  auto set = configuration::load(dir.path() / "conf", {"env.log.dir=/var/log/regent"});
  EXPECT_EQ(validate(*set)->log_dir, "/var/log/regent");
}

TEST(validate, errors_in_a_loaded_file_name_the_path_as_given) {
  temp_dir dir;
  auto yaml = dir.write("config.yaml", "high-availability.type: zookeper\n");
  auto c = configuration::load(dir.path(), {});
  ASSERT_TRUE(c.ok()) << c.err().message;
  expect_error(validate(*c), errc::unknown_value, {"high-availability.type", yaml.string() + ":1"});
}

}  // namespace
}  // namespace regent::config
