/// The RPC wire (rpc/): the frame decoder fed a byte stream in arbitrary chunks, each envelope
/// it yields turned into a result as a client does (error category by name), and its payload
/// decoded as every cluster_protocol message, as the servers' handlers do. An envelope that
/// decodes must survive its own encoding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <google/protobuf/stubs/logging.h>

#include "fuzz_check.hpp"
#include "regent/rpc/cluster_protocol.hpp"
#include "regent/rpc/envelope.hpp"
#include "regent/rpc/frame_codec.hpp"

namespace {

void decode_payload_as_everything(const std::string& p) {
  using namespace regent::rpc;
  // Each decoder is tried: a handler decodes what the method says, but a peer may lie.
  if (auto m = decode_register_taskmanager(p)) (void)encode(*m);
  if (auto m = decode_register_reply(p)) (void)encode(*m);
  if (auto m = decode_heartbeat(p)) (void)encode(*m);
  if (auto m = decode_heartbeat_reply(p)) (void)encode(*m);
  if (auto m = decode_subtask_event(p)) (void)encode(*m);
  if (auto m = decode_deploy(p)) (void)encode(*m);
  if (auto m = decode_checkpoint_command(p)) (void)encode(*m);
  if (auto m = decode_cancel_job(p)) (void)encode(*m);
  if (auto m = decode_blob_request(p)) (void)encode(*m);
  if (auto m = decode_submit_job(p)) (void)encode(*m);
  if (auto m = decode_job_ref(p)) (void)encode(*m);
  if (auto m = decode_job_status(p)) (void)encode(*m);
  if (auto m = decode_query(p)) {
    (void)encode(*m);
    (void)about_one_job(m->what);
  }
}

}  // namespace

// protobuf logs every string field with invalid UTF-8 it refuses; that is expected here.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace regent::rpc;
  if (size < 1) return 0;
  // The first byte picks the chunk size the stream arrives in (1..256 bytes), so the
  // decoder's buffering across partial headers and bodies is exercised too.
  const std::size_t chunk = static_cast<std::size_t>(data[0]) + 1;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);

  frame_decoder decoder(64 * 1024);
  std::size_t fed = 0;
  while (true) {
    auto next = decoder.next();
    if (!next) break;  // the stream is broken for good
    if (!next->has_value()) {
      if (fed >= stream.size()) break;
      auto piece = stream.substr(fed, chunk);
      decoder.feed(piece);
      fed += piece.size();
      continue;
    }
    const envelope& e = **next;
    auto again = frame_decoder();
    again.feed(encode_frame(e));
    auto back = again.next();
    REGENT_FUZZ_CHECK(back.ok() && back->has_value() && **back == e);
    (void)to_result(e);
    decode_payload_as_everything(e.payload);
  }
  decode_payload_as_everything(std::string(stream));
  return 0;
}
