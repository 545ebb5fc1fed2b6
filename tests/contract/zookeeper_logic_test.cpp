// The pure logic of the `zookeeper` backend, without a server: who leads the latch and whom
// each contender watches, payload file names (unique, and never able to leave their folder),
// the namespace from path.root and cluster-id, and numbers stored in znodes.

#include <gtest/gtest.h>

#include "latch.hpp"
#include "layout.hpp"
#include "regent/ha/errc.hpp"

namespace regent::ha::zookeeper {
namespace {

const std::string a = "latch-0a6f1c52-64c5-4d4e-9a3b-2f5b7c1d9e80-";
const std::string b = "latch-1b7f2d63-75d6-4e5f-8b4c-3a6c8d2e0f91-";
const std::string c = "latch-2c8a3e74-86e7-4f60-9c5d-4b7d9e3f1a02-";

TEST(zookeeper_logic, the_lowest_sequence_leads_and_each_contender_watches_only_its_predecessor) {
  // Sequence order, not name order: c's node is the oldest.
  auto view = parse_latch({a + "0000000012", b + "0000000007", c + "0000000003", "not-a-contender"});
  ASSERT_EQ(view.contenders.size(), 3u);
  EXPECT_EQ(view.foreign, std::vector<std::string>{"not-a-contender"});
  auto pc = position_of(view, c + "0000000003");
  EXPECT_TRUE(pc.present && pc.leads);
  auto pb = position_of(view, b + "0000000007");
  EXPECT_TRUE(pb.present && !pb.leads);
  EXPECT_EQ(pb.predecessor, c + "0000000003");
  auto pa = position_of(view, a + "0000000012");
  EXPECT_EQ(pa.predecessor, b + "0000000007") << "no herd: only the next lower one is watched";
  EXPECT_FALSE(position_of(view, a + "0000000099").present);
}

TEST(zookeeper_logic, a_contender_finds_its_own_node_by_its_uuid_after_a_lost_create) {
  auto view = parse_latch({b + "0000000001", a + "0000000002"});
  EXPECT_EQ(find_by_prefix(view, a), a + "0000000002");
  EXPECT_FALSE(find_by_prefix(view, c).has_value());
  EXPECT_EQ(latch_prefix("0a6f1c52-64c5-4d4e-9a3b-2f5b7c1d9e80"), a);
}

TEST(zookeeper_logic, names_that_only_look_like_contenders_are_foreign) {
  auto view = parse_latch(
      {"latch-not-a-uuid-0000000001", a + "00000000x1", a + "1", a.substr(0, a.size() - 1) + "_0000000001"});
  EXPECT_TRUE(view.contenders.empty());
  EXPECT_EQ(view.foreign.size(), 4u);
}

TEST(zookeeper_logic, payload_names_are_unique_per_write_and_cannot_leave_their_folder) {
  auto one = new_payload_name("0000000000000000007");
  auto two = new_payload_name("0000000000000000007");
  EXPECT_NE(one, two);
  EXPECT_TRUE(is_payload_name(one, "0000000000000000007"));
  EXPECT_FALSE(is_payload_name(one, "0000000000000000008"));
  EXPECT_FALSE(is_payload_name("../../etc/passwd", "0000000000000000007"));
  EXPECT_FALSE(is_payload_name("0000000000000000007.0123456789AB", "0000000000000000007")) << "lower-case hex only";
  EXPECT_FALSE(is_payload_name("0000000000000000007/0123456789ab", "0000000000000000007"));
  EXPECT_TRUE(has_payload_suffix("lib.so.0123456789ab"));
  EXPECT_FALSE(has_payload_suffix(".tmp-x"));
  EXPECT_EQ(checkpoint_name(12), "0000000000000000012");
  EXPECT_EQ(parse_checkpoint_name("0000000000000000012"), 12u);
  EXPECT_FALSE(parse_checkpoint_name("000000000000000001x").has_value());
  EXPECT_FALSE(parse_checkpoint_name("12").has_value());
}

TEST(zookeeper_logic, the_namespace_joins_path_root_and_cluster_id_as_flink_does) {
  EXPECT_EQ(*make_namespace("/flink", "default"), "/flink/default");
  EXPECT_EQ(*make_namespace("/flink/", "/default"), "/flink/default") << "Flink's default cluster id is '/default'";
  EXPECT_EQ(*make_namespace("/", "c1"), "/c1");
  EXPECT_EQ(make_namespace("flink", "c1").err().code, errc::invalid_argument);
  EXPECT_EQ(make_namespace("/flink", "").err().code, errc::invalid_argument);
  EXPECT_EQ(make_namespace("/flink", "a/b").err().code, errc::invalid_argument);
  EXPECT_EQ(make_namespace("/flink/../x", "c").err().code, errc::invalid_argument);
  EXPECT_EQ(make_namespace("/zookeeper", "c").err().code, errc::invalid_argument);
}

TEST(zookeeper_logic, numbers_in_znodes_are_positive_decimals_or_an_error_naming_the_znode) {
  EXPECT_EQ(*parse_decimal("42", "epoch", "/f/c/leader/epoch"), 42u);
  for (const std::string bad : {"", "0", "-1", "4 2", "42\n", "x", "99999999999999999999999"}) {
    auto r = parse_decimal(bad, "epoch", "/f/c/leader/epoch");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.err().code, errc::corrupt);
    EXPECT_NE(r.err().message.find("/f/c/leader/epoch"), std::string::npos);
  }
}

}  // namespace
}  // namespace regent::ha::zookeeper
