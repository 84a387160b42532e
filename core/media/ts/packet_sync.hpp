// Finds 188-byte packets in a byte stream that arrives in pieces of any size and may
// hold garbage. ISO/IEC 13818-1 §2.4.3.3 fixes the sync byte 0x47 at the start of every
// packet, but 0x47 also occurs inside payloads, so a position is only trusted after the
// byte 188 further on is a sync byte too. Once locked, each packet is taken as soon as it
// is whole; a packet that does not start with 0x47 drops the lock and the search starts
// again from there. The result depends only on the bytes, never on how they were split.
#pragma once

#include <cstddef>
#include <optional>

#include "core/media/ts/common.hpp"

namespace bvlive::ts {

class PacketSync {
 public:
  // Adds input. Invalidates the views next() returned before.
  void append(ByteSpan bytes);

  // The next whole packet (sync byte first), or nullopt until more input arrives.
  std::optional<ByteSpan> next();

  // Bytes skipped to find the packet next() returned last; 0 if it followed its
  // predecessor directly. Reading it clears it.
  std::size_t take_skipped();
  // Bytes given up on so far in a search for sync that has not succeeded yet.
  std::size_t searching_skipped() const { return locked_ ? 0 : skipped_; }

  // End of stream: drops what is left (less than a packet, or an unconfirmed one) and
  // returns how many bytes that was. The next append searches for sync afresh.
  std::size_t finish();

  // Bytes held: at most one packet plus one byte once next() has returned nullopt.
  std::size_t buffered() const { return buffer_.size() - start_; }

 private:
  Bytes buffer_;
  std::size_t start_ = 0;  // first byte not yet returned or skipped
  bool locked_ = false;
  std::size_t skipped_ = 0;
};

}  // namespace bvlive::ts
