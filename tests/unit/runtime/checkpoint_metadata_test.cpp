#include "regent/runtime/job/checkpoint_metadata.hpp"

#include <gtest/gtest.h>

#include "regent/runtime/errc.hpp"

namespace regent::job {
namespace {

const std::string job_hex = "00112233445566778899aabbccddeeff";

checkpoint_metadata sample() {
  checkpoint_metadata m;
  m.job = *job_id::parse(job_hex);
  m.checkpoint_id = 7;
  m.timestamp = 1700000000123;
  m.subtasks = {{0, "/ckpt/j/chk-7/subtask-0", 120}, {1, "/ckpt/j/chk-7/subtask-1", 0}};
  return m;
}

std::string error_of(const std::string& bytes) {
  auto r = parse_checkpoint_metadata(bytes);
  if (r.ok()) return "<parsed>";
  EXPECT_EQ(r.err().code, make_error_code(runtime_errc::corrupt_metadata));
  return r.err().message;
}

TEST(checkpoint_metadata, serializes_to_the_documented_json) {
  EXPECT_EQ(serialize_checkpoint_metadata(sample()),
            R"({"job-id":"00112233445566778899aabbccddeeff","checkpoint-id":7,"timestamp":1700000000123,)"
            R"("subtasks":[{"index":0,"handle":"/ckpt/j/chk-7/subtask-0","state-size":120},)"
            R"({"index":1,"handle":"/ckpt/j/chk-7/subtask-1","state-size":0}]})");
  EXPECT_EQ(sample().total_state_size(), 120);
}

TEST(checkpoint_metadata, round_trips) {
  auto r = parse_checkpoint_metadata(serialize_checkpoint_metadata(sample()));
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(r->job, sample().job);
  EXPECT_EQ(r->checkpoint_id, 7);
  EXPECT_EQ(r->timestamp, 1700000000123);
  EXPECT_EQ(r->subtasks, sample().subtasks);
}

TEST(checkpoint_metadata, sorts_subtasks_and_ignores_unknown_fields) {
  auto r = parse_checkpoint_metadata(
      R"({"job-id":"00112233445566778899AABBCCDDEEFF","checkpoint-id":1,"timestamp":5,"extra":true,)"
      R"("subtasks":[{"index":1,"handle":"b","state-size":2,"x":1},{"index":0,"handle":"a","state-size":1}]})");
  ASSERT_TRUE(r.ok()) << r.err().message;
  ASSERT_EQ(r->subtasks.size(), 2u);
  EXPECT_EQ(r->subtasks[0].handle, "a");
  EXPECT_EQ(r->subtasks[1].handle, "b");
  EXPECT_EQ(r->job.str(), job_hex);
}

TEST(checkpoint_metadata, rejects_damaged_metadata_naming_the_field) {
  const std::string head = R"({"job-id":")" + job_hex + R"(","checkpoint-id":3,"timestamp":1,"subtasks":)";
  EXPECT_EQ(error_of("{not json").rfind("corrupt checkpoint metadata: not valid JSON: ", 0), 0u);
  EXPECT_EQ(error_of("[]"), "corrupt checkpoint metadata: not a JSON object");
  EXPECT_EQ(error_of(R"({"checkpoint-id":3})"), "corrupt checkpoint metadata: field 'job-id' is missing");
  EXPECT_EQ(error_of(R"({"job-id":"xyz","checkpoint-id":3})"),
            "corrupt checkpoint metadata: field 'job-id' is not a job id");
  EXPECT_EQ(error_of(R"({"job-id":")" + job_hex + R"(","checkpoint-id":0,"timestamp":1,"subtasks":[]})"),
            "corrupt checkpoint metadata: field 'checkpoint-id' is 0, below 1");
  EXPECT_EQ(error_of(R"({"job-id":")" + job_hex + R"(","checkpoint-id":"3","timestamp":1,"subtasks":[]})"),
            "corrupt checkpoint metadata: field 'checkpoint-id' is not a 64-bit integer");
  EXPECT_EQ(error_of(R"({"job-id":")" + job_hex + R"(","checkpoint-id":3,"subtasks":[]})"),
            "corrupt checkpoint metadata: field 'timestamp' is missing");
  EXPECT_EQ(error_of(head + "[]}"), "corrupt checkpoint metadata: field 'subtasks' is not a non-empty array");
  EXPECT_EQ(error_of(head + R"([{"index":0,"handle":"a","state-size":1},{"index":0,"handle":"b","state-size":1}]})"),
            "corrupt checkpoint metadata: subtask 0 appears twice");
  EXPECT_EQ(error_of(head + R"([{"index":2,"handle":"a","state-size":1}]})"),
            "corrupt checkpoint metadata: field 'subtasks[0].index' is 2, not below the 1 subtasks");
  EXPECT_EQ(error_of(head + R"([{"index":0,"state-size":1}]})"),
            "corrupt checkpoint metadata: field 'subtasks[0].handle' is missing or not a string");
  EXPECT_EQ(error_of(head + R"([{"index":0,"handle":"a","state-size":-1}]})"),
            "corrupt checkpoint metadata: field 'subtasks[0].state-size' is -1, below 0");
  EXPECT_EQ(error_of(head + R"([7]})"), "corrupt checkpoint metadata: field 'subtasks[0]' is not an object");
}

}  // namespace
}  // namespace regent::job
