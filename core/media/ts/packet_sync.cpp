#include "core/media/ts/packet_sync.hpp"

#include <algorithm>

#include "core/media/ts/packet.hpp"

namespace bvlive::ts {

void PacketSync::append(ByteSpan bytes) {
  // Everything before start_ has been handed out or skipped; next() leaves less than
  // two packets behind, so this move is short.
  if (start_ > 0) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

std::optional<ByteSpan> PacketSync::next() {
  for (;;) {
    if (locked_) {
      if (buffer_.size() - start_ < kPacketSize) return std::nullopt;
      if (buffer_[start_] == kSyncByte) {
        ByteSpan packet(buffer_.data() + start_, kPacketSize);
        start_ += kPacketSize;
        return packet;
      }
      locked_ = false;  // lost: search again from this byte
    }
    // A candidate is confirmed by a second sync byte one packet on, so only positions
    // with that byte present can be judged; the rest wait for more input.
    std::size_t i = start_;
    const std::size_t end = buffer_.size() > kPacketSize ? buffer_.size() - kPacketSize : 0;
    for (; i < end; ++i) {
      if (buffer_[i] == kSyncByte && buffer_[i + kPacketSize] == kSyncByte) break;
    }
    if (i < end) {
      skipped_ += i - start_;
      start_ = i;
      locked_ = true;
      continue;
    }
    if (end > start_) {
      skipped_ += end - start_;
      start_ = end;
    }
    return std::nullopt;
  }
}

std::size_t PacketSync::take_skipped() {
  const std::size_t skipped = skipped_;
  skipped_ = 0;
  return skipped;
}

std::size_t PacketSync::finish() {
  const std::size_t dropped = buffer_.size() - start_;
  buffer_.clear();
  start_ = 0;
  locked_ = false;
  skipped_ = 0;
  return dropped;
}

}  // namespace bvlive::ts
