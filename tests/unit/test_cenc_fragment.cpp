// 'cbcs' boxes (core/media/cenc) on our own writers' output: the init segment's
// encv/enca sample entries with sinf/frma/schm/tenc and the pssh boxes, field by field;
// in a fragment the senc/saiz/saio of each track, saio pointing at senc's entries, the
// trun data offsets moved by the moof's growth, every sample decrypting back to the
// original; and the inputs it refuses.
#define BOOST_TEST_MODULE cenc_fragment
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "core/media/cenc/cbcs_cipher.hpp"
#include "core/media/cenc/fragment_encryptor.hpp"
#include "core/media/cenc/init_encryptor.hpp"
#include "core/media/hls/codecs_from_init.hpp"
#include "core/media/fmp4/byte_cursor.hpp"
#include "core/media/fmp4/fragment_info.hpp"
#include "core/media/fmp4/fragment_writer.hpp"
#include "core/media/fmp4/init_writer.hpp"
#include "core/media/fmp4/sample_entry.hpp"

using namespace bvlive;
using namespace bvlive::cenc;
using fmp4::fourcc;

namespace {

const CencKey kKey{{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00},
                   {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10},
                   {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf}};

template <class T>
std::string why(const fmp4::Parsed<T>& result) {
  const auto* bad = std::get_if<fmp4::ParseError>(&result);
  return bad ? bad->message : "";
}

void nal(Bytes& out, std::initializer_list<std::uint8_t> header, std::size_t size) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(size >> (8 * i)));
  Bytes unit(header);
  while (unit.size() < size) unit.push_back(static_cast<std::uint8_t>(unit.size() * 7));
  out.insert(out.end(), unit.begin(), unit.end());
}

Bytes filler(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 13);
  return b;
}

std::vector<fmp4::TrackEntry> entries(fmp4::FourCC video_entry = fourcc("avc1")) {
  fmp4::TrackEntry video;
  video.track_id = 1;
  video.sample_entry = video_entry;
  // avcC: version 1, High 3.1, lengthSizeMinusOne 3, one SPS, one PPS.
  video.config = {0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1f,
                  0x01, 0x00, 0x04, 0x68, 0xee, 0x3c, 0x80};
  video.width = 320;
  video.height = 240;
  fmp4::TrackEntry audio;
  audio.track_id = 2;
  audio.kind = fmp4::TrackKind::audio;
  audio.timescale = 48'000;
  audio.sample_entry = fourcc("mp4a");
  audio.config = {0x11, 0x88};
  audio.sample_rate = 48'000;
  audio.channels = 1;
  return {video, audio};
}

struct Media {
  std::vector<Bytes> video, audio;
};

Media samples() {
  Media m;
  Bytes idr;
  nal(idr, {0x06, 0x05}, 12);   // SEI
  nal(idr, {0x65, 0x88}, 300);  // IDR slice
  Bytes p;
  nal(p, {0x41, 0x9a}, 100);
  Bytes tiny;
  nal(tiny, {0x01, 0x9e}, 20);  // too short to protect
  m.video = {idr, p, tiny};
  m.audio = {filler(100, 1), filler(7, 2), filler(200, 3)};
  return m;
}

