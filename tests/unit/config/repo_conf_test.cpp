// The project's own conf/ loads and validates, with the values the README promises.
#include <gtest/gtest.h>

#include "regent/config/settings.hpp"

namespace regent::config {
namespace {

using std::chrono::milliseconds;

const std::filesystem::path conf_dir = std::filesystem::path(REGENT_SOURCE_DIR) / "conf";

TEST(repo_conf, config_yaml_loads_and_validates) {
  auto c = configuration::load(conf_dir, {});
  ASSERT_TRUE(c.ok()) << c.err().message;
  auto s = validate(*c);
  ASSERT_TRUE(s.ok()) << s.err().message;
  EXPECT_EQ(s->ha, ha_type::filesystem);
  EXPECT_EQ(s->storage_dir, "/tmp/regent/ha");
  EXPECT_EQ(s->cluster_id, "default");
  EXPECT_EQ(s->job_result_store_path, "/tmp/regent/ha/job-result-store/default");
  EXPECT_EQ(s->rest_port, 8081);
  EXPECT_EQ(s->taskmanager_slots, 4);
  EXPECT_EQ(s->checkpoints_dir, "/tmp/regent/checkpoints");
  EXPECT_EQ(s->checkpoint_interval, milliseconds(1000));
  EXPECT_EQ(s->heartbeat_interval, milliseconds(1000));
  EXPECT_EQ(s->heartbeat_timeout, milliseconds(5000));
  EXPECT_EQ(s->log_dir, (conf_dir / ".." / "log").lexically_normal().string());
}

TEST(repo_conf, masters_and_workers) {
  auto m = read_masters(conf_dir / "masters");
  ASSERT_TRUE(m.ok()) << m.err().message;
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].host, "localhost");
  EXPECT_EQ((*m)[0].webui_port, 8081);
  EXPECT_EQ((*m)[1].host, "localhost");
  EXPECT_EQ((*m)[1].webui_port, 8082);
  auto w = read_workers(conf_dir / "workers");
  ASSERT_TRUE(w.ok()) << w.err().message;
  EXPECT_EQ(*w, (std::vector<std::string>{"localhost", "localhost"}));
}

}  // namespace
}  // namespace regent::config
