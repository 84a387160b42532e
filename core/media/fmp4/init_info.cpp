#include "core/media/fmp4/init_info.hpp"

#include <string>

#include "core/media/fmp4/byte_cursor.hpp"

namespace bvlive::fmp4 {

namespace {

ParseError error(const std::string& message) { return ParseError{"moov: " + message}; }

TrackKind kind_of(FourCC handler) {
  if (handler == fourcc("vide")) return TrackKind::video;
  if (handler == fourcc("soun")) return TrackKind::audio;
  return TrackKind::other;
}

// tkhd (§8.3.2): times and ids widen to 64 bits in version 1; width/height close it.
bool read_tkhd(ByteSpan payload, TrackInfo& track) {
  ByteCursor in(payload);
  const std::uint8_t version = in.u8();
  in.u24();  // flags
  const std::size_t time_width = version == 1 ? 8 : 4;
  in.skip(2 * time_width);  // creation, modification
  track.track_id = in.u32();
  in.skip(4);           // reserved
  in.skip(time_width);  // duration
  in.skip(8 + 2 + 2 + 2 + 2 + 9 * 4);  // reserved, layer, alternate_group, volume, reserved, matrix
  track.width = in.u32() >> 16;
  track.height = in.u32() >> 16;
  return !in.failed() && version <= 1;
}

// mdhd (§8.4.2): the track's timescale.
bool read_mdhd(ByteSpan payload, TrackInfo& track) {
  ByteCursor in(payload);
  const std::uint8_t version = in.u8();
  in.u24();
  in.skip(version == 1 ? 16 : 8);
  track.timescale = in.u32();
  return !in.failed() && version <= 1;
}

// hdlr (§8.4.3): pre_defined, then handler_type.
bool read_hdlr(ByteSpan payload, TrackInfo& track) {
  ByteCursor in(payload);
  in.u32();  // version, flags
  in.u32();  // pre_defined
  track.handler = in.u32();
  track.kind = kind_of(track.handler);
  return !in.failed();
}

Parsed<TrackInfo> read_trak(ByteSpan trak_payload) {
  TrackInfo track;
  const auto tkhd = find_child(trak_payload, fourcc("tkhd"));
  const auto mdia = find_child(trak_payload, fourcc("mdia"));
  if (!tkhd || !read_tkhd(tkhd->payload, track)) return error("trak without a readable tkhd");
  if (!mdia) return error("trak without mdia");
  const auto mdhd = find_child(mdia->payload, fourcc("mdhd"));
  const auto hdlr = find_child(mdia->payload, fourcc("hdlr"));
  if (!mdhd || !read_mdhd(mdhd->payload, track)) return error("mdia without a readable mdhd");
  if (track.timescale == 0) return error("mdhd timescale is zero");
  if (!hdlr || !read_hdlr(hdlr->payload, track)) return error("mdia without a readable hdlr");
  return track;
}

// trex (§8.8.3): track_ID then the four sample defaults.
bool read_trex(ByteSpan payload, std::uint32_t& track_id, SampleDefaults& defaults) {
  ByteCursor in(payload);
  in.u32();  // version, flags
  track_id = in.u32();
  defaults.sample_description_index = in.u32();
  defaults.duration = in.u32();
  defaults.size = in.u32();
  defaults.flags = in.u32();
  return !in.failed();
}

}  // namespace

const TrackInfo* InitInfo::find(std::uint32_t track_id) const {
  for (const auto& track : tracks)
    if (track.track_id == track_id) return &track;
  return nullptr;
}

const TrackInfo* InitInfo::video() const {
  for (const auto& track : tracks)
    if (track.kind == TrackKind::video) return &track;
  return nullptr;
}

Parsed<InitInfo> parse_moov(ByteSpan moov_payload) {
  InitInfo info;
  BoxReader reader(moov_payload);
  std::optional<Box> mvex;
  while (auto box = reader.next()) {
    if (box->type == fourcc("mvhd")) {
      ByteCursor in(box->payload);
      const std::uint8_t version = in.u8();
      in.u24();
      in.skip(version == 1 ? 16 : 8);
      info.movie_timescale = in.u32();
      if (in.failed()) return error("truncated mvhd");
    } else if (box->type == fourcc("trak")) {
      auto track = read_trak(box->payload);
      if (auto* bad = std::get_if<ParseError>(&track)) return *bad;
      const auto& parsed = std::get<TrackInfo>(track);
      if (info.find(parsed.track_id)) return error("duplicate track_ID");
      info.tracks.push_back(parsed);
    } else if (box->type == fourcc("mvex")) {
      mvex = box;
    }
  }
  if (reader.error()) return error(describe(*reader.error()));
  if (info.tracks.empty()) return error("no tracks");
  if (mvex) {
    BoxReader children(mvex->payload);
    while (auto box = children.next()) {
      if (box->type != fourcc("trex")) continue;
      std::uint32_t track_id = 0;
      SampleDefaults defaults;
      if (!read_trex(box->payload, track_id, defaults)) return error("truncated trex");
      bool known = false;
      for (auto& track : info.tracks) {
        if (track.track_id != track_id) continue;
        track.has_trex = true;
        track.defaults = defaults;
        known = true;
      }
      if (!known) return error("trex for unknown track " + std::to_string(track_id));
    }
    if (children.error()) return error("mvex: " + describe(*children.error()));
  }
  return info;
}

}  // namespace bvlive::fmp4
