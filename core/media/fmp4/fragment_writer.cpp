#include "core/media/fmp4/fragment_writer.hpp"

#include "core/media/fmp4/sample_flags.hpp"

namespace bvlive::fmp4 {
namespace {

void put32(Bytes& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

}  // namespace

Fragment write_fragment(std::uint32_t sequence_number, const std::vector<TrackRun>& tracks, bool stream_has_video) {
  Fragment out;
  out.info.sequence_number = sequence_number;
  out.info.stream_has_video = stream_has_video;

  // moof, with each trun's data_offset patched once the moof's size is known.
  ByteBuilder moof;
  moof.bytes(make_full_box(fourcc("mfhd"), 0, 0, ByteBuilder().u32(sequence_number).take()));
  std::vector<std::size_t> offset_fields;  // position of each trun's data_offset in moof's payload
  std::size_t mdat_size = 0;
  for (const TrackRun& run : tracks) {
    if (run.samples.empty()) continue;
    const bool video = run.kind == TrackKind::video;
    TrackFragmentInfo info;
    info.track_id = run.track_id;
    info.kind = run.kind;
    info.timescale = run.timescale;
    info.tfhd_flags = kTfhdDefaultBaseIsMoof;
    info.base_media_decode_time = run.base_decode_time;
    // Audio samples are all sync, stated once; video states each sample's own flags.
    std::uint32_t trun_flags = kTrunDataOffset | kTrunSampleDuration | kTrunSampleSize;
    if (video) trun_flags |= kTrunSampleFlags | kTrunSampleCompositionTimeOffset;
    else info.tfhd_flags |= kTfhdDefaultSampleFlags;

    ByteBuilder tfhd;
    tfhd.u32(run.track_id);
    if (!video) tfhd.u32(kSyncSampleFlags);
    ByteBuilder trun;
    trun.u32(static_cast<std::uint32_t>(run.samples.size()));
    const std::size_t offset_in_trun = trun.data().size() + 4;  // after the FullBox header
    trun.u32(0);
    for (const FragmentSample& s : run.samples) {
      const std::uint32_t flags = s.sync ? kSyncSampleFlags : kNonSyncSampleFlags;
      trun.u32(s.duration).u32(static_cast<std::uint32_t>(s.data.size()));
      if (video) trun.u32(flags).u32(static_cast<std::uint32_t>(s.composition_offset));
      info.samples.push_back({s.duration, static_cast<std::uint32_t>(s.data.size()), video ? flags : kSyncSampleFlags,
                              s.composition_offset});
      info.total_duration += s.duration;
      mdat_size += s.data.size();
    }
    const Bytes tfhd_box = make_full_box(fourcc("tfhd"), 0, info.tfhd_flags, tfhd.data());
    const Bytes tfdt_box = make_full_box(fourcc("tfdt"), 1, 0, ByteBuilder().u64(run.base_decode_time).take());
    const Bytes trun_box = make_full_box(fourcc("trun"), 1, trun_flags, trun.data());
    const std::size_t traf_start = moof.data().size();
    moof.bytes(make_box(fourcc("traf"), concat({tfhd_box, tfdt_box, trun_box})));
    // traf header, tfhd, tfdt, trun's box header, then data_offset's place in trun's content.
    offset_fields.push_back(traf_start + 8 + tfhd_box.size() + tfdt_box.size() + 8 + offset_in_trun);
    out.info.tracks.push_back(std::move(info));
  }

  Bytes moof_box = make_box(fourcc("moof"), moof.data());
  const std::size_t moof_size = moof_box.size();
  out.bytes.reserve(moof_size + 8 + mdat_size);
  out.bytes = std::move(moof_box);
  std::size_t data_at = moof_size + 8;
  std::size_t i = 0;
  for (const TrackRun& run : tracks) {
    if (run.samples.empty()) continue;
    put32(out.bytes, 8 + offset_fields[i++], static_cast<std::uint32_t>(data_at));
    for (const auto& s : run.samples) data_at += s.data.size();
  }
  ByteBuilder mdat_header;
  mdat_header.u32(static_cast<std::uint32_t>(8 + mdat_size)).fourcc(fourcc("mdat"));
  out.bytes.insert(out.bytes.end(), mdat_header.data().begin(), mdat_header.data().end());
  for (const TrackRun& run : tracks)
    for (const auto& s : run.samples) out.bytes.insert(out.bytes.end(), s.data.begin(), s.data.end());
  return out;
}

}  // namespace bvlive::fmp4
