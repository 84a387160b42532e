// An RTMP message as the chunk stream carries it (Adobe RTMP 1.0 §5.3/§6.1): what the chunk
// reader reassembles and the chunk writer splits.
#pragma once

#include <cstdint>
#include <vector>

namespace bvlive::rtmp {

// Message type ids (RTMP 1.0 §5.4, §7.1).
namespace message_type {
inline constexpr std::uint8_t set_chunk_size = 1;
inline constexpr std::uint8_t abort = 2;
inline constexpr std::uint8_t acknowledgement = 3;
inline constexpr std::uint8_t user_control = 4;
inline constexpr std::uint8_t window_ack_size = 5;
inline constexpr std::uint8_t set_peer_bandwidth = 6;
inline constexpr std::uint8_t audio = 8;
inline constexpr std::uint8_t video = 9;
inline constexpr std::uint8_t data_amf3 = 15;
inline constexpr std::uint8_t command_amf3 = 17;
inline constexpr std::uint8_t data_amf0 = 18;
inline constexpr std::uint8_t command_amf0 = 20;
inline constexpr std::uint8_t aggregate = 22;
}  // namespace message_type

// Chunk stream id 2 is reserved for protocol control messages; 0 and 1 are header escapes.
inline constexpr std::uint32_t kControlChunkStreamId = 2;
inline constexpr std::uint32_t kMinChunkStreamId = 2;
inline constexpr std::uint32_t kMaxChunkStreamId = 65599;
inline constexpr std::uint32_t kDefaultChunkSize = 128;
// The largest chunk size the spec allows to be signalled (a message length is 24 bits, so
// no chunk can usefully be larger).
inline constexpr std::uint32_t kMaxChunkSize = 0xFFFFFF;

struct Message {
  std::uint32_t csid = kControlChunkStreamId;
  std::uint8_t type_id = 0;
  std::uint32_t stream_id = 0;  // message stream id (little-endian on the wire)
  std::uint32_t timestamp = 0;  // absolute, milliseconds, wraps at 2^32
  std::vector<std::uint8_t> payload;

  friend bool operator==(const Message&, const Message&) = default;
};

}  // namespace bvlive::rtmp
