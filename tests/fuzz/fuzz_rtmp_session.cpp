// A whole RTMP publishing connection as the daemon drives it: handshake, chunk stream,
// AMF0 commands, publish (always accepted here), media. Input arrives in arbitrary pieces.
#include <array>
#include <cstdint>
#include <span>

#include "fuzz_split.hpp"
#include "protocols/rtmp/publish_session.hpp"

using namespace bvlive::rtmp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> stream;
  const auto parts = bvfuzz::pieces({data, size}, stream);
  std::array<std::uint8_t, kHandshakeRandomSize> random{};
  PublishSession session(random);
  for (const auto& part : parts) {
    SessionOutput out = session.feed(part);
    if (out.publish_key) out = session.accept_publish();
    if (out.close_reason || session.phase() == PublishSession::Phase::closed) break;
  }
  return 0;
}
