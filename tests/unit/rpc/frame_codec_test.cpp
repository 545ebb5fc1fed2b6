#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "regent/rpc/frame_codec.hpp"
#include "rpc_test_support.hpp"

namespace regent::rpc {
namespace {

using test::length_prefix;
using test::rpc_code;

envelope sample(std::uint64_t id) {
  envelope e;
  e.correlation_id = id;
  e.token = fencing_token{7, "5f0c2a8e-1b2c-4d3e-8f90-0a1b2c3d4e5f"};
  e.method = "dispatcher.submit_job";
  e.payload = std::string("bytes \0 with \xff nulls", 20) + std::to_string(id);
  return e;
}

/// Everything the decoder yields until it needs more bytes.
std::vector<envelope> drain(frame_decoder& d) {
  std::vector<envelope> out;
  for (;;) {
    auto next = d.next();
    EXPECT_TRUE(next.ok()) << next.err().message;
    if (!next.ok() || !*next) return out;
    out.push_back(std::move(**next));
  }
}

TEST(frame_codec, round_trips_every_field) {
  envelope response = sample(42);
  response.is_response = true;
  response.error = wire_error{static_cast<std::int32_t>(errc::fencing_mismatch), "stale", "ha"};
  for (const envelope& e : {sample(1), response, envelope{}}) {
    frame_decoder d;
    d.feed(encode_frame(e));
    auto got = drain(d);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], e);
    EXPECT_EQ(d.buffered(), 0u);
  }
}

TEST(frame_codec, length_prefix_is_big_endian_body_size) {
  std::string frame = encode_frame(sample(3));
  ASSERT_GE(frame.size(), 4u);
  EXPECT_EQ(frame.substr(0, 4), length_prefix(static_cast<std::uint32_t>(frame.size() - 4)));
  EXPECT_EQ(encode_frame(envelope{}), length_prefix(0));
}

TEST(frame_codec, decoder_fed_byte_by_byte_yields_each_envelope_once) {
  std::vector<envelope> sent{sample(1), sample(2), envelope{}, sample(3)};
  std::string stream;
  for (const auto& e : sent) stream += encode_frame(e);
  frame_decoder d;
  std::vector<envelope> got;
  for (char c : stream) {
    d.feed(std::string_view(&c, 1));
    for (auto& e : drain(d)) got.push_back(std::move(e));
  }
  EXPECT_EQ(got, sent);
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(frame_codec, decoder_handles_chunks_across_frame_boundaries) {
  std::vector<envelope> sent;
  std::string stream;
  for (std::uint64_t i = 1; i <= 50; ++i) {
    sent.push_back(sample(i));
    stream += encode_frame(sent.back());
  }
  frame_decoder d;
  std::vector<envelope> got;
  for (std::size_t at = 0; at < stream.size(); at += 7) {
    d.feed(std::string_view(stream).substr(at, 7));
    for (auto& e : drain(d)) got.push_back(std::move(e));
  }
  EXPECT_EQ(got, sent);
}

TEST(frame_codec, length_over_the_maximum_fails_before_the_body_arrives) {
  frame_decoder d(100);
  d.feed(length_prefix(101));
  auto next = d.next();
  EXPECT_EQ(rpc_code(next), errc::frame_too_large);
  EXPECT_NE(next.err().message.find("101"), std::string::npos) << next.err().message;
  // The failure is final, whatever follows.
  d.feed(encode_frame(sample(1)));
  EXPECT_EQ(rpc_code(d.next()), errc::frame_too_large);
}

TEST(frame_codec, default_maximum_is_16_mib) {
  frame_decoder at_limit;
  at_limit.feed(length_prefix(16u << 20));
  auto waiting = at_limit.next();
  ASSERT_TRUE(waiting.ok());
  EXPECT_FALSE(waiting->has_value());

  frame_decoder over;
  over.feed(length_prefix((16u << 20) + 1));
  EXPECT_EQ(rpc_code(over.next()), errc::frame_too_large);
}

TEST(frame_codec, text_protocol_on_the_port_is_rejected_as_too_large) {
  frame_decoder d;
  d.feed("GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(rpc_code(d.next()), errc::frame_too_large);
}

TEST(frame_codec, garbage_body_is_malformed) {
  frame_decoder d;
  d.feed(length_prefix(4) + "\xff\xff\xff\xff");
  EXPECT_EQ(rpc_code(d.next()), errc::malformed_frame);
  EXPECT_EQ(rpc_code(d.next()), errc::malformed_frame);
}

TEST(frame_codec, envelope_before_garbage_is_still_delivered) {
  frame_decoder d;
  d.feed(encode_frame(sample(9)) + length_prefix(2) + "\x0a\xff");
  auto first = d.next();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(**first, sample(9));
  EXPECT_EQ(rpc_code(d.next()), errc::malformed_frame);
}

TEST(frame_codec, large_payload_under_the_limit_round_trips) {
  envelope e = sample(5);
  e.payload.assign(3u << 20, 'x');
  frame_decoder d(4u << 20);
  d.feed(encode_frame(e));
  auto got = drain(d);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], e);
}

}  // namespace
}  // namespace regent::rpc
