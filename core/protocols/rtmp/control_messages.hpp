// Protocol control messages (Adobe RTMP 1.0 §5.4) and the User Control Stream Begin event
// (§7.1.7): builders for what the server sends, parsers for what the client sends.
// All travel on chunk stream 2, message stream 0. Parsers return nullopt on a short payload.
#pragma once

#include <cstdint>
#include <optional>

#include "protocols/rtmp/message.hpp"

namespace bvlive::rtmp {

// Set Peer Bandwidth limit types (§5.4.5).
enum class PeerBandwidthLimit : std::uint8_t { hard = 0, soft = 1, dynamic = 2 };

// User Control event types (§7.1.7); only those a publish server sends or reads.
namespace user_control_event {
inline constexpr std::uint16_t stream_begin = 0;
inline constexpr std::uint16_t stream_eof = 1;
inline constexpr std::uint16_t set_buffer_length = 3;
inline constexpr std::uint16_t ping_request = 6;
inline constexpr std::uint16_t ping_response = 7;
}  // namespace user_control_event

Message make_set_chunk_size(std::uint32_t chunk_size);
Message make_abort(std::uint32_t csid);
Message make_acknowledgement(std::uint32_t sequence_number);
Message make_window_ack_size(std::uint32_t window_size);
Message make_set_peer_bandwidth(std::uint32_t window_size, PeerBandwidthLimit limit);
Message make_stream_begin(std::uint32_t stream_id);

// The 32-bit value of Set Chunk Size (reserved top bit cleared), Abort (a csid),
// Acknowledgement (a byte count) or Window Acknowledgement Size, whichever `message` is.
std::optional<std::uint32_t> parse_control_u32(const Message& message);

struct PeerBandwidth {
  std::uint32_t window_size = 0;
  PeerBandwidthLimit limit = PeerBandwidthLimit::hard;
};
std::optional<PeerBandwidth> parse_set_peer_bandwidth(const Message& message);

struct UserControlEvent {
  std::uint16_t event_type = 0;
  std::uint32_t value = 0;  // the stream id, or the timestamp for pings
};
std::optional<UserControlEvent> parse_user_control(const Message& message);

}  // namespace bvlive::rtmp
