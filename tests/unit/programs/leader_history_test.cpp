// The leadership history a jobmanager keeps for the dashboard: every leader it saw once, in
// epoch order, how long it saw none before each, and its own takeovers' durations.

#include "regent/programs/leader_history.hpp"
#include "regent/programs/web_assets.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace regent::programs {
namespace {

using namespace std::chrono_literals;

ha::leader_info leader(std::uint64_t epoch, const std::string& rpc, std::int64_t since) {
  ha::leader_info l;
  l.rpc_address = rpc;
  l.rest_url = "http://" + rpc + "/rest";
  l.token = fencing_token{epoch, "session-" + std::to_string(epoch)};
  l.since_ms = since;
  return l;
}

TEST(leader_history, records_each_leader_once_with_when_it_was_seen) {
  manual_clock time;
  leader_history h(time, "me:1");
  h.observed(leader(3, "other:1", 100));
  h.observed(leader(3, "other:1", 100));  // the same session reported again
  auto grants = h.grants();
  ASSERT_EQ(grants.size(), 1u);
  EXPECT_EQ(grants[0].epoch, 3u);
  EXPECT_EQ(grants[0].rest_url, "http://other:1/rest");
  EXPECT_EQ(grants[0].seen_ms, time.wall_millis());
  EXPECT_FALSE(grants[0].self);
  EXPECT_EQ(grants[0].leaderless_ms, -1);
  EXPECT_LT(grants[0].takeover_ms, 0);
}

TEST(leader_history, a_failover_records_how_long_no_leader_was_known) {
  manual_clock time;
  leader_history h(time, "me:1");
  h.observed(leader(3, "other:1", 100));
  h.observed(std::nullopt);
  time.advance(250ms);
  h.observed(std::nullopt);  // still none: the gap counts from the first
  time.advance(50ms);
  h.observed(leader(4, "me:1", 200));
  auto grants = h.grants();
  ASSERT_EQ(grants.size(), 2u);
  EXPECT_EQ(grants[1].epoch, 4u);
  EXPECT_EQ(grants[1].leaderless_ms, 300);
  EXPECT_TRUE(grants[1].self);
}

TEST(leader_history, its_own_takeover_time_joins_the_grant_whichever_comes_first) {
  manual_clock time;
  leader_history h(time, "me:1");
  h.led(5, 12.5);  // recovered before retrieval reported the published leader
  h.observed(leader(5, "me:1", 100));
  h.observed(leader(6, "me:1", 200));
  h.led(6, 7.25);
  auto grants = h.grants();
  ASSERT_EQ(grants.size(), 2u);
  EXPECT_DOUBLE_EQ(grants[0].takeover_ms, 12.5);
  EXPECT_DOUBLE_EQ(grants[1].takeover_ms, 7.25);
}

TEST(leader_history, keeps_the_newest_grants_in_epoch_order) {
  manual_clock time;
  leader_history h(time, "me:1", 3);
  for (std::uint64_t e : {2, 1, 5, 4, 3}) h.observed(leader(e, "x:1", 0));
  auto grants = h.grants();
  ASSERT_EQ(grants.size(), 3u);
  EXPECT_EQ(grants[0].epoch, 3u);
  EXPECT_EQ(grants[2].epoch, 5u);
}

TEST(leader_history, json_has_the_fields_the_dashboard_reads_and_null_for_unknown_durations) {
  manual_clock time;
  leader_history h(time, "me:1");
  h.observed(leader(7, "x:1", 42));
  auto j = nlohmann::json::parse(h.to_json("http://me:8081"));
  EXPECT_EQ(j["this"], "http://me:8081");
  ASSERT_EQ(j["grants"].size(), 1u);
  auto g = j["grants"][0];
  EXPECT_EQ(g["epoch"], 7);
  EXPECT_EQ(g["session-id"], "session-7");
  EXPECT_EQ(g["rest-url"], "http://x:1/rest");
  EXPECT_EQ(g["rpc-address"], "x:1");
  EXPECT_EQ(g["since"], 42);
  EXPECT_TRUE(g["takeover-ms"].is_null());
  EXPECT_TRUE(g["leaderless-ms"].is_null());
  EXPECT_EQ(g["self"], false);
}

TEST(web_assets, the_dashboard_page_script_and_styles_are_in_the_binary) {
  auto* index = find_web_asset("");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->content_type, "text/html; charset=UTF-8");
  EXPECT_NE(index->bytes.find("/web/app.js"), std::string_view::npos);
  auto* script = find_web_asset("app.js");
  ASSERT_NE(script, nullptr);
  EXPECT_EQ(script->content_type, "text/javascript; charset=UTF-8");
  EXPECT_NE(script->bytes.find("/cluster/leader/history"), std::string_view::npos);
  ASSERT_NE(find_web_asset("style.css"), nullptr);
  EXPECT_EQ(find_web_asset("../CMakeLists.txt"), nullptr);
}

}  // namespace
}  // namespace regent::programs
