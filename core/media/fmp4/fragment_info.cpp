#include "core/media/fmp4/fragment_info.hpp"

#include <string>
#include <utility>

#include "core/media/fmp4/byte_cursor.hpp"
#include "core/media/fmp4/sample_flags.hpp"

namespace bvlive::fmp4 {

namespace {

ParseError error(const std::string& message) { return ParseError{"moof: " + message}; }

// tfhd: the track and whichever defaults its flags say are present, in spec order.
bool read_tfhd(ByteSpan payload, TrackFragmentInfo& traf) {
  ByteCursor in(payload);
  in.u8();  // version
  traf.tfhd_flags = in.u24();
  traf.track_id = in.u32();
  const std::uint32_t flags = traf.tfhd_flags;
  if (flags & kTfhdBaseDataOffset) traf.base_data_offset = in.u64();
  if (flags & kTfhdSampleDescriptionIndex) traf.defaults.sample_description_index = in.u32();
  if (flags & kTfhdDefaultSampleDuration) traf.defaults.duration = in.u32();
  if (flags & kTfhdDefaultSampleSize) traf.defaults.size = in.u32();
  if (flags & kTfhdDefaultSampleFlags) traf.defaults.flags = in.u32();
  return !in.failed();
}

bool read_tfdt(ByteSpan payload, TrackFragmentInfo& traf) {
  ByteCursor in(payload);
  const std::uint8_t version = in.u8();
  in.u24();
  traf.base_media_decode_time = version == 1 ? in.u64() : in.u32();
  return !in.failed() && version <= 1;
}

std::size_t per_sample_bytes(std::uint32_t flags) {
  std::size_t bytes = 0;
  for (std::uint32_t field : {kTrunSampleDuration, kTrunSampleSize, kTrunSampleFlags,
                              kTrunSampleCompositionTimeOffset})
    if (flags & field) bytes += 4;
  return bytes;
}

// trun: optional data_offset and first_sample_flags, then per-sample fields in the order
// duration, size, flags, composition offset; absent fields come from the defaults.
std::optional<ParseError> read_trun(ByteSpan payload, TrackFragmentInfo& traf) {
  ByteCursor in(payload);
  const std::uint8_t version = in.u8();
  const std::uint32_t flags = in.u24();
  const std::uint32_t count = in.u32();
  if (flags & kTrunDataOffset) in.i32();
  std::optional<std::uint32_t> first_sample_flags;
  if (flags & kTrunFirstSampleFlags) first_sample_flags = in.u32();
  if (in.failed()) return error("truncated trun header");
  const std::size_t stride = per_sample_bytes(flags);
  if (count > kMaxSamplesPerTrun) return error("trun sample_count too large");
  if (stride != 0 && count > in.remaining() / stride) return error("trun runs past its box");

  traf.samples.reserve(traf.samples.size() + count);
  for (std::uint32_t i = 0; i < count; ++i) {
    SampleInfo sample;
    sample.duration = (flags & kTrunSampleDuration) ? in.u32() : traf.defaults.duration;
    sample.size = (flags & kTrunSampleSize) ? in.u32() : traf.defaults.size;
    if (flags & kTrunSampleFlags) {
      sample.flags = in.u32();
    } else if (i == 0 && first_sample_flags) {
      sample.flags = *first_sample_flags;
    } else {
      sample.flags = traf.defaults.flags;
    }
    if (flags & kTrunSampleCompositionTimeOffset) {
      const std::uint32_t raw = in.u32();
      sample.composition_offset =
          version == 0 ? std::int64_t(raw) : std::int64_t(static_cast<std::int32_t>(raw));
    }
    traf.total_duration += sample.duration;
    traf.samples.push_back(sample);
  }
  if (in.failed()) return error("truncated trun samples");
  return std::nullopt;
}

Parsed<TrackFragmentInfo> read_traf(ByteSpan traf_payload, const InitInfo& init) {
  TrackFragmentInfo traf;
  const auto tfhd = find_child(traf_payload, fourcc("tfhd"));
  if (!tfhd) return error("traf without tfhd");
  // The defaults start from trex, so read the track id first.
  ByteCursor peek(tfhd->payload);
  peek.u32();
  const std::uint32_t track_id = peek.u32();
  if (peek.failed()) return error("truncated tfhd");
  const TrackInfo* track = init.find(track_id);
  if (!track) return error("traf for unknown track " + std::to_string(track_id));
  traf.kind = track->kind;
  traf.timescale = track->timescale;
  traf.defaults = track->defaults;
  if (!read_tfhd(tfhd->payload, traf)) return error("truncated tfhd");

  BoxReader reader(traf_payload);
  while (auto box = reader.next()) {
    if (box->type == fourcc("tfdt")) {
      if (!read_tfdt(box->payload, traf)) return error("truncated tfdt");
    } else if (box->type == fourcc("trun")) {
      if (auto bad = read_trun(box->payload, traf)) return *bad;
    }
  }
  if (reader.error()) return error("traf: " + describe(*reader.error()));
  return traf;
}

}  // namespace

bool TrackFragmentInfo::sample_is_sync_at(std::size_t index) const {
  return index < samples.size() && sample_is_sync(samples[index].flags);
}

const TrackFragmentInfo* FragmentInfo::find(std::uint32_t track_id) const {
  for (const auto& traf : tracks)
    if (traf.track_id == track_id) return &traf;
  return nullptr;
}

const TrackFragmentInfo* FragmentInfo::video() const {
  for (const auto& traf : tracks)
    if (traf.kind == TrackKind::video) return &traf;
  return nullptr;
}

bool FragmentInfo::starts_independent() const {
  if (const TrackFragmentInfo* traf = video()) return traf->starts_independent();
  return !stream_has_video;
}

Parsed<FragmentInfo> parse_moof(ByteSpan moof_payload, const InitInfo& init) {
  FragmentInfo info;
  info.stream_has_video = init.video() != nullptr;
  bool has_mfhd = false;
  BoxReader reader(moof_payload);
  while (auto box = reader.next()) {
    if (box->type == fourcc("mfhd")) {
      ByteCursor in(box->payload);
      in.u32();  // version, flags
      info.sequence_number = in.u32();
      if (in.failed()) return error("truncated mfhd");
      has_mfhd = true;
    } else if (box->type == fourcc("traf")) {
      auto traf = read_traf(box->payload, init);
      if (auto* bad = std::get_if<ParseError>(&traf)) return *bad;
      info.tracks.push_back(std::move(std::get<TrackFragmentInfo>(traf)));
    }
  }
  if (reader.error()) return error(describe(*reader.error()));
  if (!has_mfhd) return error("no mfhd");
  return info;
}

}  // namespace bvlive::fmp4
