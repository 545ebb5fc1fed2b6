// What the `kubernetes` backend reads from the API server, parsed without I/O (kube_objects.hpp).
// The hostile inputs here each threw nlohmann::json::type_error out of the election, retrieval
// or store threads before the parsers were factored out for fuzz/fuzz_kubernetes_objects.cpp
// (`value("resourceVersion", "")` on a number, on a `metadata` that is not an object, ...):
// now they are a corrupt-object error or the field's fallback.
#include <gtest/gtest.h>

#include "api_client.hpp"
#include "kube_objects.hpp"
#include "regent/ha/errc.hpp"

namespace regent::ha::kubernetes {
namespace {

json parse(const char* text) { return json::parse(text); }

TEST(kube_objects, a_lease_is_read_with_holder_transitions_and_epoch) {
  auto v = parse_lease(parse(R"({"metadata":{"resourceVersion":"41","annotations":{"regent.io/epoch":"7"}},
                                 "spec":{"holderIdentity":"jm-1","leaseTransitions":3}})"),
                       "Lease ns/c-leader");
  ASSERT_TRUE(v.ok()) << v.err().message;
  EXPECT_TRUE(v->exists);
  EXPECT_EQ(v->resource_version, "41");
  EXPECT_EQ(v->holder, "jm-1");
  EXPECT_EQ(v->transitions, 3);
  EXPECT_EQ(v->epoch, 7u);
}

TEST(kube_objects, lease_fields_of_the_wrong_type_do_not_throw) {
  auto v = parse_lease(parse(R"({"metadata":{"resourceVersion":41},"spec":{"holderIdentity":5,
                                 "leaseTransitions":99999999999}})"),
                       "Lease ns/c-leader");
  ASSERT_TRUE(v.ok()) << v.err().message;
  EXPECT_EQ(v->resource_version, "");
  EXPECT_EQ(v->holder, "");
  EXPECT_EQ(v->transitions, 0);
  auto not_meta = parse_lease(parse(R"({"metadata":"x"})"), "Lease ns/c-leader");
  ASSERT_FALSE(not_meta.ok());
  EXPECT_EQ(not_meta.err().code, errc::corrupt);
  auto bad_epoch = parse_lease(parse(R"({"metadata":{"annotations":{"regent.io/epoch":"-1"}}})"), "Lease ns/c-leader");
  ASSERT_FALSE(bad_epoch.ok());
  EXPECT_NE(bad_epoch.err().message.find("Lease ns/c-leader annotation regent.io/epoch"), std::string::npos)
      << bad_epoch.err().message;
}

TEST(kube_objects, a_config_map_with_a_numeric_resource_version_or_value_is_handled) {
  auto st = parse_config_map(parse(R"({"metadata":{"resourceVersion":12,"annotations":{"regent.io/fence-epoch":"3"}},
                                        "data":{"k":"v"}})"),
                             "c-ha-0", "ConfigMap ns/c-ha-0");
  ASSERT_TRUE(st.ok()) << st.err().message;
  EXPECT_EQ(st->resource_version, "");
  EXPECT_EQ(st->fence, 3u);
  EXPECT_EQ(st->data.at("k"), "v");
  auto number = parse_config_map(parse(R"({"metadata":{},"data":{"k":1}})"), "c-ha-0", "ConfigMap ns/c-ha-0");
  ASSERT_FALSE(number.ok());
  EXPECT_EQ(number.err().message, "ConfigMap ns/c-ha-0 key k: the value is not a string");
  auto list = parse_config_map(parse("[]"), "c-ha-0", "ConfigMap ns/c-ha-0");
  EXPECT_FALSE(list.ok());
}

TEST(kube_objects, watch_events_and_statuses_with_odd_types_do_not_throw) {
  auto e = parse_watch_event(R"({"type":"MODIFIED","object":{"metadata":{"resourceVersion":7},"spec":[]}})");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->type, "MODIFIED");
  EXPECT_EQ(e->resource_version(), "");
  auto odd = parse_watch_event(R"({"type":1,"object":"x"})");
  ASSERT_TRUE(odd.has_value());
  EXPECT_EQ(odd->type, "");
  EXPECT_EQ(odd->resource_version(), "");
  EXPECT_FALSE(parse_watch_event("[1]").has_value());
  EXPECT_FALSE(parse_watch_event("{").has_value());

  api_reply status{409, parse(R"({"kind":"Status","reason":409,"message":["x"]})")};
  EXPECT_EQ(status.reason(), "");
  EXPECT_EQ(status.describe(), "409 : ");
}

}  // namespace
}  // namespace regent::ha::kubernetes
