#include "regent/rpc/frame_codec.hpp"

#include <algorithm>
#include <limits>

#include "proto/regent/rpc/envelope.pb.h"
#include "regent/rpc/errc.hpp"

namespace regent::rpc {

namespace {

constexpr std::size_t header_bytes = 4;

void to_proto(const envelope& e, Envelope& p) {
  p.set_correlation_id(e.correlation_id);
  if (e.token.epoch != 0 || !e.token.session_id.empty()) {
    p.mutable_token()->set_epoch(e.token.epoch);
    p.mutable_token()->set_session_id(e.token.session_id);
  }
  p.set_method(e.method);
  p.set_payload(e.payload);
  p.set_is_response(e.is_response);
  if (e.error) {
    p.mutable_error()->set_code(e.error->code);
    p.mutable_error()->set_category(e.error->category);
    p.mutable_error()->set_message(e.error->message);
  }
}

envelope from_proto(Envelope& p) {
  envelope e;
  e.correlation_id = p.correlation_id();
  e.token.epoch = p.token().epoch();
  e.token.session_id = p.token().session_id();
  e.method = std::move(*p.mutable_method());
  e.payload = std::move(*p.mutable_payload());
  e.is_response = p.is_response();
  if (p.has_error()) e.error = wire_error{p.error().code(), p.error().message(), p.error().category()};
  return e;
}

std::uint32_t read_length(const char* p) {
  auto b = [p](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

}  // namespace

std::string encode_frame(const envelope& e) {
  Envelope p;
  to_proto(e, p);
  std::string body = p.SerializeAsString();
  // A body over 4 GiB cannot be framed; every decoder rejects far smaller frames anyway, so
  // the length is clamped and the receiver fails it as too large.
  auto n = static_cast<std::uint32_t>(std::min<std::size_t>(body.size(), std::numeric_limits<std::uint32_t>::max()));
  std::string frame;
  frame.reserve(header_bytes + body.size());
  frame.push_back(static_cast<char>((n >> 24) & 0xff));
  frame.push_back(static_cast<char>((n >> 16) & 0xff));
  frame.push_back(static_cast<char>((n >> 8) & 0xff));
  frame.push_back(static_cast<char>(n & 0xff));
  frame += body;
  return frame;
}

frame_decoder::frame_decoder(std::size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

void frame_decoder::feed(std::string_view bytes) {
  if (failure_) return;  // a broken stream is not buffered any further
  // Drop consumed bytes once they dominate the buffer, so it never grows with history.
  if (offset_ > 0 && offset_ >= buffer_.size() / 2) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(bytes.data(), bytes.size());
}

result<std::optional<envelope>> frame_decoder::next() {
  if (failure_) return *failure_;
  if (buffered() < header_bytes) return std::optional<envelope>{};
  std::size_t length = read_length(buffer_.data() + offset_);
  if (length > max_frame_bytes_) {
    failure_ = error(errc::frame_too_large, "frame length " + std::to_string(length) + " is over the maximum of " +
                                                std::to_string(max_frame_bytes_) + " bytes");
    return *failure_;
  }
  if (buffered() < header_bytes + length) return std::optional<envelope>{};
  Envelope p;
  if (!p.ParseFromArray(buffer_.data() + offset_ + header_bytes, static_cast<int>(length))) {
    failure_ =
        error(errc::malformed_frame, "frame body of " + std::to_string(length) + " bytes is not a valid Envelope");
    return *failure_;
  }
  offset_ += header_bytes + length;
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  }
  return std::optional<envelope>(from_proto(p));
}

}  // namespace regent::rpc
