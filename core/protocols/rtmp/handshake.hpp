// Server side of the simple RTMP handshake (Adobe RTMP 1.0 §5.2) as a pure state machine:
//   client C0+C1 -> server S0+S1+S2 -> client C2 -> done.
// S1's random block comes from the caller, so the machine holds no RNG and is testable.
// S2 echoes C1, which is what the simple handshake asks for. (The digest-based "complex"
// handshake is not needed: OBS and ffmpeg accept the simple one for plain RTMP.)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace bvlive::rtmp {

inline constexpr std::uint8_t kRtmpVersion = 3;
inline constexpr std::size_t kHandshakeBlockSize = 1536;  // C1, S1, C2, S2
inline constexpr std::size_t kHandshakeRandomSize = kHandshakeBlockSize - 8;

struct HandshakeResult {
  std::vector<std::uint8_t> to_send;  // S0+S1+S2 once C0+C1 is complete, else empty
  // Bytes after C2 in the same feed: the first chunks of the session, for the chunk reader.
  std::vector<std::uint8_t> leftover;
  std::optional<std::string> error;  // the connection should be closed
};

class ServerHandshake {
 public:
  enum class State { awaiting_c0c1, awaiting_c2, done, failed };

  // `random` fills S1 after its time and zero fields. `server_time` is S1's time field
  // (milliseconds on any epoch; clients use it only as a reference point).
  ServerHandshake(std::span<const std::uint8_t, kHandshakeRandomSize> random, std::uint32_t server_time = 0);

  HandshakeResult feed(std::span<const std::uint8_t> bytes);
  State state() const { return state_; }
  bool done() const { return state_ == State::done; }

 private:
  std::array<std::uint8_t, kHandshakeRandomSize> random_;
  std::uint32_t server_time_;
  State state_ = State::awaiting_c0c1;
  std::vector<std::uint8_t> pending_;
};

}  // namespace bvlive::rtmp