fmp4::Fragment fragment(const Media& m, std::uint32_t seq = 1) {
  fmp4::TrackRun video{1, fmp4::TrackKind::video, 90'000, 0, {}};
  for (const auto& s : m.video) video.samples.push_back({3600, 0, &s == &m.video.front(), s});
  fmp4::TrackRun audio{2, fmp4::TrackKind::audio, 48'000, 0, {}};
  for (const auto& s : m.audio) audio.samples.push_back({1024, 0, true, s});
  return fmp4::write_fragment(seq, {video, audio}, true);
}

fmp4::Box box_at(ByteSpan bytes, fmp4::FourCC type) {
  auto found = fmp4::find_child(bytes, type);
  BOOST_REQUIRE_MESSAGE(found, "no " << fmp4::fourcc_text(type));
  return *found;
}

std::vector<fmp4::Box> children(ByteSpan payload, fmp4::FourCC type) {
  std::vector<fmp4::Box> out;
  fmp4::BoxReader reader(payload);
  while (auto b = reader.next())
    if (b->type == type) out.push_back(*b);
  return out;
}

// The sample entry of the trak for `track_id`.
fmp4::Box sample_entry(ByteSpan moov_payload, std::size_t trak_index) {
  const auto traks = children(moov_payload, fourcc("trak"));
  BOOST_REQUIRE(trak_index < traks.size());
  const auto stsd = fmp4::find_path(traks[trak_index].payload, {fourcc("mdia"), fourcc("minf"), fourcc("stbl"), fourcc("stsd")});
  BOOST_REQUIRE(stsd);
  fmp4::BoxReader reader(stsd->payload.subspan(8));
  auto entry = reader.next();
  BOOST_REQUIRE(entry);
  return *entry;
}

// One traf as written: its track, trun data offset, senc entries, saiz sizes, saio offset.
struct TrafView {
  std::uint32_t track_id = 0;
  std::int32_t data_offset = 0;
  std::vector<std::uint32_t> sample_sizes;
  std::uint32_t senc_flags = 0;
  std::vector<std::vector<Subsample>> senc;
  std::size_t senc_entries_at = 0;  // from the moof's first byte
  std::vector<std::uint32_t> saiz;
  std::uint32_t saio = 0;
  std::vector<fmp4::FourCC> order;
};

std::vector<TrafView> read_moof(const fmp4::Box& moof) {
  std::vector<TrafView> out;
  for (const auto& traf : children(moof.payload, fourcc("traf"))) {
    TrafView v;
    fmp4::BoxReader reader(traf.payload);
    while (auto b = reader.next()) {
      v.order.push_back(b->type);
      fmp4::ByteCursor in(b->payload);
      const std::uint32_t version_flags = in.u32();
      if (b->type == fourcc("tfhd")) v.track_id = in.u32();
      if (b->type == fourcc("trun")) {
        const std::uint32_t n = in.u32();
        v.data_offset = in.i32();
        const std::uint32_t flags = version_flags & 0xFFFFFF;
        for (std::uint32_t i = 0; i < n; ++i) {
          if (flags & fmp4::kTrunSampleDuration) in.u32();
          v.sample_sizes.push_back(in.u32());
          if (flags & fmp4::kTrunSampleFlags) in.u32();
          if (flags & fmp4::kTrunSampleCompositionTimeOffset) in.u32();
        }
      }
      if (b->type == fourcc("senc")) {
        v.senc_flags = version_flags & 0xFFFFFF;
        v.senc_entries_at = static_cast<std::size_t>(b->bytes.data() - moof.bytes.data()) + 16;
        const std::uint32_t n = in.u32();
        for (std::uint32_t i = 0; i < n; ++i) {
          std::vector<Subsample> subs;
          if (v.senc_flags & 2) {
            const std::uint16_t count = in.u16();
            for (std::uint16_t j = 0; j < count; ++j) {
              const std::uint16_t clear = in.u16();
              subs.push_back({clear, in.u32()});
            }
          }
          v.senc.push_back(subs);
        }
      }
      if (b->type == fourcc("saiz")) {
        const std::uint8_t default_size = in.u8();
        const std::uint32_t n = in.u32();
        for (std::uint32_t i = 0; i < n; ++i) v.saiz.push_back(default_size ? default_size : in.u8());
      }
      if (b->type == fourcc("saio")) {
        BOOST_TEST(in.u32() == 1u);
        v.saio = in.u32();
      }
      BOOST_TEST(!in.failed());
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(init_segment_gets_protected_sample_entries_and_pssh) {
  const Bytes clear = fmp4::write_init_segment(entries());
  const std::vector<PsshBox> pssh{{kClearKeySystemId, {kKey.kid}, {}, {}}, {kPlayReadySystemId, {kKey.kid}, Bytes{1, 2, 3}, {}}};
  const auto result = encrypt_init(clear, kKey, pssh);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<EncryptedInit>(result), why(result));
  const auto& enc = std::get<EncryptedInit>(result);

  BOOST_REQUIRE_EQUAL(enc.tracks.size(), 2u);
  BOOST_TEST(enc.tracks[0].track_id == 1u);
  BOOST_TEST((enc.tracks[0].video == VideoCodec::avc));
  BOOST_TEST(enc.tracks[0].nal_length_size == 4);
  BOOST_TEST((enc.tracks[0].pattern == kVideoPattern));
  BOOST_TEST(enc.tracks[1].track_id == 2u);
  BOOST_TEST(!enc.tracks[1].video);
  BOOST_TEST((enc.tracks[1].pattern == kNoPattern));

  // The ftyp is kept, the moov still parses to the same tracks.
  const auto clear_moov = box_at(clear, fourcc("moov"));
  const auto moov = box_at(enc.bytes, fourcc("moov"));
  BOOST_TEST(std::equal(clear.begin(), clear.begin() + 8, enc.bytes.begin()));
  const auto info = fmp4::parse_moov(moov.payload);
  BOOST_REQUIRE(std::holds_alternative<fmp4::InitInfo>(info));
  BOOST_TEST(std::get<fmp4::InitInfo>(info).tracks.size() == 2u);
  // The CODECS of a master playlist still name the original formats behind encv/enca.
  const auto codecs_clear = hls::codecs_from_init(clear), codecs_enc = hls::codecs_from_init(enc.bytes);
  BOOST_REQUIRE(std::holds_alternative<std::string>(codecs_enc));
  BOOST_TEST(std::get<std::string>(codecs_enc) == std::get<std::string>(codecs_clear));

  for (std::size_t t = 0; t < 2; ++t) {
    const bool video = t == 0;
    const auto before = sample_entry(clear_moov.payload, t);
    const auto after = sample_entry(moov.payload, t);
    BOOST_TEST(after.type == fourcc(video ? "encv" : "enca"));
    // The original entry's fields and children, then the sinf.
    BOOST_REQUIRE(after.payload.size() == before.payload.size() + 97);
    BOOST_TEST(std::equal(before.payload.begin(), before.payload.end(), after.payload.begin()));
    const auto sinf = box_at(after.payload.subspan(before.payload.size()), fourcc("sinf"));
    const auto frma = box_at(sinf.payload, fourcc("frma"));
    BOOST_TEST(fmp4::ByteCursor(frma.payload).u32() == fourcc(video ? "avc1" : "mp4a"));
    fmp4::ByteCursor schm(box_at(sinf.payload, fourcc("schm")).payload);
    BOOST_TEST(schm.u32() == 0u);  // version 0, no flags (no URI)
    BOOST_TEST(schm.u32() == fourcc("cbcs"));
    BOOST_TEST(schm.u32() == 0x00010000u);
    const auto tenc = box_at(box_at(sinf.payload, fourcc("schi")).payload, fourcc("tenc"));
    const Bytes expected_tenc = fmp4::ByteBuilder()
                                    .u32(0x01000000)  // version 1
                                    .u8(0)
                                    .u8(video ? 0x19 : 0x00)  // crypt 1 / skip 9; audio: no pattern
                                    .u8(1)                    // isProtected
                                    .u8(0)                    // Per_Sample_IV_Size
                                    .bytes(kKey.kid)
                                    .u8(16)
                                    .bytes(kKey.iv)
                                    .take();
    BOOST_TEST(Bytes(tenc.payload.begin(), tenc.payload.end()) == expected_tenc, boost::test_tools::per_element());
  }

  const auto boxes = children(moov.payload, fourcc("pssh"));
  BOOST_REQUIRE_EQUAL(boxes.size(), 2u);
  const Bytes expected_clearkey =
      fmp4::ByteBuilder().u32(0x01000000).bytes(kClearKeySystemId).u32(1).bytes(kKey.kid).u32(0).take();
  BOOST_TEST(Bytes(boxes[0].payload.begin(), boxes[0].payload.end()) == expected_clearkey, boost::test_tools::per_element());
  const Bytes expected_playready =
      fmp4::ByteBuilder().u32(0x01000000).bytes(kPlayReadySystemId).u32(1).bytes(kKey.kid).u32(3).u8(1).u8(2).u8(3).take();
  BOOST_TEST(Bytes(boxes[1].payload.begin(), boxes[1].payload.end()) == expected_playready, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(fragment_gets_senc_saiz_saio_and_moved_data_offsets) {
  const auto init = std::get<EncryptedInit>(encrypt_init(fmp4::write_init_segment(entries()), kKey, {}));
  const Media m = samples();
  const fmp4::Fragment clear = fragment(m);
  const auto result = encrypt_fragment(clear.bytes, init.tracks);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<Bytes>(result), why(result));
  const Bytes& enc = std::get<Bytes>(result);

  const auto clear_moof = box_at(clear.bytes, fourcc("moof"));
  const auto moof = box_at(enc, fourcc("moof"));
  const std::size_t growth = moof.bytes.size() - clear_moof.bytes.size();
  BOOST_TEST(enc.size() == clear.bytes.size() + growth);  // the mdat keeps its size

  // Our own parser reads the same samples from it.
  const auto parsed = fmp4::parse_moof(moof.payload, fmp4::init_info_of(entries()));
  BOOST_REQUIRE(std::holds_alternative<fmp4::FragmentInfo>(parsed));
  const auto& info = std::get<fmp4::FragmentInfo>(parsed);
  BOOST_REQUIRE_EQUAL(info.tracks.size(), 2u);
  BOOST_TEST(info.tracks[0].samples.size() == 3u);
  BOOST_TEST(info.tracks[1].samples.size() == 3u);

  const auto before = read_moof(clear_moof);
  const auto views = read_moof(moof);
  BOOST_REQUIRE_EQUAL(views.size(), 2u);
  for (std::size_t t = 0; t < 2; ++t) {
    const TrafView& v = views[t];
    const bool video = t == 0;
    const auto& originals = video ? m.video : m.audio;
    const std::vector<fmp4::FourCC> order{fourcc("tfhd"), fourcc("tfdt"), fourcc("trun"), fourcc("saiz"), fourcc("saio"), fourcc("senc")};
    BOOST_TEST(v.order == order, boost::test_tools::per_element());
    BOOST_TEST(v.data_offset == before[t].data_offset + static_cast<std::int32_t>(growth));
    // saio: relative to the moof, at senc's first entry.
    BOOST_TEST(v.saio == v.senc_entries_at);
    BOOST_TEST(v.senc_flags == (video ? 2u : 0u));
    BOOST_REQUIRE_EQUAL(v.senc.size(), originals.size());
    BOOST_REQUIRE_EQUAL(v.saiz.size(), originals.size());

    std::size_t at = static_cast<std::size_t>(v.data_offset);  // from the moof's first byte
    for (std::size_t i = 0; i < originals.size(); ++i) {
      const Bytes& original = originals[i];
      BOOST_REQUIRE_EQUAL(v.sample_sizes[i], original.size());
      Bytes sample(enc.begin() + static_cast<std::ptrdiff_t>(at), enc.begin() + static_cast<std::ptrdiff_t>(at + original.size()));
      at += original.size();
      BOOST_TEST(v.saiz[i] == (video ? 2 + 6 * v.senc[i].size() : 0u));
      if (video) {
        std::size_t pos = 0, protected_total = 0;
        for (const Subsample& s : v.senc[i]) {
          // Clear bytes as they were; the protected part decrypts from the IV.
          BOOST_TEST(std::equal(original.begin() + static_cast<std::ptrdiff_t>(pos),
                                original.begin() + static_cast<std::ptrdiff_t>(pos + s.clear),
                                sample.begin() + static_cast<std::ptrdiff_t>(pos)));
          pos += s.clear;
          cbcs_decrypt(std::span(sample).subspan(pos, s.protected_bytes), kKey.key, kKey.iv, kVideoPattern);
          pos += s.protected_bytes;
          protected_total += s.protected_bytes;
        }
        BOOST_TEST(pos == original.size());
        BOOST_TEST((protected_total == 0) == (i == 2));  // the 20-byte slice stays clear
      } else {
        BOOST_TEST(v.senc[i].empty());
        cbcs_decrypt(sample, kKey.key, kKey.iv, kNoPattern);
      }
      BOOST_TEST((sample == original), "track " << v.track_id << " sample " << i);
    }
  }
  // The IDR sample: SEI (16) and the slice's length and lead (36) clear, 268 protected.
  const std::vector<Subsample> idr{{52, 268}};
  BOOST_TEST((views[0].senc[0] == idr));
}

BOOST_AUTO_TEST_CASE(tracks_left_out_stay_clear_but_move) {
  const auto init = std::get<EncryptedInit>(encrypt_init(fmp4::write_init_segment(entries()), kKey, {}));
  const Media m = samples();
  const fmp4::Fragment clear = fragment(m);
  const std::vector<TrackEncryption> audio_only{init.tracks[1]};
  const auto result = encrypt_fragment(clear.bytes, audio_only);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<Bytes>(result), why(result));
  const Bytes& enc = std::get<Bytes>(result);
  const auto views = read_moof(box_at(enc, fourcc("moof")));
  BOOST_REQUIRE_EQUAL(views.size(), 2u);
  BOOST_TEST(views[0].senc.empty());
  BOOST_TEST(views[0].order.size() == 3u);
  std::size_t at = static_cast<std::size_t>(views[0].data_offset);
  for (const Bytes& s : m.video) {
    BOOST_TEST(std::equal(s.begin(), s.end(), enc.begin() + static_cast<std::ptrdiff_t>(at)));
    at += s.size();
  }
  BOOST_TEST(views[1].senc.size() == 3u);
}

BOOST_AUTO_TEST_CASE(what_cannot_be_encrypted_is_refused) {
  const Bytes clear_init = fmp4::write_init_segment(entries());
  const auto init = std::get<EncryptedInit>(encrypt_init(clear_init, kKey, {}));
  // Twice.
  BOOST_TEST(why(encrypt_init(init.bytes, kKey, {})).find("already encrypted") != std::string::npos);
  // AV1 (OBU subsamples are not written yet), and no init at all.
  BOOST_TEST(why(encrypt_init(fmp4::write_init_segment(entries(fourcc("av01"))), kKey, {})).find("av01") != std::string::npos);
  BOOST_TEST(!why(encrypt_init(Bytes{0, 0, 0, 8, 'f', 'r', 'e', 'e'}, kKey, {})).empty());

  const Media m = samples();
  const fmp4::Fragment clear = fragment(m);
  const Bytes once = std::get<Bytes>(encrypt_fragment(clear.bytes, init.tracks));
  BOOST_TEST(why(encrypt_fragment(once, init.tracks)).find("already has") != std::string::npos);
  // The mdat cut short: the samples lie past the end.
  Bytes cut = clear.bytes;
  cut.resize(cut.size() - 50);
  const auto mdat_size_at = box_at(clear.bytes, fourcc("moof")).bytes.size();
  cut[mdat_size_at + 3] = static_cast<std::uint8_t>(cut[mdat_size_at + 3] - 50);  // keep the mdat box whole
  BOOST_TEST(why(encrypt_fragment(cut, init.tracks)).find("outside") != std::string::npos);
  // A tfhd without default-base-is-moof: where its data lies depends on other tracks.
  Bytes no_base = clear.bytes;
  const auto tfhd = std::search(no_base.begin(), no_base.end(), std::begin("tfhd"), std::begin("tfhd") + 4);
  *(tfhd + 5) = 0;  // flags' top byte: 0x02 (default-base-is-moof) gone
  BOOST_TEST(why(encrypt_fragment(no_base, init.tracks)).find("default-base-is-moof") != std::string::npos);
  // A video sample whose NAL length runs past its end.
  Media broken = m;
  broken.video[1][3] = 200;
  BOOST_TEST(why(encrypt_fragment(fragment(broken).bytes, init.tracks)).find("run past") != std::string::npos);
  // No moof.
  BOOST_TEST(why(encrypt_fragment(Bytes{0, 0, 0, 8, 'm', 'd', 'a', 't'}, init.tracks)).find("no moof") != std::string::npos);
}
