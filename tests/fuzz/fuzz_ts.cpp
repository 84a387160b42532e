// MPEG-TS as the SRT ingest hands it to the remuxer: bytes in arbitrary pieces (the first
// byte picks them, fuzz_split.hpp) through ts::Demuxer (packet sync, PAT/PMT sections,
// PES reassembly, ADTS, timestamp unwrapping), then flush(); and the same pieces through
// TsSource (Annex B to length-prefixed NAL units, parameter sets to avcC/hvcC, ADTS to
// AudioSpecificConfig), the way Remuxer feeds it. Whatever the input: no crash, leak or
// out-of-bounds read, and the demuxer's documented promise holds: the same events (and
// counters) however the input is split; TsSource's events are the same too.
// Inputs stay under 64 KiB (run_fuzzers.sh's max_len) so that the "no sync in the first
// 64 KiB" give-up, which is checked once per feed, cannot make a split differ.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <variant>
#include <vector>

#include "fuzz_source_events.hpp"
#include "fuzz_split.hpp"
#include "core/media/remux/ts_source.hpp"
#include "core/media/ts/demuxer.hpp"

using namespace bvlive;

namespace {

void check_at(bool ok, const char* what, int line) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_ts.cpp:%d: property failed: %s\n", line, what);
  std::abort();
}
#define check(cond) check_at((cond), #cond, __LINE__)

bool same_event(const ts::Event& a, const ts::Event& b) {
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<ts::ProgramChanged>(&a)) return x->streams == std::get<ts::ProgramChanged>(b).streams;
  if (const auto* x = std::get_if<ts::Warning>(&a)) return x->message == std::get<ts::Warning>(b).message;
  const auto& x = std::get<ts::Sample>(a);
  const auto& y = std::get<ts::Sample>(b);
  return x.pid == y.pid && x.kind == y.kind && x.pts == y.pts && x.dts == y.dts && x.keyframe == y.keyframe &&
         x.data == y.data && x.random_access == y.random_access && x.discontinuity == y.discontinuity;
}

void append(std::vector<ts::Event>& all, std::vector<ts::Event> more) {
  for (auto& e : more) all.push_back(std::move(e));
}

struct Demuxed {
  std::vector<ts::Event> events;
  std::uint64_t packets = 0, resyncs = 0, continuity_errors = 0;
  bool unusable = false;
};

Demuxed demux(const std::vector<std::span<const std::uint8_t>>& parts) {
  ts::Demuxer demuxer;
  Demuxed d;
  for (const auto& part : parts) append(d.events, demuxer.feed(part));
  append(d.events, demuxer.flush());
  for (const auto& e : d.events) {
    if (const auto* s = std::get_if<ts::Sample>(&e)) {
      check(!s->data.empty());
      check(s->kind != ts::StreamKind::other);
      check(s->data.size() <= (16u << 20));  // a PES is capped at 16 MiB
    }
  }
  d.packets = demuxer.packets();
  d.resyncs = demuxer.resyncs();
  d.continuity_errors = demuxer.continuity_errors();
  d.unusable = demuxer.unusable();
  return d;
}

std::vector<remux::SourceEvent> source(const std::vector<std::span<const std::uint8_t>>& parts) {
  remux::TsSource ts;
  std::vector<remux::SourceEvent> out;
  for (const auto& part : parts) ts.feed(part, out);
  ts.finish(out);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> stream;
  const auto parts = bvfuzz::pieces({data, size}, stream);
  const std::vector<std::span<const std::uint8_t>> whole{stream};

  const Demuxed at_once = demux(whole);
  const Demuxed split = demux(parts);
  check(at_once.events.size() == split.events.size());
  for (std::size_t i = 0; i < at_once.events.size(); ++i) check(same_event(at_once.events[i], split.events[i]));
  check(at_once.packets == split.packets && at_once.resyncs == split.resyncs);
  check(at_once.continuity_errors == split.continuity_errors && at_once.unusable == split.unusable);

  check(bvfuzz::same_events(source(parts), source(whole)));
  return 0;
}
