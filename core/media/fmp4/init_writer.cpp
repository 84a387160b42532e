#include "core/media/fmp4/init_writer.hpp"

#include <algorithm>
#include <array>

namespace bvlive::fmp4 {
namespace {

// The unity matrix of mvhd and tkhd (§8.2.2, §8.3.2).
constexpr std::array<std::uint32_t, 9> kUnityMatrix{0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000};

void matrix(ByteBuilder& b) {
  for (const auto v : kUnityMatrix) b.u32(v);
}

Bytes ftyp() {
  // iso6 for the tfdt/trun versions we write (signed composition offsets, 64-bit decode
  // times); mp41 for players that look for an MP4 brand. Not cmfc: CMAF tracks are one per
  // file and ours carry audio and video together.
  return make_box(fourcc("ftyp"),
                  ByteBuilder().fourcc(fourcc("iso6")).u32(0).fourcc(fourcc("iso6")).fourcc(fourcc("iso5"))
                      .fourcc(fourcc("mp41")).take());
}

Bytes mvhd(std::uint32_t next_track_id) {
  ByteBuilder b;
  b.u32(0).u32(0).u32(1000).u32(0);  // creation, modification, timescale, duration (unknown: fragments)
  b.u32(0x00010000).u16(0x0100).u16(0).u32(0).u32(0);  // rate 1.0, volume 1.0, reserved
  matrix(b);
  for (int i = 0; i < 6; ++i) b.u32(0);  // pre_defined
  b.u32(next_track_id);
  return make_full_box(fourcc("mvhd"), 0, 0, b.data());
}

Bytes tkhd(const TrackEntry& t) {
  ByteBuilder b;
  b.u32(0).u32(0).u32(t.track_id).u32(0).u32(0);  // creation, modification, id, reserved, duration
  b.u32(0).u32(0).u16(0).u16(0);                  // reserved, layer, alternate_group
  b.u16(t.kind == TrackKind::audio ? 0x0100 : 0).u16(0);
  matrix(b);
  b.u32(std::uint32_t(t.width) << 16).u32(std::uint32_t(t.height) << 16);
  // enabled | in_movie | in_preview
  return make_full_box(fourcc("tkhd"), 0, 0x000007, b.data());
}

Bytes mdhd(const TrackEntry& t) {
  ByteBuilder b;
  // language "und" in ISO-639-2/T packed as three 5-bit letters.
  b.u32(0).u32(0).u32(t.timescale).u32(0).u16(0x55C4).u16(0);
  return make_full_box(fourcc("mdhd"), 0, 0, b.data());
}

Bytes hdlr(const TrackEntry& t) {
  const bool video = t.kind == TrackKind::video;
  ByteBuilder b;
  b.u32(0).fourcc(fourcc(video ? "vide" : "soun")).u32(0).u32(0).u32(0);
  const char* name = video ? "VideoHandler" : "SoundHandler";
  for (const char* p = name; *p; ++p) b.u8(static_cast<std::uint8_t>(*p));
  b.u8(0);
  return make_full_box(fourcc("hdlr"), 0, 0, b.data());
}

Bytes visual_entry(const TrackEntry& t) {
  ByteBuilder b;
  b.u32(0).u16(0).u16(1);                // SampleEntry: reserved[6], data_reference_index
  b.u16(0).u16(0).u32(0).u32(0).u32(0);  // pre_defined, reserved, pre_defined[3]
  b.u16(t.width).u16(t.height);
  b.u32(0x00480000).u32(0x00480000).u32(0).u16(1);  // 72 dpi, reserved, frame_count
  for (int i = 0; i < 32; ++i) b.u8(0);             // compressorname
  b.u16(0x0018).u16(0xFFFF);                        // depth, pre_defined = -1
  FourCC config_box = fourcc("avcC");
  if (t.sample_entry == fourcc("hvc1")) config_box = fourcc("hvcC");
  else if (t.sample_entry == fourcc("av01")) config_box = fourcc("av1C");
  b.bytes(make_box(config_box, t.config));
  return make_box(t.sample_entry, b.data());
}

// An MPEG-4 descriptor (ISO/IEC 14496-1 §8.3.3) with a one-byte length when it fits.
void descriptor(ByteBuilder& b, std::uint8_t tag, const Bytes& payload) {
  b.u8(tag);
  std::size_t n = payload.size();
  if (n < 0x80) {
    b.u8(static_cast<std::uint8_t>(n));
  } else {
    b.u8(static_cast<std::uint8_t>(0x80 | ((n >> 21) & 0x7F))).u8(static_cast<std::uint8_t>(0x80 | ((n >> 14) & 0x7F)));
    b.u8(static_cast<std::uint8_t>(0x80 | ((n >> 7) & 0x7F))).u8(static_cast<std::uint8_t>(n & 0x7F));
  }
  b.bytes(payload);
}

Bytes esds(const TrackEntry& t) {
  ByteBuilder specific;
  specific.bytes(t.config);
  ByteBuilder decoder;
  // objectTypeIndication 0x40 (MPEG-4 audio), streamType 5 (audio) << 2 | upstream 0 | reserved 1.
  decoder.u8(0x40).u8(0x15).u24(0).u32(0).u32(0);
  descriptor(decoder, 0x05, specific.data());
  ByteBuilder es;
  es.u16(static_cast<std::uint16_t>(t.track_id)).u8(0);
  descriptor(es, 0x04, decoder.data());
  descriptor(es, 0x06, Bytes{0x02});  // SLConfigDescriptor: predefined MP4
  ByteBuilder body;
  descriptor(body, 0x03, es.data());
  return make_full_box(fourcc("esds"), 0, 0, body.data());
}

Bytes audio_entry(const TrackEntry& t) {
  ByteBuilder b;
  b.u32(0).u16(0).u16(1);        // SampleEntry
  b.u32(0).u32(0);               // reserved (version 0)
  b.u16(t.channels).u16(16).u16(0).u16(0);
  // samplerate is 16.16; rates above 65535 Hz do not fit and the AudioSpecificConfig rules.
  b.u32(t.sample_rate <= 0xFFFF ? t.sample_rate << 16 : 0);
  b.bytes(esds(t));
  return make_box(fourcc("mp4a"), b.data());
}

Bytes stbl(const TrackEntry& t) {
  const Bytes entry = t.kind == TrackKind::video ? visual_entry(t) : audio_entry(t);
  const Bytes stsd = make_full_box(fourcc("stsd"), 0, 0, ByteBuilder().u32(1).bytes(entry).take());
  const Bytes zero = ByteBuilder().u32(0).take();
  const Bytes stsz_body = ByteBuilder().u32(0).u32(0).take();
  return make_box(fourcc("stbl"), concat({stsd, make_full_box(fourcc("stts"), 0, 0, zero),
                                          make_full_box(fourcc("stsc"), 0, 0, zero),
                                          make_full_box(fourcc("stsz"), 0, 0, stsz_body),
                                          make_full_box(fourcc("stco"), 0, 0, zero)}));
}

Bytes trak(const TrackEntry& t) {
  const Bytes media_header = t.kind == TrackKind::video
                                 ? make_full_box(fourcc("vmhd"), 0, 1, ByteBuilder().u16(0).u16(0).u16(0).u16(0).take())
                                 : make_full_box(fourcc("smhd"), 0, 0, ByteBuilder().u16(0).u16(0).take());
  // One data reference: "in this file" (flag 1).
  const Bytes dref = make_full_box(fourcc("dref"), 0, 0,
                                   ByteBuilder().u32(1).bytes(make_full_box(fourcc("url "), 0, 1, {})).take());
  const Bytes minf = make_box(fourcc("minf"), concat({media_header, make_box(fourcc("dinf"), dref), stbl(t)}));
  const Bytes mdia = make_box(fourcc("mdia"), concat({mdhd(t), hdlr(t), minf}));
  return make_box(fourcc("trak"), concat({tkhd(t), mdia}));
}

Bytes trex(const TrackEntry& t) {
  return make_full_box(fourcc("trex"), 0, 0, ByteBuilder().u32(t.track_id).u32(1).u32(0).u32(0).u32(0).take());
}

}  // namespace

Bytes write_init_segment(const std::vector<TrackEntry>& tracks) {
  std::uint32_t next_id = 1;
  ByteBuilder moov;
  for (const auto& t : tracks) next_id = std::max(next_id, t.track_id + 1);
  moov.bytes(mvhd(next_id));
  for (const auto& t : tracks) moov.bytes(trak(t));
  ByteBuilder mvex;
  for (const auto& t : tracks) mvex.bytes(trex(t));
  moov.bytes(make_box(fourcc("mvex"), mvex.data()));
  return concat({ftyp(), make_box(fourcc("moov"), moov.data())});
}

InitInfo init_info_of(const std::vector<TrackEntry>& tracks) {
  InitInfo info;
  info.movie_timescale = 1000;
  for (const auto& t : tracks) {
    TrackInfo ti;
    ti.track_id = t.track_id;
    ti.kind = t.kind;
    ti.handler = fourcc(t.kind == TrackKind::video ? "vide" : "soun");
    ti.timescale = t.timescale;
    ti.width = t.width;
    ti.height = t.height;
    ti.has_trex = true;
    info.tracks.push_back(ti);
  }
  return info;
}

}  // namespace bvlive::fmp4
