// FLV as the RTMP ingest hands it to the remuxer: bytes in arbitrary pieces (the first
// byte picks them, fuzz_split.hpp) through flv::Reader, and the tags through FlvSource
// (legacy AVC/AAC, codec id 12 HEVC, Enhanced RTMP FourCC tags, onMetaData), the way
// Remuxer feeds it. Whatever the input: no crash, leak or out-of-bounds read; the reader
// gives the same tags and the same error whole and in pieces, holds at most one tag; and
// FlvSource gives the same configurations, samples and messages whole and in pieces.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "fuzz_source_events.hpp"
#include "fuzz_split.hpp"
#include "core/media/flv/flv_reader.hpp"
#include "core/media/remux/flv_source.hpp"

using namespace bvlive;

namespace {

void check_at(bool ok, const char* what, int line) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_flv.cpp:%d: property failed: %s\n", line, what);
  std::abort();
}
#define check(cond) check_at((cond), #cond, __LINE__)

struct Tag {
  std::uint8_t type;
  std::uint32_t timestamp;
  std::vector<std::uint8_t> body;
  bool operator==(const Tag&) const = default;
};

struct Read {
  std::vector<Tag> tags;
  std::string error;
};

Read read(const std::vector<std::span<const std::uint8_t>>& parts) {
  flv::Reader reader;
  Read r;
  bool ok = true;
  for (const auto& part : parts) {
    const bool fed = reader.feed(part, [&](const flv::TagView& t) {
      check(t.type == (t.type & 0x1F));
      r.tags.push_back({t.type, t.timestamp, {t.body.begin(), t.body.end()}});
    });
    check(fed == reader.error().empty());
    if (!ok) check(!fed);  // an unreadable stream stays unreadable
    ok = fed;
    // At most one unit is held: the file header or one tag (11 + 2^24 - 1 + 4 bytes).
    check(reader.buffered() <= 11 + 0xFFFFFF + 4);
  }
  r.error = reader.error();
  return r;
}

std::vector<remux::SourceEvent> source(const std::vector<std::span<const std::uint8_t>>& parts) {
  remux::FlvSource flv;
  std::vector<remux::SourceEvent> out;
  for (const auto& part : parts) flv.feed(part, out);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> stream;
  const auto parts = bvfuzz::pieces({data, size}, stream);
  const std::vector<std::span<const std::uint8_t>> whole{stream};

  const Read at_once = read(whole);
  const Read split = read(parts);
  check(split.tags == at_once.tags);
  check(split.error == at_once.error);

  check(bvfuzz::same_events(source(parts), source(whole)));
  return 0;
}
