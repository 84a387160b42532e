// The RTMP chunk stream reader: any input is either messages or a clean error, and any
// split of the input into feed() calls gives the same messages (its documented promise).
// Completed messages go through the control-message and command parsers as the session
// would.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>
#include <vector>

#include "fuzz_split.hpp"
#include "protocols/rtmp/amf0.hpp"
#include "protocols/rtmp/chunk_reader.hpp"
#include "protocols/rtmp/commands.hpp"
#include "protocols/rtmp/control_messages.hpp"

using namespace bvlive::rtmp;

namespace {

void inspect(const Message& m) {
  switch (m.type_id) {
    case message_type::set_chunk_size:
    case message_type::abort:
    case message_type::acknowledgement:
    case message_type::window_ack_size:
      (void)parse_control_u32(m);
      break;
    case message_type::set_peer_bandwidth:
      (void)parse_set_peer_bandwidth(m);
      break;
    case message_type::user_control:
      (void)parse_user_control(m);
      break;
    case message_type::command_amf0:
      (void)parse_command(m.payload);
      break;
    case message_type::data_amf0:
      (void)amf0_decode_all(m.payload);
      break;
    default:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> stream;
  const auto parts = bvfuzz::pieces({data, size}, stream);

  ChunkReader whole;
  const ChunkFeedResult at_once = whole.feed(stream);
  for (const Message& m : at_once.messages) inspect(m);
  if (whole.bytes_received() != stream.size()) std::abort();

  ChunkReader split;
  std::vector<Message> messages;
  bool failed = false;
  for (const auto& part : parts) {
    ChunkFeedResult r = split.feed(part);
    for (auto& m : r.messages) messages.push_back(std::move(m));
    if (r.error) failed = true;
  }
  if (messages != at_once.messages) std::abort();
  if (failed != at_once.error.has_value() || split.failed() != whole.failed()) std::abort();
  if (split.chunk_size() != whole.chunk_size()) std::abort();
  return 0;
}
