// Splits a message into chunks (Adobe RTMP 1.0 §5.3): a type 0 chunk then type 3
// continuations, with the extended timestamp on every chunk when the timestamp needs it.
// Always writing full type 0 headers costs a few bytes per message and keeps the writer
// stateless, so messages may be written in any order on any chunk stream.
#pragma once

#include <cstdint>
#include <vector>

#include "protocols/rtmp/message.hpp"

namespace bvlive::rtmp {

// Appends the chunks of `message` to `out`. `chunk_size` is the size this side announced
// with Set Chunk Size (128 until then); message.csid must be in [2, 65599].
void write_chunks(const Message& message, std::uint32_t chunk_size, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> write_chunks(const Message& message, std::uint32_t chunk_size);

}  // namespace bvlive::rtmp
