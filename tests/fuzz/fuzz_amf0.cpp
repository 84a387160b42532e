// AMF0 decoding (RTMP command and data payloads): never reads out of bounds, never
// recurses without bound, and what it decodes re-encodes to a fixed point.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>
#include <vector>

#include "protocols/rtmp/amf0.hpp"
#include "protocols/rtmp/commands.hpp"

using namespace bvlive::rtmp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan input(data, size);

  auto one = amf0_decode_one(input);
  if (const auto* decoded = std::get_if<Amf0Decoded>(&one)) {
    if (decoded->consumed == 0 || decoded->consumed > size) std::abort();
  }

  auto all = amf0_decode_all(input);
  if (const auto* values = std::get_if<std::vector<Amf0Value>>(&all)) {
    // decode(encode(v)) == v, compared on the wire so that NaNs and ECMA array counts
    // (which the decoder does not keep) do not matter.
    const Bytes first = amf0_encode_all(*values);
    auto again = amf0_decode_all(first);
    const auto* round = std::get_if<std::vector<Amf0Value>>(&again);
    if (!round || *round != *values) std::abort();
    if (amf0_encode_all(*round) != first) std::abort();
  }

  auto command = parse_command(input);
  if (const auto* c = std::get_if<Command>(&command)) {
    (void)parse_connect(*c);
    (void)parse_publish(*c);
    (void)c->string_arg(0);
    (void)encode_command(*c);
  }
  return 0;
}
