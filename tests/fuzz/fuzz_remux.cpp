// The in-process remuxer as an encoder's bytes reach it: an FLV stream (RTMP: legacy and
// Enhanced RTMP tags, decoder configurations, frames) or an MPEG-TS stream (SRT), in
// arbitrary pieces, through to init segments and fragments. Whatever the input, it must
// not crash, leak or read out of bounds, and every fragment it writes must parse back.
// The second byte picks the container (even: FLV, odd: MPEG-TS).
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>
#include <vector>

#include "fuzz_split.hpp"
#include "core/media/fmp4/stream_splitter.hpp"
#include "core/media/remux/remuxer.hpp"

using namespace bvlive;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> input(data, size);
  if (input.size() < 2) return 0;
  const auto container = (input[1] & 1) ? remux::Container::mpegts : remux::Container::flv;
  std::vector<std::uint8_t> framed(input.begin(), input.end());
  framed.erase(framed.begin() + 1);  // the container byte is not part of the stream
  std::span<const std::uint8_t> stream;
  auto parts = bvfuzz::pieces(framed, stream);
  remux::RemuxOptions options;
  options.fragments.part_seconds = (input[0] & 1) ? 0.3 : 0;
  remux::Remuxer remuxer(container, options);
  fmp4::StreamSplitter splitter;
  auto check = [&](remux::RemuxOutput& out) {
    for (auto& m : out.media) {
      const auto& bytes = std::holds_alternative<fmp4::InitSegment>(m) ? std::get<fmp4::InitSegment>(m).bytes
                                                                       : std::get<fmp4::Fragment>(m).bytes;
      for (const auto& ev : splitter.feed(bytes))
        if (std::holds_alternative<fmp4::SplitError>(ev)) std::abort();  // we wrote something unreadable
    }
  };
  for (auto piece : parts) {
    remux::RemuxOutput out;
    remuxer.feed(piece, out);
    check(out);
  }
  remux::RemuxOutput out;
  remuxer.finish(out);
  check(out);
  return 0;
}
