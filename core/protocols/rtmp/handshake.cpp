#include "protocols/rtmp/handshake.hpp"

#include <algorithm>

namespace bvlive::rtmp {

ServerHandshake::ServerHandshake(std::span<const std::uint8_t, kHandshakeRandomSize> random,
                                 std::uint32_t server_time)
    : server_time_(server_time) {
  std::copy(random.begin(), random.end(), random_.begin());
}

HandshakeResult ServerHandshake::feed(std::span<const std::uint8_t> bytes) {
  HandshakeResult out;
  if (state_ == State::failed) {
    out.error = "handshake already failed";
    return out;
  }
  if (state_ == State::done) {
    out.leftover.assign(bytes.begin(), bytes.end());
    return out;
  }
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());

  if (state_ == State::awaiting_c0c1) {
    // Check the version as soon as it arrives rather than after 1536 more bytes.
    if (!pending_.empty() && pending_[0] != kRtmpVersion) {
      state_ = State::failed;
      out.error = "unsupported RTMP version " + std::to_string(pending_[0]) +
                  (pending_[0] == 6 ? " (RTMPE is not supported)" : "");
      return out;
    }
    if (pending_.size() < 1 + kHandshakeBlockSize) return out;
    out.to_send.reserve(1 + 2 * kHandshakeBlockSize);
    out.to_send.push_back(kRtmpVersion);  // S0
    for (int shift = 24; shift >= 0; shift -= 8)  // S1: time, zero, random
      out.to_send.push_back(static_cast<std::uint8_t>(server_time_ >> shift));
    out.to_send.insert(out.to_send.end(), 4, 0);
    out.to_send.insert(out.to_send.end(), random_.begin(), random_.end());
    out.to_send.insert(out.to_send.end(), pending_.begin() + 1,  // S2: echo of C1
                       pending_.begin() + 1 + kHandshakeBlockSize);
    pending_.erase(pending_.begin(), pending_.begin() + 1 + kHandshakeBlockSize);
    state_ = State::awaiting_c2;
  }

  if (state_ == State::awaiting_c2 && pending_.size() >= kHandshakeBlockSize) {
    // C2 should echo S1; clients are lax about it and servers do not check it either,
    // so a mismatch is tolerated rather than failing pushes from real encoders.
    out.leftover.assign(pending_.begin() + kHandshakeBlockSize, pending_.end());
    pending_.clear();
    pending_.shrink_to_fit();
    state_ = State::done;
  }
  return out;
}

}  // namespace bvlive::rtmp
