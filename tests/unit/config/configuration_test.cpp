// config.yaml (nested, flat, mixed), -D overrides, origins, defaults and typed getters.
#include <algorithm>

#include <gtest/gtest.h>

#include "regent/config/configuration.hpp"
#include "test_support.hpp"

namespace regent::config {
namespace {

using std::chrono::milliseconds;
using testing_support::expect_error;
using testing_support::temp_dir;

const char* file = "conf/config.yaml";

configuration parse(const std::string& yaml) {
  auto c = configuration::from_yaml(yaml, file);
  EXPECT_TRUE(c.ok()) << c.err().message;
  return c.ok() ? std::move(c).value() : configuration{};
}

std::map<std::string, std::string> values(const configuration& c) {
  std::map<std::string, std::string> out;
  for (const auto& [k, e] : c.entries()) out[k] = e.value;
  return out;
}

TEST(configuration, nested_flat_and_mixed_yaml_give_the_same_values) {
  auto nested = parse(R"(
high-availability:
  type: zookeeper
  storageDir: /tmp/ha
  zookeeper:
    quorum: zk1:2181,zk2:2181
    client:
      session-timeout: 30 s
rest:
  port: 8082
)");
  auto flat = parse(R"(
high-availability.type: zookeeper
high-availability.storageDir: /tmp/ha
high-availability.zookeeper.quorum: zk1:2181,zk2:2181
high-availability.zookeeper.client.session-timeout: 30 s
rest.port: 8082
)");
  auto mixed = parse(R"(
high-availability:
  type: zookeeper
  storageDir: /tmp/ha
  zookeeper.quorum: zk1:2181,zk2:2181
high-availability.zookeeper.client:
  session-timeout: 30 s
rest.port: 8082
)");
  EXPECT_EQ(values(nested), values(flat));
  EXPECT_EQ(values(mixed), values(flat));
  EXPECT_EQ(flat.get("high-availability.zookeeper.quorum"), "zk1:2181,zk2:2181");
  EXPECT_EQ(values(flat).size(), 5u);
}

TEST(configuration, records_the_one_based_line_of_every_value) {
  auto c = parse("# a comment\nrest.port: 8082\nhigh-availability:\n  type: none\n");
  EXPECT_EQ(c.where("rest.port").to_string(), "conf/config.yaml:2");
  EXPECT_EQ(c.where("high-availability.type").to_string(), "conf/config.yaml:4");
  EXPECT_EQ(c.where("rest.address").to_string(), "default");
}

TEST(configuration, keys_are_case_sensitive_and_scalars_stay_strings) {
  auto c = parse("high-availability.storageDir: /a\nhigh-availability.storagedir: /b\nx: 010\ny: 'quoted'\n");
  EXPECT_EQ(c.get("high-availability.storageDir"), "/a");
  EXPECT_EQ(c.get("high-availability.storagedir"), "/b");
  EXPECT_EQ(c.get("x"), "010");
  EXPECT_EQ(c.get("y"), "quoted");
}

TEST(configuration, sequences_are_joined_with_commas) {
  auto c = parse(
      "high-availability.zookeeper.quorum:\n  - zk1:2181\n  - zk2:2181\n  - zk3:2181\n"
      "other: [a, b]\n");
  EXPECT_EQ(c.get("high-availability.zookeeper.quorum"), "zk1:2181,zk2:2181,zk3:2181");
  EXPECT_EQ(c.get("other"), "a,b");
}

TEST(configuration, a_key_without_a_value_is_not_set) {
  auto c = parse("state.checkpoints.dir:\nrest.port: 9000\n");
  EXPECT_EQ(c.find("state.checkpoints.dir"), nullptr);
  EXPECT_EQ(c.get("rest.port"), "9000");
}

TEST(configuration, empty_text_is_an_empty_configuration) {
  EXPECT_TRUE(parse("").entries().empty());
  EXPECT_TRUE(parse("# only a comment\n").entries().empty());
}

TEST(configuration, yaml_syntax_error_names_file_and_line) {
  auto c = configuration::from_yaml("rest.port: 8081\nhigh-availability: [a, b\nx: 1\n", file);
  expect_error(c, errc::parse, {"conf/config.yaml:", "YAML syntax error"});
  auto tab = configuration::from_yaml("a: 1\nb:\n\t- x\n", file);
  expect_error(tab, errc::parse, {"conf/config.yaml:3"});
  auto mapping = configuration::from_yaml("a: 1\nb: c: d\n", file);
  expect_error(mapping, errc::parse, {"conf/config.yaml:2"});
}

TEST(configuration, top_level_must_be_a_map) {
  expect_error(configuration::from_yaml("- a\n- b\n", file), errc::parse, {"conf/config.yaml:1"});
  expect_error(configuration::from_yaml("just text\n", file), errc::parse, {"conf/config.yaml"});
}

TEST(configuration, a_key_given_twice_is_an_error_naming_both_lines) {
  auto c = configuration::from_yaml("high-availability:\n  type: zookeeper\nhigh-availability.type: none\n", file);
  expect_error(c, errc::parse, {"high-availability.type", "set twice", "conf/config.yaml:2", "conf/config.yaml:3"});
  auto same_map = configuration::from_yaml("rest.port: 1\nrest.port: 2\n", file);
  expect_error(same_map, errc::parse, {"rest.port", "conf/config.yaml:1", "conf/config.yaml:2"});
}

TEST(configuration, an_alias_to_its_own_map_is_a_parse_error_not_a_stack_overflow) {
  // Found by fuzz/fuzz_config.cpp (reduced): `&b` anchors the map that `*b` sits in, so
  // flattening it recursed until the stack ran out and the program died.
  auto c = configuration::from_yaml("base: &b\n  x: 1\n  other: *b\n", file);
  expect_error(c, errc::parse, {"conf/config.yaml", "nested more than 32 levels"});
}

TEST(configuration, aliases_that_multiply_keys_are_refused) {
  // Ten levels of ten aliases each would be 10^10 keys.
  std::string yaml = "l0: &l0 {a: 1, b: 1, c: 1, d: 1, e: 1, f: 1, g: 1, h: 1, i: 1, j: 1}\n";
  for (int i = 1; i < 10; ++i) {
    const std::string p = "*l" + std::to_string(i - 1);
    yaml += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " {a: " + p + ", b: " + p + ", c: " + p +
            ", d: " + p + ", e: " + p + ", f: " + p + ", g: " + p + ", h: " + p + ", i: " + p + ", j: " + p + "}\n";
  }
  expect_error(configuration::from_yaml(yaml, file), errc::parse, {"conf/config.yaml", "more than 10000 keys"});
}

TEST(configuration, lists_of_maps_are_rejected) {
  expect_error(configuration::from_yaml("a:\n  - b: 1\n", file), errc::parse, {"a:", "conf/config.yaml:2"});
}

TEST(configuration, override_sets_the_value_with_command_line_origin) {
  auto c = parse("rest.port: 8082\n");
  ASSERT_TRUE(c.apply_override("rest.port=9090").ok());
  ASSERT_TRUE(c.apply_override(" heartbeat.interval = 2 s ").ok());
  ASSERT_TRUE(c.apply_override("a.b=x=y").ok());
  EXPECT_EQ(c.get("rest.port"), "9090");
  EXPECT_EQ(c.where("rest.port").to_string(), "-D (command line)");
  EXPECT_EQ(c.get("heartbeat.interval"), "2 s");
  EXPECT_EQ(c.get("a.b"), "x=y");
}

TEST(configuration, malformed_override_is_a_usage_error_naming_the_argument) {
  configuration c;
  expect_error(c.apply_override("rest.port"), errc::usage, {"-D 'rest.port'", "key=value"});
  expect_error(c.apply_override("=8081"), errc::usage, {"-D '=8081'", "key is empty"});
  expect_error(c.apply_override(""), errc::usage, {"-D ''"});
}

TEST(configuration, load_reads_config_yaml_then_overrides_win) {
  temp_dir dir;
  dir.write("config.yaml", "rest.port: 8082\nrest.address: example\n");
  auto c = configuration::load(dir.path(), {"rest.port=9000"});
  ASSERT_TRUE(c.ok()) << c.err().message;
  EXPECT_EQ(c->get("rest.port"), "9000");
  EXPECT_EQ(c->get("rest.address"), "example");
  EXPECT_EQ(c->where("rest.address").to_string(), (dir.path() / "config.yaml").string() + ":2");
  EXPECT_EQ(c->file_name(), (dir.path() / "config.yaml").string());
  EXPECT_EQ(c->config_dir(), dir.path());
}

TEST(configuration, load_without_config_yaml_is_an_empty_configuration) {
  temp_dir dir;
  auto c = configuration::load(dir.path(), {});
  ASSERT_TRUE(c.ok()) << c.err().message;
  EXPECT_TRUE(c->entries().empty());
  EXPECT_EQ(c->get("rest.port"), "8081");
  auto missing_dir = configuration::load(dir.path() / "nope", {"rest.port=1"});
  ASSERT_TRUE(missing_dir.ok());
  EXPECT_EQ(missing_dir->get("rest.port"), "1");
}

TEST(configuration, load_reports_bad_yaml_and_bad_overrides) {
  temp_dir dir;
  auto yaml = dir.write("config.yaml", "a: 1\nb: [\n");
  expect_error(configuration::load(dir.path(), {}), errc::parse, {yaml.string() + ":"});
  dir.write("config.yaml", "a: 1\n");
  expect_error(configuration::load(dir.path(), {"oops"}), errc::usage, {"-D 'oops'"});
}

TEST(configuration, load_reports_a_config_yaml_that_is_not_a_file) {
  temp_dir dir;
  std::filesystem::create_directories(dir.path() / "config.yaml");
  expect_error(configuration::load(dir.path(), {}), errc::io, {(dir.path() / "config.yaml").string()});
}

TEST(configuration, get_falls_back_to_the_default_table) {
  configuration c;
  EXPECT_EQ(c.get("high-availability.type"), "filesystem");
  EXPECT_EQ(c.get("heartbeat.timeout"), "50 s");
  EXPECT_EQ(c.get("high-availability.storageDir"), "");
  EXPECT_EQ(c.get("no.such.key"), "");
  EXPECT_EQ(c.where("rest.port").file, "default");
}

TEST(configuration, older_flink_key_names_are_read_when_the_new_one_is_not_set) {
  auto legacy = parse("high-availability: zookeeper\nrestart-strategy: none\n");
  EXPECT_EQ(legacy.get("high-availability.type"), "zookeeper");
  EXPECT_EQ(legacy.where("high-availability.type").to_string(), "conf/config.yaml:1");
  EXPECT_EQ(legacy.get("restart-strategy.type"), "none");
  auto both = parse("high-availability: zookeeper\nhigh-availability.type: none\n");
  EXPECT_EQ(both.get("high-availability.type"), "none");
}

TEST(configuration, typed_getters_name_key_file_and_line) {
  auto c = parse(
      "heartbeat.interval: 10 parsecs\nrest.port: 70000\njobmanager.rpc.port: 61.5\n"
      "taskmanager.numberOfTaskSlots: 0\njob-result-store.delete-on-commit: maybe\n"
      "size: 3 pb\n");
  expect_error(c.get_duration("heartbeat.interval"), errc::malformed,
               {"heartbeat.interval", "'10 parsecs'", "conf/config.yaml:1"});
  expect_error(c.get_port("rest.port"), errc::out_of_range, {"rest.port", "'70000'", "0..65535", "conf/config.yaml:2"});
  expect_error(c.get_port("jobmanager.rpc.port"), errc::malformed,
               {"jobmanager.rpc.port", "'61.5'", "not an integer", "conf/config.yaml:3"});
  expect_error(c.get_int("taskmanager.numberOfTaskSlots", 1, 100), errc::out_of_range,
               {"taskmanager.numberOfTaskSlots", "1..100", "conf/config.yaml:4"});
  expect_error(c.get_bool("job-result-store.delete-on-commit"), errc::malformed,
               {"job-result-store.delete-on-commit", "'maybe'", "conf/config.yaml:5"});
  expect_error(c.get_size("size"), errc::malformed, {"size:", "'3 pb'", "conf/config.yaml:6"});
  expect_error(c.get_string("high-availability.storageDir"), errc::missing,
               {"high-availability.storageDir", "conf/config.yaml"});
}

TEST(configuration, typed_getters_parse_values_and_defaults) {
  auto c = parse("rest.port: 8082\nheartbeat.interval: 2 s\nsize: 64 mb\ncount: -3\n");
  EXPECT_EQ(*c.get_port("rest.port"), 8082);
  EXPECT_EQ(*c.get_port("jobmanager.rpc.port"), 6123);
  EXPECT_EQ(*c.get_duration("heartbeat.interval"), milliseconds(2000));
  EXPECT_EQ(*c.get_duration("heartbeat.timeout"), milliseconds(50000));
  EXPECT_EQ(*c.get_size("size"), 64ULL << 20);
  EXPECT_EQ(*c.get_int("count", -10, 10), -3);
  EXPECT_TRUE(*c.get_bool("job-result-store.delete-on-commit"));
  EXPECT_EQ(*c.get_string("rest.address"), "localhost");
}

TEST(configuration, effective_lists_set_keys_and_defaults_sorted) {
  auto c = parse(
      "rest.port: 8082\nhigh-availability.storageDir: /tmp/ha\nmy.own.key: x\n"
      "s3.secret-key: hunter2\nhigh-availability.zookeeper.client.digest: regent:hunter2\n");
  auto eff = c.effective();
  EXPECT_TRUE(std::is_sorted(eff.begin(), eff.end()));
  std::map<std::string, std::string> m(eff.begin(), eff.end());
  EXPECT_EQ(m.size(), eff.size());
  EXPECT_EQ(m["rest.port"], "8082");
  EXPECT_EQ(m["rest.address"], "localhost");
  EXPECT_EQ(m["heartbeat.timeout"], "50 s");
  EXPECT_EQ(m["high-availability.type"], "filesystem");
  EXPECT_EQ(m["job-result-store.storage-path"], "/tmp/ha/job-result-store/default");
  EXPECT_EQ(m["my.own.key"], "x");
  EXPECT_EQ(m["s3.secret-key"], "******");
  EXPECT_EQ(m["high-availability.zookeeper.client.digest"], "******");
  // Keys with neither a value nor a default are not in force.
  EXPECT_EQ(m.count("high-availability.zookeeper.quorum"), 0u);
  EXPECT_EQ(m.count("cleanup-strategy.exponential-delay.attempts"), 0u);
}

}  // namespace
}  // namespace regent::config
