// The JobResultStore entry JSON: round trips, and every malformed entry is corrupt naming its
// source and the field at fault.

#include <gtest/gtest.h>

#include "regent/ha/errc.hpp"
#include "regent/ha/job_result_store.hpp"

namespace regent::ha {
namespace {

const std::string source = "/jrs/0123456789abcdef0123456789abcdef_DIRTY.json";
const std::string id = "0123456789abcdef0123456789abcdef";

job_result sample(std::optional<std::string> cause) {
  return job_result{*job_id::parse(id), "FAILED", 1234, std::move(cause), "word count", 1000, 2234};
}

void expect_corrupt(const std::string& text, const std::string& mention) {
  auto r = job_result_from_json(text, source);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_EQ(r.err().code, errc::corrupt) << text;
  EXPECT_NE(r.err().message.find(source), std::string::npos) << r.err().message;
  EXPECT_NE(r.err().message.find(mention), std::string::npos) << r.err().message;
}

/// A valid entry with `field` of the result replaced by `value` (or removed when empty).
std::string with_field(const std::string& field, const std::string& value) {
  std::string fields[][2] = {{"id", "\"" + id + "\""}, {"application-status", "\"SUCCEEDED\""},
                             {"net-runtime", "5"},     {"name", "\"n\""},
                             {"start-time", "1"},      {"end-time", "6"}};
  std::string body;
  for (auto& [k, v] : fields) {
    const std::string& shown = k == field ? value : v;
    if (shown.empty()) continue;
    if (!body.empty()) body += ",";
    body += "\"" + k + "\":" + shown;
  }
  if (field == "failure-cause") body += ",\"failure-cause\":" + value;
  return "{\"version\":1,\"result\":{" + body + "}}";
}

TEST(job_result_json, round_trips_with_and_without_a_failure_cause) {
  for (auto cause : {std::optional<std::string>(), std::optional<std::string>("java.lang.Boom: \"quoted\"\n")}) {
    auto r = sample(cause);
    auto back = job_result_from_json(to_json(r), source);
    ASSERT_TRUE(back.ok()) << back.err().message;
    EXPECT_EQ(*back, r);
  }
}

TEST(job_result_json, writes_the_documented_format) {
  auto text = to_json(sample(std::string("boom")));
  for (const char* key :
       {"\"version\":1", "\"result\"", "\"id\":\"", "\"application-status\":\"FAILED\"", "\"net-runtime\":1234",
        "\"failure-cause\":\"boom\"", "\"name\":\"word count\"", "\"start-time\":1000", "\"end-time\":2234"})
    EXPECT_NE(text.find(key), std::string::npos) << key << " in " << text;
  EXPECT_EQ(to_json(sample(std::nullopt)).find("failure-cause"), std::string::npos);
}

TEST(job_result_json, accepts_the_helper_entry_and_every_status) {
  for (const char* status : {"SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN"}) {
    auto r = job_result_from_json(with_field("application-status", std::string("\"") + status + "\""), source);
    ASSERT_TRUE(r.ok()) << r.err().message;
    EXPECT_EQ(r->application_status, status);
  }
}

TEST(job_result_json, rejects_text_that_is_not_an_entry) {
  expect_corrupt("", "not valid JSON");
  expect_corrupt("{\"version\":1,\"result\":{", "not valid JSON");
  expect_corrupt("[1,2]", "not a JSON object");
  expect_corrupt("{\"result\":{}}", "'version'");
  expect_corrupt("{\"version\":2,\"result\":{}}", "version 2");
  expect_corrupt("{\"version\":\"1\",\"result\":{}}", "version");
  expect_corrupt("{\"version\":1}", "'result'");
  expect_corrupt("{\"version\":1,\"result\":[]}", "'result'");
}

TEST(job_result_json, rejects_missing_fields) {
  for (const char* field : {"id", "application-status", "net-runtime", "name", "start-time", "end-time"})
    expect_corrupt(with_field(field, ""), std::string("'result.") + field + "' is missing");
}

TEST(job_result_json, rejects_mistyped_fields) {
  expect_corrupt(with_field("id", "7"), "'result.id'");
  expect_corrupt(with_field("application-status", "1"), "'result.application-status'");
  expect_corrupt(with_field("net-runtime", "\"5\""), "'result.net-runtime'");
  expect_corrupt(with_field("net-runtime", "1.5"), "'result.net-runtime'");
  expect_corrupt(with_field("net-runtime", "18446744073709551615"), "'result.net-runtime'");
  expect_corrupt(with_field("name", "null"), "'result.name'");
  expect_corrupt(with_field("start-time", "true"), "'result.start-time'");
  expect_corrupt(with_field("end-time", "{}"), "'result.end-time'");
  expect_corrupt(with_field("failure-cause", "42"), "'result.failure-cause'");
}

TEST(job_result_json, rejects_an_invalid_job_id_or_status) {
  expect_corrupt(with_field("id", "\"not-a-job-id\""), "'result.id' is not a job id");
  expect_corrupt(with_field("id", "\"" + id + "0\""), "'result.id' is not a job id");
  expect_corrupt(with_field("application-status", "\"RUNNING\""), "unknown value 'RUNNING'");
  expect_corrupt(with_field("application-status", "\"succeeded\""), "unknown value 'succeeded'");
}

}  // namespace
}  // namespace regent::ha
