#include "protocols/rtmp/control_messages.hpp"

#include <utility>
#include <vector>

namespace bvlive::rtmp {

namespace {

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

std::uint32_t get_u32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) |
         std::uint32_t{b[at + 3]};
}

Message control(std::uint8_t type_id, std::vector<std::uint8_t> payload) {
  return Message{kControlChunkStreamId, type_id, 0, 0, std::move(payload)};
}

Message control_u32(std::uint8_t type_id, std::uint32_t value) {
  std::vector<std::uint8_t> payload;
  put_u32(payload, value);
  return control(type_id, std::move(payload));
}

}  // namespace

Message make_set_chunk_size(std::uint32_t chunk_size) {
  return control_u32(message_type::set_chunk_size, chunk_size & 0x7FFFFFFF);
}
Message make_abort(std::uint32_t csid) { return control_u32(message_type::abort, csid); }
Message make_acknowledgement(std::uint32_t sequence_number) {
  return control_u32(message_type::acknowledgement, sequence_number);
}
Message make_window_ack_size(std::uint32_t window_size) {
  return control_u32(message_type::window_ack_size, window_size);
}
Message make_set_peer_bandwidth(std::uint32_t window_size, PeerBandwidthLimit limit) {
  Message m = control_u32(message_type::set_peer_bandwidth, window_size);
  m.payload.push_back(static_cast<std::uint8_t>(limit));
  return m;
}
Message make_stream_begin(std::uint32_t stream_id) {
  std::vector<std::uint8_t> payload{0, static_cast<std::uint8_t>(user_control_event::stream_begin)};
  put_u32(payload, stream_id);
  return control(message_type::user_control, std::move(payload));
}

std::optional<std::uint32_t> parse_control_u32(const Message& message) {
  switch (message.type_id) {
    case message_type::set_chunk_size:
      if (message.payload.size() < 4) return std::nullopt;
      return get_u32(message.payload, 0) & 0x7FFFFFFF;
    case message_type::abort:
    case message_type::acknowledgement:
    case message_type::window_ack_size:
      if (message.payload.size() < 4) return std::nullopt;
      return get_u32(message.payload, 0);
    default:
      return std::nullopt;
  }
}

std::optional<PeerBandwidth> parse_set_peer_bandwidth(const Message& message) {
  if (message.type_id != message_type::set_peer_bandwidth || message.payload.size() < 5) return std::nullopt;
  const std::uint8_t limit = message.payload[4];
  if (limit > 2) return std::nullopt;
  return PeerBandwidth{get_u32(message.payload, 0), static_cast<PeerBandwidthLimit>(limit)};
}

std::optional<UserControlEvent> parse_user_control(const Message& message) {
  if (message.type_id != message_type::user_control || message.payload.size() < 6) return std::nullopt;
  const auto event = static_cast<std::uint16_t>((message.payload[0] << 8) | message.payload[1]);
  return UserControlEvent{event, get_u32(message.payload, 2)};
}

}  // namespace bvlive::rtmp
