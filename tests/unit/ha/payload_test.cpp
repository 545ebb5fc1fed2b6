// The payload frame: what a reader reports for every way a stored file can be damaged.

#include <gtest/gtest.h>

#include "regent/ha/errc.hpp"
#include "regent/ha/storage/payload.hpp"

namespace regent::ha::storage {
namespace {

const std::string file = "/ha/cluster/jobgraphs/some-file";

void expect_corrupt(const result<std::string>& r, const std::string& why) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, errc::corrupt);
  EXPECT_NE(r.err().message.find(file), std::string::npos) << r.err().message;
  EXPECT_NE(r.err().message.find(why), std::string::npos) << r.err().message;
}

TEST(payload, round_trips_text_binary_and_empty_payloads) {
  for (std::string bytes : {std::string("graph"), std::string("bin\0ary\xff", 8), std::string()}) {
    auto framed = encode_payload(bytes);
    EXPECT_EQ(framed.size(), payload_header_size + bytes.size());
    auto back = decode_payload(framed, file);
    ASSERT_TRUE(back.ok()) << back.err().message;
    EXPECT_EQ(*back, bytes);
  }
}

TEST(payload, a_truncated_header_is_corrupt) {
  auto framed = encode_payload("payload");
  expect_corrupt(decode_payload(framed.substr(0, payload_header_size - 1), file), "truncated header");
  expect_corrupt(decode_payload("", file), "truncated header");
}

TEST(payload, a_truncated_body_is_a_length_mismatch) {
  auto framed = encode_payload("a longer payload");
  expect_corrupt(decode_payload(framed.substr(0, framed.size() - 3), file), "length mismatch");
  expect_corrupt(decode_payload(framed + "extra", file), "length mismatch");
}

TEST(payload, a_flipped_byte_is_a_checksum_mismatch) {
  auto framed = encode_payload("checkpoint metadata");
  framed[payload_header_size + 4] ^= 0x01;
  expect_corrupt(decode_payload(framed, file), "checksum mismatch");
  auto crc_damaged = encode_payload("checkpoint metadata");
  crc_damaged[16] ^= 0x80;
  expect_corrupt(decode_payload(crc_damaged, file), "checksum mismatch");
}

TEST(payload, a_bad_magic_or_version_is_corrupt) {
  auto framed = encode_payload("x");
  framed[0] = 'X';
  expect_corrupt(decode_payload(framed, file), "bad magic");
  auto future = encode_payload("x");
  future[4] = 2;
  expect_corrupt(decode_payload(future, file), "unsupported format version 2");
}

}  // namespace
}  // namespace regent::ha::storage
