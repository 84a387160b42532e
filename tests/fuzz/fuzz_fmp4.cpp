// The fMP4 parsers as the segmenter meets them: a packager's byte stream through the
// StreamSplitter in arbitrary pieces (which parses every moov and moof), fragments timed
// and cut into segments, and the same bytes read directly as box lists, a moov payload
// (parse_moov, RFC 6381 codecs) and a moof payload against a fixed two-track init.
// The splitter must give the same events however the stream is split.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>
#include <vector>

#include "fuzz_split.hpp"
#include "core/media/fmp4/box_reader.hpp"
#include "core/media/fmp4/codec_string.hpp"
#include "core/media/fmp4/fragment_info.hpp"
#include "core/media/fmp4/init_info.hpp"
#include "core/media/fmp4/segment_cutter.hpp"
#include "core/media/fmp4/stream_splitter.hpp"

using namespace bvlive::fmp4;

namespace {

// Walks nested boxes, treating every box as a possible container, a few levels deep.
void walk(ByteSpan bytes, int depth) {
  BoxReader reader(bytes);
  while (auto box = reader.next()) {
    if (box->bytes.size() != box->header_size + box->payload.size()) std::abort();
    if (depth < 4) walk(box->payload, depth + 1);
  }
  (void)find_child(bytes, fourcc("moov"));
}

InitInfo fixed_init() {
  InitInfo init;
  init.movie_timescale = 1000;
  TrackInfo video;
  video.track_id = 1;
  video.handler = fourcc("vide");
  video.kind = TrackKind::video;
  video.timescale = 12800;
  video.width = 640;
  video.height = 360;
  video.has_trex = true;
  TrackInfo audio;
  audio.track_id = 2;
  audio.handler = fourcc("soun");
  audio.kind = TrackKind::audio;
  audio.timescale = 44100;
  audio.has_trex = true;
  audio.defaults.duration = 1024;
  init.tracks = {video, audio};
  return init;
}

// What the segmenter keeps of an event, to compare two runs of the splitter.
struct Summary {
  int kind = 0;
  std::size_t bytes = 0;
  std::size_t tracks = 0;
  bool operator==(const Summary&) const = default;
};

std::vector<Summary> split(const std::vector<std::span<const std::uint8_t>>& parts, bool cut) {
  StreamSplitter splitter(1u << 20);
  SegmentCutter cutter(2.0);
  std::vector<Summary> out;
  for (const auto& part : parts) {
    for (auto& event : splitter.feed(part)) {
      if (auto* init = std::get_if<InitSegment>(&event)) {
        out.push_back({0, init->bytes.size(), init->info.tracks.size()});
        if (cut) {
          if (auto moov = find_child(init->bytes, fourcc("moov")))
            (void)rfc6381_codecs(moov->payload);
        }
      } else if (auto* fragment = std::get_if<Fragment>(&event)) {
        out.push_back({1, fragment->bytes.size(), fragment->info.tracks.size()});
        if (cut) {
          if (auto timed = timed_fragment(fragment->info, fragment->bytes))
            (void)cutter.push(*timed);
        }
      } else {
        out.push_back({2, 0, 0});
      }
    }
  }
  if (cut) (void)cutter.flush();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> stream;
  const auto parts = bvfuzz::pieces({data, size}, stream);

  const auto whole = split({stream}, true);
  if (split(parts, false) != whole) std::abort();

  walk(stream, 0);
  auto moov = parse_moov(stream);
  if (auto* init = std::get_if<InitInfo>(&moov)) {
    (void)init->video();
    (void)parse_moof(stream, *init);
  }
  (void)rfc6381_codecs(stream);
  static const InitInfo init = fixed_init();
  auto moof = parse_moof(stream, init);
  if (auto* info = std::get_if<FragmentInfo>(&moof)) {
    (void)info->starts_independent();
    (void)timed_fragment(*info, {});
  }
  return 0;
}
