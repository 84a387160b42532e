// The chunk stream demultiplexer (Adobe RTMP 1.0 §5.3): bytes in, whole messages out.
// Byte-fed and incremental: any split of the input yields the same messages.
//
// The reader acts on the two control messages that change chunk framing itself, because
// they must take effect at an exact byte position that only the reader knows:
//  - Set Chunk Size (type 1) applies to every chunk after the one that completed it;
//  - Abort (type 2) drops the partial message of the named chunk stream.
// A type 0-2 chunk arriving while its chunk stream has a partial message likewise drops it.
// Both are still returned as messages so the session can log them. The caller never sets
// the incoming chunk size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocols/rtmp/message.hpp"

namespace bvlive::rtmp {

struct ChunkFeedResult {
  std::vector<Message> messages;  // completed by this feed, in completion order
  // Set once the stream is unusable (the connection should be closed); the reader then
  // ignores further input. Messages completed before the bad chunk are still returned.
  std::optional<std::string> error;
};

class ChunkReader {
 public:
  // A key frame at a high bitrate is a few MB; anything near the 16 MB wire maximum from
  // an encoder is hostile or broken, and would be buffered whole.
  static constexpr std::uint32_t kDefaultMaxMessageLength = 8 * 1024 * 1024;

  explicit ChunkReader(std::uint32_t max_message_length = kDefaultMaxMessageLength)
      : max_message_length_(max_message_length) {}

  ChunkFeedResult feed(std::span<const std::uint8_t> bytes);

  std::uint32_t chunk_size() const { return chunk_size_; }
  // Every byte fed so far: the figure Acknowledgement messages report.
  std::uint64_t bytes_received() const { return bytes_received_; }
  bool failed() const { return failed_; }

 private:
  // What the previous chunk on one chunk stream established (§5.3.1.2 header compression).
  struct StreamState {
    bool has_header = false;
    std::uint32_t timestamp = 0;
    std::uint32_t delta = 0;  // applied by fmt 3 chunks that start a new message
    std::uint32_t length = 0;
    std::uint8_t type_id = 0;
    std::uint32_t stream_id = 0;
    bool extended = false;     // the header carried an extended timestamp
    bool in_progress = false;  // a message is partly received
    std::uint32_t remaining = 0;
    std::vector<std::uint8_t> payload;
  };

  enum class Step { need_more, chunk_done, error };
  Step parse_chunk(ChunkFeedResult& out);
  void apply_control(const Message& message, ChunkFeedResult& out);

  std::uint32_t max_message_length_;
  std::uint32_t chunk_size_ = kDefaultChunkSize;
  std::uint64_t bytes_received_ = 0;
  bool failed_ = false;
  std::vector<std::uint8_t> pending_;  // bytes of the chunk not yet complete
  std::size_t pos_ = 0;                // parse position in pending_
  std::unordered_map<std::uint32_t, StreamState> streams_;
};

}  // namespace bvlive::rtmp
